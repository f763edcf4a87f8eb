import parseTagExpression from '@cucumber/tag-expressions'
import type { Catalogue } from '../catalogue/catalogue-types.ts'
import type { Scope } from '../catalogue/scope.ts'
import { UserError } from '../errors.ts'
import { locate } from '../located-yaml.ts'
import { catalogueCases } from '../catalogue/catalogue-cases.ts'
import { awaitingText, MATRIX_HISTORY, matrixFrom, type Matrix, type MatrixScenario } from '../matrix/matrix-from.ts'
import { matrixDigest } from '../matrix/matrix-digest.ts'
import { ATTEMPTED, CELL_SEVERITY, FAILS, caseFails, cellStatusOf, failureMessage, verifiedNothing, type CellStatus } from '../model/status-algebra.ts'
import { buildBefore, type ResultSet } from '../results/merge-results.ts'
import { cellOf, columnOf, eachCell } from '../results/cells.ts'
import { RequiredCells } from '../matrix/required-cells.ts'
import { approversOf, buildPattern, samePerson, waiverExpired, type Criterion, type GateFile, type Waiver } from './gate-file.ts'
import { diffBuilds, type BuildDiff } from './diff-builds.ts'
import type { CriterionVerdict, GateVerdict } from './verdicts.ts'
import { errorHeadline } from '../model/error-headline.ts'
import { testersOf } from '../manual/manual-results.ts'

export type { CriterionVerdict, GateVerdict } from './verdicts.ts'

/** One thing a criterion found: a scenario in a column, a feature on an environment, a lint error… */
export interface GateItem {
  what: string
  scenario?: string
  scenarioId?: string
  feature?: string
  environment?: string
  status: string
  /** index of the waiver that covers it */
  waiver?: number
  /** not a failure: a result still awaited (the criterion waits for it) */
  awaited?: boolean
  note?: string
}

export interface CriterionResult {
  id: string
  kind: Criterion['kind']
  severity: 'blocking' | 'informing'
  verdict: CriterionVerdict
  value: string
  threshold: string
  why: string
  /** what failed or is awaited (and, for no-new-failures, what still fails) */
  items: GateItem[]
  /**
   * Results the criterion saw but did not judge: cells where the scope does not require the
   * scenario. Shown, never deciding.
   */
  information?: GateItem[]
}

export interface GateReport {
  milestone: string
  build: string
  verdict: GateVerdict
  baseline: { rule: string; build?: string }
  criteria: CriterionResult[]
  waivers: { used: WaiverUse[]; unused: WaiverUse[]; expired: WaiverUse[] }
  /** what changed since the previous release candidate and since the last release, when there are such builds */
  changes: { against: 'previous-rc' | 'last-release'; diff: BuildDiff }[]
  /** the hash of the matrix judged (matrixDigest): a matrix or note headed by this verdict checks it is theirs */
  judged?: string
}

export interface WaiverUse {
  index: number
  criterion: string
  category: string
  issue: string
  approvedBy: string
  matched?: string
  expiry: string
}

export interface GateInputs {
  gates: GateFile
  build: string
  results: ResultSet
  scope: Scope
  catalogue: Catalogue
  uriPrefix: string
  /** lint errors (syntax, undefined and ambiguous steps) */
  lintErrors: { where: string; message: string }[]
  /** why steps were not matched against step definitions (then the lint criterion says so) */
  stepsUnchecked?: string
  /** changes since the scope freeze; undefined when there is no lock */
  scopeChanges: string[] | undefined
  /** open issues from GitLab; undefined when GitLab was not asked */
  openIssues?: { count: number; items: { title: string; url: string }[] } | undefined
  /** why GitLab was not asked */
  openIssuesWhy?: string
  /**
   * approvals of the build (the results hub); undefined without a hub. `judged`: the hash of the
   * results approved (matrix-digest.ts); one of other results than these approves nothing now.
   */
  approvals?: { by: string; at: string; judged?: string }[] | undefined
  /**
   * Who made the build, by every name they go by (GitLab login, name, e-mail): none of them may
   * approve it. Compared without regard to case, as people type names.
   */
  authors?: readonly string[]
  /** YYYY-MM-DD: waivers dated before today have expired */
  today: string
  /** every build in order, where `results` hold some of them (the hub's window): a waiver's last build is placed in it */
  order?: readonly string[]
  /** the scope lock's history: the scope changes accepted between builds */
  lockHistory?: { at: string; by: string; reason: string; changes: string[] }[]
}

const DEFAULT_STAGES = ['acceptance', 'manual']
/** Where a cell is judged by scenarios-pass and friends: ran and passed (flaky passed in the end). */
const PASSED = new Set<CellStatus>(['passed', 'flaky'])
/** required cells with nothing carried out yet: not run, or only skipped */
const UNTRIED = new Set<CellStatus>(['not-run', 'skipped'])

/**
 * The release gate of a build: each criterion of the gate file judged on the merged results,
 * with its value against its threshold and why; then the verdict. Empty or partial results are
 * never a pass: what has not run yet is `waiting`. Pure: reads only its inputs.
 */
