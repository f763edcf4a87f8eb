import { readdirSync } from 'node:fs'
import path from 'node:path'
import type { Run } from '../model/results.ts'
import { readRunHeader } from './merge-results.ts'

/**
 * The runs of a results folder made from the same report (source.sha256) as `run` for another
 * build, environment or stage: one test run's results counted twice — a report left from an
 * earlier job ingested again under a new build, or a local run's report claimed for docker —
 * makes a build or an environment look tested when it was not.
 */
export function sameInputElsewhere(resultsDir: string, run: Run): Run[] {
  const sha256 = run.source.sha256
  if (!sha256) return []
  let files: string[]
  try {
    files = readdirSync(resultsDir).filter((f) => f.endsWith('.ndjson'))
  } catch {
    return []
  }
  const others: Run[] = []
  for (const file of files) {
    let other: Run
    try {
      other = readRunHeader(path.join(resultsDir, file))
    } catch {
      continue // a file that is no results file is said where it is merged
    }
    if (other.id !== run.id && other.source?.sha256 === sha256 && (other.build !== run.build || other.environment !== run.environment || other.stage !== run.stage)) others.push(other)
  }
  return others.sort((a, b) => a.id.localeCompare(b.id))
}
