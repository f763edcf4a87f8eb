import { createReadStream, readdirSync } from 'node:fs'
import { createInterface } from 'node:readline'
import path from 'node:path'
import { UserError } from '../errors.ts'
import { RunSchema, type Case, type Run, type Stage, type Status } from '../model/results.ts'

/** One cell of the matrix: a case on an environment and stage, in one build. */
export interface MergedCase extends Case {
  environment: string
  stage: Stage
  build: string
  runId: string
  /** statuses seen for this cell in this build, oldest first (reruns, shards, retries) */
  seen: Status[]
}

export interface ResultSet {
  runs: Run[]
  /** runs left out because they belong to another milestone */
  skipped: { run: Run; file: string }[]
  /** build → cell key → merged case */
  builds: Map<string, Map<string, MergedCase>>
  /** builds, oldest first */
  order: string[]
}

export const cellKey = (caseId: string, environment: string, stage: string): string => `${caseId}\u0000${environment}\u0000${stage}`

/**
 * Merges every results file of a folder into one result set per build.
 * Rule: runs are applied oldest first (by finish time, then id), so for a cell seen more than
 * once the latest complete run wins; the cell is flaky when its observations disagree or a
 * retry passed. A run is counted once however many times it was ingested (its id hashes its
 * input), so merging twice changes nothing.
 */
export async function mergeResults(dir: string, options: { keepStepsOfPassed?: boolean; milestone?: string } = {}): Promise<ResultSet> {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.ndjson'))
  } catch {
    throw new UserError('RESULTS_MISSING', `${dir}: results folder not found; write one with bdd-matrix ingest --out ${dir}`)
  }
  const runs = new Map<string, { run: Run; file: string }>()
  const skipped: ResultSet['skipped'] = []
  for (const file of files) {
    const run = await readRunHeader(path.join(dir, file))
    if (!run || runs.has(run.id)) continue
    if (options.milestone && run.milestone && run.milestone !== options.milestone) skipped.push({ run, file: path.join(dir, file) })
    else runs.set(run.id, { run, file: path.join(dir, file) })
  }
  const ordered = [...runs.values()].sort((a, b) => a.run.finishedAt.localeCompare(b.run.finishedAt) || a.run.id.localeCompare(b.run.id))
  const builds = new Map<string, Map<string, MergedCase>>()
  const lastRun = new Map<string, string>()
  for (const { run, file } of ordered) {
    if (!builds.has(run.build)) builds.set(run.build, new Map())
    lastRun.set(run.build, run.finishedAt)
    const cells = builds.get(run.build)!
    for await (const entry of readCases(file)) {
      const key = cellKey(entry.id, run.environment, run.stage)
      const before = cells.get(key)
      const seen = [...(before?.seen ?? []), entry.status]
      const merged: MergedCase = { ...entry, environment: run.environment, stage: run.stage, build: run.build, runId: run.id, seen }
      merged.flaky = entry.flaky || new Set(seen).size > 1
      // A plain pass needs no step log; dropping it keeps 100k-case merges small.
      if (!options.keepStepsOfPassed && merged.status === 'passed' && !merged.flaky) merged.steps = []
      cells.set(key, merged)
    }
  }
  return { runs: ordered.map((r) => r.run), skipped, builds, order: orderBuilds([...builds.keys()], lastRun) }
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-(.+))?$/

/**
 * Builds oldest first: by version when every build is one (v0.5.0-rc1 < v0.5.0-rc1-p1 <
 * v0.5.0-rc2 < v0.5.0), otherwise by when their latest run finished.
 */
export function orderBuilds(names: string[], lastRun: Map<string, string>): string[] {
  const parsed = names.map((name) => ({ name, v: VERSION.exec(name) }))
  if (parsed.every((p) => p.v)) {
    return parsed
      .sort((a, b) => {
        for (let i = 1; i <= 3; i++) if (Number(a.v![i]) !== Number(b.v![i])) return Number(a.v![i]) - Number(b.v![i])
        const [pa, pb] = [a.v![4], b.v![4]]
        if (pa === pb) return 0
        if (pa === undefined) return 1
        if (pb === undefined) return -1
        return pa.localeCompare(pb, 'en', { numeric: true })
      })
      .map((p) => p.name)
  }
  return [...names].sort((a, b) => (lastRun.get(a) ?? '').localeCompare(lastRun.get(b) ?? '') || a.localeCompare(b))
}

async function readRunHeader(file: string): Promise<Run | undefined> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) {
    lines.close()
    const parsed = RunSchema.safeParse(JSON.parse(line))
    return parsed.success ? parsed.data : undefined
  }
  return undefined
}

async function* readCases(file: string): AsyncGenerator<Case> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  let first = true
  for await (const line of lines) {
    if (first) {
      first = false
      continue
    }
    if (line) yield JSON.parse(line) as Case
  }
}
