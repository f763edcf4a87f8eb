import type { Catalogue } from '../catalogue/catalogue-types.ts'
import type { MatrixScopeDrift } from './matrix-scope-drift.ts'
import { catalogueCases } from '../catalogue/catalogue-cases.ts'
import { isUncovered } from '../catalogue/uncovered.ts'
import type { Scope, ScopeFeature } from '../catalogue/scope.ts'
import type { Attachment, Status, StepResult } from '../model/results.ts'
import { FAILS, cellStatusOf, failureMessage, outcomeOf, worstCell, type CellStatus } from '../model/status-algebra.ts'
import type { MergedCase, ResultSet } from '../results/merge-results.ts'
import { cellIn, columnOf, eachCell, inSeveralColumns } from '../results/cells.ts'
import { ownRecord } from '../own-record.ts'
import { placeOf, reportsCountedTwice } from '../results/same-input.ts'

export type { CellStatus } from '../model/status-algebra.ts'

export interface MatrixColumn {
  key: string
  environment: string
  stage: string
}

/** Newer outcomes awaiting review, as the reports say them: "bob failed, carol passed". */
export function awaitingText(awaiting: readonly { tester: string; status: string }[]): string {
  return awaiting.map((a) => `${a.tester} ${a.status}`).join(', ')
}

export interface ScenarioCell {
  status: CellStatus
  /**
   * false: the scope does not require the scenario here. A result there is information only: it
   * shows, but no headline count and no blocking gate criterion includes it.
   */
  required: boolean
  /**
   * true: a result of a wip scenario where the scope expects it once it is built — information
   * (`required` false) that still places the scenario there (scope-coverage's environments)
   */
  wip?: true
  error?: string
  steps?: StepResult[]
  attachments?: Attachment[]
  nodes?: string[]
  /** who carried a manual scenario out (accepted outcomes) */
  tester?: string
  /** newer manual outcomes QA has not reviewed yet (Case.awaitingReview): shown, not counted */
  awaitingReview?: { tester: string; status: Status }[]
  /** testers whose outcome was of an earlier text of the scenario (Case.earlierText) */
  earlierText?: string[]
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
  /**
   * known only from its results while the matrix was made with the feature files: no feature file
   * defines it now (a scenario renamed or changed since it ran, or a report of files elsewhere)
   */
  unlisted?: true
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
  /** no scenario defines it that is not wip (isUncovered, as the catalogue and the gate say) */
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
  /**
   * flaky required cells, each once (cellTotals.flaky of them): a scenario tied to several scope
   * features is one cell, listed under the first (`feature`) and found under each (`features`)
   */
  flaky: { id: string; name: string; feature: string; features: string[]; column: string }[]
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
  /**
   * those of them that failed or were blocked: JUnit, Allure and Testmo list every result that
   * ran, so GitLab's test summary counts them failed where the headline counts none (said beside it)
   */
  informationFailed?: number
  runErrors: MatrixRunError[]
  /** the scope's changes since its freeze, when it was frozen (set by the report pipeline: read-scope-drift.ts) */
  scopeDrift?: MatrixScopeDrift
  /**
   * Where the scenarios required in no column of this matrix are expected (totals['not-required']
   * counts them): the environments they are expected on (their @env tags, else their features')
   * that have no acceptance column, and `manual` for manual scenarios with no manual column. The
   * catalogue counts them; the headline says where they went.
   */
  expectedElsewhere: string[]
  /**
   * Columns holding results where the scope requires no scenario at all: results of an
   * environment it names nowhere (`ingest --env Docker` for docker) are information only, and the
   * headline names the column rather than let them pass as a count in small print.
   */
  unrequiredColumns: string[]
  /**
   * Reports counted for more than one build, environment or stage where this build is one of them
   * (the same source.sha256): one test run's results claimed twice make a build or a column look
   * tested; each group the runs' columns, as `<build> <environment>/<stage>`.
   */
  countedTwice?: string[][]
  /**
   * Scenarios the headline counts that no feature file defines now (MatrixScenario.unlisted):
   * said beside the count, which would otherwise exceed the catalogue's without a word
   */
  unlisted?: number
}

