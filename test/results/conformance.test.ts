import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ingestCucumberMessages } from '../../src/results/ingest-cucumber-messages.ts'
import { ingestJUnit } from '../../src/results/ingest-junit.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { resultsToJUnit } from '../../reporters/junit/junit-reporter.ts'
import { STATUS_PRECEDENCE, type Case, type Status } from '../../src/model/results.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'

// Other projects' test data for the formats bdd-matrix reads (../shared/conformance, see its
// README): counted the way their own producers count it. Skipped with a note where it is absent.
const CONFORMANCE = path.resolve(PROJECT_ROOT, '../shared/conformance')
const present = existsSync(CONFORMANCE)
if (!present) console.warn(`conformance data not found at ${CONFORMANCE}: the conformance suites are skipped`)

const ctx = (resultsDir: string) => ({ build: 'v1', environment: 'local', stage: 'acceptance' as const, resultsDir })
const casesOf = (file: string): Case[] => readFileSync(file, 'utf8').trim().split('\n').slice(1).filter(Boolean).map((l) => JSON.parse(l) as Case)

/**
 * Cucumber's own verdict of a test case: the worst status of the steps of its last attempt; a
 * scenario without steps verified nothing (cucumber-ruby: undefined; cucumber-js: unknown).
 */
function cucumberVerdicts(stream: string): { statuses: Status[]; retried: number; globalHookFailures: number; runException: boolean } {
  const rank = (s: string): number => {
    const i = STATUS_PRECEDENCE.indexOf(s.toLowerCase() as Status)
    return i === -1 ? STATUS_PRECEDENCE.length : i
  }
  const worst = new Map<string, string>()
  const statuses: Status[] = []
  let retried = 0
  let globalHookFailures = 0
  let runException = false
  const stepless = new Set<string>()
  const steplessCases = new Set<string>()
  const steplessStarts = new Set<string>()
  for (const line of stream.trim().split('\n')) {
    const e = JSON.parse(line)
    if (e.pickle && e.pickle.steps.length === 0) stepless.add(e.pickle.id)
    if (e.testCase && stepless.has(e.testCase.pickleId)) steplessCases.add(e.testCase.id)
    if (e.testCaseStarted && steplessCases.has(e.testCaseStarted.testCaseId)) steplessStarts.add(e.testCaseStarted.id)
    if (e.testCaseStarted) worst.set(e.testCaseStarted.id, steplessStarts.has(e.testCaseStarted.id) ? 'UNDEFINED' : 'PASSED')
    if (e.testStepFinished) {
      const now = worst.get(e.testStepFinished.testCaseStartedId)!
      const status = e.testStepFinished.testStepResult.status === 'UNKNOWN' ? 'SKIPPED' : e.testStepFinished.testStepResult.status
      if (rank(status) < rank(now)) worst.set(e.testStepFinished.testCaseStartedId, status)
    }
    if (e.testCaseFinished) {
      if (e.testCaseFinished.willBeRetried) retried++
      else statuses.push(worst.get(e.testCaseFinished.testCaseStartedId)!.toLowerCase() as Status)
    }
    if (e.testRunHookFinished && e.testRunHookFinished.result.status !== 'PASSED') globalHookFailures++
    if (e.testRunFinished?.exception || e.testRunFinished?.message) runException = true
  }
  return { statuses, retried, globalHookFailures, runException }
}