export function evaluateGates(inputs: GateInputs): GateReport {
  const { gates, build, results, scope } = inputs
  const baseline = checkGateInputs(gates, build, results, scope)
  const matrix = matrixFrom(results, scope, { build, history: gateHistory(gates), catalogue: inputs.catalogue, uriPrefix: inputs.uriPrefix })
  checkWaiverScenarios(gates, matrix)
  const view = new ScenarioView(inputs, matrix)
  const waivers = new WaiverBook(gates, build, inputs.today, inputs.order ?? results.order)
  const criteria = gates.criteria.map((criterion, index) => {
    const judged = judge(criterion, index, inputs, view, baseline.build)
    return waivers.apply(criterion, judged)
  })
  const blocking = criteria.filter((c) => c.severity === 'blocking')
  const verdict: GateVerdict = blocking.some((c) => c.verdict === 'fail') ? 'no-go' : blocking.some((c) => c.verdict === 'waiting') ? 'incomplete' : blocking.some((c) => c.verdict === 'pass-waived') ? 'go-with-waivers' : 'go'
  const changes: GateReport['changes'] = []
  for (const against of ['previous-rc', 'last-release'] as const) {
    const from = resolveBaseline({ ...gates, baseline: against }, build, results).build
    if (from) changes.push({ against, diff: diffBuilds({ results, gates, from, to: build, today: inputs.today, required: view.required, ...(inputs.order ? { order: inputs.order } : {}), ...(inputs.lockHistory ? { lockHistory: inputs.lockHistory } : {}) }) })
  }
  return { milestone: scope.milestone, build, verdict, baseline, criteria, waivers: waivers.summary(), changes, judged: view.judged }
}

/** Builds a gate reads back from the gated one, itself included: the matrix's strips or the longest flaky-rate window. */
export function gateHistory(gates: GateFile): number {
  return Math.max(MATRIX_HISTORY, ...gates.criteria.map((c) => (c.kind === 'flaky-rate' ? c.window : 1)))
}

/** The refusals that need no evaluation: a build the gate does not apply to, another milestone, a baseline with no results. */
export function checkGateInputs(gates: GateFile, build: string, results: ResultSet, scope: Scope): { rule: string; build?: string } {
  if (!buildPattern(gates['applies-to']).test(build))
    throw new UserError('GATES_BUILD', `build "${build}" does not match applies-to "${gates['applies-to']}" of ${gates.file}; gate a build it applies to, or change applies-to`)
  if (gates.milestone !== scope.milestone) throw new UserError('GATES_INVALID', `${locate(gates.text, gates.file, ['milestone'])}: milestone "${gates.milestone}" is not the scope's (${scope.milestone})`)
  return resolveBaseline(gates, build, results)
}

/** previous-rc: the latest earlier build the gate applies to; last-release: the latest earlier x.y.z; or a build named. */
export function resolveBaseline(gates: GateFile, build: string, results: ResultSet): { rule: string; build?: string } {
  const rule = gates.baseline
  const candidates = results.order.filter((name) => buildBefore(name, build, results.order) === true)
  if (rule === 'previous-rc') {
    const pattern = buildPattern(gates['applies-to'])
    const found = candidates.filter((b) => pattern.test(b)).pop()
    return { rule, ...(found ? { build: found } : {}) }
  }
  if (rule === 'last-release') {
    const found = candidates.filter((b) => /^v?\d+\.\d+\.\d+$/.test(b)).pop()
    return { rule, ...(found ? { build: found } : {}) }
  }
  if (!results.builds.has(rule)) throw new UserError('GATES_BASELINE', `${locate(gates.text, gates.file, ['baseline'])}: baseline build "${rule}" has no results; builds there: ${results.order.slice(-10).join(', ') || 'none'}`)
  return { rule, build: rule }
}

interface ViewCell {
  scenarioId: string
  scenario: string
  feature: string
  column: string
  environment: string
  stage: string
  status: CellStatus
  /** a newer manual outcome worse than the cell awaits QA's review: the cell is not settled */
  unsettled?: string
}

/** The scope's scenarios with their tags, and their cells in the build's matrix. */
class ScenarioView {
  readonly tags = new Map<string, { tags: string[]; wip: boolean; manual: boolean }>()
  /** cells (case id, environment, stage) the scope requires, for criteria that read results directly */
  readonly required: RequiredCells
  /** the build's results on acceptance and manual columns tied to no scope feature (select: shown, never judged) */
  private readonly outsideScope: { cell: ViewCell; tags: string[] }[] = []

  constructor(
    readonly inputs: GateInputs,
    readonly matrix: Matrix,
  ) {
    for (const c of catalogueCases(inputs.catalogue, inputs.uriPrefix)) this.tags.set(c.id, { tags: c.pickle.tags, wip: c.pickle.wip, manual: c.pickle.manual })
    // A scenario no feature file here defines (its report bound elsewhere, its file since moved)
    // is in the matrix by its results: it is selected by the tags they carry (all its cells'),
    // else a selector would never pick its failure, or pick it where its tags exclude it.
    const fromResults = new Map<string, Set<string>>()
    eachCell(inputs.results.builds.get(inputs.build), (c) => {
      if (this.tags.has(c.id)) return
      let tags = fromResults.get(c.id)
      if (!tags) fromResults.set(c.id, (tags = new Set()))
      for (const tag of c.tags) tags.add(tag)
    })
    for (const [id, tags] of fromResults) this.tags.set(id, { tags: [...tags], wip: false, manual: false })
    this.required = new RequiredCells(matrix)
    const scoped = new Set(inputs.scope.features.map((f) => f.id))
    const keyOf = new Map(matrix.columns.map((c) => [columnOf(c), c.key]))
    eachCell(inputs.results.builds.get(inputs.build), (c, column) => {
      if (!DEFAULT_STAGES.includes(c.stage) || c.featureIds.some((id) => scoped.has(id))) return
      const cell = { scenarioId: c.id, scenario: c.name, feature: 'no scope feature', column: keyOf.get(column) ?? `${c.environment}/${c.stage}`, environment: c.environment, stage: c.stage, status: cellStatusOf(c.status, c.flaky) }
      this.outsideScope.push({ cell, tags: c.tags })
    })
  }

