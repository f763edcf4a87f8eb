import { readdirSync } from 'node:fs'
import path from 'node:path'
import type { Run } from '../model/results.ts'
import { readRunHeader } from './merge-results.ts'

/**
 * For each of `runs`, the runs of a results folder made from the same report (source.sha256) for
 * another build, environment or stage: one test run's results counted twice — a report left from
 * an earlier job ingested again under a new build, or a local run's report claimed for docker —
 * makes a build or an environment look tested when it was not. The folder's headers are read
 * once, however many runs are asked about (a folder of Surefire reports holds hundreds).
 */
export function sameInputElsewhere(resultsDir: string, runs: readonly Run[]): Map<string, Run[]> {
  const found = new Map<string, Run[]>()
  const wanted = new Set(runs.flatMap((r) => (r.source.sha256 ? [r.source.sha256] : [])))
  if (!wanted.size) return found
  let files: string[]
  try {
    files = readdirSync(resultsDir).filter((f) => f.endsWith('.ndjson'))
  } catch {
    return found
  }
  const bySha = new Map<string, Run[]>()
  for (const file of files) {
    let other: Run
    try {
      other = readRunHeader(path.join(resultsDir, file))
    } catch {
      continue // a file that is no results file is said where it is merged
    }
    const sha256 = other.source?.sha256
    if (sha256 && wanted.has(sha256)) bySha.set(sha256, [...(bySha.get(sha256) ?? []), other])
  }
  for (const run of runs) {
    const others = (bySha.get(run.source.sha256 ?? '') ?? []).filter((o) => o.id !== run.id && (o.build !== run.build || o.environment !== run.environment || o.stage !== run.stage))
    if (others.length) found.set(run.id, others.sort((a, b) => a.id.localeCompare(b.id)))
  }
  return found
}
