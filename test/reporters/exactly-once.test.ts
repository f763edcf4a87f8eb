import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalTestmo } from '../servers/testmo-server.ts'
import { LocalGitLab } from '../servers/gitlab-server.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { ResultsWriter } from '../../src/results/results-writer.ts'
import { MODEL_VERSION, type Case } from '../../src/model/results.ts'
import { CrashProxy, everyCrashPoint, runGroup } from '../helpers/crash-points.ts'
import { tempDir } from '../helpers/temp-tree.ts'

const TOKEN = 'testmo-SECRET-crash-token'
const PER_ENVIRONMENT = 1000
const ENVIRONMENTS = ['local', 'docker']
/** the hub's pushes and pulls: what is proved is the resumption, which a few hundred cases show as well */
const HUB_CASES = 300

/** 2,000 results over two environments, one in 25 failed. */
function results(runPrefix = 'crash', build = 'v0.5.0-rc1', perEnvironment = PER_ENVIRONMENT): string {
  const dir = tempDir('crash-results')
  for (const environment of ENVIRONMENTS) {
    const writer = new ResultsWriter(dir)
    for (let i = 0; i < perEnvironment; i++) {
      const failed = i % 25 === 0
      const c: Case = { kind: 'case', id: `case-${i}`, uri: `features/area-${i % 20}.feature`, feature: `Area ${i % 20}`, scenario: `scenario ${i}`, name: `scenario ${i}`, featureIds: ['p2p-network'], tags: [], status: failed ? 'failed' : 'passed', flaky: false, attempts: 1, durationMs: 5, steps: [], ...(failed ? { error: 'expected 1 to equal 2' } : {}), attachments: [], nodes: [], source: 'automated' }
      writer.write(c)
    }
    writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `${runPrefix}-${environment}`, build, stage: 'acceptance', environment, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:10:00.000Z', source: { format: 'cucumber-messages' } })
  }
  return dir
}

describe('publish testmo is exactly once, whatever instant it is killed at', () => {
  let testmo: LocalTestmo
  let proxy: CrashProxy
  let resultsDir: string
  let work: string
  const projects = new Map<string, number>()
  beforeAll(async () => {
    testmo = await new LocalTestmo({ token: TOKEN, projects: [] }).start()
    proxy = await new CrashProxy(testmo.url, testmo.tls).start()
    resultsDir = results()
    work = tempDir('crash-work')
  })
  afterAll(async () => {
    await proxy.stop()
    await testmo.stop()
  })

  // Each round publishes into a project of its own: its run is told apart from every other round's.
  const projectOf = (round: string): number => {
    if (!projects.has(round)) {
      projects.set(round, 100 + projects.size)
      testmo.projects.add(projects.get(round)!)
    }
    return projects.get(round)!
  }
  const command = (round: string) => ({
    args: ['publish', 'testmo', '--results', resultsDir, '--project-id', String(projectOf(round)), '--journal', path.join(work, `${round}.json`)],
    cwd: work,
    env: { TESTMO_URL: proxy.url, TESTMO_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: testmo.certificateFile, CI: 'true' },
  })
  /** One run in the round's project, completed, holding every result once (an empty thread is the one documented leftover). */
  const exactlyOnce = (round: string) => {
    const runs = [...testmo.runs.values()].filter((r) => r.projectId === projectOf(round))
    expect(runs, round).toHaveLength(1)
    const run = runs[0]!
    expect(run.completed, round).toBe(true)
    const tests = testmo.testsOf(run.id)
    expect(tests, round).toHaveLength(PER_ENVIRONMENT * ENVIRONMENTS.length)
    expect(new Set(tests.map((t) => t.key)).size, round).toBe(tests.length)
    expect(tests.filter((t) => t.status === 'failed'), round).toHaveLength((PER_ENVIRONMENT / 25) * ENVIRONMENTS.length)
    const withTests = run.threads.filter((id) => testmo.threads.get(id)!.tests.length > 0)
    expect(withTests, round).toHaveLength(ENVIRONMENTS.length)
    return run
  }

  it('before a request, after Testmo applied it, and after its answer but before the journal: 0 lost, 0 duplicated, the run completed', async () => {
    const { rounds, requests } = await everyCrashPoint({ proxy, boundaries: ['before', 'applied', 'answered'], command, check: (round, { killed }) => {
      if (round !== 'count') expect(killed.signal, `${round}: the command was to be killed`).toBe('SIGKILL')
      exactlyOnce(round)
    } })
    // create run, a thread and 4 appends of 250 per environment, complete: as the official CLI would
    expect(requests).toBe(1 + ENVIRONMENTS.length * (1 + PER_ENVIRONMENT / 250) + 1)
    expect(rounds).toBe(3 * requests)
  })

  it('killed while it waits out a Retry-After, it resumes: 0 lost, 0 duplicated', async () => {
    const round = 'waiting'
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, skip: 1, kind: 'status', status: 429, retryAfter: '600' })
    let kill: () => void = () => {}
    proxy.arm(4, 'waiting', () => kill())
    const killed = await runGroup(command(round).args, { ...command(round), onStart: (k) => (kill = k) })
    proxy.disarm()
    expect(killed.signal).toBe('SIGKILL')
    expect(testmo.faults[0]!.fired).toBe(1)
    const rerun = await runGroup(command(round).args, command(round))
    expect(rerun.code, rerun.stderr).toBe(0)
    exactlyOnce(round)
  })

  it('halves its batches when Testmo refuses one as too large, and keeps the official CLI\'s request count otherwise', async () => {
    const round = 'too-large'
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, kind: 'status', status: 413 })
    const run = await runGroup([...command(round).args, '--batch-size', '1000'], command(round))
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('Testmo refused 1000 tests in one append as too large; sending 500 at a time')
    exactlyOnce(round)
  })
})