  /**
   * The environments the build was tested on: those with a result carried out (ATTEMPTED) in a
   * cell the scope requires there — a run of unit tests only, an empty run or a dry run (all
   * skipped) is no test of an environment whose scenarios none of it ran. An environment where
   * the scope requires no runnable scenario (all wip) is tested by any run of the build there.
   */
  get testedEnvironments(): Set<string> {
    return (this.tested ??= this.environmentsTested())
  }

  private tested: Set<string> | undefined

  /** The environments any run of the build ran in, whatever it ran there. */
  get runEnvironments(): Set<string> {
    return (this.run ??= new Set(this.inputs.results.runs.filter((r) => r.build === this.inputs.build).map((r) => r.environment)))
  }

  private run: Set<string> | undefined

  /** The hash of the results judged (matrixDigest), made when first asked for. */
  get judged(): string {
    return (this.digest ??= matrixDigest(this.matrix))
  }

  private digest: string | undefined

  private environmentsTested(): Set<string> {
    const asked = new Set<string>()
    const answered = new Set<string>()
    for (const feature of this.matrix.features)
      for (const s of feature.scenarios)
        for (const column of this.matrix.columns) {
          const cell = s.cells[column.key]!
          if (!cell.required || cell.status === 'wip') continue
          asked.add(column.environment)
          if (ATTEMPTED.has(cell.status)) answered.add(column.environment)
        }
    return new Set([...answered, ...[...this.runEnvironments].filter((e) => !asked.has(e))])
  }

  /**
   * Required cells of the scenarios a selector picks, in the columns of its stages; with
   * `information`, the cells that ran where the scope does not require them (shown, not judged).
   */
  cells(criterion: Criterion & { select?: { tags?: string; stages?: string[] } | undefined }, index: number, defaults: { tags?: string; stages?: string[] } = {}): ViewCell[] {
    return this.select(criterion, index, defaults).required
  }

  select(criterion: Criterion & { select?: { tags?: string; stages?: string[] } | undefined }, index: number, defaults: { tags?: string; stages?: string[] } = {}): { required: ViewCell[]; information: ViewCell[]; columns: string[] } {
    const tagText = criterion.select?.tags ?? defaults.tags
    let matches: (tags: string[]) => boolean = () => true
    if (tagText) {
      try {
        const expression = parseTagExpression(tagText)
        matches = (tags) => expression.evaluate(tags)
      } catch (error) {
        throw new UserError('GATES_INVALID', `${locate(this.inputs.gates.text, this.inputs.gates.file, ['criteria', index, 'select', 'tags'])}: criteria[${index}].select.tags: not a tag expression (${(error as Error).message.split('\n')[0]})`)
      }
    }
    const stages = criterion.select?.stages ?? defaults.stages ?? DEFAULT_STAGES
    const columns = this.matrix.columns.filter((c) => stages.includes(c.stage))
    const required: ViewCell[] = []
    const information: ViewCell[] = []
    const seen = new Set<string>()
    let selected = 0
    for (const feature of this.matrix.features)
      for (const s of feature.scenarios) {
        const meta = this.tags.get(s.id)
        if (!matches(meta?.tags ?? [])) continue
        selected++
        for (const column of columns) {
          const cell = s.cells[column.key]!
          const key = `${s.id}\u0000${column.key}`
          if (cell.status === 'not-required' || seen.has(key)) continue
          // A scenario under two features is required here when either requires it.
          const requiredHere = this.required.has(s.id, columnOf(column))
          if (!requiredHere && !cell.required) {
            if (!information.some((c) => c.scenarioId === s.id && c.column === column.key)) information.push({ scenarioId: s.id, scenario: s.name, feature: feature.id, column: column.key, environment: column.environment, stage: column.stage, status: cell.status })
            continue
          }
          seen.add(key)
          const unsettled = unsettledBy(cell.status, cell.awaitingReview) ?? ofEarlierText(cell.status, cell.tester, cell.earlierText)
          required.push({ scenarioId: s.id, scenario: s.name, feature: feature.id, column: column.key, environment: column.environment, stage: column.stage, status: cell.status, ...(unsettled ? { unsettled } : {}) })
        }
      }
    // A result of the build tied to no scope feature (an untagged scenario, an unknown id, a test
    // bound to no scenario) on these columns: the matrix counts its failure against the commit
    // status, and no scenario criterion can select it — shown here, so the gate never passes
    // over it without a word.
    for (const { cell, tags } of this.outsideScope) if (stages.includes(cell.stage) && matches(this.tags.get(cell.scenarioId)?.tags ?? tags)) information.push(cell)
    // A criterion that judges nothing would pass without a word.
    if (selected === 0)
      throw new UserError('GATES_SELECTOR', `${locate(this.inputs.gates.text, this.inputs.gates.file, criterion.select ? ['criteria', index, 'select'] : ['criteria', index])}: criterion ${criterion.id} selects no scenario of the scope${tagText ? ` (tags: ${tagText})` : ''}; a criterion that judges nothing would pass silently — correct its select`)
    return { required, information, columns: columns.map((c) => c.key) }
  }
}

