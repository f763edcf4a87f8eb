import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '../errors.ts'
import type { Case, Run } from '../model/results.ts'
import { MODEL_VERSION, type Stage, type Status } from '../model/vocabulary.ts'
import { verifiedNothing, worseResult } from '../model/status-algebra.ts'
import { firstLine, readLines } from './read-lines.ts'
import { EMPTY, SharedValues, keepsSteps } from './shared-values.ts'
import { caseShapeProblem, runShapeProblem } from '../model/results-shape.ts'
import type { PreparedCases } from './prepared-cases.ts'
import { Cells, cellColumn } from './cells.ts'
import { textOf } from '../json-shape.ts'
import { SMALL_YOUNG_GENERATION_MAX_BYTES, letYoungGenerationGrow } from '../young-generation.ts'

/** One cell of the matrix: a case on an environment and stage, in one build. */
export interface MergedCase extends Case {
  environment: string
  stage: Stage
  build: string
  runId: string
  /** statuses seen for this cell in this build, oldest first (reruns, shards, retries) */
  seen: Status[]
  /** a run's failure outside any scenario, reported as a case (run-error-cases.ts) */
  runError?: true
  /** a required cell without a result, reported as skipped (matrix/not-run-cases.ts); never merged */
  notRun?: true
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

export { cellColumn, cellKey } from './cells.ts'

/**
 * Merges every results file of a folder into one result set per build.
 * Rule: runs are applied oldest first (by finish time, then id), so for a cell seen more than
 * once the latest complete run wins — save that a skip, which verified nothing, never replaces
 * a result that was carried out; the cell is flaky when its observations (skips aside) disagree
 * or a retry passed. A run is counted once however many times it was ingested (its id hashes its
 * input), so merging twice changes nothing.
 */
export async function mergeResults(dir: string, options: MergeOptions = {}): Promise<ResultSet> {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.ndjson'))
  } catch (error) {
    const code = (error as { code?: string }).code
    // a report given where its folder is asked for (--results junit.xml) is said as such
    if (code === 'ENOTDIR') throw new UserError('RESULTS_MISSING', `${dir}: a file, not a results folder; give the folder bdd-matrix ingest wrote (--out), or ingest this file into one first: bdd-matrix ingest ${dir} --env ENV`)
    if (code !== 'ENOENT') throw new UserError('RESULTS_MISSING', `${dir}: the results folder cannot be read (${code ?? (error as Error).message})`)
    throw new UserError('RESULTS_MISSING', `${dir}: results folder not found; write one with bdd-matrix ingest --out ${dir}`)
  }
  let bytes = 0
  const sources: RunSource[] = files.map((f) => {
    const file = path.join(dir, f)
    const run = readRunHeader(file)
    bytes += statSync(file).size
    return {
      run,
      file,
      readCases: async (onCase) => {
        const prepared = options.prepared
        if (prepared?.has(path.resolve(file))) return prepared.replay(path.resolve(file), onCase, Boolean(options.keepStepsOfPassed))
        await readLines(file, (line, lineNumber) => {
          if (lineNumber !== 1 && line) onCase(line, lineNumber)
        })
      },
    }
  })
  // (young-generation.ts says why)
  if (bytes > SMALL_YOUNG_GENERATION_MAX_BYTES) letYoungGenerationGrow()
  return mergeRuns(sources, options)
}

export interface MergeOptions {
  keepStepsOfPassed?: boolean
  /** cases of the folder's files already parsed (a worker's ingest just wrote them), used instead of reading those files */
  prepared?: PreparedCases
  milestone?: string
  /**
   * Results this rule already merged from earlier sources, to go on from (the results hub after
   * a push): runs already in it are not applied again, and the new ones must all come after its
   * runs in the merge's order — else `OutOfOrder` is thrown and the caller merges everything
   * again. The base is not changed.
   */
  base?: ResultSet
}

/** A run to merge on top of a base comes before one of the base's runs: merge from scratch. */
export class OutOfOrder extends Error {}

/** A run and a way to read its cases (JSON lines): a results file, or rows of the results hub. */
export interface RunSource {
  run: Run
  /** where the run comes from, for messages: a file path or a hub address */
  file: string
  /** each case as a JSON line, or as a case object of its own (a summary made by the reader) */
  readCases: (onCase: (line: string | Case, lineNumber: number) => void) => Promise<void>
}

