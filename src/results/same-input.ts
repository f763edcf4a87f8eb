import { readdirSync } from 'node:fs'
import path from 'node:path'
import type { Run } from '../model/results.ts'
import { readRunHeader } from './merge-results.ts'

/** Where a run's results count: its build, environment and stage. */
export function placeOf(run: Run): string {
  return `${run.build} ${run.environment}/${run.stage}`
}

/**
 * The rule, once: runs made from one report (source.sha256) that count in more than one place
 * (build, environment or stage) — one test run's results counted twice: a report left from an
 * earlier job ingested again under a new build, or a local run's report claimed for docker,
 * makes a build or an environment look tested when it was not. Each group as its runs.
 */
export function reportsCountedTwice(runs: readonly Run[]): Run[][] {
  const bySha = new Map<string, Run[]>()
  for (const run of runs) {
    const sha256 = run.source?.sha256
    if (sha256) bySha.set(sha256, [...(bySha.get(sha256) ?? []), run])
  }
  return [...bySha.values()].filter((group) => new Set(group.map(placeOf)).size > 1)
}

/**
 * For each of `runs`, the runs of a results folder made from the same report that count
 * elsewhere (reportsCountedTwice). The folder's headers are read once, however many runs are
 * asked about (a folder of Surefire reports holds hundreds).
 */
export function sameInputElsewhere(resultsDir: string, runs: readonly Run[]): Map<string, Run[]> {
  const found = new Map<string, Run[]>()
  let files: string[]
  try {
    files = readdirSync(resultsDir).filter((f) => f.endsWith('.ndjson'))
  } catch {
    return found
  }
  const headers: Run[] = []
  for (const file of files) {
    try {
      headers.push(readRunHeader(path.join(resultsDir, file)))
    } catch {
      // a file that is no results file is said where it is merged
    }
  }
  const asked = new Set(runs.map((r) => r.id))
  for (const group of reportsCountedTwice(headers))
    for (const run of group.filter((r) => asked.has(r.id)))
      found.set(run.id, group.filter((o) => placeOf(o) !== placeOf(run)).sort((a, b) => a.id.localeCompare(b.id)))
  return found
}
