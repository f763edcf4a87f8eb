import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import path from 'node:path'
import junitReportBuilder, { type Builder, type TestSuite } from 'junit-report-builder'
import { runErrorCases } from '../../src/results/run-error-cases.ts'
import { JUNIT_OF, failureMessage, outcomeOf } from '../../src/model/status-algebra.ts'
import type { ResultSet, MergedCase } from '../../src/results/merge-results.ts'

const COUNTS = / tests="\d+" failures="\d+" errors="\d+" skipped="\d+"/
/** GitLab shows the text of <failure>: the error and the failing step's log, up to this much; the rest is in system-out. */
const FAILURE_TEXT_MAX = 16_384

/**
 * JUnit XML built for GitLab's parser: one testsuite per feature × environment/stage;
 * classname = feature (with its file where two files share a feature title), name = scenario
 * (outline rows by their values) and environment — GitLab keys a test on suite + classname +
 * name. Statuses map by the one status algebra: failed, pending, undefined and ambiguous are
 * failures (the status first in the message), skipped and blocked are skipped. The failure's text
 * is what GitLab shows: the whole error and the failing step's log; system-out keeps the step
 * log, the flaky history and the attachments as `[[ATTACHMENT|path]]` (GitLab links the first:
 * an image if there is one, else the first log). A run that failed outside any scenario (a
 * global hook, the runner) is an error test case of its own.
 *
 * junit-report-builder holds a whole document as an XML tree, several kilobytes a test case; so
 * it renders `chunk` cases at a time and the suites are stitched from its output, with the
 * counts of the whole suite and document. The result is the text one tree would give.
 */
export function resultsToJUnit(results: ResultSet, options: JUnitOptions): string {
  return [...junitText(results, options)].join('')
}

/** Writes the JUnit XML to a file piece by piece: the document is never whole in memory. */
export function writeJUnit(results: ResultSet, file: string, options: JUnitOptions): void {
  mkdirSync(path.dirname(file), { recursive: true })
  const fd = openSync(file, 'w')
  try {
    for (const piece of junitText(results, options)) writeSync(fd, piece)
  } finally {
    closeSync(fd)
  }
}

export interface JUnitOptions {
  build?: string
  resultsDir: string
  relativeTo: string
  /** test cases rendered per junit-report-builder document */
  chunk?: number
}

/** A test case to write, with its classname. */
type Entry = { entry: MergedCase; className: string }

function* junitText(results: ResultSet, options: JUnitOptions): Generator<string> {
  const build = options.build ?? results.order[results.order.length - 1]
  const cases = [...(results.builds.get(build ?? '')?.values() ?? []), ...runErrorCases(results, build)]
  // Feature titles written in more than one file: GitLab would merge their same-named scenarios.
  const filesOfTitle = new Map<string, Set<string>>()
  for (const c of cases) if (!c.runError) (filesOfTitle.get(c.feature) ?? filesOfTitle.set(c.feature, new Set()).get(c.feature)!).add(c.uri)
  const suites = new Map<string, Entry[]>()
  for (const entry of cases) {
    const className = !entry.runError && filesOfTitle.get(entry.feature)!.size > 1 ? `${entry.feature} (${entry.uri})` : entry.feature
    const key = `${className} [${entry.environment}/${entry.stage}]`
    const suite = suites.get(key)
    if (suite) suite.push({ entry, className })
    else suites.set(key, [{ entry, className }])
  }
  if (suites.size === 0) {
    yield rootBuilder().newBuilder().build()
    return
  }
  const chunk = options.chunk ?? 1000
  const total = countsOf([...suites.values()].flat())
  let first = true
  for (const [name, entries] of [...suites].sort(([a], [b]) => a.localeCompare(b))) {
    entries.sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
    for (let from = 0; from < entries.length; from += chunk) {
      const builder = rootBuilder().newBuilder()
      const suite = builder.testSuite().name(name)
      for (const { entry, className } of entries.slice(from, from + chunk)) {
        if (entry.runError) addRunError(suite, entry)
        else addTestCase(suite, entry, className, options)
      }
      const xml = builder.build()
      const rootEnd = xml.indexOf('\n', xml.indexOf('<testsuites')) + 1
      const openEnd = xml.indexOf('\n', rootEnd) + 1
      if (first) yield withCounts(xml.slice(0, rootEnd), total)
      if (from === 0) yield withCounts(xml.slice(rootEnd, openEnd), countsOf(entries))
      yield xml.slice(openEnd, xml.lastIndexOf('  </testsuite>'))
      first = false
    }
    yield '  </testsuite>\n'
  }
  yield '</testsuites>'
}