/**
 * Why a cell is not settled, or undefined: a tester's newer outcome worse than what counts awaits
 * QA's review — a failure reported and not yet reviewed is no pass to release on (a newer pass
 * of a passed cell changes nothing).
 */
function unsettledBy(status: CellStatus, awaiting: readonly { tester: string; status: string }[] | undefined): string | undefined {
  const worse = (awaiting ?? []).filter((a) => CELL_SEVERITY.indexOf(a.status as CellStatus) < CELL_SEVERITY.indexOf(status))
  return worse.length ? `awaiting QA's review: ${awaitingText(worse)}` : undefined
}

/**
 * Why a passed manual cell stands on no tester's word about the scenario as it reads now, or
 * undefined: every tester whose outcome counts carried out an earlier text of it (edited since).
 */
function ofEarlierText(status: CellStatus, tester: string | undefined, earlier: readonly string[] | undefined): string | undefined {
  if (!earlier?.length || FAILS.has(status)) return undefined
  return testersOf({ tester, earlierText: earlier }).current.length ? undefined : `tested on an earlier text of the scenario (${earlier.join(', ')}): carry it out again as it reads now`
}

const item = (c: ViewCell, note?: string): GateItem => ({ what: `${c.scenario} · ${c.feature} · ${c.column}`, scenario: c.scenario, scenarioId: c.scenarioId, feature: c.feature, environment: c.column, status: c.status, ...(note ? { note } : {}) })

function result(criterion: Criterion, verdict: CriterionVerdict, value: string, threshold: string, why: string, items: GateItem[] = [], information: ViewCell[] = []): CriterionResult {
  return { id: criterion.id, kind: criterion.kind, severity: criterion.severity, verdict, value, threshold, why, items, ...(information.length ? { information: information.map((c) => item(c, 'not required by the scope: not judged')) } : {}) }
}

/**
 * Runs of the build that failed outside any scenario (a global hook, the runner), in the given
 * columns: their results cannot be trusted, so a criterion judging those columns fails.
 */
function runErrorItems(matrix: Matrix, columns: string[]): GateItem[] {
  return matrix.runErrors
    .filter((e) => columns.includes(`${e.environment}/${e.stage}`))
    .map((e) => ({ what: `run ${e.runId} on ${e.environment}/${e.stage} failed outside any scenario (${e.where}): ${errorHeadline(e.message)}`, environment: `${e.environment}/${e.stage}`, status: 'run error' }))
}

/** A criterion's verdict with the run errors of its columns added: they fail it. */
function withRunErrors(judged: CriterionResult, errors: GateItem[]): CriterionResult {
  if (errors.length === 0) return judged
  return { ...judged, verdict: 'fail', why: `${errors.length} run error(s): ${errors[0]!.what}${judged.verdict === 'pass' ? '' : `; ${judged.why}`}`, items: [...errors, ...judged.items] }
}

