import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { LocalTestmo } from '../servers/testmo-server.ts'
import { TestmoPublisher, type RetryPolicy } from '../../reporters/testmo/testmo-publisher.ts'
import { readJournal } from '../../reporters/testmo/publish-journal.ts'
import { testKey, testMapper } from '../../reporters/testmo/test-mapper.ts'
import type { MergedCase } from '../../src/results/merge-results.ts'
import { PROJECT_ROOT, runBinAsync } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { canonicalResultSet } from './canonical-results.ts'
import fc from 'fast-check'
import { UserError } from '../../src/errors.ts'

const TOKEN = 'testmo-SECRET-token-0123456789'
// Short waits: a delayed request lands when its client gives up on it (the local server stops waiting then).
const FAST: RetryPolicy = { attempts: 5, baseMs: 50, maxMs: 100, defaultRetryAfterMs: 50, timeoutMs: 600 }
// For tests that count requests: on a busy machine an answer may take seconds, and each timeout is
// one more outcome to settle (more requests) — only a fault made for the test may be one.
const PATIENT: RetryPolicy = { ...FAST, timeoutMs: 120_000 }

describe('Testmo publishing', () => {
  let testmo: LocalTestmo
  let resultsDir: string
  let cells: MergedCase[]
  const outputs: string[] = []
  beforeAll(async () => {
    testmo = await new LocalTestmo({ token: TOKEN, projects: [3] }).start()
    const canonical = await canonicalResultSet({ keepStepsOfPassed: true })
    resultsDir = canonical.resultsDir
    const merged = canonical.results
    cells = [...merged.builds.get('v0.5.0-rc2')!.values()]
  })
  beforeEach(() => {
    testmo.faults.length = 0
  })
  afterAll(async () => {
    await testmo.stop()
    expect(outputs.join('\n')).not.toContain(TOKEN)
  })

  const cli = async (args: string[], env: Record<string, string> = {}, cwd = tempTree()) => {
    // (outside a CI job, whatever runs these tests: one in CI first looks for the run, exactly-once-testmo.test.ts)
    const result = await runBinAsync(['publish', 'testmo', ...args], { cwd, env: { CI: '', TESTMO_URL: testmo.url, TESTMO_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: testmo.certificateFile, ...env } })
    outputs.push(result.stdout, result.stderr)
    const journal = path.join(cwd, '.bdd-matrix/testmo-journal.json')
    if (existsSync(journal)) outputs.push(readFileSync(journal, 'utf8'))
    return { ...result, cwd }
  }

  /** Publishes the canonical cells in-process with small batches, so faults hit mid-way. */
  let publications = 0
  const publish = async (journalDir = tempTree(), publication = `canonical-${++publications}`) => {
    const publisher = new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, path.join(journalDir, 'journal.json'), { batchSize: 2, retry: FAST, ca: readFileSync(testmo.certificateFile) })
    const journal = publisher.journal(publication)
    await publisher.createRun(journal, { name: 'faults', source: 'bdd-matrix', fields: [], links: [] })
    const byThread = new Map<string, MergedCase[]>()
    for (const c of cells) byThread.set(`${c.environment}/${c.stage}`, [...(byThread.get(`${c.environment}/${c.stage}`) ?? []), c])
    for (const [key, list] of byThread) await publisher.publishThread(journal, key, list)
    await publisher.completeRun(journal)
    return { runId: journal.runId!, publisher, journalDir }
  }
  const exactlyOnce = (runId: number) => {
    const tests = testmo.testsOf(runId)
    expect(tests).toHaveLength(cells.length)
    expect(new Set(tests.map((t) => t.key)).size).toBe(cells.length)
    expect(testmo.runs.get(runId)!.completed).toBe(true)
  }

  it('publishes one run with a thread per environment/stage, every case once, with steps and errors', async () => {
    const result = await cli(['--results', resultsDir, '--project-id', '3', '--tags', 'nightly'], { CI_PIPELINE_URL: 'https://gitlab.example/p/1', CI_COMMIT_SHA: 'abc123' })
    expect(result.code, result.stderr).toBe(0)
    const runId = Number(/Testmo run (\d+)/.exec(result.stdout)![1])
    exactlyOnce(runId)
    const run = testmo.runs.get(runId)!
    expect(run.body).toMatchObject({ name: 'run-fixture v0.5.0-rc2', source: 'bdd-matrix', tags: ['nightly', expect.stringMatching(/^bdd-matrix-[0-9a-f]{16}$/)], links: [{ name: 'GitLab pipeline', url: 'https://gitlab.example/p/1' }] })
    expect(run.threads.map((t) => (testmo.threads.get(t)!.fields[0] as { value: string }).value).sort()).toEqual(['docker/acceptance', 'local/acceptance', 'local/unit'])
    const tests = testmo.testsOf(runId)
    expect(tests.find((t) => t.name === 'TestOnboard/too_little_ram')).toMatchObject({ status: 'failed', folder: 'node', elapsed: 300000 })
    const flaky = tests.find((t) => t.name.startsWith('a flaky check'))!
    expect(flaky.fields!.map((f) => f.name)).toEqual(['Environment', 'Flaky', 'Steps'])
    expect(flaky.fields![2]!.value).toMatch(/^<test-steps><test-step status="passed">Given a check that fails on its first attempt<\/test-step><\/test-steps>$/)
    expect(result.stdout).toMatch(/\(\d+ requests, 0 retries\)/)
  })

  it('keeps the steps field within 16 KiB by whole steps, escaped', () => {
    const failed = cells.find((c) => c.status === 'failed')!
    const steps = Array.from({ length: 400 }, (_, i) => ({ keyword: 'Given', text: `node <${i}> & "peer" ${'x'.repeat(60)}`, status: 'passed' as const, durationMs: 1 }))
    const test = testMapper()({ ...failed, steps })
    const value = (test.fields as { name: string; value: string }[]).find((f) => f.name === 'Steps')!.value
    expect(value.length).toBeLessThanOrEqual(16_384)
    expect(value).toMatch(/^<test-steps><test-step status="passed">Given node &lt;0&gt; &amp; &quot;peer&quot; x+<\/test-step>\n/)
    const shown = value.match(/<test-step status=/g)!.length
    expect(value).toMatch(new RegExp(`<test-step>… ${400 - shown} more step\\(s\\) in the test matrix</test-step></test-steps>$`))
  })

  it('carries the release gate\'s verdict as a run field (--gate)', async () => {
    const dir = tempTree()
    const report = { milestone: 'run-fixture', build: 'v0.5.0-rc2', verdict: 'go-with-waivers', baseline: { rule: 'previous-rc' }, criteria: [{ id: 'a', kind: 'lint', severity: 'blocking', verdict: 'pass-waived', value: '1', threshold: '0', why: 'w', items: [] }], waivers: { used: [], unused: [], expired: [] } }
    writeFileSync(path.join(dir, 'gate.json'), JSON.stringify({ evidenceVersion: 1, report }))
    const result = await cli(['--results', resultsDir, '--project-id', '3', '--gate', path.join(dir, 'gate.json')], {}, dir)
    expect(result.code, result.stderr).toBe(0)
    const run = testmo.runs.get(Number(/Testmo run (\d+)/.exec(result.stdout)![1]))!
    expect((run.body as { fields: unknown[] }).fields).toContainEqual({ type: 1, name: 'Release gate', value: 'v0.5.0-rc2: go-with-waivers (0 pass, 1 waived, 0 waiting, 0 fail)' })
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ evidenceVersion: 1, report: { ...report, build: 'v0.5.0-rc1' } }))
    const wrong = await cli(['--results', resultsDir, '--project-id', '3', '--gate', path.join(dir, 'other.json')], {}, dir)
    expect(wrong.stderr).toMatch(/the gate of v0\.5\.0-rc1, not of v0\.5\.0-rc2/)
    expect(wrong.code).toBe(2)
    // a verdict judged on other results than these (matrix-digest.ts) says so in its field
    writeFileSync(path.join(dir, 'stale.json'), JSON.stringify({ evidenceVersion: 1, report: { ...report, verdict: 'go', judged: '0'.repeat(32) } }))
    const stale = await cli(['--results', resultsDir, '--project-id', '3', '--gate', path.join(dir, 'stale.json'), '--features', path.join(PROJECT_ROOT, 'test/fixtures/run-project/features'), '--journal', path.join(dir, 'stale-journal.json')], {}, dir)
    expect(stale.code, stale.stderr).toBe(0)
    expect(stale.stderr).toContain('stale.json: this verdict was judged on other results than this matrix shows')
    const staleRun = testmo.runs.get(Number(/Testmo run (\d+)/.exec(stale.stdout)![1]))!
    expect((staleRun.body as { fields: { name: string; value: string }[] }).fields.find((f) => f.name === 'Release gate')!.value).toMatch(/^v0\.5\.0-rc2: go \(0 pass, 1 waived, 0 waiting, 0 fail\); this verdict was judged on other results than this matrix shows/)
  })

  it('names the tester of a manual result and maps blocked to Testmo\'s blocked', () => {
    const manual = { ...cells[0]!, stage: 'manual' as const, environment: 'community', source: 'manual' as const, tester: 'alice, bob', status: 'blocked' as const }
    const test = testMapper()(manual)
    expect(test.status).toBe('blocked')
    expect(test.fields).toEqual(expect.arrayContaining([{ type: 1, name: 'Environment', value: 'community/manual' }, { type: 1, name: 'Tester', value: 'alice, bob' }]))
  })

  it.each([
    ['429 with Retry-After on an append', { method: 'POST', path: /\/threads\/\d+\/append$/, skip: 1, kind: 'status' as const, status: 429, retryAfter: '1' }],
    ['500 when creating a thread', { method: 'POST', path: /\/runs\/\d+\/threads$/, kind: 'status' as const, status: 500 }],
    ['a connection dropped before an append is applied', { method: 'POST', path: /\/threads\/\d+\/append$/, skip: 2, kind: 'drop' as const }],
    ['a connection dropped after an append was applied', { method: 'POST', path: /\/threads\/\d+\/append$/, skip: 1, kind: 'drop' as const, when: 'after' as const }],
    ['a timeout on an append (the server applies it late)', { method: 'POST', path: /\/threads\/\d+\/append$/, skip: 3, kind: 'delay' as const, delayMs: 1000 }],
    ['503 when completing the run', { method: 'POST', path: /\/runs\/\d+\/complete$/, kind: 'status' as const, status: 503, times: 2 }],
  ])('survives %s: 0 lost, 0 duplicated', async (_label, fault) => {
    testmo.inject(fault)
    const { runId, publisher } = await publish()
    exactlyOnce(runId)
    expect(testmo.faults[0]!.fired).toBeGreaterThan(0)
    expect(publisher.stats.retries).toBeGreaterThan(0)
  })

  it('settles an append whose answer was lost while others were under way by the thread\'s count — one request — not by listing the thread\'s tests', async () => {
    // a WAN-like server, so that the appends launched beside the lost one are still under way when it is asked about
    const slow = await new LocalTestmo({ token: TOKEN, projects: [3], latencyMs: 40 }).start()
    try {
      const many = Array.from({ length: 3000 }, (_, i) => ({ ...cells[0]!, id: `many-${i}`, name: `case ${i}` }))
      slow.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, skip: 4, kind: 'drop', when: 'after' })
      const publisher = new TestmoPublisher({ instance: slow.url, token: TOKEN, projectId: 3 }, path.join(tempTree(), 'journal.json'), { batchSize: 100, parallel: 6, retry: PATIENT, ca: readFileSync(slow.certificateFile) })
      const journal = publisher.journal('settled-by-count')
      await publisher.createRun(journal, { name: 'many', source: 'bdd-matrix', fields: [], links: [] })
      await publisher.publishThread(journal, 'local/acceptance', many)
      await publisher.completeRun(journal)
      const tests = slow.testsOf(journal.runId!)
      expect(tests).toHaveLength(3000)
      expect(new Set(tests.map((t) => t.key)).size).toBe(3000)
      expect(slow.faults[0]!.fired).toBe(1)
      const reads = slow.log.filter((r) => r.method === 'GET' && /\/tests$/.test(r.path))
      expect(reads.map((r) => new URLSearchParams(r.query).get('per_page'))).toEqual(['100'])
    } finally {
      await slow.stop()
    }
  })

  const runsTagged = (publication: string) => [...testmo.runs.values()].filter((r) => (r.body.tags as string[]).includes(`bdd-matrix-${publication}`))

  it('survives a connection dropped after the run was created: it finds that run, makes no second one', async () => {
    testmo.inject({ method: 'POST', path: /\/projects\/\d+\/automation\/runs$/, kind: 'drop', when: 'after' })
    const { runId, publisher } = await publish(tempTree(), 'dropped-create')
    expect(testmo.faults[0]!.fired).toBe(1)
    expect(publisher.stats.retries).toBe(1)
    expect(runsTagged('dropped-create').map((r) => r.id)).toEqual([runId])
    exactlyOnce(runId)
  })

  it('resumes a publish stopped while its run was being created: it adopts that run', async () => {
    testmo.inject({ method: 'POST', path: /\/projects\/\d+\/automation\/runs$/, kind: 'drop', when: 'after' })
    testmo.inject({ method: 'GET', path: /\/projects\/\d+\/automation\/runs$/, kind: 'status', status: 503, times: 99 })
    const journalDir = tempTree()
    await expect(publish(journalDir, 'stopped-create')).rejects.toThrow(/Testmo answered 503 while looking for the run of these results/)
    expect(readJournal(path.join(journalDir, 'journal.json'))).toMatchObject({ inflight: { kind: 'create-run' } })
    testmo.faults.length = 0
    const { runId } = await publish(journalDir, 'stopped-create')
    expect(runsTagged('stopped-create').map((r) => r.id)).toEqual([runId])
    exactlyOnce(runId)
  })

  it('resumes an interrupted publish from its journal: same run, nothing sent twice', async () => {
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, skip: 2, times: 99, kind: 'status', status: 502 })
    const journalDir = tempTree()
    await expect(publish(journalDir, 'interrupted')).rejects.toThrow(/Testmo answered 502 while appending 2 tests/)
    const journal = readJournal(path.join(journalDir, 'journal.json'))
    const runsBefore = testmo.runs.size
    testmo.faults.length = 0
    const { runId } = await publish(journalDir, 'interrupted')
    expect(runId).toBe(journal.runId)
    expect(testmo.runs.size).toBe(runsBefore)
    exactlyOnce(runId)
  })

  it('takes a page answered in Testmo\'s place (a proxy\'s sign-in page, 200) for no answer: it stops, naming it, and the rerun sends what the page stood for, once', async () => {
    for (const [fault, doing] of [
      [{ method: 'POST', path: /\/projects\/\d+\/automation\/runs$/ }, /answered creating the automation run with an HTML page, not the JSON its API gives: is the URL the Testmo instance's own API \(not a proxy or a sign-in page\)\? Then run the same command again to resume/],
      [{ method: 'POST', path: /\/automation\/runs\/\d+\/threads$/ }, /answered creating thread \S+ with an HTML page/],
      [{ method: 'POST', path: /\/threads\/\d+\/append$/, skip: 2 }, /answered appending 2 tests .* with an HTML page/],
    ] as const) {
      testmo.faults.length = 0
      testmo.inject({ ...fault, kind: 'page' })
      const journalDir = tempTree()
      const publication = `page-${fault.path.source.length}`
      await expect(publish(journalDir, publication)).rejects.toThrow(doing)
      expect(testmo.faults[0]!.fired).toBe(1)
      testmo.faults.length = 0
      const { runId } = await publish(journalDir, publication)
      expect(runsTagged(publication).map((r) => r.id)).toEqual([runId])
      exactlyOnce(runId)
    }
  })

  it('settles appends killed in flight together, some in Testmo and some not, by the thread\'s test keys: only the missing are sent', async () => {
    const journalDir = tempTree()
    const journalFile = path.join(journalDir, 'journal.json')
    const options = { batchSize: 2, parallel: 4, retry: { ...PATIENT, attempts: 2 }, ca: readFileSync(testmo.certificateFile) }
    const first = new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, journalFile, options)
    const journal = first.journal('in-flight-together')
    await first.createRun(journal, { name: 'in flight', source: 'bdd-matrix', fields: [], links: [] })
    const key = 'every/cell'
    const list = cells
    expect(list.length).toBeGreaterThanOrEqual(10)
    // Every append fails: four are left in flight in the journal.
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, times: 99, kind: 'status', status: 503 })
    await expect(first.publishThread(journal, key, list)).rejects.toThrow(/Testmo answered 503/)
    const saved = readJournal(journalFile)
    expect(saved.threads[key]!.inflight!.map((b: { from: number }) => b.from).sort()).toEqual([0, 2, 4, 6])
    // …of which the first and third reached Testmo (their answers lost).
    const thread = testmo.threads.get(saved.threads[key]!.id)!
    const toTest = testMapper()
    for (const from of [0, 4]) thread.tests.push(...(list.slice(from, from + 2).map(toTest) as never[]))
    testmo.faults.length = 0
    const listingsBefore = testmo.log.filter((e) => e.method === 'GET' && e.path.endsWith('/tests')).length
    const again = new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, journalFile, options)
    const resumed = again.journal('in-flight-together')
    await again.publishThread(resumed, key, list)
    await again.completeRun(resumed)
    // The count (4 of 8 in flight) could not say which: the keys were read.
    expect(testmo.log.filter((e) => e.method === 'GET' && e.path.endsWith('/tests')).length).toBeGreaterThan(listingsBefore + 1)
    const tests = testmo.testsOf(resumed.runId!)
    expect(tests).toHaveLength(list.length)
    expect(new Set(tests.map((t) => t.key)).size).toBe(list.length)
    expect(resumed.threads[key]).toEqual({ id: thread.id, sent: list.length, inflight: [], completed: true, order: expect.any(String) })
  })

  it('resumes a thread its journal counted in another order (an earlier bdd-matrix\'s) by the tests Testmo holds: the rest once, or a stop before anything is sent twice', async () => {
    const options = { batchSize: 2, parallel: 1, retry: { ...PATIENT, attempts: 1 }, ca: readFileSync(testmo.certificateFile) }
    const key = 'every/cell'
    const toTest = testMapper()
    // An earlier publish sent the first four tests of its order, then was killed; its journal
    // (version 4) kept no order. Now the same results come in `now`'s order.
    const resume = async (name: string, now: MergedCase[]) => {
      const journalFile = path.join(tempTree(), 'journal.json')
      const first = new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, journalFile, options)
      const journal = first.journal(name)
      await first.createRun(journal, { name, source: 'bdd-matrix', fields: [], links: [] })
      testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, times: 99, kind: 'status', status: 503 })
      await expect(first.publishThread(journal, key, cells)).rejects.toThrow(/Testmo answered 503/)
      testmo.faults.length = 0
      const saved = readJournal(journalFile)
      const thread = testmo.threads.get(saved.threads[key]!.id)!
      thread.tests.push(...(cells.slice(0, 4).map(toTest) as never[]))
      const legacy = { ...saved, journalVersion: 4, threads: { [key]: { id: saved.threads[key]!.id, sent: 4, completed: false } } }
      writeFileSync(journalFile, `${JSON.stringify(legacy)}\n`)
      const again = new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, journalFile, options)
      const resumed = again.journal(name)
      const appendsBefore = testmo.log.filter((e) => e.method === 'POST' && e.path.endsWith('/append')).length
      const outcome = await again.publishThread(resumed, key, now).then(() => again.completeRun(resumed)).then(() => undefined, (error: Error) => error)
      return { outcome, runId: resumed.runId!, appends: testmo.log.filter((e) => e.method === 'POST' && e.path.endsWith('/append')).length - appendsBefore, thread }
    }
    // the four sent lead this order too, among themselves otherwise: the rest are sent, once
    const [a, b, c, d, ...rest] = cells
    const swapped = await resume('other-order-prefix', [b!, a!, d!, c!, ...rest])
    expect(swapped.outcome).toBeUndefined()
    expect(testmo.testsOf(swapped.runId).map((t) => t.key).sort()).toEqual(cells.map((x) => toTest(x).key).sort())
    expect(swapped.appends).toBe(Math.ceil(rest.length / 2))
    // the four sent are the last of this order: it stops, naming the journal, and sends nothing
    const reversed = await resume('other-order-elsewhere', [...cells].reverse())
    expect(reversed.outcome).toBeInstanceOf(UserError)
    expect(String(reversed.outcome)).toMatch(/counted in another order of its tests.*Testmo holds 4 of them, not the first 4 of this order; nothing was sent twice/)
    expect(reversed.appends).toBe(0)
    expect(reversed.thread.tests).toHaveLength(4)
  })

  it('a CI publish without its journal goes on in the run Testmo holds, and a thread adopted so is placed anew by the run\'s tests when the order changes', async () => {
    const options = { batchSize: 2, parallel: 1, retry: { ...PATIENT, attempts: 1 }, ca: readFileSync(testmo.certificateFile), journalMayBeLost: true }
    const key = 'every/cell'
    const name = 'adopted-reordered'
    const publisher = (journalFile: string) => new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, journalFile, options)
    // the first attempt sends four tests (two appends), then Testmo fails; its workspace is lost
    const first = publisher(path.join(tempTree(), 'journal.json'))
    const lost = first.journal(name)
    await first.createRun(lost, { name, source: 'bdd-matrix', fields: [], links: [] })
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, skip: 2, times: 99, kind: 'status', status: 503 })
    await expect(first.publishThread(lost, key, cells)).rejects.toThrow(/Testmo answered 503/)
    // the retry finds the run by its tag, counts the four as known, and makes a thread for the rest (Testmo still failing)
    const journalFile = path.join(tempTree(), 'journal.json')
    const second = publisher(journalFile)
    const adopted = second.journal(name)
    await second.createRun(adopted, { name, source: 'bdd-matrix', fields: [], links: [] })
    expect(adopted).toMatchObject({ runId: lost.runId, adopted: true })
    testmo.faults.length = 0
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, times: 99, kind: 'status', status: 503 })
    await expect(second.publishThread(adopted, key, cells)).rejects.toThrow(/Testmo answered 503/)
    expect(readJournal(journalFile).threads[key]).toMatchObject({ sent: 4, elsewhere: 4 })
    testmo.faults.length = 0
    // the next run has that journal, and the results in another order: the run's keys place the four again
    const [a, b, c, d, ...rest] = cells
    const third = publisher(journalFile)
    const resumed = third.journal(name)
    await third.publishThread(resumed, key, [b!, a!, d!, c!, ...rest])
    await third.completeRun(resumed)
    const tests = testmo.testsOf(lost.runId!)
    expect(tests.map((t) => t.key).sort()).toEqual(cells.map((x) => testKey(x)).sort())
  })

  it('does not follow a redirect: the append is not sent again behind the journal\'s back', async () => {
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, skip: 1, kind: 'status', status: 307, location: '/api/v1/automation/runs/threads/1/append' })
    const journalDir = tempTree()
    await expect(publish(journalDir, 'redirected')).rejects.toThrow(/Testmo answered 307 while appending 2 tests/)
    expect(testmo.log.filter((r) => r.status === 307)).toHaveLength(1)
    testmo.faults.length = 0
    const { runId } = await publish(journalDir, 'redirected')
    exactlyOnce(runId)
  })

  it.each([
    ['a wrong token', ['--project-id', '3'], { TESTMO_TOKEN: 'nope' }, /Testmo refused the token while creating the automation run \(401\): set TESTMO_TOKEN/],
    ['a missing token', ['--project-id', '3'], { TESTMO_TOKEN: '' }, /no Testmo API token: set TESTMO_TOKEN/],
    ['an unknown project', ['--project-id', '99'], {}, /Testmo answered 404 while creating the automation run: check the project id \(99\)/],
    ['an instance without https', ['--project-id', '3', '--instance', 'http://127.0.0.1:1'], {}, /TESTMO_URL \(or --instance\) "http:\/\/127\.0\.0\.1:1" must use HTTPS; set it to https:\/\/<name>\.testmo\.net/],
    ['an instance whose certificate is not trusted', ['--project-id', '3'], { NODE_EXTRA_CA_CERTS: '' }, /Testmo's certificate is not trusted while creating the automation run \(\w+\); if the instance uses your own certificate authority, set NODE_EXTRA_CA_CERTS/],
    ['an instance that is not a URL', ['--project-id', '3', '--instance', 'https://'], {}, /TESTMO_URL \(or --instance\) "https:\/\/" is not a URL/],
  ])('refuses %s with one line', async (_label, args, env, message) => {
    const result = await cli(['--results', resultsDir, ...args], env)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.code).toBe(2)
  })

  it('sets the run\'s configuration to the environment when it covers one', async () => {
    const dir = tempTree()
    const { ingestJUnit } = await import('../../src/results/ingest-junit.ts')
    await ingestJUnit(path.join(PROJECT_ROOT, 'test/fixtures/messages/go-unit.xml'), { build: 'b9', environment: 'docker', stage: 'unit', resultsDir: dir })
    const result = await cli(['--results', dir, '--project-id', '3'])
    expect(result.code, result.stderr).toBe(0)
    expect([...testmo.runs.values()].at(-1)!.body.config).toBe('docker')
  })

  it('takes the official CLI\'s resources file (built by testmo automation:resources:add-*) and --config, as the CLI does', async () => {
    const dir = tempTree()
    const TESTMO = path.join(PROJECT_ROOT, 'node_modules/.bin/testmo')
    const testmoCli = (args: string[]) => execFileSync(TESTMO, args, { cwd: dir, stdio: 'ignore' })
    testmoCli(['automation:resources:add-field', '--name', 'Version', '--type', 'string', '--value', '0.5.0-rc2'])
    // a console field's text comes from stdin, which the CLI reads only from a shell's pipe
    writeFileSync(path.join(dir, 'notes.txt'), 'x'.repeat(20_000))
    execFileSync('sh', ['-c', `cat notes.txt | "${TESTMO}" automation:resources:add-field --name Notes --type console`], { cwd: dir, stdio: 'ignore' })
    testmoCli(['automation:resources:add-link', '--name', 'Release notes', '--url', 'https://gitlab.example/nunet/dms/-/releases', '--note', 'CI job'])
    writeFileSync(path.join(dir, 'node.log'), 'a node log\n')
    testmoCli(['automation:resources:add-artifact', '--name', 'node.log', '--url', 'https://ci.example/artifacts/node.log', '--file', 'node.log'])
    const result = await cli(['--results', resultsDir, '--build', 'v0.5.0-rc2', '--project-id', '3', '--resources', 'testmo-resources.json', '--config', 'Raspberry Pi 5'], {}, dir)
    expect(result.code, result.stderr).toBe(0)
    const body = [...testmo.runs.values()].at(-1)!.body as { config: string; fields: { type: number; name: string; value: string }[]; links: unknown[]; artifacts: unknown[] }
    expect(body.config).toBe('Raspberry Pi 5')
    expect(body.fields).toContainEqual({ type: 1, name: 'Version', value: '0.5.0-rc2' })
    // a console field cut as the official CLI cuts it: head and tail, the middle marked
    const notes = body.fields.find((f) => f.name === 'Notes')!
    expect(notes.type).toBe(4)
    expect(notes.value).toBe(`${'x'.repeat(8182)}...\n\n[...]\n\n...${'x'.repeat(8182)}`)
    expect(body.links).toContainEqual({ name: 'Release notes', url: 'https://gitlab.example/nunet/dms/-/releases', note: 'CI job' })
    expect(body.artifacts).toEqual([{ name: 'node.log', url: 'https://ci.example/artifacts/node.log', mime_type: 'text/plain', size: 11 }])

    // The official CLI, given the same file, sends the same resources.
    writeFileSync(path.join(dir, 'junit.xml'), '<testsuites><testsuite name="s" tests="1"><testcase name="t" classname="c"/></testsuite></testsuites>')
    // asynchronously: the local Testmo answers from this process
    await promisify(execFile)(TESTMO, ['automation:run:submit', '--instance', testmo.url, '--project-id', '3', '--name', 'official', '--source', 'bdd-matrix', '--results', 'junit.xml', '--resources', 'testmo-resources.json', '--config', 'Raspberry Pi 5'], {
      cwd: dir,
      env: { ...process.env, TESTMO_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: testmo.certificateFile },
    })
    const official = [...testmo.runs.values()].at(-1)!.body as typeof body
    expect(official.config).toBe(body.config)
    expect(official.artifacts).toEqual(body.artifacts)
    expect(body.links).toEqual(expect.arrayContaining(official.links))
    expect(body.fields).toEqual(expect.arrayContaining(official.fields))
  })

  it('takes a thread\'s resources file (--thread-resources) as the official CLI\'s submit-thread does: fields and artifacts on each thread it creates, links left out and said', async () => {
    const dir = tempTree()
    const TESTMO = path.join(PROJECT_ROOT, 'node_modules/.bin/testmo')
    const testmoCli = (args: string[]) => execFileSync(TESTMO, args, { cwd: dir, stdio: 'ignore' })
    testmoCli(['automation:resources:add-field', '--name', 'Job', '--type', 'url', '--value', 'https://gitlab.example/nunet/dms/-/jobs/77', '--resources', 'thread.json'])
    testmoCli(['automation:resources:add-link', '--name', 'Job log', '--url', 'https://gitlab.example/nunet/dms/-/jobs/77/raw', '--resources', 'thread.json'])
    writeFileSync(path.join(dir, 'node.log'), 'a node log\n')
    testmoCli(['automation:resources:add-artifact', '--name', 'node.log', '--url', 'https://ci.example/artifacts/node.log', '--file', 'node.log', '--resources', 'thread.json'])
    const resources = JSON.parse(readFileSync(path.join(dir, 'thread.json'), 'utf8')) as { artifacts: unknown[] }
    expect(resources.artifacts).toHaveLength(1)
    const create = await cli(['--create', '--project-id', '3', '--name', 'thread resources'], {}, dir)
    expect(create.code, create.stderr).toBe(0)
    const runId = Number(create.stdout.trim())
    const before = new Set(testmo.runs.get(runId)!.threads)
    const thread = await cli(['--thread', '--run-id', String(runId), '--results', resultsDir, '--project-id', '3', '--build', 'v0.5.0-rc2', '--thread-resources', 'thread.json', '--journal', 'thread-journal.json'], {}, dir)
    expect(thread.code, JSON.stringify(thread.stderr)).toBe(0)
    expect(thread.stderr).toContain('thread.json: 1 link(s) left out: Testmo threads have no links')
    const ours = testmo.runs.get(runId)!.threads.filter((t) => !before.has(t)).map((t) => testmo.threads.get(t)!)
    expect(ours.length).toBeGreaterThanOrEqual(2)
    for (const t of ours) {
      expect(t.fields).toContainEqual({ type: 5, name: 'Job', value: 'https://gitlab.example/nunet/dms/-/jobs/77' })
      expect(t.artifacts).toEqual([{ name: 'node.log', url: 'https://ci.example/artifacts/node.log', mime_type: 'text/plain', size: 11 }])
    }

    // The official CLI's submit-thread, given the same file, sends the same thread resources.
    writeFileSync(path.join(dir, 'junit.xml'), '<testsuites><testsuite name="s" tests="1"><testcase name="t" classname="c"/></testsuite></testsuites>')
    const known = new Set(testmo.runs.get(runId)!.threads)
    await promisify(execFile)(TESTMO, ['automation:run:submit-thread', '--instance', testmo.url, '--run-id', String(runId), '--results', 'junit.xml', '--thread-resources', 'thread.json'], {
      cwd: dir,
      env: { ...process.env, TESTMO_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: testmo.certificateFile },
    })
    const official = testmo.threads.get(testmo.runs.get(runId)!.threads.find((t) => !known.has(t))!)!
    expect(official.artifacts).toEqual(ours[0]!.artifacts)
    expect(ours[0]!.fields).toEqual(expect.arrayContaining(official.fields))
  })

  it.each([
    ['a resources file that is not there', ['--resources', 'nope.json'], /^bdd-matrix: nope\.json: not found; write it with testmo automation:resources:add-field, add-link and add-artifact/],
    ['a field of a type Testmo has not', ['--resources', 'bad.json'], /^bdd-matrix: bad\.json: not a Testmo resources file \(fields\.0\.type: .*\); write it with testmo automation:resources:add-field/],
    ['resources given to a --thread job', ['--resources', 'bad.json', '--thread', '--run-id', '1'], /^bdd-matrix: --resources goes with the job that creates the run \(--create, or a publish in one go\)/],
    ['thread resources given to a --create job', ['--thread-resources', 'bad.json', '--create'], /^bdd-matrix: --thread-resources goes with a job that creates threads \(--thread, or a publish in one go\)/],
    ['a thread resources file that is no resources file', ['--thread-resources', 'bad.json'], /^bdd-matrix: bad\.json: not a Testmo resources file \(fields\.0\.type: .*\)/],
  ])('refuses %s in one line, before sending Testmo anything', async (_what, args, message) => {
    const dir = tempTree()
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ fields: [{ type: 'markdown', name: 'Notes', value: '**x**' }] }))
    const before = testmo.log.length
    const result = await cli(['--results', resultsDir, '--project-id', '3', ...args], {}, dir)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(testmo.log.length).toBe(before)
  })

  it('makes a thread of each shard: shards of one environment and stage are threads of their own, each case in its shard\'s', async () => {
    const suite = (names: string[]) => `<testsuite name="pkg">${names.map((n) => `<testcase classname="pkg" name="${n}"/>`).join('')}</testsuite>`
    const dir = tempTree({ 'one.xml': suite(['a', 'b', 'c']), 'two.xml': suite(['d', 'e']), 'local.xml': suite(['a']) })
    const { ingestJUnit } = await import('../../src/results/ingest-junit.ts')
    await ingestJUnit(path.join(dir, 'one.xml'), { build: 'b10', environment: 'docker', stage: 'unit', shard: '1/2', resultsDir: path.join(dir, 'results') })
    await ingestJUnit(path.join(dir, 'two.xml'), { build: 'b10', environment: 'docker', stage: 'unit', shard: '2/2', resultsDir: path.join(dir, 'results') })
    await ingestJUnit(path.join(dir, 'local.xml'), { build: 'b10', environment: 'local', stage: 'unit', resultsDir: path.join(dir, 'results') })
    const result = await cli(['--results', path.join(dir, 'results'), '--project-id', '3'])
    expect(result.code, result.stderr).toBe(0)
    const run = [...testmo.runs.values()].at(-1)!
    const threads = Object.fromEntries(run.threads.map((t) => [(testmo.threads.get(t)!.fields[0] as { value: string }).value, testmo.threads.get(t)!.tests.map((test) => test.name).sort()]))
    expect(threads).toEqual({ 'docker/unit shard 1/2': ['a', 'b', 'c'], 'docker/unit shard 2/2': ['d', 'e'], 'local/unit': ['a'] })
  })

  it('links a test\'s node logs (attachments) and the matrix from the job\'s artifacts', async () => {
    const project = tempTree()
    const results = path.join(project, 'results')
    const { ResultsWriter, writeAttachment } = await import('../../src/results/results-writer.ts')
    const { MODEL_VERSION } = await import('../../src/model/vocabulary.ts')
    const log = writeAttachment(results, Buffer.from('node-2: peer lost\n'), 'text/plain')
    const writer = new ResultsWriter(results)
    const failed = cells.find((c) => c.status === 'failed')!
    writer.write({ ...failed, attachments: [{ path: log, mediaType: 'text/plain', name: 'node-2 log' }] })
    // Gherkin allows "Scenario:" without a name; Testmo refuses a test without one.
    writer.write({ ...failed, id: 'unnamed', name: '', scenario: '', line: 12 })
    writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: 'with-logs', build: 'b-logs', stage: 'acceptance', environment: 'local', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', source: { format: 'cucumber-messages' } })
    const job = 'https://gitlab.example/nunet/dms/-/jobs/77'
    const result = await cli(['--results', 'results', '--project-id', '3'], { CI_JOB_URL: job }, project)
    expect(result.code, result.stderr).toBe(0)
    const [test, unnamed] = testmo.testsOf(Number(/Testmo run (\d+)/.exec(result.stdout)![1]))
    expect(unnamed!.name).toBe(`Unnamed scenario (${failed.uri}:12)`)
    expect(test!.artifacts).toEqual([
      { name: 'Test matrix', url: `${job}/artifacts/file/reports/matrix.html` },
      { name: 'node-2 log', url: `${job}/artifacts/file/results/${log}`, mime_type: 'text/plain' },
    ])
    const served = await cli(['--results', 'results', '--project-id', '3', '--attachments-url', 'https://files.example/run-9/', '--journal', 'other.json'], {}, project)
    expect(testmo.testsOf(Number(/Testmo run (\d+)/.exec(served.stdout)![1]))[0]!.artifacts).toEqual([{ name: 'node-2 log', url: `https://files.example/run-9/${log}`, mime_type: 'text/plain' }])
  })

  it('refuses results it cannot read before sending Testmo anything', async () => {
    const before = testmo.log.length
    const result = await cli(['--results', 'nowhere', '--project-id', '3'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^bdd-matrix: .*nowhere: results folder not found; write one with bdd-matrix ingest/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
    const unknownBuild = await cli(['--results', resultsDir, '--build', 'v0.5.0-rc9', '--project-id', '3'])
    expect(unknownBuild.code).toBe(2)
    expect(unknownBuild.stderr.trim().split('\n').at(-1)).toMatch(/--build "v0\.5\.0-rc9": no results of that build in .*; builds there: v0\.5\.0-rc1, v0\.5\.0-rc2$/)
    expect(testmo.log.length).toBe(before)
  })

  it('refuses a journal it cannot read, by name, instead of guessing what reached Testmo', async () => {
    const dir = tempTree({ '.bdd-matrix/testmo-journal.json': '{"publication": "abc", "threads": {' })
    const result = await cli(['--results', resultsDir, '--project-id', '3'], {}, dir)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^bdd-matrix: .*testmo-journal\.json: the publish journal cannot be read \([^)]*\); it records what reached Testmo, so it is not guessed at — look at the run in Testmo, then remove the file to publish anew\n$/)
  })

  it('reads a thread\'s keys across pages, the pages after the first several at a time, each once', async () => {
    const journalFile = path.join(tempTree(), 'journal.json')
    const options = { batchSize: 250, parallel: 4, retry: { ...PATIENT, attempts: 2 }, ca: readFileSync(testmo.certificateFile) }
    const template = cells[0]!
    const many: MergedCase[] = Array.from({ length: 3250 }, (_, i) => ({ ...template, id: `paged-${i}`, name: `paged ${i}` }))
    // Nine appends land (2,250 tests), one after another; the tenth fails…
    const first = new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, journalFile, { ...options, parallel: 1 })
    const journal = first.journal('paged-keys')
    await first.createRun(journal, { name: 'paged', source: 'bdd-matrix', fields: [], links: [] })
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, skip: 9, times: 99, kind: 'status', status: 503 })
    await expect(first.publishThread(journal, 'paged', many)).rejects.toThrow(/Testmo answered 503/)
    const saved = readJournal(journalFile)
    expect(saved.threads.paged).toMatchObject({ sent: 2250, inflight: [{ from: 2250, size: 250 }] })
    // …and the journal is as a kill would leave four appends in flight
    saved.threads.paged!.inflight = [2250, 2500, 2750, 3000].map((from) => ({ from, size: 250 }))
    writeFileSync(journalFile, `${JSON.stringify(saved)}\n`)
    // …of which the one from 2,500 reached Testmo, its answer lost: the count (2,500) cannot say which.
    const thread = testmo.threads.get(saved.threads.paged!.id)!
    thread.tests.push(...(many.slice(2500, 2750).map(testMapper()) as never[]))
    testmo.faults.length = 0
    const before = testmo.log.length
    const again = new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, journalFile, options)
    const resumed = again.journal('paged-keys')
    await again.publishThread(resumed, 'paged', many)
    const listed = testmo.log.slice(before).filter((e) => e.method === 'GET' && e.path.endsWith('/tests') && e.query.includes('per_page=1000'))
    expect(listed.map((e) => new URLSearchParams(e.query).get('page')).sort()).toEqual(['1', '2', '3'])
    const tests = testmo.testsOf(resumed.runId!)
    expect(tests).toHaveLength(many.length)
    expect(new Set(tests.map((t) => t.key)).size).toBe(many.length)
  })

  it('reads the newest whole record of its journal: a last line cut off mid-write is passed over, a record that does not parse refused, older journals converted', () => {
    const dir = tempTree()
    const file = path.join(dir, 'journal.json')
    const publisher = new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, file)
    const record = (sent: number) => JSON.stringify({ journalVersion: 4, publication: 'log', runId: 7, threads: { t: { id: 9, sent, completed: false } }, runCompleted: false })
    writeFileSync(file, `${record(2)}\n${record(4)}\n${record(6).slice(0, 30)}`)
    expect(publisher.journal('log').threads.t!.sent).toBe(4)
    writeFileSync(file, `${record(2)}\n${record(4).slice(0, 30)}\n`)
    expect(() => publisher.journal('log')).toThrow(/journal\.json: the publish journal cannot be read/)
    writeFileSync(file, record(6).slice(0, 30))
    expect(() => publisher.journal('log')).toThrow(/the publish journal cannot be read \(no complete record\)/)
    // version 2, written whole over several lines, with its one append in flight beside the run's requests
    writeFileSync(file, `${JSON.stringify({ publication: 'log', runId: 7, inflight: { kind: 'append', thread: 't', from: 4, size: 2 }, threads: { t: { id: 9, sent: 4, completed: false } }, runCompleted: false }, null, 2)}\n`)
    const converted = publisher.journal('log')
    expect(converted).toMatchObject({ journalVersion: 6, inflight: undefined, threads: { t: { sent: 4, inflight: [{ from: 4, size: 2 }] } } })
  })

  it('reads a journal with any JSON value in place of any of its fields as a journal or refuses it by name: a publish from it ends, or stops with one of its own errors, never a JavaScript error', async () => {
    const options = { batchSize: 2, parallel: 2, retry: { ...FAST, attempts: 2 }, ca: readFileSync(testmo.certificateFile) }
    const list = cells.slice(0, 6)
    // a real journal, as a kill leaves one: the run made, two threads, appends in flight
    const base = path.join(tempTree(), 'journal.json')
    const first = new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, base, options)
    const journal = first.journal('any-journal')
    await first.createRun(journal, { name: 'any journal', source: 'bdd-matrix', fields: [], links: [] })
    await first.publishThread(journal, 'done', list)
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, skip: 1, times: 99, kind: 'status', status: 503 })
    await expect(first.publishThread(journal, 'open', list)).rejects.toThrow(/Testmo answered 503/)
    testmo.faults.length = 0
    const saved = readJournal(base) as unknown as Record<string, unknown>
    expect(saved).toMatchObject({ threads: { done: { completed: true }, open: { completed: false, inflight: expect.arrayContaining([expect.objectContaining({ size: 2 })]) } } })
    // every place a value sits in it, and the places a field may be added
    const paths: (string | number)[][] = []
    const walk = (value: unknown, at: (string | number)[]): void => {
      paths.push(at)
      if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, Array.isArray(value) ? Number(k) : k])
    }
    walk(saved, [])
    for (const added of [['inflight'], ['creatingRun'], ['threads', 'open', 'landed'], ['threads', 'constructor'], ['journalVersion']]) paths.push(added)
    const anyJson = fc.oneof(fc.constantFrom(null, [], {}, '', 0, -1, 1.5, true, 'open', { kind: 'append', thread: 'constructor', from: 0, size: 2 }, { toString: {} }), fc.jsonValue({ maxDepth: 2 }))
    await fc.assert(
      fc.asyncProperty(fc.nat(paths.length - 1), anyJson, async (which, by) => {
        const changed = structuredClone(saved) as Record<string, unknown>
        const at = paths[which]!
        if (at.length === 0) return
        let parent = changed as Record<string | number, unknown>
        for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
        parent[at.at(-1)!] = by
        const file = path.join(tempTree(), 'journal.json')
        writeFileSync(file, `${JSON.stringify(changed)}\n`)
        const publisher = new TestmoPublisher({ instance: testmo.url, token: TOKEN, projectId: 3 }, file, options)
        try {
          const read = publisher.journal('any-journal')
          await publisher.resume(read)
          for (const key of ['done', 'open']) await publisher.publishThread(read, key, list)
          await publisher.completeRun(read)
        } catch (error) {
          expect(error, String((error as Error).stack)).toBeInstanceOf(UserError)
          if ((error as UserError).code === 'TESTMO_JOURNAL') expect((error as Error).message).toMatch(/journal\.json: (the publish journal cannot be read \(not a publish journal of this shape: [^)]+\)|this publish journal belongs to other results)/)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('keeps its journal as a log of one publish\'s records: the first replaces the file, the rest are appended', async () => {
    const journalDir = tempTree()
    const file = path.join(journalDir, 'journal.json')
    testmo.inject({ method: 'POST', path: /\/threads\/\d+\/append$/, skip: 2, times: 99, kind: 'status', status: 502 })
    await expect(publish(journalDir, 'logged')).rejects.toThrow(/Testmo answered 502/)
    const interrupted = readFileSync(file, 'utf8').split('\n')
    expect(JSON.parse(interrupted[0]!)).toMatchObject({ inflight: { kind: 'create-run' } })
    testmo.faults.length = 0
    const { runId } = await publish(journalDir, 'logged')
    const lines = readFileSync(file, 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    const records = lines.map((line) => JSON.parse(line) as { publication: string; runId?: number; runCompleted: boolean })
    // the resumed publish's first record already knows the run: the interrupted one's are gone
    expect(records[0]).toMatchObject({ publication: 'logged', runId })
    expect(records.length).toBeGreaterThan(2)
    expect(records.at(-1)).toMatchObject({ runId, runCompleted: true })
    exactlyOnce(runId)
  })

  it('refuses results with no cases, and a journal of other results', async () => {
    const empty = await cli(['--results', tempTree(), '--project-id', '3'])
    expect(empty.stderr).toMatch(/no cases to publish in .* for build dev; ingest results first/)
    const first = await cli(['--results', resultsDir, '--project-id', '3', '--build', 'v0.5.0-rc1'])
    expect(first.code).toBe(0)
    const other = await cli(['--results', resultsDir, '--project-id', '3', '--build', 'v0.5.0-rc2'], {}, first.cwd)
    expect(other.stderr).toMatch(/testmo-journal\.json: this publish journal belongs to other results .*; remove it to publish these results as a new run/)
    expect(other.code).toBe(2)
  })

  it('follows the parallel CI flow: --create (with the pipeline\'s resources), --thread per shard job, --complete', async () => {
    const dir = tempTree()
    writeFileSync(path.join(dir, 'testmo-resources.json'), JSON.stringify({ links: [{ name: 'Release notes', url: 'https://gitlab.example/nunet/dms/-/releases' }] }))
    const create = await cli(['--create', '--project-id', '3', '--name', 'sharded', '--resources', 'testmo-resources.json'], {}, dir)
    expect(create.code, create.stderr).toBe(0)
    const runId = create.stdout.trim()
    expect(readFileSync(path.join(create.cwd, 'testmo.env'), 'utf8')).toBe(`TESTMO_RUN_ID=${runId}\n`)
    expect(testmo.runs.get(Number(runId))!.body.links).toContainEqual({ name: 'Release notes', url: 'https://gitlab.example/nunet/dms/-/releases' })
    for (const build of ['v0.5.0-rc1', 'v0.5.0-rc2']) expect((await cli(['--thread', '--results', resultsDir, '--project-id', '3', '--build', build], { TESTMO_RUN_ID: runId })).code).toBe(0)
    expect((await cli(['--complete', '--project-id', '3'], { TESTMO_RUN_ID: runId })).code).toBe(0)
    const run = testmo.runs.get(Number(runId))!
    expect(run.completed).toBe(true)
    expect(run.threads.length).toBeGreaterThanOrEqual(4)
  })
})