function sortKey(e: Entry): string {
  return `${e.entry.uri}\u0000${e.entry.name}`
}

/** tests, failures, errors, skipped — as junit-report-builder counts the elements written. */
function countsOf(entries: Entry[]): number[] {
  const counts = [entries.length, 0, 0, 0]
  for (const e of entries) {
    if (e.entry.runError) {
      counts[2]!++
      continue
    }
    const written = JUNIT_OF[outcomeOf(e.entry.status)]
    if (written === 'failure') counts[1]!++
    else if (written === 'skipped') counts[3]!++
  }
  return counts
}

function addTestCase(suite: TestSuite, entry: MergedCase, className: string, options: { resultsDir: string; relativeTo: string }): void {
  const test = suite.testCase().className(className).name(`${entry.name} [${entry.environment}]`).file(entry.uri).time(entry.durationMs / 1000)
  const written = JUNIT_OF[outcomeOf(entry.status)]
  const stepLog = (written === 'passed' && !entry.flaky ? [] : entry.steps).map((s) => `${s.status.toUpperCase().padEnd(9)} ${s.keyword} ${s.text}${s.error ? `\n          ${s.error.split('\n').join('\n          ')}` : ''}`)
  if (written === 'failure') {
    const message = failureMessage(entry.status, entry.error)
    const failing = entry.steps.find((s) => s.status !== 'passed' && s.status !== 'skipped')
    const text = [message, ...(failing ? ['', `at step: ${failing.keyword} ${failing.text}`] : []), ...(stepLog.length ? ['', 'steps:', ...stepLog] : [])].join('\n')
    test.failure(firstLine(message), entry.status).stacktrace(text.length > FAILURE_TEXT_MAX ? `${text.slice(0, FAILURE_TEXT_MAX)}\n… (cut; the whole log is in system-out)` : text)
  } else if (written === 'skipped') test.skipped()
  const attachments = [...entry.attachments].sort((a, b) => Number(b.mediaType.startsWith('image/')) - Number(a.mediaType.startsWith('image/')))
  const out = [
    ...(written === 'skipped' ? [`${entry.status.toUpperCase()}${entry.error ? `: ${entry.error}` : ''}`] : []),
    ...stepLog,
    ...(entry.flaky ? [`FLAKY: statuses seen ${entry.seen.join(', ')} over ${entry.attempts} attempt(s)`] : []),
    ...(entry.output ? [entry.output] : []),
    ...attachments.map((a) => `[[ATTACHMENT|${path.relative(options.relativeTo, path.join(options.resultsDir, a.path))}]]`),
  ]
  if (out.length) test.standardOutput(out.join('\n'))
}

function addRunError(suite: TestSuite, entry: MergedCase): void {
  suite.testCase().className(entry.feature).name(`${entry.name} [${entry.environment}]`).error(firstLine(entry.error!), 'run error', entry.error!)
}

function withCounts(tag: string, counts: number[]): string {
  return tag.replace(COUNTS, ` tests="${counts[0]}" failures="${counts[1]}" errors="${counts[2]}" skipped="${counts[3]}"`)
}

function firstLine(text: string): string {
  return text.split('\n')[0]!
}

/** The CommonJS package's builder: TypeScript types it as `.default`, Node hands it over directly. */
function rootBuilder(): Builder {
  const loaded = junitReportBuilder as unknown as Builder & { default?: Builder }
  return typeof loaded.newBuilder === 'function' ? loaded : loaded.default!
}