function judge(criterion: Criterion, index: number, inputs: GateInputs, view: ScenarioView, baseline: string | undefined): CriterionResult {
  const { build, results, scope } = inputs
  const cellsOfBuild = results.builds.get(build)
  switch (criterion.kind) {
    case 'lint': {
      const items = inputs.lintErrors.map((e) => ({ what: `${e.where}: ${e.message}`, status: 'error' }))
      if (items.length) return result(criterion, 'fail', `${items.length} error(s)`, '0', `${items.length} lint error(s): ${items[0]!.what}${items.length > 1 ? ' …' : ''}`, items)
      const why = inputs.stepsUnchecked ? `no syntax errors; steps not matched against step definitions (${inputs.stepsUnchecked})` : 'no syntax errors, undefined or ambiguous steps'
      return result(criterion, 'pass', '0 error(s)', '0', why, items)
    }
    case 'scope-frozen': {
      if (!inputs.scopeChanges) return result(criterion, 'fail', 'no lock', 'frozen', 'the scope was never frozen: bdd-matrix scope freeze writes its lock')
      const items = inputs.scopeChanges.map((c) => ({ what: c, status: 'changed' }))
      return result(criterion, items.length ? 'fail' : 'pass', `${items.length} change(s)`, '0', items.length ? `${items.length} change(s) since the freeze: ${items[0]!.what}` : 'the scope is as frozen', items)
    }
    case 'environments-tested': {
      const required = [...new Set(scope.features.flatMap((f) => f.environments))].sort()
      // (as a select matching no scenario: a criterion that judges nothing would pass without a word)
      if (!required.length) throw new UserError('GATES_ENVIRONMENTS', `${locate(inputs.gates.text, inputs.gates.file, ['criteria', index])}: criterion ${criterion.id} (environments-tested) has no environment to judge: no feature of the scope lists environments:, so none is required; list where each feature must pass (environments: [local, …]) or remove the criterion — a criterion that judges nothing would pass silently`)
      const tested = view.testedEnvironments
      const ranIn = view.runEnvironments
      const missing = required.filter((e) => !tested.has(e))
      const items = missing.map((e) => ({ what: ranIn.has(e) ? `${e}: results this build, but none for a scenario the scope requires there` : `${e}: no results this build`, environment: e, status: 'not-run' }))
      const judged = result(criterion, missing.length ? 'waiting' : 'pass', `${required.length - missing.length} of ${required.length}`, `all of ${required.join(', ') || '(none required)'}`, missing.length ? `${missing.join(', ')}: no results${missing.some((e) => ranIn.has(e)) ? ' of a scenario the scope requires there' : ''} for ${build} yet — waiting` : `results from every required environment (${required.join(', ')})`, items)
      return withRunErrors(judged, runErrorItems(view.matrix, view.matrix.columns.filter((c) => required.includes(c.environment)).map((c) => c.key)))
    }
    case 'min-count': {
      const { required: cells, information } = view.select(criterion, index)
      const ran = new Set(cells.filter((c) => ATTEMPTED.has(c.status)).map((c) => c.scenarioId))
      const exist = new Set(cells.filter((c) => c.status !== 'wip').map((c) => c.scenarioId))
      const verdict: CriterionVerdict = ran.size >= criterion.min ? 'pass' : exist.size < criterion.min ? 'fail' : 'waiting'
      return result(criterion, verdict, `${ran.size} ran`, `≥ ${criterion.min}`, verdict === 'pass' ? `${ran.size} selected scenarios ran` : verdict === 'fail' ? `only ${exist.size} runnable scenarios are selected; ${criterion.min} are required` : `${ran.size} of the ${criterion.min} required scenarios ran so far — waiting`, [], information)
    }
    case 'scenarios-pass': {
      const selection = view.select(criterion, index)
      const cells = selection.required.filter((c) => !view.tags.get(c.scenarioId)?.wip)
      const need = criterion['consecutive-green'] ?? 1
      const failed: GateItem[] = []
      const waiting: GateItem[] = []
      for (const c of cells) {
        if (FAILS.has(c.status)) failed.push(item(c))
        else if (c.unsettled) waiting.push({ ...item(c, c.unsettled), awaited: true })
        else if (c.status === 'skipped') waiting.push({ ...item(c, 'skipped: nothing was verified'), awaited: true })
        else if (!PASSED.has(c.status)) waiting.push({ ...item(c, 'not run this build'), awaited: true })
        else if (need > 1) {
          const seen = cellOf(cellsOfBuild, c.scenarioId, c.environment, c.stage)?.seen ?? []
          const last = seen.slice(-need)
          if (last.some((status) => status !== 'passed')) failed.push(item(c, `last ${need} runs: ${last.join(', ')}`))
          else if (seen.length < need) waiting.push({ ...item(c, `${seen.length} of ${need} green runs`), awaited: true })
        }
      }
      const passing = cells.length - failed.length - waiting.length
      const verdict: CriterionVerdict = failed.length ? 'fail' : waiting.length ? 'waiting' : 'pass'
      const why = failed.length ? `${failed.length} failed: ${failed[0]!.what}${failed.length > 1 ? ' …' : ''}` : waiting.length ? `${waiting.length} of ${cells.length} not run yet (${waiting[0]!.what}) — waiting` : `all ${cells.length} passed${need > 1 ? ` ${need} runs in a row` : ''}`
      const judged = result(criterion, verdict, `${passing} of ${cells.length} passed`, need > 1 ? `all, ${need} runs in a row` : 'all', why, [...failed, ...waiting], selection.information)
      return withRunErrors(judged, runErrorItems(view.matrix, selection.columns))
    }
    case 'scope-coverage': {
      const items: GateItem[] = []
      let short = 0
      let awaited = 0
      const tested = view.testedEnvironments
      for (const feature of view.matrix.features) {
        // A feature that lists none is required where the matrix requires its scenarios (not on a
        // manual column, unless it has @manual scenarios); one with no scenario, on every column.
        const requiredIn = view.matrix.columns.filter((c) => DEFAULT_STAGES.includes(c.stage) && feature.scenarios.some((s) => s.cells[c.key]?.required || s.cells[c.key]?.wip))
        const environments = feature.requiredOn.length ? feature.requiredOn : [...new Set((feature.scenarios.length ? requiredIn : view.matrix.columns).map((c) => c.environment))]
        for (const environment of environments) {
          const columns = view.matrix.columns.filter((c) => c.environment === environment && DEFAULT_STAGES.includes(c.stage)).map((c) => c.key)
          const runnable = feature.scenarios.filter((s) => !s.wip)
          const hasThere = (s: MatrixScenario, statuses: ReadonlySet<CellStatus>): boolean => columns.some((k) => s.cells[k]?.required === true && statuses.has(s.cells[k].status))
          const passing = runnable.filter((s) => hasThere(s, PASSED)).length
          if (passing >= criterion['min-passing']) continue
          const wip = feature.scenarios.length - runnable.length
          // a feature short because its scenarios fail there is not one nobody covered: said so
          const failing = runnable.filter((s) => hasThere(s, FAILS)).length
          const counts = [...(failing ? [`${failing} failed`] : []), ...(wip ? [`${wip} wip`] : [])]
          const what = `${feature.id} on ${environment}: ${passing} of ${feature.scenarios.length} scenarios passed${counts.length ? ` (${counts.join(', ')})` : ''}`
          // Scenarios not run there yet (a gap, or only skipped) may still pass: waited for, as
          // scenarios-pass waits for them; short only when those could not make up the number.
          const open = runnable.filter((s) => !hasThere(s, PASSED) && hasThere(s, UNTRIED)).length
          if (passing + open < criterion['min-passing']) {
            short++
            // (a listed environment none of its runnable scenarios is expected on: said, it cannot change)
            const expected = runnable.some((s) => columns.some((k) => s.cells[k]?.required))
            const why = runnable.length && !expected ? `; none of its runnable scenarios is expected on ${environment} (@env: tags or @manual place them elsewhere)` : ''
            items.push({ what: `${what} — needs ${criterion['min-passing']}${why}`, feature: feature.id, environment, status: 'uncovered' })
          } else {
            awaited++
            items.push({ what: `${what}, ${tested.has(environment) ? `${open} not run there yet` : 'nothing ran there this build'} — waiting`, feature: feature.id, environment, status: 'not-run', awaited: true })
          }
        }
      }
      const verdict: CriterionVerdict = short ? 'fail' : awaited ? 'waiting' : 'pass'
      const judged = result(criterion, verdict, `${short + awaited} feature × environment short`, `≥ ${criterion['min-passing']} passing each`, items.length ? items[0]!.what : `every frozen feature has ≥ ${criterion['min-passing']} passing scenario(s) on each of its environments`, items)
      return withRunErrors(judged, runErrorItems(view.matrix, view.matrix.columns.filter((c) => DEFAULT_STAGES.includes(c.stage)).map((c) => c.key)))
    }
    case 'no-new-failures': {
      const selection = view.select(criterion, index)
      const before = baseline ? results.builds.get(baseline) : undefined
      const fresh: GateItem[] = []
      const still: GateItem[] = []
      for (const c of selection.required) {
        if (!FAILS.has(c.status)) continue
        const old = cellOf(before, c.scenarioId, c.environment, c.stage)
        if (old && caseFails(old)) still.push(item(c, `failing since ${baseline} or before`))
        else fresh.push(item(c, baseline ? `${old ? old.status : 'not run'} in ${baseline}` : 'no baseline build: every failure is new'))
      }
      const threshold = baseline ? `0 new since ${baseline}` : '0 new; no baseline build: every failure counts as new'
      const why = fresh.length ? `${fresh.length} new failure(s)${baseline ? ` since ${baseline}` : ' (no baseline build)'}: ${fresh[0]!.what}` : `no new failures${baseline ? ` since ${baseline}` : ' (no baseline build: first candidate)'}${still.length ? `; ${still.length} still failing` : ''}`
      const judged = result(criterion, fresh.length ? 'fail' : 'pass', `${fresh.length} new`, threshold, why, [...fresh, ...still.map((x) => ({ ...x, status: `still ${x.status}` }))], selection.information)
      return withRunErrors(judged, runErrorItems(view.matrix, selection.columns))
    }
    case 'flaky-rate': {
      const upTo = results.order.indexOf(build)
      const window = results.order.slice(Math.max(0, upTo - criterion.window + 1), upTo + 1)
      let ran = 0
      let flaky = 0
      const items: GateItem[] = []
      // Over the cells the scope requires, as every other criterion: a flaky unit test or a
      // result on an environment the feature is not required on is neither numerator nor denominator.
      for (const b of window)
        eachCell(results.builds.get(b), (c, column) => {
          if (!view.required.has(c.id, column)) return
          // a skipped result ran nothing (ATTEMPTED): were it counted, a dry run would dilute the rate
          if (c.status === 'skipped' && !c.flaky) return
          ran++
          if (c.flaky) {
            flaky++
            if (items.length < 50) items.push({ what: `${c.name} · ${c.environment}/${c.stage} · ${b}`, scenario: c.name, scenarioId: c.id, environment: `${c.environment}/${c.stage}`, status: 'flaky' })
          }
        })
      if (ran === 0) return result(criterion, 'waiting', 'nothing ran', `≤ ${criterion.max}`, 'no results in required cells in the window — waiting')
      const rate = flaky / ran
      return result(criterion, rate <= criterion.max ? 'pass' : 'fail', `${(rate * 100).toFixed(1)} % (${flaky} of ${ran})`, `≤ ${(criterion.max * 100).toFixed(1)} % over ${window.length} build(s)`, `${flaky} flaky of ${ran} results in required cells over ${window.join(', ')}`, items)
    }
    case 'manual-signoff': {
      const selection = view.select(criterion, index, { tags: '@manual', stages: ['manual'] })
      const cells = selection.required.filter((c) => !view.tags.get(c.scenarioId)?.wip)
      const failed: GateItem[] = []
      const waiting: GateItem[] = []
      let signed = 0
      for (const c of cells) {
        const merged = cellOf(cellsOfBuild, c.scenarioId, c.environment, c.stage)
        // a tester who carried out an earlier text of the scenario signed off that text, not this one
        const { all: testers, current, earlier } = testersOf(merged ?? {})
        if (FAILS.has(c.status)) failed.push(item(c, `by ${testers.join(', ') || 'a tester'}`))
        else if (c.unsettled) waiting.push({ ...item(c, c.unsettled), awaited: true })
        else if (PASSED.has(c.status) && current.length >= criterion.testers) signed++
        else waiting.push({ ...item(c, `${current.length} of ${criterion.testers} tester(s) signed off${earlier.length ? `; ${earlier.join(', ')} tested an earlier text of it` : ''}`), awaited: true })
      }
      if (cells.length === 0) return result(criterion, 'waiting', 'no manual results', `${criterion.testers} tester(s) each`, 'no manual testing column for this build yet — waiting')
      const verdict: CriterionVerdict = failed.length ? 'fail' : waiting.length ? 'waiting' : 'pass'
      return result(criterion, verdict, `${signed} of ${cells.length} signed off`, `${criterion.testers} distinct tester(s) each`, failed.length ? `${failed.length} failed in manual testing: ${failed[0]!.what}` : waiting.length ? `${waiting.length} awaiting testers (${waiting[0]!.what}) — waiting` : `every selected scenario signed off by ${criterion.testers}+ tester(s)`, [...failed, ...waiting], selection.information)
    }
    case 'tests-pass': {
      // Every test of the stages, in the build: unit and functional tests are no scenarios of the
      // scope, so no other criterion reads them (the commit status fails on them, a release would not).
      const stages: readonly string[] = criterion.stages
      const listed: GateItem[] = []
      let tests = 0
      let failing = 0
      let skipped = 0
      // a stage is tested by a test carried out: one whose tests were all skipped (or that holds
      // none) verified nothing, as a dry run tests no environment — waited for, never a pass
      const carriedOut = new Set<string>()
      eachCell(cellsOfBuild, (c) => {
        if (!stages.includes(c.stage)) return
        tests++
        if (verifiedNothing(c.status)) skipped++
        else carriedOut.add(c.stage)
        if (caseFails(c)) {
          // (a stage of thousands of failing tests names the first 50; the count says the rest)
          if (++failing <= 50) listed.push({ what: `${c.feature ? `${c.feature} › ` : ''}${c.name} · ${c.environment}/${c.stage}: ${errorHeadline(failureMessage(c.status, c.error))}`, scenario: c.name, environment: `${c.environment}/${c.stage}`, status: c.status })
        }
      })
      const missing = stages.filter((s) => !carriedOut.has(s))
      const verdict: CriterionVerdict = failing ? 'fail' : missing.length ? 'waiting' : 'pass'
      const value = `${tests - failing - skipped} of ${tests} passed${skipped ? ` (${skipped} skipped)` : ''}`
      const why = failing ? `${failing} failed: ${listed[0]!.what}${failing > 1 ? ' …' : ''}` : missing.length ? `no ${missing.join(' or ')} test carried out for ${build} yet — waiting` : `every ${stages.join(' and ')} test of ${build} passed${skipped ? ` or was skipped (${skipped})` : ''}`
      // (a stage with no run at all: its tests may have been ingested under another stage's name)
      const stagesRun: string[] = [...new Set(results.runs.filter((r) => r.build === build).map((r) => r.stage))]
      const whyNone = (stage: string): string =>
        stagesRun.includes(stage) ? ' (its runs hold none, or only skipped ones)' : ` (no ${stage} run: this build's runs are of ${stagesRun.join(', ') || 'no stage yet'}; ${stage} tests are ingested with --stage ${stage})`
      const awaited = missing.map((stage) => ({ what: `${stage}: no test carried out this build${whyNone(stage)}`, environment: stage, status: 'not-run', awaited: true }))
      const judged = result(criterion, verdict, value, `all ${stages.join(', ')} tests`, why, [...listed, ...awaited])
      return withRunErrors(judged, runErrorItems(view.matrix, view.matrix.columns.filter((c) => stages.includes(c.stage)).map((c) => c.key)))
    }
    case 'open-issues': {
      if (!inputs.openIssues) return result(criterion, 'waiting', 'not asked', `≤ ${criterion.max}`, `${inputs.openIssuesWhy ?? 'GitLab was not asked'} — waiting`)
      const items = inputs.openIssues.items.map((i) => ({ what: `${i.title} (${i.url})`, status: 'open' }))
      return result(criterion, inputs.openIssues.count <= criterion.max ? 'pass' : 'fail', `${inputs.openIssues.count} open`, `≤ ${criterion.max}${criterion.labels.length ? ` labelled ${criterion.labels.join(', ')}` : ''}`, `${inputs.openIssues.count} open issue(s)${criterion.labels.length ? ` labelled ${criterion.labels.join(', ')}` : ''}`, items)
    }
    case 'approvals': {
      if (!inputs.approvals) return result(criterion, 'waiting', 'no hub', `≥ ${criterion.min}`, 'approvals are recorded on the results hub (gate --server URL) — waiting')
      const isAuthor = (by: string): boolean => (inputs.authors ?? []).some((a) => samePerson(a, by))
      // approved before results came in or changed: an approval of other results than these
      const outdated = new Set(inputs.approvals.filter((a) => a.judged !== undefined && a.judged !== view.judged).map((a) => a.by))
      const { names, organisationOf, shown } = approversOf(criterion)
      const valid = [...new Set(inputs.approvals.map((a) => a.by))].filter((by) => !isAuthor(by) && !outdated.has(by) && (!names || names.some((f) => samePerson(f, by))))
      const why = (by: string): string => (isAuthor(by) ? 'the build\'s author' : outdated.has(by) ? 'approved the results as they were before they changed: approve again' : 'not among the approvers named')
      const items = inputs.approvals.filter((a) => !valid.includes(a.by)).map((a) => ({ what: `${a.by}: ${why(a.by)}`, status: 'not counted' }))
      const named = (by: string): string => {
        const organisation = organisationOf(by)
        return organisation === undefined ? by : `${by} (${organisation})`
      }
      const organisations = [...new Set(valid.map(organisationOf).filter((o) => o !== undefined))]
      const needed = criterion.organisations ?? 0
      const enough = valid.length >= criterion.min && organisations.length >= needed
      const value = `${valid.length} (${valid.join(', ') || 'none'})${needed ? ` from ${organisations.length} organisation(s)${organisations.length ? ` (${organisations.join(', ')})` : ''}` : ''}`
      const expected = `≥ ${criterion.min}${shown ? ` of ${shown.join(', ')}` : ''}${needed ? `, from ≥ ${needed} organisations` : ''}, not the author`
      const short = valid.length < criterion.min ? `${valid.length} of ${criterion.min} approvals` : `approvals from ${organisations.length} of the ${needed} organisations needed (${organisations.join(', ')})`
      return result(criterion, enough ? 'pass' : 'waiting', value, expected, enough ? `approved by ${valid.map(named).join(', ')}` : `${short} — waiting`, items)
    }
  }
}

