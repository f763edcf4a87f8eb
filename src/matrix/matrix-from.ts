import type { Catalogue } from '../catalogue/catalogue-types.ts'
import { catalogueCases } from '../catalogue/catalogue-cases.ts'
import type { Scope } from '../catalogue/scope.ts'
import type { Attachment, StepResult } from '../model/results.ts'
import { cellStatusOf, worstCell, type CellStatus } from '../model/status-algebra.ts'
import { cellKey, type MergedCase, type ResultSet } from '../results/merge-results.ts'

export type { CellStatus } from '../model/status-algebra.ts'

export interface MatrixColumn {
  key: string
  environment: string
  stage: string
}

export interface ScenarioCell {
  status: CellStatus
  /**
   * false: the scope does not require the scenario here. A result there is information only: it
   * shows, but no headline count and no blocking gate criterion includes it.
   */
  required: boolean
  error?: string
  steps?: StepResult[]
  attachments?: Attachment[]
  nodes?: string[]
  /** who carried a manual scenario out (accepted outcomes) */
  tester?: string
  /** this cell's status in the last builds, oldest first */
  history: (CellStatus | null)[]
}

export interface MatrixScenario {
  id: string
  name: string
  uri: string
  wip: boolean
  /** the worst of its required cells (status-algebra.ts) */
  status: CellStatus
  cells: Record<string, ScenarioCell>
}

export interface FeatureCell {
  /** the worst of its scenarios' required cells in this column; `not-required` when none is */
  status: CellStatus
  passed: number
  failed: number
  blocked: number
  flaky: number
  skipped: number
  wip: number
  notRun: number
  /** results in this column that the scope does not require (information) */
  information: number
  history: (CellStatus | null)[]
}

export interface MatrixFeature {
  id: string
  name: string
  uncovered: boolean
  /** environments the scope says the feature must pass on */
  requiredOn: string[]
  cells: Record<string, FeatureCell>
  scenarios: MatrixScenario[]
}

/** A failure outside any scenario, in a run of the shown build (a global hook, the runner itself). */
export interface MatrixRunError {
  runId: string
  environment: string
  stage: string
  where: string
  message: string
}

export interface Matrix {
  milestone: string
  build: string
  builds: string[]
  columns: MatrixColumn[]
  features: MatrixFeature[]
  /** results whose cases are tied to no scope feature (other stages, untagged, orphans) */
  unscoped: { cases: number; failed: number }
  /** flaky required cells */
  flaky: { id: string; name: string; feature: string; column: string }[]
  /**
   * The headline: every scenario once, whatever the number of its features and columns, by the
   * worst of its required cells (a gap counts as not run, never as passed).
   */
  totals: Record<CellStatus, number>
  /** required cells (scenario × column, each once) by status */
  cellTotals: Record<CellStatus, number>
  /**
   * Required cells expected to have a result (wip ones aside), those without one for this build
   * in all and per environment, and the wip cells (required, not implemented yet)
   */
  gaps: { required: number; notRun: number; byEnvironment: Record<string, number>; wip: number }
  /** results in cells the scope does not require: shown, never counted */
  information: number
  runErrors: MatrixRunError[]
}

/**
 * The test matrix of one build: scope features (and their scenarios) × environment/stage
 * columns, with the last builds' statuses per cell. Statuses follow the one status algebra
 * (src/model/status-algebra.ts). Pure: reads only the model.
 */
const CELL_CODE: Record<CellStatus | 'null', number> = { null: 48, passed: 49, failed: 50, blocked: 51, flaky: 52, wip: 53, 'not-run': 54, skipped: 55, 'not-required': 56 }

/** Builds in a cell's history strip, the shown one included, unless a view asks for more. */
export const MATRIX_HISTORY = 10