describe('publish gitlab is exactly once: one note, one status per context, whatever instant it is killed at', () => {
  const TOKEN_GL = 'glpat-SECRET-crash-token-12345'
  let gitlab: LocalGitLab
  let proxy: CrashProxy
  let dir: string
  const rounds = new Map<string, number>()
  beforeAll(async () => {
    gitlab = await new LocalGitLab({ projectId: '42', token: TOKEN_GL }).start()
    proxy = await new CrashProxy(gitlab.apiUrl.replace(/\/api\/v4$/, '')).start()
    dir = tempDir('crash-gitlab')
    writeFileSync(path.join(dir, 'matrix.json'), JSON.stringify({ build: 'v0.5.0-rc1', totals: { passed: 10, failed: 1, flaky: 0, blocked: 0, wip: 0, 'not-run': 0, skipped: 0, 'not-required': 0 }, gaps: { required: 11, notRun: 0, byEnvironment: {}, wip: 0 }, unscoped: { cases: 0, failed: 0 }, runErrors: [], information: 0, features: [] }))
    writeFileSync(path.join(dir, 'matrix.md'), '### Test matrix · build v0.5.0-rc1\n\n1 failed\n')
    writeFileSync(path.join(dir, 'gate.json'), JSON.stringify({ evidenceVersion: 1, report: { milestone: 'm', build: 'v0.5.0-rc1', verdict: 'no-go', baseline: { rule: 'previous-rc' }, criteria: [{ id: 'a', kind: 'scenarios-pass', severity: 'blocking', verdict: 'fail', value: '10 of 11', threshold: 'all', why: '1 failed', items: [] }], waivers: { used: [], unused: [], expired: [] } } }))
  })
  afterAll(async () => {
    await proxy.stop()
    await gitlab.stop()
  })
  // Each round is a merge request and a commit of its own.
  const numberOf = (round: string): number => {
    if (!rounds.has(round)) rounds.set(round, 500 + rounds.size)
    return rounds.get(round)!
  }
  const shaOf = (round: string): string => numberOf(round).toString(16).padStart(40, 'a')
  const command = (round: string) => ({
    args: ['publish', 'gitlab', '--matrix', 'matrix.json', '--markdown', 'matrix.md', '--gate', 'gate.json'],
    cwd: dir,
    env: { CI_API_V4_URL: `${proxy.url}/api/v4`, CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: String(numberOf(round)), CI_COMMIT_SHA: shaOf(round), CI_COMMIT_REF_NAME: 'feature-x', GITLAB_TOKEN: TOKEN_GL },
  })

  it('before a request, after GitLab applied it, and after its answer: one note, one bdd-matrix and one bdd-matrix/gate status', async () => {
    const { rounds: done, requests } = await everyCrashPoint({ proxy, boundaries: ['before', 'applied', 'answered'], command, check: (round) => {
      const notes = (gitlab.notes.get(String(numberOf(round))) ?? []).filter((n) => n.body.startsWith('<!-- bdd-matrix:test-matrix -->'))
      expect(notes, round).toHaveLength(1)
      const statuses = gitlab.statuses.filter((st) => st.sha === shaOf(round))
      expect(statuses.map((st) => st.body.name).sort(), round).toEqual(['bdd-matrix', 'bdd-matrix/gate'])
      expect(statuses.find((st) => st.body.name === 'bdd-matrix')!.body.state, round).toBe('failed')
    } })
    // the notes page, the note, and per status a read then a write
    expect(requests).toBe(6)
    expect(done).toBe(18)
  })
})