/** The merge rule over any run sources (see mergeResults). */
export async function mergeRuns(sources: Iterable<RunSource>, options: MergeOptions = {}): Promise<ResultSet> {
  const base = options.base
  const earlier = new Map<string, Run>([...(base?.runs ?? []), ...(base?.skipped ?? []).map((s) => s.run)].map((r) => [r.id, r]))
  const runs = new Map<string, RunSource>()
  const skipped: ResultSet['skipped'] = [...(base?.skipped ?? [])]
  for (const source of sources) {
    const { run } = source
    if (runs.has(run.id) || earlier.has(run.id)) continue
    if (options.milestone && run.milestone && run.milestone !== options.milestone) skipped.push({ run, file: source.file })
    else runs.set(run.id, source)
  }
  const byOrder = (a: Run, b: Run): number => a.finishedAt.localeCompare(b.finishedAt) || a.id.localeCompare(b.id)
  const ordered = [...runs.values()].sort((a, b) => byOrder(a.run, b.run))
  const lastOfBase = base?.runs.at(-1)
  if (lastOfBase && ordered[0] && byOrder(ordered[0].run, lastOfBase) < 0) throw new OutOfOrder(`run ${ordered[0].run.id} comes before run ${lastOfBase.id} of the base`)
  const runStart = (id: string): string => (runs.get(id)?.run ?? earlier.get(id)!).startedAt
  // the base's cells maps are copied, never changed: views made from it may still be read
  const builds = new Map<string, Cells>([...(base?.builds ?? [])].map(([b, cells]) => [b, new Cells(cells)]))
  const lastRun = new Map<string, string>((base?.runs ?? []).map((r) => [r.build, r.finishedAt]))
  const shared = new SharedValues()
  for (const { run, file, readCases } of ordered) {
    if (!builds.has(run.build)) builds.set(run.build, new Cells())
    lastRun.set(run.build, run.finishedAt)
    const cells = builds.get(run.build)!
    const column = cellColumn(run.environment, run.stage)
    await readCases((line, lineNumber) => {
      // The parsed case becomes the cell (no copy), its repeated strings and lists shared: a
      // 100,000-case build then costs a few hundred bytes a case.
      let merged: MergedCase
      if (typeof line !== 'string') merged = line as MergedCase
      else {
        let parsed: unknown
        try {
          parsed = JSON.parse(line)
        } catch {
          throw new UserError('RESULTS_FILE', `${file}:${lineNumber}: not a case (not JSON; the file was changed after bdd-matrix wrote it); ingest its source again with bdd-matrix ingest`)
        }
        const problem = caseShapeProblem(parsed)
        if (problem) throw new UserError('RESULTS_FILE', `${file}:${lineNumber}: not a case of this model (${problem}; the file was changed after bdd-matrix wrote it, or written by something else); ingest its source again with bdd-matrix ingest`)
        merged = parsed as MergedCase
      }
      const before = cells.cell(merged.id, column)
      // The same case twice in one run is no rerun: Playwright's projects (browsers) each run it
      // once, side by side. The worse of the two counts (a skip aside, below); that they disagree
      // makes nothing flaky.
      const sameRun = before?.runId === run.id
      // A skip verified nothing (a dry run, --fail-fast stopping before it, a test.skip for one
      // browser): a result carried out, earlier or beside it, stands — a failure is never hidden
      // behind a skip, nor a pass taken back by one.
      if (before && verifiedNothing(merged.status) && !verifiedNothing(before.status)) return
      if (sameRun && worseResult(before.status, merged.status) === before.status) {
        if (merged.flaky) before.flaky = true
        return
      }
      merged.environment = run.environment
      merged.stage = run.stage
      merged.build = run.build
      merged.runId = run.id
      if (sameRun) {
        // in place of the better one: what earlier runs said of the cell stays
        merged.seen = [...before.seen.slice(0, -1).filter((status) => !verifiedNothing(status)), merged.status]
        merged.flaky ||= before.flaky
        if (before.retries?.length || merged.retries?.length) merged.retries = [...(before.retries ?? []), ...(merged.retries ?? [])]
      } else if (before && verifiedNothing(before.status) && !verifiedNothing(merged.status)) {
        // what only skipped it before observed nothing: no attempt of it, no status seen that
        // could make this one flaky
        merged.seen = [...before.seen.filter((status) => !verifiedNothing(status)), merged.status]
        if (before.retries?.length) merged.retries = [...before.retries, ...(merged.retries ?? [])]
      } else if (before) {
        merged.seen = [...before.seen, merged.status]
        // An earlier run of the same cell (a rerun, another shard) is an earlier attempt of it.
        merged.retries = [...(before.retries ?? []), { status: before.status, durationMs: before.durationMs, startedAt: runStart(before.runId), ...(before.error ? { error: before.error } : {}) }, ...(merged.retries ?? [])]
      } else merged.seen = shared.seen(merged.status)
      merged.flaky = merged.flaky || merged.seen.some((status) => status !== merged.status)
      // A plain pass needs no step log.
      if (!keepsSteps(merged, Boolean(options.keepStepsOfPassed))) merged.steps = EMPTY
      shared.compact(merged)
      cells.put(merged, column)
    })
  }
  return { runs: [...(base?.runs ?? []), ...ordered.map((r) => r.run)], skipped, builds, order: orderBuilds([...builds.keys()], lastRun) }
}

/**
 * The build a report of `results` is of: the one given, else `preferred` (a CI job's own) when
 * they hold it, else the newest. (A pull brings every build: the newest may be another's.)
 */
export function buildOf(results: Pick<ResultSet, 'builds' | 'order'> | undefined, given: string | undefined, preferred: string | undefined): string | undefined {
  return given ?? (preferred !== undefined && results?.builds.has(preferred) ? preferred : undefined) ?? results?.order.at(-1)
}