export function matrixFrom(results: ResultSet, scope: Scope, options: { build?: string; history?: number; catalogue?: Catalogue; uriPrefix?: string } = {}): Matrix {
  const build = options.build ?? results.order[results.order.length - 1] ?? '(no results)'
  const history = results.order.slice(Math.max(0, results.order.indexOf(build) - (options.history ?? MATRIX_HISTORY) + 1), results.order.indexOf(build) + 1)
  const cells = results.builds.get(build) ?? new Map<string, MergedCase>()
  const cases = options.catalogue ? catalogueCases(options.catalogue, options.uriPrefix) : []
  const manualInScope = cases.some((c) => c.pickle.manual && !c.pickle.wip && c.pickle.featureIds.some((id) => scope.features.some((feature) => feature.id === id)))
  const columns = columnsOf(results, scope, manualInScope)

  // Scenarios per feature: from the catalogue when given (so wip and not-run show), else from results.
  // `stages`: where a scenario is expected to run — Gherkin scenarios in acceptance (manual ones
  // in manual testing); results without a catalogue entry only where they ran (`undefined`).
  type Row = { id: string; name: string; uri: string; wip: boolean; stages: readonly string[] | undefined }
  const byFeature = new Map<string, Map<string, Row>>(scope.features.map((f) => [f.id, new Map()]))
  for (const c of cases) {
    const row: Row = { id: c.id, name: c.name, uri: c.uri, wip: c.pickle.wip, stages: c.pickle.manual ? MANUAL_STAGES : ACCEPTANCE_STAGES }
    for (const featureId of c.pickle.featureIds) byFeature.get(featureId)?.set(c.id, row)
  }
  let unscoped = 0
  let unscopedFailed = 0
  for (const entry of cells.values()) {
    const scoped = entry.featureIds.filter((id) => byFeature.has(id))
    if (scoped.length === 0) {
      unscoped++
      if (cellStatusOf(entry.status, entry.flaky) === 'failed') unscopedFailed++
    }
    for (const id of scoped) if (!byFeature.get(id)!.has(entry.id)) byFeature.get(id)!.set(entry.id, { id: entry.id, name: entry.name, uri: entry.uri, wip: false, stages: undefined })
  }

  // The history's builds' cells, looked up once: each cell then reads its strip by one key.
  const historyCells = history.map((b) => (b === build ? undefined : (results.builds.get(b) ?? new Map<string, MergedCase>())))

  // Most cells are a plain status with the same history as thousands of others: those share one
  // frozen object, so a 100,000-scenario matrix costs little more than its scenario list.
  // A plain cell is known by a short key of character codes (status, required, each history
  // entry), made without building its history: tens of thousands of cells a matrix.
  const plainCells = new Map<string, ScenarioCell>()
  const codes = new Array<number>(history.length + 2)
  const plainCell = (status: CellStatus, required: boolean, cellHistory: () => (CellStatus | null)[], statusAt: (i: number) => CellStatus | null): ScenarioCell => {
    codes[0] = CELL_CODE[status]
    codes[1] = required ? 1 : 0
    for (let i = 0; i < history.length; i++) codes[i + 2] = CELL_CODE[statusAt(i) ?? 'null']
    const key = String.fromCharCode(...codes)
    let cell = plainCells.get(key)
    if (!cell) plainCells.set(key, (cell = Object.freeze({ status, required, history: Object.freeze(cellHistory()) as (CellStatus | null)[] })))
    return cell
  }
  const flaky: Matrix['flaky'] = []
  // scenario → column → its cell, each once however many features it is under (a cell is
  // required when any of its features requires it)
  const uniqueCells = new Map<string, Map<string, ScenarioCell>>()
  let information = 0
  const features = scope.features.map((feature): MatrixFeature => {
    // A person's machine is its own environment: manual testing is expected wherever it is done.
    const requiredHere = (column: MatrixColumn): boolean => column.stage === 'manual' || feature.environments.length === 0 || feature.environments.includes(column.environment)
    const scenarios = [...byFeature.get(feature.id)!.values()].map((s): MatrixScenario => {
      const scenarioCells: Record<string, ScenarioCell> = {}
      for (const column of columns) {
        const key = cellKey(s.id, column.environment, column.stage)
        const found = cells.get(key)
        const required = requiredHere(column) && (s.stages ? s.stages.includes(column.stage) : found !== undefined)
        const status: CellStatus = found ? cellStatusOf(found.status, found.flaky) : !required ? 'not-required' : s.wip ? 'wip' : 'not-run'
        // The shown build is the last of the history: its cell is the one just looked up; an
        // earlier build's status of the cell is null when it did not run there.
        const statusAt = (i: number): CellStatus | null => {
          const earlier = historyCells[i]
          if (!earlier) return status
          const was = earlier.get(key)
          return was ? cellStatusOf(was.status, was.flaky) : null
        }
        const cellHistory = (): (CellStatus | null)[] => historyCells.map((_, i) => statusAt(i))
        const detailed = found && (((found.status !== 'passed' || found.flaky) && (found.error || found.steps.length || found.attachments.length || found.nodes.length)) || found.tester)
        const cell: ScenarioCell = detailed ? { status, required, history: cellHistory() } : plainCell(status, required, cellHistory, statusAt)
        if (detailed) {
          if (found.error) cell.error = found.error
          if (found.steps.length) cell.steps = found.steps
          if (found.attachments.length) cell.attachments = found.attachments
          if (found.nodes.length) cell.nodes = found.nodes
          if (found.tester) cell.tester = found.tester
        }
        if (status === 'flaky' && required) flaky.push({ id: s.id, name: s.name, feature: feature.id, column: column.key })
        let byColumn = uniqueCells.get(s.id)
        if (!byColumn) uniqueCells.set(s.id, (byColumn = new Map()))
        const seen = byColumn.get(column.key)
        if (!seen || (required && !seen.required)) byColumn.set(column.key, cell)
        scenarioCells[column.key] = cell
      }
      return { id: s.id, name: s.name, uri: s.uri, wip: s.wip, status: worstCell(requiredStatuses(Object.values(scenarioCells))), cells: scenarioCells }
    })
    const featureCells: Record<string, FeatureCell> = {}
    for (const column of columns) {
      const here = scenarios.map((s) => s.cells[column.key]!)
      const required = here.filter((c) => c.required)
      const count = (status: CellStatus): number => required.filter((c) => c.status === status).length
      featureCells[column.key] = {
        status: worstCell(required.map((c) => c.status)),
        passed: count('passed'),
        failed: count('failed'),
        blocked: count('blocked'),
        flaky: count('flaky'),
        skipped: count('skipped'),
        wip: count('wip'),
        notRun: count('not-run'),
        information: here.filter((c) => !c.required && c.status !== 'not-required').length,
        history: history.map((_, i) => {
          const statuses = required.map((c) => c.history[i]).filter((x): x is CellStatus => x !== null && x !== undefined)
          return statuses.length ? worstCell(statuses) : required.length === 0 ? 'not-required' : null
        }),
      }
    }
    return { id: feature.id, name: feature.name, uncovered: scenarios.length === 0, requiredOn: feature.environments, cells: featureCells, scenarios }
  })

  const totals = noCells()
  const cellTotals = noCells()
  const gaps: Matrix['gaps'] = { required: 0, notRun: 0, byEnvironment: {}, wip: 0 }
  for (const byColumn of uniqueCells.values()) {
    const statuses: CellStatus[] = []
    for (const [key, cell] of byColumn) {
      if (!cell.required) {
        if (cell.status !== 'not-required') information++
        continue
      }
      statuses.push(cell.status)
      cellTotals[cell.status]++
      if (cell.status === 'wip') {
        gaps.wip++
        continue
      }
      gaps.required++
      if (cell.status === 'not-run') {
        gaps.notRun++
        const environment = key.slice(0, key.lastIndexOf('/'))
        gaps.byEnvironment[environment] = (gaps.byEnvironment[environment] ?? 0) + 1
      }
    }
    totals[worstCell(statuses)]++
  }
  const runErrors = results.runs.filter((r) => r.build === build).flatMap((r) => (r.errors ?? []).map((e) => ({ runId: r.id, environment: r.environment, stage: r.stage, where: e.where, message: e.message })))
  return { milestone: scope.milestone, build, builds: history, columns, features, unscoped: { cases: unscoped, failed: unscopedFailed }, flaky, totals, cellTotals, gaps, information, runErrors }
}