describe('push and pull to the results hub are exactly once, whatever instant they are killed at', () => {
  let hub: TestHub
  let proxy: CrashProxy
  beforeAll(async () => {
    hub = await startHub()
    proxy = await new CrashProxy(hub.url).start()
  })
  afterAll(async () => {
    await proxy.stop()
    await hub.close()
  })
  const folders = new Map<string, string>()
  const folderOf = (round: string, prefix: string): string => {
    if (!folders.has(`${prefix}:${round}`)) folders.set(`${prefix}:${round}`, results(`${prefix}-${round}`, 'v0.5.0-rc1', HUB_CASES))
    return folders.get(`${prefix}:${round}`)!
  }

  it('push: every run once, every case once, each run complete', async () => {
    const { rounds, requests } = await everyCrashPoint({
      proxy,
      boundaries: ['before', 'applied', 'answered'],
      command: (round) => ({ args: ['push', '--results', folderOf(round, 'push')], cwd: folderOf(round, 'push'), env: { BDD_MATRIX_SERVER: proxy.url, BDD_MATRIX_TOKEN: hub.tokens.ci } }),
      check: async (round) => {
        for (const environment of ENVIRONMENTS) {
          const id = `push-${round}-${environment}`
          expect(await hub.service.store.runRecord(id), round).toMatchObject({ complete: true, received: HUB_CASES })
          const seqs: number[] = []
          await hub.service.store.caseLines(id, (_, n) => seqs.push(n))
          expect(seqs, round).toHaveLength(HUB_CASES)
        }
      },
    })
    expect(requests).toBe(3 * ENVIRONMENTS.length)
    expect(rounds).toBe(3 * requests)
  })

  it('pull: never a half-written file, and the same folder once run again', async () => {
    // what the hub holds: one build's two runs
    const source = results('pull-source', 'v0.6.0-rc1', HUB_CASES)
    const pushed = await runGroup(['push', '--results', source], { cwd: source, env: { BDD_MATRIX_SERVER: hub.url, BDD_MATRIX_TOKEN: hub.tokens.ci } })
    expect(pushed.code, pushed.stderr).toBe(0)
    const complete = (folder: string) => {
      for (const file of existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.ndjson')) : []) {
        const lines = readFileSync(path.join(folder, file), 'utf8').trim().split('\n')
        expect(JSON.parse(lines[0]!).kind, file).toBe('run')
        for (const line of lines) JSON.parse(line)
      }
    }
    const out = (round: string) => path.join(tempDir('pulled'), round)
    const outs = new Map<string, string>()
    const { rounds } = await everyCrashPoint({
      proxy,
      boundaries: ['before', 'applied', 'answered'],
      prepare: (round) => {
        outs.set(round, out(round))
        // a folder that already holds a good pull: a killed pull must not spoil it
        if (round !== 'count') cpSync(outs.get('count')!, outs.get(round)!, { recursive: true })
      },
      command: (round) => ({ args: ['pull', '--build', 'v0.6.0-rc1', '--out', outs.get(round)!], cwd: source, env: { BDD_MATRIX_SERVER: proxy.url, BDD_MATRIX_TOKEN: hub.tokens.qa } }),
      check: (round, { killed }) => {
        complete(outs.get(round)!)
        const names = readdirSync(outs.get(round)!).filter((f) => f.endsWith('.ndjson')).sort()
        expect(names, round).toEqual(['pull-source-docker.ndjson', 'pull-source-local.ndjson'])
        const parsed = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown)
        for (const name of names) expect(parsed(path.join(outs.get(round)!, name)), `${round} ${name}`).toEqual(parsed(path.join(source, name)))
        void killed
      },
    })
    expect(rounds).toBeGreaterThan(0)
  })
})