/**
 * A waiver naming a scenario covers that one scenario: a name that two scenarios of the scope
 * share (in two files, or two features) would waive the failures of both, the one nobody
 * reviewed among them — refused, with the ids that tell them apart.
 */
function checkWaiverScenarios(gates: GateFile, matrix: Matrix): void {
  gates.waivers.forEach((w, index) => {
    if (!w.scenario) return
    const named = new Map<string, { uri: string; features: string[] }>()
    for (const feature of matrix.features) {
      if (w.feature && w.feature !== feature.id) continue
      for (const s of feature.scenarios) {
        if (s.name !== w.scenario && s.id !== w.scenario) continue
        const seen = named.get(s.id) ?? { uri: s.uri, features: [] }
        seen.features.push(feature.id)
        named.set(s.id, seen)
      }
    }
    if (named.size < 2) return
    const each = [...named].map(([id, s]) => `${id} in ${s.uri} (${s.features.join(', ')})`).join('; ')
    throw new UserError('GATES_WAIVER', `${locate(gates.text, gates.file, ['waivers', index, 'scenario'])}: waiver ${index + 1} names ${named.size} scenarios called "${w.scenario}" (${each}); a waiver covers one scenario: give the id of the one it covers as its scenario${w.feature ? '' : ', or its feature: where that tells them apart'}`)
  })
}

