import path from 'node:path'
import junitReportBuilder, { type Builder } from 'junit-report-builder'
import type { ResultSet, MergedCase } from '../../src/results/merge-results.ts'

/**
 * JUnit XML built for GitLab's parser: one testsuite per feature × environment/stage;
 * classname = feature, name = scenario plus example row and environment (GitLab keys test
 * cases on classname + name); in system-out the step log of failed, flaky and skipped cases
 * (a plain pass keeps none after merging) and node logs as `[[ATTACHMENT|path]]`.
 */
export function resultsToJUnit(results: ResultSet, options: { build?: string; resultsDir: string; relativeTo: string }): string {
  const build = options.build ?? results.order[results.order.length - 1]
  const cells = [...(results.builds.get(build ?? '')?.values() ?? [])]
  const suites = new Map<string, MergedCase[]>()
  for (const entry of cells) {
    const key = `${entry.feature} [${entry.environment}/${entry.stage}]`
    suites.set(key, [...(suites.get(key) ?? []), entry])
  }
  const builder = rootBuilder().newBuilder()
  for (const [name, entries] of [...suites].sort(([a], [b]) => a.localeCompare(b))) {
    const suite = builder.testSuite().name(name)
    for (const entry of entries.sort((a, b) => a.uri.localeCompare(b.uri) || a.name.localeCompare(b.name))) {
      const test = suite.testCase().className(entry.feature).name(`${entry.name} [${entry.environment}]`).file(entry.uri).time(entry.durationMs / 1000)
      if (entry.status === 'failed' || entry.status === 'ambiguous' || entry.status === 'undefined') test.failure(firstLine(entry.error ?? entry.status), entry.status)
      else if (entry.status === 'skipped' || entry.status === 'pending') test.skipped()
      const out = [
        ...entry.steps.map((s) => `${s.status.toUpperCase().padEnd(9)} ${s.keyword} ${s.text}${s.error ? `\n          ${s.error.split('\n').join('\n          ')}` : ''}`),
        ...(entry.flaky ? [`FLAKY: statuses seen ${entry.seen.join(', ')} over ${entry.attempts} attempt(s)`] : []),
        ...(entry.output ? [entry.output] : []),
        ...entry.attachments.map((a) => `[[ATTACHMENT|${path.relative(options.relativeTo, path.join(options.resultsDir, a.path))}]]`),
      ]
      if (out.length) test.standardOutput(out.join('\n'))
    }
  }
  return builder.build()
}

function firstLine(text: string): string {
  return text.split('\n')[0]!
}

/** The CommonJS package's builder: TypeScript types it as `.default`, Node hands it over directly. */
function rootBuilder(): Builder {
  const loaded = junitReportBuilder as unknown as Builder & { default?: Builder }
  return typeof loaded.newBuilder === 'function' ? loaded : loaded.default!
}