function requiredStatuses(cells: ScenarioCell[]): CellStatus[] {
  return cells.filter((c) => c.required).map((c) => c.status)
}

function noCells(): Record<CellStatus, number> {
  return { passed: 0, failed: 0, blocked: 0, flaky: 0, skipped: 0, wip: 0, 'not-run': 0, 'not-required': 0 }
}

const ACCEPTANCE_STAGES: readonly string[] = ['acceptance']
// A @manual scenario is carried out by people (community testers), not by CI.
const MANUAL_STAGES: readonly string[] = ['manual']

/** Where manual outcomes land when nobody names an environment: the testers' own machines. */
export const MANUAL_ENVIRONMENT = 'community'

function columnsOf(results: ResultSet, scope: Scope, manualInScope: boolean): MatrixColumn[] {
  const keys = new Map<string, MatrixColumn>()
  const add = (environment: string, stage: string): void => void keys.set(`${environment}/${stage}`, { key: `${environment}/${stage}`, environment, stage })
  for (const run of results.runs) add(run.environment, run.stage)
  // Environments the scope requires show as columns even before anything ran there.
  for (const feature of scope.features) for (const environment of feature.environments) if (![...keys.values()].some((c) => c.environment === environment)) add(environment, 'acceptance')
  // Manual scenarios in scope show their column (a gap) before any tester reported.
  if (manualInScope && ![...keys.values()].some((c) => c.stage === 'manual')) add(MANUAL_ENVIRONMENT, 'manual')
  const stageRank = ['unit', 'functional', 'acceptance', 'manual']
  return [...keys.values()].sort((a, b) => stageRank.indexOf(a.stage) - stageRank.indexOf(b.stage) || a.environment.localeCompare(b.environment))
}

/** Scenarios in the headline: every scenario once, those required nowhere left out. */
export function scenarioCount(totals: Matrix['totals']): number {
  return Object.entries(totals).reduce((n, [status, count]) => (status === 'not-required' ? n : n + count), 0)
}
