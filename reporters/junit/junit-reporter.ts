import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import path from 'node:path'
import junitReportBuilder, { type Builder, type TestSuite } from 'junit-report-builder'
import type { ResultSet, MergedCase } from '../../src/results/merge-results.ts'

const COUNTS = / tests="\d+" failures="\d+" errors="\d+" skipped="\d+"/

/**
 * JUnit XML built for GitLab's parser: one testsuite per feature × environment/stage;
 * classname = feature, name = scenario plus example row and environment (GitLab keys test
 * cases on classname + name); in system-out the step log of failed, flaky and skipped cases
 * (a plain pass keeps none) and node logs as `[[ATTACHMENT|path]]`.
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

function* junitText(results: ResultSet, options: JUnitOptions): Generator<string> {
  const build = options.build ?? results.order[results.order.length - 1]
  const suites = new Map<string, MergedCase[]>()
  for (const entry of results.builds.get(build ?? '')?.values() ?? []) {
    const key = `${entry.feature} [${entry.environment}/${entry.stage}]`
    const suite = suites.get(key)
    if (suite) suite.push(entry)
    else suites.set(key, [entry])
  }
  if (suites.size === 0) {
    yield rootBuilder().newBuilder().build()
    return
  }
  const chunk = options.chunk ?? 1000
  const total = countsOf([...suites.values()].flat())
  let first = true
  for (const [name, entries] of [...suites].sort(([a], [b]) => a.localeCompare(b))) {
    entries.sort((a, b) => a.uri.localeCompare(b.uri) || a.name.localeCompare(b.name))
    for (let from = 0; from < entries.length; from += chunk) {
      const builder = rootBuilder().newBuilder()
      const suite = builder.testSuite().name(name)
      for (const entry of entries.slice(from, from + chunk)) addTestCase(suite, entry, options)
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

/** How a case is reported: the one rule behind both the elements written and the counts. */
function outcomeOf(entry: MergedCase): 'failure' | 'skipped' | 'passed' {
  if (entry.status === 'failed' || entry.status === 'ambiguous' || entry.status === 'undefined') return 'failure'
  if (entry.status === 'skipped' || entry.status === 'pending' || entry.status === 'blocked') return 'skipped'
  return 'passed'
}

/** tests, failures, errors, skipped — as junit-report-builder counts the elements written. */
function countsOf(entries: MergedCase[]): number[] {
  const counts = [entries.length, 0, 0, 0]
  for (const entry of entries) {
    const outcome = outcomeOf(entry)
    if (outcome === 'failure') counts[1]!++
    else if (outcome === 'skipped') counts[3]!++
  }
  return counts
}

function addTestCase(suite: TestSuite, entry: MergedCase, options: { resultsDir: string; relativeTo: string }): void {
  const test = suite.testCase().className(entry.feature).name(`${entry.name} [${entry.environment}]`).file(entry.uri).time(entry.durationMs / 1000)
  const outcome = outcomeOf(entry)
  if (outcome === 'failure') test.failure(firstLine(entry.error ?? entry.status), entry.status)
  else if (outcome === 'skipped') test.skipped()
  const out = [
    // A plain pass needs no step log (the merge may have kept it for Allure).
    ...(outcome === 'passed' && !entry.flaky ? [] : entry.steps).map((s) => `${s.status.toUpperCase().padEnd(9)} ${s.keyword} ${s.text}${s.error ? `\n          ${s.error.split('\n').join('\n          ')}` : ''}`),
    ...(entry.flaky ? [`FLAKY: statuses seen ${entry.seen.join(', ')} over ${entry.attempts} attempt(s)`] : []),
    ...(entry.output ? [entry.output] : []),
    ...entry.attachments.map((a) => `[[ATTACHMENT|${path.relative(options.relativeTo, path.join(options.resultsDir, a.path))}]]`),
  ]
  if (out.length) test.standardOutput(out.join('\n'))
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
