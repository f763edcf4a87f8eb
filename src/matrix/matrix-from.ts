import type { Catalogue } from '../catalogue/catalogue-types.ts'
import type { Scope } from '../catalogue/scope.ts'
import { caseIdOf, type Attachment, type StepResult } from '../model/results.ts'
import { cellKey, type MergedCase, type ResultSet } from '../results/merge-results.ts'

/**
 * `not-required`: nothing ran there and nothing was expected to — another stage than the
 * scenario's, or an environment the scope does not require its feature on. Unlike `not-run`, it
 * is no gap in the build's testing.
 */
export type CellStatus = 'passed' | 'failed' | 'blocked' | 'flaky' | 'wip' | 'not-run' | 'skipped' | 'not-required'

export interface MatrixColumn {
  key: string
  environment: string
  stage: string
}

export interface ScenarioCell {
  status: CellStatus
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
  cells: Record<string, ScenarioCell>
}

export interface FeatureCell {
  status: CellStatus
  passed: number
  failed: number
  blocked: number
  flaky: number
  skipped: number
  wip: number
  notRun: number
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

export interface Matrix {
  milestone: string
  build: string
  builds: string[]
  columns: MatrixColumn[]
  features: MatrixFeature[]
  /** results whose cases are tied to no scope feature (other stages, untagged, orphans) */
  unscoped: { cases: number; failed: number }
  flaky: { id: string; name: string; feature: string; column: string }[]
  /**
   * Scenarios, each counted once whatever the number of its features and columns, by its status
   * over every cell it has (any failure fails it): the headline.
   */
  totals: Record<CellStatus, number>
  /** the same per cell (scenario × feature × column) */
  cellTotals: Record<CellStatus, number>
}

const CELL_ORDER: CellStatus[] = ['failed', 'blocked', 'flaky', 'skipped', 'passed', 'wip', 'not-run', 'not-required']

/**
 * The test matrix of one build: scope features (and their scenarios) × environment/stage
 * columns, with the last builds' statuses per cell. Pure: reads only the model.
 */
export function matrixFrom(results: ResultSet, scope: Scope, options: { build?: string; history?: number; catalogue?: Catalogue; uriPrefix?: string } = {}): Matrix {
  const build = options.build ?? results.order[results.order.length - 1] ?? '(no results)'
  const history = results.order.slice(Math.max(0, results.order.indexOf(build) - (options.history ?? 10) + 1), results.order.indexOf(build) + 1)
  const cells = results.builds.get(build) ?? new Map<string, MergedCase>()
  const manualInScope = (options.catalogue?.files ?? []).some((f) => f.scenarios.some((s) => s.pickles.some((p) => p.manual && !p.wip && p.featureIds.some((id) => scope.features.some((feature) => feature.id === id)))))
  const columns = columnsOf(results, scope, manualInScope)

  // Scenarios per feature: from the catalogue when given (so wip and not-run show), else from results.
  // `stages`: where a scenario is expected to run — Gherkin scenarios in acceptance (manual ones
  // also in manual testing); results without a catalogue entry only where they ran.
  const byFeature = new Map<string, Map<string, { id: string; name: string; uri: string; wip: boolean; stages: readonly string[] }>>(scope.features.map((f) => [f.id, new Map()]))
  for (const file of options.catalogue?.files ?? []) {
    const uri = options.uriPrefix ? `${options.uriPrefix}/${file.uri}` : file.uri
    for (const scenario of file.scenarios) {
      for (const pickle of scenario.pickles) {
        const example = pickle.row ? { name: pickle.row.examples, values: pickle.row.cells } : undefined
        const id = caseIdOf({ uri, scenario: scenario.name, ...(scenario.rule ? { rule: scenario.rule } : {}), ...(example ? { example } : {}) })
        const stages = pickle.manual ? MANUAL_STAGES : ACCEPTANCE_STAGES
        for (const featureId of pickle.featureIds) byFeature.get(featureId)?.set(id, { id, name: pickle.name + (pickle.row ? ` [${pickle.row.examples ? `${pickle.row.examples} ` : ''}#${pickle.row.index}]` : ''), uri, wip: pickle.wip, stages })
      }
    }
  }
  let unscoped = 0
  let unscopedFailed = 0
  for (const entry of cells.values()) {
    const scoped = entry.featureIds.filter((id) => byFeature.has(id))
    if (scoped.length === 0) {
      unscoped++
      if (entry.status === 'failed') unscopedFailed++
    }
    for (const id of scoped) if (!byFeature.get(id)!.has(entry.id)) byFeature.get(id)!.set(entry.id, { id: entry.id, name: entry.name, uri: entry.uri, wip: false, stages: NO_STAGES })
  }

  // An earlier build's status of a cell; null when the cell did not run in it.
  const statusIn = (buildName: string, caseId: string, column: MatrixColumn): CellStatus | null => {
    const found = results.builds.get(buildName)?.get(cellKey(caseId, column.environment, column.stage))
    return found ? cellStatusOf(found) : null
  }

  // Most cells are a plain status with the same history as thousands of others: those share one
  // frozen object, so a 100,000-scenario matrix costs little more than its scenario list.
  const plainCells = new Map<string, ScenarioCell>()
  const plainCell = (status: CellStatus, cellHistory: (CellStatus | null)[]): ScenarioCell => {
    const key = `${status}:${cellHistory.join()}`
    let cell = plainCells.get(key)
    if (!cell) plainCells.set(key, (cell = Object.freeze({ status, history: Object.freeze(cellHistory) as (CellStatus | null)[] })))
    return cell
  }
  const flaky: Matrix['flaky'] = []
  const cellTotals = noCells()
  const byScenario = new Map<string, CellStatus[]>()
  const features = scope.features.map((feature): MatrixFeature => {
    // A person's machine is its own environment: manual testing is expected wherever it is done.
    const required = (column: MatrixColumn): boolean => column.stage === 'manual' || feature.environments.length === 0 || feature.environments.includes(column.environment)
    const scenarios = [...byFeature.get(feature.id)!.values()].map((s): MatrixScenario => {
      const scenarioCells: Record<string, ScenarioCell> = {}
      for (const column of columns) {
        const found = cells.get(cellKey(s.id, column.environment, column.stage))
        const status: CellStatus = found ? cellStatusOf(found) : !(s.stages.includes(column.stage) && required(column)) ? 'not-required' : s.wip ? 'wip' : 'not-run'
        // The shown build is the last of the history: its cell is the one just looked up.
        const cellHistory = history.map((b) => (b === build ? status : statusIn(b, s.id, column)))
        const detailed = found && (((found.status !== 'passed' || found.flaky) && (found.error || found.steps.length || found.attachments.length || found.nodes.length)) || found.tester)
        const cell: ScenarioCell = detailed ? { status, history: cellHistory } : plainCell(status, cellHistory)
        if (detailed) {
          if (found.error) cell.error = found.error
          if (found.steps.length) cell.steps = found.steps
          if (found.attachments.length) cell.attachments = found.attachments
          if (found.nodes.length) cell.nodes = found.nodes
          if (found.tester) cell.tester = found.tester
        }
        if (status === 'flaky') flaky.push({ id: s.id, name: s.name, feature: feature.id, column: column.key })
        cellTotals[status]++
        if (!byScenario.has(s.id)) byScenario.set(s.id, [])
        byScenario.get(s.id)!.push(status)
        scenarioCells[column.key] = cell
      }
      return { id: s.id, name: s.name, uri: s.uri, wip: s.wip, cells: scenarioCells }
    })
    const featureCells: Record<string, FeatureCell> = {}
    for (const column of columns) {
      const count = (status: CellStatus): number => scenarios.filter((s) => s.cells[column.key]!.status === status).length
      const cell: FeatureCell = { status: 'not-run', passed: count('passed'), failed: count('failed'), blocked: count('blocked'), flaky: count('flaky'), skipped: count('skipped'), wip: count('wip'), notRun: count('not-run'), history: [] }
      cell.status = rollUp(scenarios.map((s) => s.cells[column.key]!.status))
      cell.history = history.map((_, i) => {
        const statuses = scenarios.map((s) => s.cells[column.key]!.history[i]).filter((x): x is CellStatus => x !== null)
        return statuses.length ? rollUp(statuses) : null
      })
      featureCells[column.key] = cell
    }
    return { id: feature.id, name: feature.name, uncovered: scenarios.length === 0, requiredOn: feature.environments, cells: featureCells, scenarios }
  })
  const totals = noCells()
  for (const statuses of byScenario.values()) {
    const expected = statuses.filter((x) => x !== 'not-required')
    totals[expected.length ? rollUp(expected) : 'not-required']++
  }
  return { milestone: scope.milestone, build, builds: history, columns, features, unscoped: { cases: unscoped, failed: unscopedFailed }, flaky, totals, cellTotals }
}

function noCells(): Record<CellStatus, number> {
  return { passed: 0, failed: 0, blocked: 0, flaky: 0, skipped: 0, wip: 0, 'not-run': 0, 'not-required': 0 }
}

const ACCEPTANCE_STAGES: readonly string[] = ['acceptance']
// A @manual scenario is carried out by people (community testers), not by CI.
const MANUAL_STAGES: readonly string[] = ['manual']

/** Where manual outcomes land when nobody names an environment: the testers' own machines. */
export const MANUAL_ENVIRONMENT = 'community'
const NO_STAGES: readonly string[] = []

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

function cellStatusOf(entry: MergedCase): CellStatus {
  if (entry.status === 'passed') return entry.flaky ? 'flaky' : 'passed'
  if (entry.status === 'skipped') return 'skipped'
  if (entry.status === 'blocked') return 'blocked'
  // pending, undefined and ambiguous are failures of the suite, not of the product, but they still block.
  return 'failed'
}

/** Scenarios in the headline: every scenario once, those expected nowhere left out. */
export function scenarioCount(totals: Matrix['totals']): number {
  return Object.entries(totals).reduce((n, [status, count]) => (status === 'not-required' ? n : n + count), 0)
}

/** A group's status: any failure fails it, then flaky, then passed; wip/not-run only when nothing ran. */
export function rollUp(statuses: CellStatus[]): CellStatus {
  if (statuses.length === 0) return 'not-run'
  for (const status of CELL_ORDER) if (statuses.includes(status)) return status === 'skipped' && statuses.includes('passed') ? 'passed' : status
  return 'not-run'
}
