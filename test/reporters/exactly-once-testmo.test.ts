import { cpSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT, runBinAsync } from '../helpers/run-bin.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { LocalTestmo } from '../servers/testmo-server.ts'
import fc from 'fast-check'
import { BOUNDARIES, CrashProxy, everyCrashPoint, killSequences, killedInTurn, runGroup } from '../helpers/crash-points.ts'
import { crashResults as results, ENVIRONMENTS, PER_ENVIRONMENT } from '../helpers/crash-results.ts'
import { tempDir } from '../helpers/temp-tree.ts'

const TOKEN = 'testmo-SECRET-crash-token'
/** create run, a thread and 4 appends of 250 per environment, complete: as the official CLI would */
const REQUESTS = 1 + ENVIRONMENTS.length * (1 + PER_ENVIRONMENT / 250) + 1

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

  it('before a request, after Testmo applied it, after its answer but before the journal, and while it waits out a 429\'s Retry-After: 0 lost, 0 duplicated, the run completed', async () => {
    const { rounds, requests } = await everyCrashPoint({ proxy, command, check: (round, { killed }) => {
      if (round !== 'count') expect(killed.signal, `${round}: the command was to be killed`).toBe('SIGKILL')
      exactlyOnce(round)
    } })
    expect(requests).toBe(REQUESTS)
    expect(rounds).toBe(BOUNDARIES.length * requests)
  })

  it('killed again and again, each time at another instant, then run to its end: 0 lost, 0 duplicated, the run completed (property-based)', async () => {
    let sequence = 0
    await fc.assert(
      fc.asyncProperty(killSequences(REQUESTS), async (points) => {
        const round = `sequence-${++sequence}`
        const { killed, final } = await killedInTurn(proxy, command(round), points)
        // (the first kill always finds the command making requests; a later one may find it done)
        expect(killed[0]!.signal, round).toBe('SIGKILL')
        expect(final.stdout, round).toContain(`${PER_ENVIRONMENT * ENVIRONMENTS.length} test(s) in ${ENVIRONMENTS.length} thread(s), completed`)
        exactlyOnce(round)
      }),
      { numRuns: 8, seed: Number(process.env.CRASH_SEED ?? 20261207) },
    )
  })

  it('halves its batches when Testmo refuses one as too large, and keeps the official CLI\'s request count otherwise', async () => {
    const round = 'too-large'
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, kind: 'status', status: 413 })
    const run = await runGroup([...command(round).args, '--batch-size', '1000'], command(round))
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('Testmo refused 1000 tests in one append as too large; sending 500 at a time')
    exactlyOnce(round)
  })

  it('the job completing a parallel run, adding the cells no thread has, killed at any instant: each added once, none a thread has, the run completed', async () => {
    // the run fixture's scope requires `numbers` on local and docker; a --thread job published local
    const project = tempDir('crash-complete')
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/run-project/features'), path.join(project, 'features'), { recursive: true })
    const ingested = await runCliInProcess(['ingest', path.join(PROJECT_ROOT, 'test/fixtures/messages/flaky.ndjson'), '--env', 'local', '--build', 'b1', '--out', 'results'], { cwd: project })
    expect(ingested.code, ingested.stderr).toBe(0)
    const direct = { TESTMO_URL: testmo.url, TESTMO_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: testmo.certificateFile }
    const runIds = new Map<string, string>()
    const prepare = async (round: string): Promise<void> => {
      const id = String(projectOf(`complete-${round}`))
      const created = await runBinAsync(['publish', 'testmo', '--results', 'results', '--project-id', id, '--create', '--run-id-file', `${round}.env`, '--journal', `${round}-create.json`], { cwd: project, env: direct })
      expect(created.code, created.stderr).toBe(0)
      runIds.set(round, created.stdout.trim())
      const thread = await runBinAsync(['publish', 'testmo', '--results', 'results', '--project-id', id, '--thread', '--run-id', runIds.get(round)!, '--journal', `${round}-thread.json`], { cwd: project, env: direct })
      expect(thread.code, thread.stderr).toBe(0)
    }
    const { rounds, requests } = await everyCrashPoint({
      proxy,
      prepare,
      // no results here: what ran is read from Testmo
      command: (round) => ({ args: ['publish', 'testmo', '--results', 'not-here', '--project-id', String(projectOf(`complete-${round}`)), '--complete', '--run-id', runIds.get(round)!, '--journal', `${round}-complete.json`, '--batch-size', '2'], cwd: project, env: { ...direct, TESTMO_URL: proxy.url, BDD_MATRIX_BUILD: 'b1', CI: 'true' } }),
      check: (round, { rerun }) => {
        // however much the killed attempt sent, the rerun picks the same cells (its own tests are not another job's)
        expect(rerun.stdout, round).toContain('; 6 required cell(s) no thread had were added as skipped tests, in 1 thread(s)')
        const run = testmo.runs.get(Number(runIds.get(round)))!
        expect(run.completed, round).toBe(true)
        const tests = testmo.testsOf(run.id)
        // six ran on local (the thread job's), six required on docker added, each once
        expect(tests, round).toHaveLength(12)
        expect(new Set(tests.map((t) => t.key)).size, round).toBe(12)
        expect(tests.filter((t) => t.status === 'skipped'), round).toHaveLength(6)
      },
    })
    // the run's tests read (one page), a thread made, three appends of two (a kill between them leaves
    // some sent: the rerun must pick the same cells), complete
    expect(requests).toBe(6)
    expect(rounds).toBe(BOUNDARIES.length * requests)
  })
})

