import type { Catalogue } from '../catalogue/catalogue-types.ts'
import type { Scope } from '../catalogue/scope.ts'
import { MATRIX_HISTORY, matrixFrom, type HistoryIndex, type Matrix } from '../matrix/matrix-from.ts'
import { buildOf, checkBuild, mergeResults, mergeRuns, type MergedCase, type ResultSet, type RunSource } from '../results/merge-results.ts'
import { notRunCases } from '../matrix/not-run-cases.ts'
import type { MatrixScopeDrift } from '../matrix/matrix-scope-drift.ts'
import { headlineOf, headlineText } from '../matrix/matrix-headline.ts'
import type { GateReport } from '../gates/evaluate-gates.ts'
import type { PreparedCases } from '../results/prepared-cases.ts'
import { collectGarbage, heapInUse } from '../collect-garbage.ts'

/** What every reporter is handed: one merged result set, and the matrix when a scope was given. */
export interface ReportInput {
  results: ResultSet
  /** the build reported: the one asked for, else the latest */
  build: string | undefined
  /** where attachments (paths relative to it) are found */
  resultsDir: string
  matrix?: Matrix
  /** the release gate of the build, when a gate file applies to it (its verdict heads the matrix) */
  gate?: GateReport
  /**
   * The build's required cells without a result, as skipped cases (not-run-cases.ts), for the
   * writers that list tests: given when there is a scope and a catalogue, else empty.
   */
  notRun: MergedCase[]
}

/**
 * A report writer. Adapters (reporters/) are wrapped in these by the composition root (the CLI,
 * the hub); the core calls them without knowing what they write.
 */
export interface ReportWriter {
  /** Allure shows the steps of every case; the merge drops those of plain passes otherwise */
  needsStepsOfPassed?: boolean
  /** true when it cannot work without the matrix (needs a scope) */
  needsMatrix?: boolean
  /** lists the scope's required cells that nothing ran (ReportInput.notRun) */
  needsNotRun?: boolean
  /** writes its report; returns the files or folders written */
  write(input: ReportInput): string[] | Promise<string[]>
}

export interface ReportRequest {
  /** results folder; also where attachments are read from */
  resultsDir: string
  /** run sources other than the folder's files (the results hub); the folder is read otherwise */
  sources?: RunSource[]
  /** cases of the folder's files this process has just written, parsed already (PreparedCases) */
  prepared?: PreparedCases
  /** results already merged by the same rule (the hub's view of a build); neither sources nor the folder are read */
  results?: ResultSet
  build?: string
  /** without `build`: this build when the results hold it (a CI job's own), else the latest (buildOf) */
  preferBuild?: string
  /** the milestone scope: the matrix is computed, and runs of another milestone are left out */
  scope?: Scope
  catalogue?: Catalogue
  uriPrefix?: string
  /** builds in each cell's history strip */
  history?: number
  /** the statuses of the builds before the shown one, indexed once (matrix-from historyIndex) */
  historyIndex?: HistoryIndex
  writers: ReportWriter[]
  /** the scope's changes since its freeze (readScopeDrift), carried by the matrix */
  scopeDrift?: MatrixScopeDrift
  /** a build with no results yet is shown (every cell a gap) instead of refused: the hub's builds exist before their runs */
  allowEmptyBuild?: boolean
  /** a run left out because it is of another milestone than the scope's */
  onSkipped?: (file: string, runId: string, milestone: string | undefined) => void
  /** the gate of the build shown, judged on the same merge (undefined: no gate applies) */
  gate?: (results: ResultSet, build: string) => GateReport | undefined
  /**
   * The matrix is wanted back (the hub keeps it to show). Otherwise it is let go once the writers
   * that need it are done, before the others run: a million scenarios' matrix is some 300 MB,
   * which JUnit and Allure would otherwise hold beside every case.
   */
  keepMatrix?: boolean
}

export interface ReportOutcome {
  results: ResultSet
  /** with keepMatrix */
  matrix?: Matrix
  /** the matrix's headline, when a scope made one: what a command says of the build (its stray columns apart) */
  headline?: { build: string; text: string; strayColumns?: string; countedTwice?: string }
  files: string[]
}

/**
 * The one report pipeline: results → one merged result set → matrix → every report. `run`, the
 * CLI's report commands and the results hub all call this, so each report of a build is made from
 * the same merge.
 */
export async function writeReports(request: ReportRequest): Promise<ReportOutcome> {
  const options = {
    keepStepsOfPassed: request.writers.some((w) => w.needsStepsOfPassed),
    ...(request.scope ? { milestone: request.scope.milestone } : {}),
    ...(request.prepared ? { prepared: request.prepared } : {}),
  }
  const results = request.results ?? (request.sources ? await mergeRuns(request.sources, options) : await mergeResults(request.resultsDir, options))
  const build = buildOf(results, request.build, request.preferBuild)
  if (!request.allowEmptyBuild) checkBuild(results, build, request.resultsDir)
  for (const skipped of results.skipped) request.onSkipped?.(skipped.file, skipped.run.id, skipped.run.milestone)
  let matrix = request.scope
    ? matrixFrom(results, request.scope, {
        ...(build ? { build } : {}),
        history: request.history ?? MATRIX_HISTORY,
        ...(request.catalogue ? { catalogue: request.catalogue } : {}),
        ...(request.uriPrefix !== undefined ? { uriPrefix: request.uriPrefix } : {}),
        ...(request.historyIndex ? { historyIndex: request.historyIndex } : {}),
      })
    : undefined
  if (matrix && request.scopeDrift) matrix.scopeDrift = request.scopeDrift
  const parts = matrix && headlineOf(matrix)
  const headline = matrix ? { build: matrix.build, text: headlineText(matrix), ...(parts?.strayColumns ? { strayColumns: parts.strayColumns } : {}), ...(parts?.countedTwice ? { countedTwice: parts.countedTwice } : {}) } : undefined
  const gate = matrix && results.builds.has(matrix.build) ? request.gate?.(results, matrix.build) : undefined
  // made from the matrix before it is let go: few cells, unlike the matrix (a run of every scenario has none)
  const notRun = matrix && request.catalogue && request.writers.some((w) => w.needsNotRun) ? notRunCases(matrix, request.catalogue, request.uriPrefix) : []
  const input: ReportInput = { results, build, resultsDir: request.resultsDir, ...(matrix ? { matrix } : {}), ...(gate ? { gate } : {}), notRun }
  const files: string[] = []
  const lastWithMatrix = request.keepMatrix ? -1 : request.writers.findLastIndex((w) => w.needsMatrix)
  const letMatrixGo = (): void => {
    delete input.matrix
    matrix = undefined
  }
  // made for the gate and the cells not run only: let go before any writer runs
  if (!request.keepMatrix && lastWithMatrix === -1) letMatrixGo()
  // The merge and the matrix leave garbage (a million scenarios: some 240 MB beside 440 MB live),
  // which the writers' own would pile onto: collected first where the heap is that large (a
  // million scenarios peak 50–70 MB lower, in the same time; below the bar, nothing is paid).
  if (request.writers.length && heapInUse() > LARGE_HEAP) collectGarbage()
  for (const [i, writer] of request.writers.entries()) {
    if (writer.needsMatrix && !input.matrix) continue
    files.push(...(await writer.write(input)))
    if (i === lastWithMatrix) letMatrixGo()
  }
  return { results, ...(matrix && request.keepMatrix ? { matrix } : {}), ...(headline ? { headline } : {}), files }
}

/** Heaps in use above this are collected between the report phases (100,000 scenarios use some 80 MB). */
const LARGE_HEAP = 256 * 1024 * 1024