describe.skipIf(!present)('Cucumber Compatibility Kit streams are counted as Cucumber counts them', () => {
  const dir = path.join(CONFORMANCE, 'cck')
  const files = present ? [...readdirSync(dir).filter((f) => f.endsWith('.ndjson')), ...readdirSync(path.join(dir, 'newer')).map((f) => `newer/${f}`)] : []

  it.each(files)('%s', async (name) => {
    const file = path.join(dir, name)
    const expected = cucumberVerdicts(readFileSync(file, 'utf8'))
    const out = tempTree()
    const outcome = await ingestCucumberMessages(file, ctx(out))
    expect(outcome.problems).toEqual([])
    const cases = outcome.path ? casesOf(outcome.path) : []
    expect(cases.map((c) => c.status).sort()).toEqual([...expected.statuses].sort())
    // every test case a case of its own, each named
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length)
    // a retry that passed is flaky, with its attempts
    expect(cases.filter((c) => c.flaky).length).toBe(cases.filter((c) => c.attempts > 1 && c.status === 'passed').length)
    expect(cases.reduce((n, c) => n + c.attempts - 1, 0)).toBe(expected.retried)
    // failures outside any test case are the run's own
    expect(outcome.run!.errors?.length ?? 0).toBe(expected.globalHookFailures + (expected.runException ? 1 : 0))
    // and JUnit says what Cucumber says: every non-passed, non-skipped case a failure, each run error an error
    const results = await mergeResults(out)
    const xml = resultsToJUnit(results, { resultsDir: out, relativeTo: out })
    const failures = expected.statuses.filter((s) => s !== 'passed' && s !== 'skipped').length
    expect(/<testsuites tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/.exec(xml)!.slice(1).map(Number)).toEqual([
      expected.statuses.length + (outcome.run!.errors?.length ?? 0),
      failures,
      outcome.run!.errors?.length ?? 0,
      expected.statuses.filter((s) => s === 'skipped').length,
    ])
  })

  it('keeps what a BeforeAll hook, an AfterAll hook and the run itself said', async () => {
    const before = await ingestCucumberMessages(path.join(dir, 'global-hooks-beforeall-error.ndjson'), ctx(tempTree()))
    expect(before.cases).toBe(0)
    expect(before.run!.errors).toEqual([{ where: 'BeforeAll hook', source: expect.stringMatching(/global-hooks-beforeall-error\.ts:\d+$/), message: expect.stringContaining('BeforeAll hook went wrong') }])
    const after = await ingestCucumberMessages(path.join(dir, 'global-hooks-afterall-error.ndjson'), ctx(tempTree()))
    expect(after.run!.errors).toEqual([expect.objectContaining({ where: 'AfterAll hook', message: expect.stringContaining('AfterAll hook went wrong') })])
    const run = await ingestCucumberMessages(path.join(dir, 'test-run-exception.ndjson'), ctx(tempTree()))
    expect(run.run!.errors).toEqual([{ where: 'test run', message: 'Error: Whoops!\n<unknown>' }])
  })

  it('names outline rows by their values, the same in every run', async () => {
    const outcome = await ingestCucumberMessages(path.join(dir, 'examples-tables.ndjson'), ctx(tempTree()))
    const names = casesOf(outcome.path!).map((c) => c.name)
    expect(names.every((n) => !/\[#\d+\]/.test(n))).toBe(true)
    expect(new Set(names).size).toBe(names.length)
  })
})

/** The producer's count: every <testcase> element, and which of them fail or are skipped. */
function producerCounts(xml: string): { tests: number; failed: number; skipped: number } {
  const cases = [...xml.matchAll(/<testcase\b[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => m[1] ?? '')
  return {
    tests: cases.length,
    failed: cases.filter((body) => /<(failure|error)\b/.test(body)).length,
    skipped: cases.filter((body) => !/<(failure|error)\b/.test(body) && /<skipped\b/.test(body)).length,
  }
}

describe.skipIf(!present)('JUnit from real producers is counted as they count it', () => {
  const dir = path.join(CONFORMANCE, 'junit')
  const files = present ? readdirSync(dir).filter((f) => f.endsWith('.xml')) : []

  it.each(files)('%s', async (name) => {
    const file = path.join(dir, name)
    const expected = producerCounts(readFileSync(file, 'utf8'))
    const outcome = await ingestJUnit(file, ctx(tempTree()))
    expect(outcome.problems).toEqual([])
    const cases = casesOf(outcome.path!)
    // a Go package that did not build (go-junit-report's "[build failed]" test) fails the run: counted all the same
    const runErrors = outcome.run!.errors?.length ?? 0
    expect(cases.length + runErrors).toBe(expected.tests)
    expect(cases.filter((c) => c.status === 'failed').length + runErrors).toBe(expected.failed)
    expect(cases.filter((c) => c.status === 'skipped')).toHaveLength(expected.skipped)
    // GitLab's key (suite + classname + name) stays unique: no two cases merge into one
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length)
    // a character reference is read as the character (gotestsum writes every line end &#xA;, Surefire &#10;)
    const written = cases.flatMap((c) => [c.name, c.feature, c.error ?? '', c.output ?? ''])
    expect(written.filter((text) => /&#(x[0-9a-f]+|[0-9]+);/i.test(text))).toEqual([])
  })

  it('reads test cases at any depth of nested suites', async () => {
    const cases = casesOf((await ingestJUnit(path.join(dir, 'nested-testsuites-depth4.xml'), ctx(tempTree()))).path!)
    expect(cases.map((c) => `${c.feature}/${c.name}:${c.status}`).sort()).toEqual(['TestA/A:failed', 'TestA/B:passed', 'TestB/A:passed', 'TestB/B:failed', 'packet/A:failed'])
  })

  it('reads Surefire reruns as attempts: a flakyFailure in a passing case makes it flaky', async () => {
    const [flaky] = casesOf((await ingestJUnit(path.join(dir, 'surefire-flaky.xml'), ctx(tempTree()))).path!)
    expect(flaky).toMatchObject({ status: 'passed', flaky: true, attempts: 2, error: expect.stringContaining('Expected: <false>') })
  })

  it("takes go-junit-report's \"[build failed]\" and \"[setup failed]\" tests for what they are: packages that did not build, failing the run", async () => {
    const outcome = await ingestJUnit(path.join(dir, 'go-junit-report-013-build-errors.xml'), ctx(tempTree()))
    expect(casesOf(outcome.path!).map((c) => `${c.feature}/${c.name}:${c.status}`)).toEqual(['package/name/passing1/TestA:passed', 'package/name/passing2/TestB:passed'])
    expect(outcome.run!.errors).toEqual([
      // the compiler's complaint on the first line, which one-line views show; go-junit-report's "Build error" left out
      { where: 'Go package package/name/failing1', message: "the package's tests did not build: failing1/failing_test.go:15: undefined: x" },
      { where: 'Go package package/name/failing2', message: "the package's tests did not build: failing2/another_failing_test.go:20: undefined: y" },
      { where: 'Go package package/name/setupfailing1', message: expect.stringMatching(/^the package's tests did not set up: setupfailing1\/failing_test\.go:4: cannot find package "other\/package" in any of:\nsetupfailing1\/failing_test\.go:4: cannot find package "other\/package" in any of:\n\t\/path\/vendor \(vendor tree\)\n/) },
    ])
  })

  it('tells repeated test names apart (go-junit-report), in order', async () => {
    const cases = casesOf((await ingestJUnit(path.join(dir, 'go-junit-report-016-repeated-names.xml'), ctx(tempTree()))).path!)
    expect(cases.map((c) => c.name)).toEqual(['TestRepeat', 'TestRepeat #2', 'TestRepeat #3'])
  })

  it('keeps the failure text a producer writes inside the element (GitLab shows it), not only the message attribute', async () => {
    const cases = casesOf((await ingestJUnit(path.join(dir, 'gitlab-docs-example.xml'), ctx(tempTree()))).path!)
    expect(cases[0]).toMatchObject({ status: 'failed', error: 'Expected authentication to fail', output: '[[ATTACHMENT|screenshots/failure.png]]' })
  })
})