/**
 * The test matrix of one build: scope features (and their scenarios) × environment/stage
 * columns, with the last builds' statuses per cell. Statuses follow the one status algebra
 * (src/model/status-algebra.ts). Pure: reads only the model.
 */
const CELL_CODE: Record<CellStatus | 'null', number> = { null: 48, passed: 49, failed: 50, blocked: 51, flaky: 52, wip: 53, 'not-run': 54, skipped: 55, 'not-required': 56 }

/** Builds in a cell's history strip, the shown one included, unless a view asks for more. */
export const MATRIX_HISTORY = 10

/**
 * Each cell's statuses in a list of builds, one character code a build (a cell that did not run
 * in a build: null's code): what a matrix reads of the builds before the one it shows. Made once
 * for the builds of a window, it serves every matrix of the build after them until they change
 * (the hub keeps it while their stamps hold); one lookup a cell instead of one a build.
 */
export interface HistoryIndex {
  builds: readonly string[]
  /** each column's place in a case's strips, by the column's part of a cell's key (cellColumn) */
  columns: Map<string, number>
  /** by case id: its strip in each column, at the column's place */
  codes: Map<string, (string | undefined)[]>
}

/**
 * `since`: the index of the same builds before some of them changed (`changed`: their places in
 * `builds`), when only those are to be read again. A push changes one build of a window, and
 * reading every cell of the nine was most of the hub's view after it.
 */
export function historyIndex(results: ResultSet, builds: readonly string[], since?: { index: HistoryIndex; changed: readonly number[] }): HistoryIndex {
  // By case id, then the column's place, not by cell key: a key made for each cell of nine
  // builds was hashed anew. A build holds an id's cells together (Cells), so the id is looked up
  // once for them all.
  const columns = new Map<string, number>(since?.index.columns)
  const byId = new Map<string, (number[] | undefined)[]>()
  const read = since ? since.changed : builds.map((_, i) => i)
  if (since) {
    if (!sameBuilds(since.index.builds, builds)) throw new Error('historyIndex: an index of other builds')
    // the builds read again start with no cell (a cell may be gone from them)
    for (const [id, strips] of since.index.codes)
      byId.set(
        id,
        strips.map((strip) => {
          const codes = Array.from(strip!, (ch) => ch.charCodeAt(0))
          for (const i of read) codes[i] = CELL_CODE.null
          return codes
        }),
      )
  }
  for (const i of read) {
    let lastId: string | undefined
    let strips: (number[] | undefined)[] = []
    const visit = (c: MergedCase, column: string) => {
      if (c.id !== lastId) {
        lastId = c.id
        const held = byId.get(c.id)
        if (held) strips = held
        else byId.set(c.id, (strips = []))
      }
      let place = columns.get(column)
      if (place === undefined) columns.set(column, (place = columns.size))
      const codes = (strips[place] ??= new Array<number>(builds.length).fill(CELL_CODE.null))
      codes[i] = CELL_CODE[cellStatusOf(c.status, c.flaky)]
    }
    eachCell(results.builds.get(builds[i]!), visit)
  }
  const codes = new Map<string, (string | undefined)[]>()
  for (const [id, strips] of byId) codes.set(id, strips.map((list) => String.fromCharCode.apply(null, list!)))
  return { builds: [...builds], columns, codes }
}

/** Whether two lists name the same builds in the same order (an index serves only its own builds). */
export function sameBuilds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((build, i) => build === b[i])
}

/** The builds of a matrix's history strips: the `history` up to `build` in `order`, it included (last). */
export function historyBuilds(order: readonly string[], build: string, history = MATRIX_HISTORY): string[] {
  const at = order.indexOf(build)
  return order.slice(Math.max(0, at - history + 1), at + 1)
}

const STATUS_OF_CODE = new Map<number, CellStatus | null>(Object.entries(CELL_CODE).map(([status, code]) => [code, status === 'null' ? null : (status as CellStatus)]))

