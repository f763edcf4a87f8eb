import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalTestmo } from '../servers/testmo-server.ts'
import { CrashProxy, everyCrashPoint, runGroup } from '../helpers/crash-points.ts'
import { crashResults as results, ENVIRONMENTS, PER_ENVIRONMENT } from '../helpers/crash-results.ts'
import { tempDir } from '../helpers/temp-tree.ts'

const TOKEN = 'testmo-SECRET-crash-token'

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

