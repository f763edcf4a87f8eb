import path from 'node:path'
import { XML_DECLARATION, testCaseXml, testSuiteClose, testSuiteOpen, testSuitesClose, testSuitesOpen, type JUnitCase, type JUnitCounts } from './junit-xml.ts'
import { writePieces } from '../../src/chunked-writer.ts'
import { headOf } from '../../src/clip-text.ts'
import { runErrorCases } from '../../src/results/run-error-cases.ts'
import { JUNIT_OF, NOT_RUN_TYPE, failureMessage, outcomeOf } from '../../src/model/status-algebra.ts'
import type { ResultSet, MergedCase } from '../../src/results/merge-results.ts'
import { errorHeadline } from '../../src/model/error-headline.ts'
import { makeDirectory } from '../../src/files.ts'

/** GitLab shows the text of <failure>: the error and the failing step's log, up to this much; the rest is in system-out. */
const FAILURE_TEXT_MAX = 16_384

/**
 * JUnit XML built for GitLab's parser: one testsuite per feature × environment/stage;
 * classname = feature (with its file where two files share a feature title), name = scenario
 * (outline rows by their values) and environment — GitLab keys a test on suite + classname +
 * name. Statuses map by the one status algebra: failed, pending, undefined and ambiguous are
 * failures, and so is a tester's block (the status first in the message, and as the failure's
 * type, which ingest reads back); skipped is skipped (the reason as the `<skipped>` text, what
 * GitLab shows), and so is each cell the scope requires that nothing ran
 * (`notRun`: a report of only what ran looks greener than the build). The failure's text
 * is what GitLab shows: the whole error and the failing step's log; system-out keeps the step
 * log, the flaky history and the attachments as `[[ATTACHMENT|path]]` (GitLab links the first:
 * an image if there is one, else the first log). A run that failed outside any scenario (a
 * global hook, the runner) is an error test case of its own.
 *
 * The text is junit-report-builder's (junit-xml.ts writes it without the library's tree), made
 * a test case at a time: the document is never whole in memory.
 */
export function resultsToJUnit(results: ResultSet, options: JUnitOptions): string {
  return [...junitText(results, options)].join('')
}

/** Writes the JUnit XML to a file piece by piece, in writes of about 64 KB. */
export function writeJUnit(results: ResultSet, file: string, options: JUnitOptions): void {
  makeDirectory(path.dirname(file))
  writePieces(file, junitText(results, options))
}

export interface JUnitOptions {
  build?: string
  resultsDir: string
  relativeTo: string
  /** the scope's required cells that nothing ran (not-run-cases.ts): skipped test cases saying so */
  notRun?: readonly MergedCase[]
}

/** A suite's cases: all of a suite share its classname (it is part of the suite's key). */
type Suite = { className: string; entries: MergedCase[] }

function* junitText(results: ResultSet, options: JUnitOptions): Generator<string> {
  const build = options.build ?? results.order[results.order.length - 1]
  const cells = results.builds.get(build ?? '')
  // Feature titles written in more than one file: GitLab would merge their same-named scenarios.
  const filesOfTitle = new Map<string, Set<string>>()
  const notRun = options.notRun ?? []
  for (const c of cells?.values() ?? []) if (!c.runError) (filesOfTitle.get(c.feature) ?? filesOfTitle.set(c.feature, new Set()).get(c.feature)!).add(c.uri)
  for (const c of notRun) (filesOfTitle.get(c.feature) ?? filesOfTitle.set(c.feature, new Set()).get(c.feature)!).add(c.uri)
  const suites = new Map<string, Suite>()
  const add = (entry: MergedCase): void => {
    const className = !entry.runError && filesOfTitle.get(entry.feature)!.size > 1 ? `${entry.feature} (${entry.uri})` : entry.feature
    const key = `${className} [${entry.environment}/${entry.stage}]`
    const suite = suites.get(key)
    if (suite) suite.entries.push(entry)
    else suites.set(key, { className, entries: [entry] })
  }
  // the build's cases are walked where they are held (a million of them copied to a list is 8 MB)
  for (const entry of cells?.values() ?? []) add(entry)
  for (const entry of runErrorCases(results, build)) add(entry)
  for (const entry of notRun) add(entry)
  yield XML_DECLARATION
  const sorted = [...suites].sort(([a], [b]) => a.localeCompare(b))
  const suiteCounts = sorted.map(([, suite]) => countsOfEntries(suite.entries))
  const total = suiteCounts.reduce((sum, c) => ({ tests: sum.tests + c.tests, failures: sum.failures + c.failures, errors: sum.errors + c.errors, skipped: sum.skipped + c.skipped }), { tests: 0, failures: 0, errors: 0, skipped: 0 })
  yield testSuitesOpen(total, sorted.length)
  for (const [i, [name, { className, entries }]] of sorted.entries()) {
    sortEntries(entries)
    yield testSuiteOpen(name, suiteCounts[i]!)
    for (const entry of entries) yield testCaseXml(entry.runError ? runErrorCase(entry) : testCase(entry, className, options))
    yield testSuiteClose(suiteCounts[i]!)
  }
  yield testSuitesClose(sorted.length)
}