export function matrixFrom(results: ResultSet, scope: Scope, options: { build?: string; history?: number; catalogue?: Catalogue; uriPrefix?: string; historyIndex?: HistoryIndex } = {}): Matrix {
  const build = options.build ?? results.order[results.order.length - 1] ?? '(no results)'
  const history = historyBuilds(results.order, build, options.history)
  const cells = results.builds.get(build) ?? new Map<string, MergedCase>()
  const cases = options.catalogue ? catalogueCases(options.catalogue, options.uriPrefix) : []
  const manualInScope = cases.some((c) => c.pickle.manual && !c.pickle.wip && c.pickle.featureIds.some((id) => scope.features.some((feature) => feature.id === id)))
  const columns = columnsOf(results, new Set(historyBuilds(results.order, build)), scope, manualInScope)

  // Scenarios per feature: from the catalogue when given (so wip and not-run show), else from results.
  // `stages`: where a scenario is expected to run — Gherkin scenarios in acceptance (manual ones
  // in manual testing); results without a catalogue entry only where they ran (`undefined`).
  // `environments`: a scenario tagged `@env:<name>` is expected there, in place of its feature's.
  // A scenario known only from its results is its merged case itself (no copy: a million rows).
  // (a row of the catalogue has its stages; a row of results, a merged case, has none)
  type Row = { id: string; name: string; uri: string; wip?: boolean; stages?: readonly string[]; environments?: readonly string[] }
  const inScope = new Set(scope.features.map((f) => f.id))
  const scopedCount = (featureIds: readonly string[]): number => featureIds.reduce((n, id) => (inScope.has(id) ? n + 1 : n), 0)
  // Scenarios under more than one feature of the scope, whose cells are merged over their
  // features before they are counted once. (The others, most, are counted where they are met:
  // a map of every scenario's cells, like one of every scenario's row, was 40 MB a million.)
  const underSeveral = new Set<string>()
  const catalogueRows = new Map<string, Map<string, Row>>(scope.features.map((f) => [f.id, new Map()]))
  const catalogueIds = new Set<string>()
  for (const c of cases) {
    const row: Row = { id: c.id, name: c.name, uri: c.uri, wip: c.pickle.wip, stages: c.pickle.manual ? MANUAL_STAGES : ACCEPTANCE_STAGES }
    if (c.pickle.environments) row.environments = c.pickle.environments
    for (const featureId of c.pickle.featureIds) catalogueRows.get(featureId)?.set(c.id, row)
    if (scopedCount(c.pickle.featureIds) > 1 || catalogueIds.has(c.id)) underSeveral.add(c.id)
    catalogueIds.add(c.id)
  }
  const resultRows = new Map<string, Row[]>(scope.features.map((f) => [f.id, []]))
  // A cell is found by the case id and its column's part of the key (merge-results cellKey).
  const columnKeys = columns.map((column) => columnOf(column))
  const cellColumns = columnsOfCells(cells)
  // A scenario with cells in several columns is one row a feature: the features each was put
  // under, kept only for such scenarios (one column, the usual run, needs none).
  const rowFeatures = new Map<string, string[]>()
  let unscoped = 0
  let unscopedFailed = 0
  for (const entry of cells.values()) {
    const scoped = scopedCount(entry.featureIds)
    if (!scoped) {
      unscoped++
      if (cellStatusOf(entry.status, entry.flaky) === 'failed') unscopedFailed++
      continue
    }
    const elsewhere = cellColumns.length > 1 && inSeveralColumns(cells, entry.id, cellColumns)
    // (a list of features that names one twice puts the row there once)
    let placed = elsewhere ? rowFeatures.get(entry.id) : scoped > 1 ? [] : undefined
    if (elsewhere && !placed) rowFeatures.set(entry.id, (placed = []))
    for (const id of entry.featureIds) {
      const rows = resultRows.get(id)
      if (!rows || catalogueRows.get(id)!.has(entry.id) || placed?.includes(id)) continue
      rows.push(entry)
      placed?.push(id)
      if (catalogueIds.has(entry.id)) underSeveral.add(entry.id)
    }
    if (placed && placed.length > 1) underSeveral.add(entry.id)
  }
  rowFeatures.clear()

  // Most cells are a plain status with the same history as thousands of others: those share one
  // frozen object, so a 100,000-scenario matrix costs little more than its scenario list.
  // A plain cell is known by its history's codes (a string the index holds, hashed once) and
  // then by its status and whether it is required: no key is made for each of 100,000 cells.
  const plainCells = new Map<string, ScenarioCell[]>()
  // The builds before the shown one, read from an index of exactly them (the caller's, or made here).
  const earlier = history.slice(0, -1)
  const given = options.historyIndex
  const index = given && sameBuilds(given.builds, earlier) ? given : historyIndex(results, earlier)
  const notRunBefore = String.fromCharCode(...earlier.map(() => CELL_CODE.null))
  // The strip of a cell: its status in each build of the history (null where it did not run);
  // the shown build is the last, its status the one just looked up. Made for a cell that needs
  // its own (details) or the first of its kind; the others are known by their codes alone.
  const places = columnKeys.map((key) => index.columns.get(key))
  const earlierCodes = (id: string, c: number): string => {
    const place = places[c]
    return (place === undefined ? undefined : index.codes.get(id)?.[place]) ?? notRunBefore
  }
  const historyOf = (codes: string, status: CellStatus): (CellStatus | null)[] => [...codes].map((ch) => STATUS_OF_CODE.get(ch.charCodeAt(0))!).concat(status)
  const plainCell = (codes: string, status: CellStatus, required: boolean): ScenarioCell => {
    let kinds = plainCells.get(codes)
    if (!kinds) plainCells.set(codes, (kinds = []))
    const kind = 2 * (CELL_CODE[status] - CELL_CODE.null) + (required ? 1 : 0)
    return (kinds[kind] ??= Object.freeze({ status, required, history: Object.freeze(historyOf(codes, status)) as (CellStatus | null)[] }))
  }
  const flaky: Matrix['flaky'] = []
  // a scenario under several features: its flaky cells, listed once
  const flakyListed = new Map<string, Matrix['flaky'][number]>()
  // scenario → column → its cell, each once however many features it is under (a cell is
  // required when any of its features requires it): the first feature's cells of the scenario,
  // copied when another feature holds it too; only for scenarios under several features
  const uniqueCells = new Map<string, Record<string, ScenarioCell>>()
  const copied = new Set<string>()
  const totals = noCells()
  const cellTotals = noCells()
  // (by environment name: ownRecord, an environment may be named `constructor`)
  const gaps: Matrix['gaps'] = { required: 0, notRun: 0, byEnvironment: ownRecord<number>(), wip: 0 }
  const notRunIn = new Array<number>(columns.length).fill(0)
  const requiredIn = new Array<number>(columns.length).fill(0)
  const informationIn = new Array<number>(columns.length).fill(0)
  // columns where a wip scenario the scope expects there ran (information, yet no stray column)
  const wipRanIn = new Array<boolean>(columns.length).fill(false)
  let information = 0
  let informationFailed = 0
  // A scenario counted once in the headline: the worst of its required cells, each counted.
  const countScenario = (byColumn: Record<string, ScenarioCell>): void => {
    const statuses: CellStatus[] = []
    let wipRan = false
    columns.forEach((column, c) => {
      const cell = byColumn[column.key]
      if (!cell) return
      if (!cell.required) {
        if (cell.status !== 'not-required') {
          information++
          informationIn[c]!++
          if (FAILS.has(cell.status)) informationFailed++
        }
        if (cell.wip) wipRan = wipRanIn[c] = true
        return
      }
      requiredIn[c]!++
      statuses.push(cell.status)
      cellTotals[cell.status]++
      if (cell.status === 'wip') {
        gaps.wip++
        return
      }
      gaps.required++
      if (cell.status === 'not-run') {
        gaps.notRun++
        notRunIn[c]!++
      }
    })
    // (a wip scenario all of whose expected cells ran is information in each: still wip)
    totals[!statuses.length && wipRan ? 'wip' : worstCell(statuses)]++
  }
  // a scenario's cells, one a column (refilled a scenario)
  const rowCells = new Array<ScenarioCell>(columns.length)
  const recordOf = (cells: readonly ScenarioCell[]): Record<string, ScenarioCell> => {
    const record: Record<string, ScenarioCell> = {}
    columns.forEach((column, c) => (record[column.key] = cells[c]!))
    return record
  }
  // A scenario whose cells are all plain ones (most) shares its record of them with every
  // scenario of the same cells: one record a combination, found by the cells themselves (frozen
  // like them; a million scenarios' records were 53 MB).
  const records = new Map<ScenarioCell, unknown>()
  const sharedRecord = (cells: readonly ScenarioCell[]): Record<string, ScenarioCell> => {
    if (!cells.length) return NO_CELLS
    let node = records
    for (let c = 0; c < cells.length - 1; c++) {
      let next = node.get(cells[c]!) as Map<ScenarioCell, unknown> | undefined
      if (!next) node.set(cells[c]!, (next = new Map()))
      node = next
    }
    let record = node.get(cells[cells.length - 1]!) as Record<string, ScenarioCell> | undefined
    if (!record) node.set(cells[cells.length - 1]!, (record = Object.freeze(recordOf(cells))))
    return record
  }
  const requiredNow: CellStatus[] = []
  const unlisted = new Set<string>()
  // where the scenarios required in no column are expected; those under several features only
  // if no feature requires them anywhere (known once all are met)
  const expectedElsewhere = new Set<string>()
  const severalElsewhere = new Map<string, string[]>()
  const acceptanceColumns = new Set(columns.filter((c) => c.stage === 'acceptance').map((c) => c.environment))
  const expectedOutside = (s: Row, feature: ScopeFeature): string[] =>
    s.stages === MANUAL_STAGES ? ['manual'] : (s.environments ?? feature.environments).filter((e) => !acceptanceColumns.has(e))
  const features = scope.features.map((feature): MatrixFeature => {
    // A person's machine is its own environment: manual testing is expected wherever it is done.
    const requiredHere = (column: MatrixColumn, s: Row): boolean =>
      column.stage === 'manual' || (s.environments ? s.environments.includes(column.environment) : feature.environments.length === 0 || feature.environments.includes(column.environment))
    const scenarios = [...catalogueRows.get(feature.id)!.values(), ...resultRows.get(feature.id)!].map((s): MatrixScenario => {
      requiredNow.length = 0
      let allPlain = true
      // A row of results is its own cell in its column: only the build's other columns are looked
      // up (a million lookups made a million keys to throw away, some 70 MB of garbage).
      const own = s.stages ? undefined : columnOf(s as MergedCase)
      columns.forEach((column, c) => {
        const found = own === columnKeys[c] ? (s as MergedCase) : own === undefined || cellColumns.length > 1 ? cellIn(cells, s.id, columnKeys[c]!) : undefined
        const expected = requiredHere(column, s) && (s.stages ? s.stages.includes(column.stage) : found !== undefined)
        const status: CellStatus = found ? cellStatusOf(found.status, found.flaky, s.wip) : !expected ? 'not-required' : s.wip ? 'wip' : 'not-run'
        // The scope requires a wip scenario nowhere yet (the gate judges none of it): what ran of
        // it is information, shown as it went and counted nowhere, as where nothing is required.
        const ranWip = expected && status !== 'wip' && s.wip === true
        const required = expected && !ranWip
        // an undefined, pending or ambiguous step says so, as JUnit, Allure and Testmo say it: a
        // runner reports none of them with an error of its own
        const incomplete = found !== undefined && outcomeOf(found.status) === 'incomplete'
        const detailed = found && (((found.status !== 'passed' || found.flaky) && (incomplete || found.error || found.steps.length || found.attachments.length || found.nodes.length)) || found.tester || found.awaitingReview || found.earlierText)
        const codes = earlierCodes(s.id, c)
        const cell: ScenarioCell = detailed ? { status, required, history: historyOf(codes, status) } : plainCell(codes, status, required)
        if (detailed) {
          const error = incomplete ? failureMessage(found.status, found.error) : found.error
          if (error) cell.error = error
          if (found.steps.length) cell.steps = found.steps
          if (found.attachments.length) cell.attachments = found.attachments
          if (found.nodes.length) cell.nodes = found.nodes
          if (found.tester) cell.tester = found.tester
          if (found.awaitingReview?.length) cell.awaitingReview = found.awaitingReview
          if (found.earlierText?.length) cell.earlierText = found.earlierText
        }
        if (status === 'flaky' && required) {
          const key = underSeveral.has(s.id) ? `${s.id}\u0000${column.key}` : undefined
          const listed = key === undefined ? undefined : flakyListed.get(key)
          if (listed) listed.features.push(feature.id)
          else {
            const entry = { id: s.id, name: s.name, feature: feature.id, features: [feature.id], column: column.key }
            flaky.push(entry)
            if (key !== undefined) flakyListed.set(key, entry)
          }
        }
        if (required) requiredNow.push(status)
        else if (ranWip) requiredNow.push('wip')
        if (detailed || ranWip) allPlain = false
        rowCells[c] = ranWip ? { ...cell, wip: true } : cell
      })
      const scenarioCells = allPlain ? sharedRecord(rowCells) : recordOf(rowCells)
      if (!requiredNow.length && s.stages) {
        if (!underSeveral.has(s.id)) for (const where of expectedOutside(s, feature)) expectedElsewhere.add(where)
        else severalElsewhere.set(s.id, [...(severalElsewhere.get(s.id) ?? []), ...expectedOutside(s, feature)])
      }
      if (!underSeveral.has(s.id)) countScenario(scenarioCells)
      else {
        let unique = uniqueCells.get(s.id)
        if (!unique) uniqueCells.set(s.id, scenarioCells)
        else {
          if (!copied.has(s.id)) {
            uniqueCells.set(s.id, (unique = { ...unique }))
            copied.add(s.id)
          }
          for (const key in scenarioCells) {
            const cell = scenarioCells[key]!
            const seen = unique[key]
            // (a wip scenario's result where one feature expects it outranks the same result as plain information)
            if (!seen || (cell.required && !seen.required) || (cell.wip && !seen.required && !seen.wip)) unique[key] = cell
          }
        }
      }
      const status = worstCell(requiredNow)
      if (options.catalogue && !s.stages) {
        if (status !== 'not-required') unlisted.add(s.id)
        return { id: s.id, name: s.name, uri: s.uri, wip: false, status, cells: scenarioCells, unlisted: true }
      }
      return { id: s.id, name: s.name, uri: s.uri, wip: s.wip === true, status, cells: scenarioCells }
    })
    // A feature's cell in a column: its required scenarios' cells counted, and the worst of them
    // now and in each build of the history — the worst depends only on which statuses occur, so
    // one pass keeps a set of them (a bit each) rather than lists.
    const featureCells: Record<string, FeatureCell> = {}
    for (const column of columns) {
      const count = noCells()
      let required = 0
      let info = 0
      let now = 0
      const then = new Array<number>(history.length).fill(0)
      for (const s of scenarios) {
        const c = s.cells[column.key]!
        if (!c.required) {
          if (c.status !== 'not-required') info++
          continue
        }
        required++
        count[c.status]++
        now |= STATUS_BIT[c.status]
        for (let i = 0; i < then.length; i++) {
          const was = c.history[i]
          if (was !== null && was !== undefined) then[i]! |= STATUS_BIT[was]
        }
      }
      featureCells[column.key] = {
        status: worstCell(statusesIn(now)),
        passed: count.passed,
        failed: count.failed,
        blocked: count.blocked,
        flaky: count.flaky,
        skipped: count.skipped,
        wip: count.wip,
        notRun: count['not-run'],
        information: info,
        history: then.map((mask) => (mask ? worstCell(statusesIn(mask)) : required === 0 ? 'not-required' : null)),
      }
    }
    return { id: feature.id, name: feature.name, uncovered: isUncovered({ scenarios: scenarios.length, wip: scenarios.filter((s) => s.wip).length }), requiredOn: feature.environments, cells: featureCells, scenarios }
  })

  for (const byColumn of uniqueCells.values()) countScenario(byColumn)
  for (const [id, where] of severalElsewhere) if (!Object.values(uniqueCells.get(id) ?? {}).some((c) => c.required)) for (const w of where) expectedElsewhere.add(w)
  // gaps by environment in the columns' order
  columns.forEach((column, c) => {
    if (notRunIn[c]) gaps.byEnvironment[column.environment] = (gaps.byEnvironment[column.environment] ?? 0) + notRunIn[c]!
  })
  const runErrors = results.runs.filter((r) => r.build === build).flatMap((r) => (r.errors ?? []).map((e) => ({ runId: r.id, environment: r.environment, stage: r.stage, where: e.where, message: e.message })))
  const unrequiredColumns = columns.filter((_, c) => informationIn[c] && !requiredIn[c] && !wipRanIn[c]).map((column) => column.key)
  // the reports this build holds that count in more than one place, each as its places
  const countedTwice = reportsCountedTwice(results.runs)
    .filter((group) => group.some((r) => r.build === build))
    .map((group) => [...new Set(group.map(placeOf))].sort())
  return { milestone: scope.milestone, build, builds: history, columns, features, unscoped: { cases: unscoped, failed: unscopedFailed }, flaky, totals, cellTotals, gaps, information, ...(informationFailed ? { informationFailed } : {}), runErrors, expectedElsewhere: [...expectedElsewhere].sort(), unrequiredColumns, ...(countedTwice.length ? { countedTwice } : {}), ...(unlisted.size ? { unlisted: unlisted.size } : {}) }
}

