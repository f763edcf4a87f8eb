import { cpSync, rmSync } from 'node:fs'
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
/**
 * create run, a thread and 4 appends of 250 per environment, complete: as the official CLI would —
 * after one look for the run (a CI job without its journal may be a retried one)
 */
const REQUESTS = 1 + 1 + ENVIRONMENTS.length * (1 + PER_ENVIRONMENT / 250) + 1

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
    args: ['publish', 'testmo', '--results', resultsDir, '--project-id', String(projectOf(round)), '--journal', journalOf(round)],
    cwd: work,
    env: { TESTMO_URL: proxy.url, TESTMO_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: testmo.certificateFile, CI: 'true' },
  })
  /**
   * One run in the round's project, completed, holding every result once (an empty thread is the
   * one documented leftover). `split`: the journal was lost, so an environment's tests may be in
   * the thread of the killed attempt and in the one its rerun made.
   */
  const exactlyOnce = (round: string, options: { split?: boolean } = {}) => {
    const runs = [...testmo.runs.values()].filter((r) => r.projectId === projectOf(round))
    expect(runs, round).toHaveLength(1)
    const run = runs[0]!
    expect(run.completed, round).toBe(true)
    const tests = testmo.testsOf(run.id)
    expect(tests, round).toHaveLength(PER_ENVIRONMENT * ENVIRONMENTS.length)
    expect(new Set(tests.map((t) => t.key)).size, round).toBe(tests.length)
    expect(tests.filter((t) => t.status === 'failed'), round).toHaveLength((PER_ENVIRONMENT / 25) * ENVIRONMENTS.length)
    const withTests = run.threads.filter((id) => testmo.threads.get(id)!.tests.length > 0)
    if (options.split) expect(withTests.length, round).toBeGreaterThanOrEqual(ENVIRONMENTS.length)
    else expect(withTests, round).toHaveLength(ENVIRONMENTS.length)
    return run
  }
  const journalOf = (round: string) => path.join(work, `${round}.json`)

  it('before a request, after Testmo applied it, after its answer but before the journal, and while it waits out a 429\'s Retry-After: 0 lost, 0 duplicated, the run completed', async () => {
    const { rounds, requests } = await everyCrashPoint({ proxy, command, check: (round) => void exactlyOnce(round) })
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

  it('a retried CI job, its journal gone with the killed attempt\'s workspace, killed at every instant: 0 lost, 0 duplicated, one run, completed', async () => {
    const { rounds, requests } = await everyCrashPoint({
      proxy,
      command: (round) => command(`lost-${round}`),
      beforeRerun: (round) => rmSync(journalOf(`lost-${round}`), { force: true }),
      check: (round) => void exactlyOnce(`lost-${round}`, { split: true }),
    })
    expect(requests).toBe(REQUESTS)
    expect(rounds).toBe(BOUNDARIES.length * requests)
  })

  it('killed again and again, the journal sometimes lost between attempts (a retried CI job), then run to its end: 0 lost, 0 duplicated (property-based)', async () => {
    let sequence = 0
    await fc.assert(
      fc.asyncProperty(killSequences(REQUESTS), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), async (points, lost) => {
        const round = `lost-sequence-${++sequence}`
        await killedInTurn(proxy, command(round), points, { between: (i) => void (lost[i] && rmSync(journalOf(round), { force: true })) })
        exactlyOnce(round, { split: true })
      }),
      { numRuns: 8, seed: Number(process.env.CRASH_SEED ?? 20261207) },
    )
  })

  it('a thread adopted without the journal, killed again with an append in flight: the rerun counts its tests in the other thread as known, and sends nothing twice', async () => {
    const round = 'adopted-then-killed'
    // the first attempt dies after Testmo took its second append; its retry (no journal) finds the
    // run, makes a thread for the rest and dies after Testmo took an append to it; the last run has that journal
    // (one append at a time, so the kill finds the thread half sent)
    const points = [{ index: 5, boundary: 'applied' as const }, { index: 5, boundary: 'applied' as const }]
    const oneAtATime = { ...command(round), args: [...command(round).args, '--parallel', '1'] }
    const { killed } = await killedInTurn(proxy, oneAtATime, points, { between: (i) => void (i === 0 && rmSync(journalOf(round))) })
    expect(killed.map((k) => k.signal)).toEqual(['SIGKILL', 'SIGKILL'])
    expect(killed[1]!.stderr).toMatch(/Testmo holds run \d+ of these results \(found by its tag bdd-matrix-\w+\) and no journal of it is here/)
    exactlyOnce(round, { split: true })
  })

  it('run again after it completed, without its journal: Testmo\'s run is found completed and nothing is sent; outside CI no look is made', async () => {
    const round = 'published-before'
    const first = await runGroup(command(round).args, command(round))
    expect(first.code, first.stderr).toBe(0)
    rmSync(journalOf(round))
    const before = testmo.log.length
    const again = await runGroup(command(round).args, command(round))
    expect(again.code, again.stderr).toBe(0)
    const run = exactlyOnce(round)
    expect(again.stdout).toBe(`Testmo run ${run.id}: already published and completed (1 request(s))\n`)
    expect(again.stderr).toContain(`Testmo holds run ${run.id} of these results, completed (found by its tag bdd-matrix-`)
    expect(testmo.log.slice(before).map((l) => `${l.method} ${l.path.replace(/\?.*/, '')}`)).toEqual([`GET /api/v1/projects/${projectOf(round)}/automation/runs`])
    // outside a CI job the journal is where the last run left it: none here means a new publish, asked nothing
    const local = { ...command(round), env: { ...command(round).env, CI: '' } }
    rmSync(journalOf(round))
    const at = testmo.log.length
    expect((await runGroup(local.args, local)).code).toBe(0)
    expect(testmo.log.slice(at).map((l) => l.method)[0]).toBe('POST')
    expect([...testmo.runs.values()].filter((r) => r.projectId === projectOf(round))).toHaveLength(2)
  })

  it('a --thread job of a parallel run, retried without its journal, killed where Testmo holds its work: each of its tests in the run once', async () => {
    const direct = { TESTMO_URL: testmo.url, TESTMO_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: testmo.certificateFile }
    const runIds = new Map<string, string>()
    const threadJournal = (round: string) => path.join(work, `thread-${round}.json`)
    const { rounds, requests } = await everyCrashPoint({
      proxy,
      // (a kill before a request or in a wait leaves Testmo as it was: the test above has those)
      boundaries: ['applied', 'answered'],
      prepare: async (round) => {
        const created = await runGroup(['publish', 'testmo', '--project-id', String(projectOf(`thread-${round}`)), '--create', '--name', round, '--run-id-file', path.join(work, `${round}.env`), '--journal', path.join(work, `create-${round}.json`)], { cwd: work, env: direct })
        expect(created.code, created.stderr).toBe(0)
        runIds.set(round, created.stdout.trim())
      },
      command: (round) => ({ args: ['publish', 'testmo', '--results', resultsDir, '--project-id', String(projectOf(`thread-${round}`)), '--thread', '--run-id', runIds.get(round)!, '--journal', threadJournal(round)], cwd: work, env: { ...direct, TESTMO_URL: proxy.url, CI: 'true' } }),
      beforeRerun: (round) => rmSync(threadJournal(round), { force: true }),
      check: (round) => {
        const tests = testmo.testsOf(Number(runIds.get(round)))
        expect(tests, round).toHaveLength(PER_ENVIRONMENT * ENVIRONMENTS.length)
        expect(new Set(tests.map((t) => t.key)).size, round).toBe(tests.length)
      },
    })
    // the run's tests read (one page: it is new), and per environment a thread, 4 appends, its completion
    expect(requests).toBe(1 + ENVIRONMENTS.length * (1 + PER_ENVIRONMENT / 250 + 1))
    expect(rounds).toBe(2 * requests)
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