// localeCompare's order, with one collator for all and each entry's key made once (not twice a
// comparison: 100,000 cases are some 500,000 comparisons)
const COLLATOR = new Intl.Collator()

function sortEntries(entries: MergedCase[]): void {
  const keyed = entries.map((e) => ({ e, key: `${e.uri}\u0000${e.name}` }))
  keyed.sort((a, b) => COLLATOR.compare(a.key, b.key))
  keyed.forEach(({ e }, i) => (entries[i] = e))
}

/** tests, failures, errors, skipped — as the elements written count them. */
function countsOfEntries(entries: MergedCase[]): JUnitCounts {
  const counts = { tests: entries.length, failures: 0, errors: 0, skipped: 0 }
  for (const e of entries) {
    if (e.runError) {
      counts.errors++
      continue
    }
    const written = JUNIT_OF[outcomeOf(e.status)]
    if (written === 'failure') counts.failures++
    else if (written === 'skipped') counts.skipped++
  }
  return counts
}

function testCase(entry: MergedCase, className: string, options: { resultsDir: string; relativeTo: string }): JUnitCase {
  const test: JUnitCase = { className, name: `${entry.name} [${entry.environment}]`, file: entry.uri, time: entry.durationMs / 1000 }
  const written = JUNIT_OF[outcomeOf(entry.status)]
  const stepLog = (written === 'passed' && !entry.flaky ? [] : entry.steps).map((s) => `${s.status.toUpperCase().padEnd(9)} ${s.keyword} ${s.text}${s.error ? `\n          ${s.error.split('\n').join('\n          ')}` : ''}`)
  if (written === 'failure') {
    const message = failureMessage(entry.status, entry.error)
    const failing = entry.steps.find((s) => s.status !== 'passed' && s.status !== 'skipped')
    const text = [message, ...(failing ? ['', `at step: ${failing.keyword} ${failing.text}`] : []), ...(stepLog.length ? ['', 'steps:', ...stepLog] : [])].join('\n')
    test.failure = { message: errorHeadline(message), type: entry.status, text: text.length > FAILURE_TEXT_MAX ? `${headOf(text, FAILURE_TEXT_MAX)}\n… (cut; the whole log is in system-out)` : text }
  } else if (written === 'skipped') {
    // GitLab shows a skipped test's <skipped> text, and nothing of its system-out: the reason goes there
    const reason = entry.notRun ? entry.error! : entry.error ? `${entry.status}: ${entry.error}` : entry.status === 'skipped' ? '' : entry.status
    test.skipped = reason ? { message: errorHeadline(reason), ...(entry.notRun ? { type: NOT_RUN_TYPE } : {}), text: reason } : true
  }
  const attachments = [...entry.attachments].sort((a, b) => Number(b.mediaType.startsWith('image/')) - Number(a.mediaType.startsWith('image/')))
  const out = [
    ...stepLog,
    ...(entry.flaky ? [`FLAKY: statuses seen ${entry.seen.join(', ')} over ${entry.attempts} attempt(s)`] : []),
    ...(entry.output ? [entry.output] : []),
    ...attachments.map((a) => `[[ATTACHMENT|${path.relative(options.relativeTo, path.join(options.resultsDir, a.path))}]]`),
  ]
  if (out.length) test.systemOut = out.join('\n')
  return test
}

function runErrorCase(entry: MergedCase): JUnitCase {
  return { className: entry.feature, name: `${entry.name} [${entry.environment}]`, error: { message: errorHeadline(entry.error!), type: 'run error', text: entry.error! } }
}