/** Waivers: which items they cover, which are unused, which have expired. */
class WaiverBook {
  private readonly used = new Set<number>()
  private readonly expiredUsed = new Set<number>()

  constructor(
    private readonly gates: GateFile,
    private readonly build: string,
    private readonly today: string,
    private readonly order: readonly string[],
  ) {}

  expired(index: number): boolean {
    return waiverExpired(this.gates, index, this.build, this.today, this.order)
  }

  private matches(w: Waiver, i: GateItem): boolean {
    return (!w.scenario || w.scenario === i.scenario || w.scenario === i.scenarioId) && (!w.feature || w.feature === i.feature) && (!w.environment || w.environment === i.environment || i.environment?.startsWith(`${w.environment}/`) === true)
  }

  apply(criterion: Criterion, judged: CriterionResult): CriterionResult {
    if (judged.verdict !== 'fail') return judged
    const own = this.gates.waivers.map((w, index) => ({ w, index })).filter(({ w }) => w.criterion === criterion.id)
    if (own.length === 0) return judged
    const failing = judged.items.filter((i) => !i.status.startsWith('still') && !i.awaited && i.status !== 'not-run')
    const whole = judged.items.length === 0
    let uncovered = 0
    let expiredHit: { w: Waiver; index: number } | undefined
    for (const target of whole ? [undefined] : failing) {
      const hit = own.find(({ w }) => (target ? this.matches(w, target) : !w.scenario && !w.feature && !w.environment))
      if (!hit) {
        uncovered++
        continue
      }
      if (this.expired(hit.index)) {
        this.expiredUsed.add(hit.index)
        expiredHit ??= hit
        uncovered++
        if (target) target.note = `waiver ${hit.index + 1} expired (${expiry(hit.w)})`
        continue
      }
      this.used.add(hit.index)
      if (target) target.waiver = hit.index
    }
    if (uncovered > 0) {
      if (expiredHit) return { ...judged, why: `${judged.why}; waiver ${expiredHit.index + 1} (${expiredHit.w.issue}) expired ${expiry(expiredHit.w)}` }
      return judged
    }
    const waived = whole ? 1 : failing.length
    // Waived failures leave what is still awaited: the criterion waits for it.
    if (judged.items.some((i) => i.awaited)) return { ...judged, verdict: 'waiting', why: `${failing.length} failure(s) waived; ${judged.items.filter((i) => i.awaited).length} result(s) still awaited — waiting` }
    return { ...judged, verdict: 'pass-waived', why: `${judged.why} — waived (${waived} item(s); ${[...new Set(own.filter(({ index }) => this.used.has(index)).map(({ w }) => `${w.category}: ${w.issue}`))].join('; ')})` }
  }

  summary(): GateReport['waivers'] {
    const use = (w: Waiver, index: number): WaiverUse => ({ index, criterion: w.criterion, category: w.category, issue: w.issue, approvedBy: w['approved-by'], ...(w.scenario || w.feature || w.environment ? { matched: [w.scenario, w.feature, w.environment].filter(Boolean).join(' · ') } : {}), expiry: expiry(w) })
    const all = this.gates.waivers.map(use)
    return { used: all.filter((w) => this.used.has(w.index)), expired: all.filter((w) => this.expiredUsed.has(w.index) || this.expired(w.index)), unused: all.filter((w) => !this.used.has(w.index) && !this.expiredUsed.has(w.index)) }
  }
}

function expiry(w: Waiver): string {
  return 'date' in w.expires ? `on ${w.expires.date}` : `after build ${w.expires.build}`
}