/** A build asked for by name must have results (a typo would give an empty report); none asked for means the latest. */
export function checkBuild(results: ResultSet, build: string | undefined, dir: string, option = '--build'): void {
  if (build === undefined || results.builds.has(build)) return
  // runs of the build left out as another milestone's: said, not "no results"
  const otherMilestones = [...new Set(results.skipped.filter((s) => s.run.build === build).map((s) => s.run.milestone ?? ''))]
  if (otherMilestones.length)
    throw new UserError('BUILD_UNKNOWN', `${option} "${build}": its results in ${dir} are of milestone ${otherMilestones.join(', ')}, not this scope's, so they are left out; ingest them again with the scope's milestone (--milestone), or without --milestone`)
  const there = results.order.length ? `builds there: ${results.order.slice(-10).join(', ')}` : 'it holds no results yet'
  throw new UserError('BUILD_UNKNOWN', `${option} "${build}": no results of that build in ${dir}; ${there}`)
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-(.+))?$/

/**
 * Builds oldest first: by version when every build is one (v0.5.0-rc1 < v0.5.0-rc1-p1 <
 * v0.5.0-rc2 < v0.5.0), otherwise by when their latest run finished. Names that tie (v0.5.0 and
 * 0.5.0, rc01 and rc1) are ordered by their characters: one order whatever order they came in.
 */
export function orderBuilds(names: string[], lastRun: Map<string, string>): string[] {
  if (names.every((name) => VERSION.test(name))) return [...names].sort(compareVersions)
  return [...names].sort((a, b) => (lastRun.get(a) ?? '').localeCompare(lastRun.get(b) ?? '') || a.localeCompare(b) || byCharacters(a, b))
}

/**
 * Whether build `a` comes before build `b` in `order`, the results' own order (orderBuilds), as
 * the matrix, the diff and the gate have it; for a build not in it (a waiver's last build, not
 * run yet), in version order when both are versions. Undefined when neither tells: a build that
 * is no version and has no results. (Names are not an order: a commit's hash sorts anywhere.)
 */
export function buildBefore(a: string, b: string, order: readonly string[]): boolean | undefined {
  if (a === b) return false
  const [i, j] = [order.indexOf(a), order.indexOf(b)]
  if (i !== -1 && j !== -1) return i < j
  return VERSION.test(a) && VERSION.test(b) ? compareVersions(a, b) < 0 : undefined
}

function compareVersions(a: string, b: string): number {
  const [va, vb] = [VERSION.exec(a)!, VERSION.exec(b)!]
  for (let i = 1; i <= 3; i++) if (Number(va[i]) !== Number(vb[i])) return Number(va[i]) - Number(vb[i])
  const [pa, pb] = [va[4], vb[4]]
  if (pa !== pb) {
    if (pa === undefined) return 1
    if (pb === undefined) return -1
    const pre = pa.localeCompare(pb, 'en', { numeric: true })
    if (pre) return pre
  }
  return byCharacters(a, b)
}

function byCharacters(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The run a results file records. Results files are written by ingest and run, whose output the
 * tests hold to the model's schemas; a reader checks that the file is one and of this model
 * version (an incompatible change bumps it) rather than validating every header again. Anything
 * else in the folder is refused by name: skipping it would leave its results out of the matrix
 * and the gates without a word.
 */
export function readRunHeader(file: string): Run {
  const line = firstLine(file)
  let header: Partial<Run> | undefined
  try {
    header = JSON.parse(line) as Partial<Run>
  } catch {
    // not JSON: reported below
  }
  // (a run's own folder given for its results/: the messages the run kept beside them)
  const runFolder = path.dirname(file)
  const fix =
    path.basename(file) === 'messages.ndjson' && existsSync(path.join(runFolder, 'summary.json')) && existsSync(path.join(runFolder, 'results'))
      ? `${runFolder} is the folder of a run (bdd-matrix run wrote it): its results are in ${path.join(runFolder, 'results')}; pass that (--results ${path.join(runFolder, 'results')})`
      : 'a results folder holds only files bdd-matrix ingest or run wrote; ingest the source with bdd-matrix ingest, or move this file out of the folder'
  if (header?.kind !== 'run') {
    const what = !line ? 'empty' : header && typeof header === 'object' && ('meta' in header || 'source' in header || 'gherkinDocument' in header) ? 'Cucumber messages, not a results file' : 'not a bdd-matrix results file (its first line is not a run)'
    throw new UserError('RESULTS_FILE', `${file}:1: ${what}; ${fix}`)
  }
  if (header.modelVersion !== MODEL_VERSION)
    throw new UserError('RESULTS_VERSION', `${file}:1: results of model version ${textOf(header.modelVersion)}, this bdd-matrix reads version ${MODEL_VERSION}; ingest the source again with this version (bdd-matrix ingest)`)
  const problem = runShapeProblem(header)
  if (problem) throw new UserError('RESULTS_FILE', `${file}:1: not a run of this model (${problem}; the file was changed after bdd-matrix wrote it, or written by something else); ${fix}`)
  return header as Run
}