const NO_CELLS: Record<string, ScenarioCell> = Object.freeze({})

/** The columns' parts of the keys of a build's cells (merge-results cellKey), each once. */
function columnsOfCells(cells: ReadonlyMap<string, MergedCase>): string[] {
  const suffixes = new Set<string>()
  eachCell(cells, (_, column) => suffixes.add(column))
  return [...suffixes]
}

const ALL_STATUSES = Object.keys(noCells()) as CellStatus[]
const STATUS_BIT = Object.fromEntries(ALL_STATUSES.map((status, i) => [status, 1 << i])) as Record<CellStatus, number>

/** The statuses whose bits are set. */
function statusesIn(mask: number): CellStatus[] {
  return ALL_STATUSES.filter((status) => mask & STATUS_BIT[status])
}

function noCells(): Record<CellStatus, number> {
  return { passed: 0, failed: 0, blocked: 0, flaky: 0, skipped: 0, wip: 0, 'not-run': 0, 'not-required': 0 }
}

const ACCEPTANCE_STAGES: readonly string[] = ['acceptance']
// A @manual scenario is carried out by people (community testers), not by CI.
const MANUAL_STAGES: readonly string[] = ['manual']

/** Where manual outcomes land when nobody names an environment: the testers' own machines. */
export const MANUAL_ENVIRONMENT = 'community'

