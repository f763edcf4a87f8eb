import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalGitLab } from '../servers/gitlab-server.ts'
import fc from 'fast-check'
import { BOUNDARIES, CrashProxy, everyCrashPoint, killSequences, killedInTurn } from '../helpers/crash-points.ts'
import { tempDir } from '../helpers/temp-tree.ts'

describe('publish gitlab is exactly once: one note, one status per context, whatever instant it is killed at', () => {
  const TOKEN_GL = 'glpat-SECRET-crash-token-12345'
  /** the notes page, the note, and per status a read then a write */
  const REQUESTS = 6
  let gitlab: LocalGitLab
  let proxy: CrashProxy
  let dir: string
  const rounds = new Map<string, number>()
  beforeAll(async () => {
    gitlab = await new LocalGitLab({ projectId: '42', token: TOKEN_GL }).start()
    proxy = await new CrashProxy(gitlab.apiUrl.replace(/\/api\/v4$/, '')).start()
    dir = tempDir('crash-gitlab')
    writeFileSync(path.join(dir, 'matrix.json'), JSON.stringify({ build: 'v0.5.0-rc1', totals: { passed: 10, failed: 1, flaky: 0, blocked: 0, wip: 0, 'not-run': 0, skipped: 0, 'not-required': 0 }, cellTotals: { passed: 10, failed: 1, flaky: 0, blocked: 0, wip: 0, 'not-run': 0, skipped: 0, 'not-required': 0 }, gaps: { required: 11, notRun: 0, byEnvironment: {}, wip: 0 }, unscoped: { cases: 0, failed: 0 }, runErrors: [], information: 0, features: [] }))
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

  /** One note on the round's merge request, one status per context on its commit. */
  const exactlyOnce = (round: string): void => {
    const notes = (gitlab.notes.get(String(numberOf(round))) ?? []).filter((n) => n.body.startsWith('<!-- bdd-matrix:test-matrix -->'))
    expect(notes, round).toHaveLength(1)
    const statuses = gitlab.statuses.filter((st) => st.sha === shaOf(round))
    expect(statuses.map((st) => st.body.name).sort(), round).toEqual(['bdd-matrix', 'bdd-matrix/gate'])
    expect(statuses.find((st) => st.body.name === 'bdd-matrix')!.body.state, round).toBe('failed')
  }

  it('before a request, after GitLab applied it, after its answer, and while it waits out a 429: one note, one bdd-matrix and one bdd-matrix/gate status', async () => {
    const { rounds: done, requests } = await everyCrashPoint({ proxy, command, check: exactlyOnce })
    expect(requests).toBe(REQUESTS)
    expect(done).toBe(BOUNDARIES.length * REQUESTS)
  })

  it('killed again and again, each time at another instant, then run to its end: still one note and one status per context (property-based)', async () => {
    let sequence = 0
    await fc.assert(
      fc.asyncProperty(killSequences(REQUESTS), async (points) => {
        const round = `sequence-${++sequence}`
        const { killed } = await killedInTurn(proxy, command(round), points)
        expect(killed[0]!.signal, round).toBe('SIGKILL')
        exactlyOnce(round)
      }),
      { numRuns: 6, seed: Number(process.env.CRASH_SEED ?? 20261207) },
    )
  })
  it('with --gitlab-issues, killed at every instant: also one note on each scope feature\'s issue', async () => {
    // a project whose scope names its features' issues: a matrix written from ingested results
    const project = path.join(tempDir('crash-gitlab-issues'), 'project')
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/run-project/features'), path.join(project, 'features'), { recursive: true })
    const ingested = await runCliInProcess(['ingest', path.join(PROJECT_ROOT, 'test/fixtures/messages/flaky.ndjson'), '--env', 'local', '--build', 'b1', '--out', 'results'], { cwd: project })
    expect(ingested.code, ingested.stderr).toBe(0)
    expect((await runCliInProcess(['matrix', '--build', 'b1', '--out', 'reports'], { cwd: project })).code).toBe(0)
    const scope = readFileSync(path.join(project, 'features/milestones/run.yaml'), 'utf8')
    // each round's features on issues of its own
    const issuesOf = (round: string): [number, number] => [2 * numberOf(`issues-${round}`), 2 * numberOf(`issues-${round}`) + 1]
    const scopeOf = (round: string): string => {
      const [numbers, letters] = issuesOf(round)
      const file = path.join(project, `scope-${round}.yaml`)
      writeFileSync(file, scope.replace('    environments: [local, docker]\n', `    environments: [local, docker]\n    issue: ${numbers}\n`).replace('    acceptance: Nothing tests this yet.\n', `    acceptance: Nothing tests this yet.\n    issue: ${letters}\n`))
      return file
    }
    const issueCommand = (round: string) => ({
      ...command(`issues-${round}`),
      args: ['publish', 'gitlab', '--matrix', 'reports/matrix.json', '--markdown', 'reports/matrix.md', '--gitlab-issues', '--scope', scopeOf(round)],
      cwd: project,
    })
    const { rounds: done, requests } = await everyCrashPoint({
      proxy,
      command: issueCommand,
      check: (round, { rerun }) => {
        const notes = (gitlab.notes.get(String(numberOf(`issues-${round}`))) ?? []).filter((n) => n.body.startsWith('<!-- bdd-matrix:test-matrix -->'))
        expect(notes, round).toHaveLength(1)
        for (const issue of issuesOf(round)) {
          expect(rerun.stdout, round).toMatch(new RegExp(`issue #?${issue} \\(\\w+\\): note (created|updated)`))
          expect((gitlab.notes.get(`issue-${issue}`) ?? []).filter((n) => n.body.startsWith('<!-- bdd-matrix:feature:')), `${round} issue ${issue}`).toHaveLength(1)
        }
      },
    })
    // the merge request's note and the commit status as above (no gate), then per issue its notes read and one written
    expect(requests).toBe(4 + 2 * 2)
    expect(done).toBe(BOUNDARIES.length * requests)
  })
})