/**
 * The columns of a build's matrix: where it and the builds before it in the matrix's window
 * (MATRIX_HISTORY, whatever the length of the strips asked for) ran, and where the scope requires
 * its features. A column only older builds ran, or only later ones, is not this build's: the hub,
 * which reads a build's window and never a year of history, and a results folder holding every
 * build must show the same columns, and the gate (which reads a longer window for its flaky rate)
 * must judge the cells the matrix shows.
 */
function columnsOf(results: ResultSet, shown: ReadonlySet<string>, scope: Scope, manualInScope: boolean): MatrixColumn[] {
  const keys = new Map<string, MatrixColumn>()
  const add = (environment: string, stage: string): void => void keys.set(`${environment}/${stage}`, { key: `${environment}/${stage}`, environment, stage })
  for (const run of results.runs) if (shown.has(run.build)) add(run.environment, run.stage)
  // Environments the scope requires show as acceptance columns even before anything ran there —
  // whatever else ran there: a tester's outcome or unit tests on docker test none of the scope's
  // automated scenarios on it, and the column they make must not stand in for that gap.
  for (const feature of scope.features) for (const environment of feature.environments) add(environment, 'acceptance')
  // Manual scenarios in scope show their column (a gap) before any tester reported.
  if (manualInScope && ![...keys.values()].some((c) => c.stage === 'manual')) add(MANUAL_ENVIRONMENT, 'manual')
  const stageRank = ['unit', 'functional', 'acceptance', 'manual']
  return [...keys.values()].sort((a, b) => stageRank.indexOf(a.stage) - stageRank.indexOf(b.stage) || a.environment.localeCompare(b.environment))
}

/** Every scenario of the matrix once, whatever the number of its features (the headline counts each once), those required nowhere too. */
export function scenariosShown(totals: Matrix['totals']): number {
  return Object.values(totals).reduce((n, count) => n + count, 0)
}

/** Scenarios in the headline: every scenario once, those required nowhere left out. */
export function scenarioCount(totals: Matrix['totals']): number {
  return scenariosShown(totals) - (totals['not-required'] ?? 0)
}
