import { ATTEMPTED, CELL_SEVERITY, FAILS, type CellStatus } from '../model/status-algebra.ts'
import { scenarioCount, type Matrix } from './matrix-from.ts'
import { scopeDriftText } from './matrix-scope-drift.ts'

export const STATUS_LABEL: Record<CellStatus, string> = { passed: 'passed', failed: 'failed', blocked: 'blocked', flaky: 'flaky', skipped: 'skipped', wip: 'wip', 'not-run': 'not run', 'not-required': 'not required' }

/** What the headline says, in words; the HTML, Markdown and MR note render the same parts. */
export interface Headline {
  scenarios: number
  /** scenario counts in the order the headline shows them (zero blocked/skipped left out) */
  counts: { status: CellStatus; count: number; label: string }[]
  /** the required cells that have no result: never hidden, even when zero */
  gaps: string
  /** whether that line is a warning: cells not run, or nothing tested at all */
  gapsWarn: boolean
  /** results where the scope does not require the scenario, when there are any */
  information?: string
  /** scenarios required in no column (the catalogue counts them, the headline does not), when there are any */
  unrequired?: string
  /** columns of results where the scope requires nothing (Matrix.unrequiredColumns), when there are any */
  strayColumns?: string
  /** reports counted for more than one build or column where this build is one (Matrix.countedTwice) */
  countedTwice?: string
  /** scenarios counted that no feature file defines now (Matrix.unlisted), when there are any */
  unlisted?: string
  /** runs that failed outside any scenario, when there are any */
  runErrors?: string
  /** failed results outside the scope's features (unit tests…): they fail the build too */
  outside?: string
  /** the scope changed since its freeze (or its lock cannot be read): the counts are of the scope as it is now */
  scopeDrift?: string
  legend: string
}

const SHOWN: CellStatus[] = ['passed', 'failed', 'flaky', 'blocked', 'skipped', 'wip', 'not-run']

export function headlineOf(matrix: Matrix): Headline {
  const t = matrix.totals
  const counts = SHOWN.filter((s) => (s !== 'blocked' && s !== 'skipped') || t[s] > 0).map((status) => ({ status, count: t[status], label: STATUS_LABEL[status] }))
  const g = matrix.gaps
  const byEnvironment = Object.entries(g.byEnvironment)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([environment, n]) => `${environment} ${n}`)
    .join(', ')
  const wip = g.wip ? ` (and ${g.wip} wip cell(s), not implemented yet)` : ''
  const notRun = `${g.notRun} of ${g.required} required cells not run: ${byEnvironment}`
  const untested = nothingTested(matrix)
  const gaps =
    g.required === 0
      ? `no cell is required to run yet${wip}`
      : untested
        ? `nothing tested: no required cell has a passed, failed, flaky or blocked result (${g.notRun === 0 ? `the ${g.required} required cells' results are all skipped` : g.notRun === g.required ? notRun : `${notRun}; the others skipped`})${wip}`
        : g.notRun === 0
          ? `all ${g.required} required cells have results${wip}`
          : `${notRun}${wip}`
  const errorRuns = new Set(matrix.runErrors.map((e) => e.runId)).size
  const drift = scopeDriftText(matrix.scopeDrift)
  return {
    scenarios: scenarioCount(t),
    counts,
    gaps,
    gapsWarn: g.notRun > 0 || untested,
    ...(t['not-required'] ? { unrequired: unrequiredText(t['not-required'], matrix.expectedElsewhere) } : {}),
    ...(matrix.information ? { information: `${matrix.information} result(s) where the scope does not require the scenario (information only, not counted${matrix.informationFailed ? `; ${matrix.informationFailed} of them failed or blocked, which GitLab's test summary, Allure and Testmo list as they went` : ''})` } : {}),
    ...(matrix.unrequiredColumns?.length ? { strayColumns: strayColumnsText(matrix.unrequiredColumns) } : {}),
    ...(matrix.countedTwice?.length ? { countedTwice: `the same report counts as ${matrix.countedTwice.map((places) => places.join(' and as ')).join('; and as ')}: one test run's results claimed twice (a report left from an earlier job, or one environment's claimed for another?)` } : {}),
    ...(matrix.unlisted ? { unlisted: `defined by no feature file now: ${matrix.unlisted} of the ${scenarioCount(t)} scenarios counted (results of a scenario renamed or changed since it ran, or of feature files elsewhere)` } : {}),
    // (a run can fail in more places than one: each is listed under the line, so the line says how many)
    ...(errorRuns ? { runErrors: `${errorRuns} run(s) failed outside any scenario${matrix.runErrors.length > errorRuns ? ` (${matrix.runErrors.length} failures)` : ''}` } : {}),
    ...(drift ? { scopeDrift: drift } : {}),
    ...(matrix.unscoped.failed ? { outside: `${matrix.unscoped.failed} of ${matrix.unscoped.cases} result(s) outside the scope's features failed (unit and functional tests, untagged scenarios)` } : {}),
    legend: `A scenario counts once, by the worst of its required cells: ${CELL_SEVERITY.map((s) => STATUS_LABEL[s]).join(' > ')}; wip only when nothing else; — where the scope does not require it.`,
  }
}

function strayColumnsText(columns: readonly string[]): string {
  return `results in ${columns.join(', ')}, where the scope requires no scenario at all: an environment it does not name (misspelt in ingest --env?) counts for nothing`
}

function unrequiredText(count: number, elsewhere: readonly string[]): string {
  const where = elsewhere.map((e) => (e === 'manual' ? 'manual testing (no manual column yet)' : e)).join(', ')
  return `${count} more scenario(s) required in none of these columns, not counted above${where ? `: expected only on ${where}, where this build has no results` : ''}`
}

/**
 * The headline as one line of plain text (the console, and the commit status, whose description
 * GitLab keeps to 255 characters): what failed before what is missing, so that a cut line still
 * says why it is red; last, the scenarios the count leaves out, which the catalogue counts (its
 * "31 scenarios" beside the headline's 29 would otherwise go unexplained).
 */
export function headlineText(matrix: Matrix): string {
  const h = headlineOf(matrix)
  return `${h.scenarios} scenarios: ${h.counts.map((c) => `${c.count} ${c.label}`).join(' · ')}${h.outside ? `; ${h.outside}` : ''}${h.runErrors ? `; ${h.runErrors}` : ''}${h.scopeDrift ? `; ${h.scopeDrift}` : ''}; ${h.gaps}${h.unrequired ? `; ${h.unrequired}` : ''}${h.unlisted ? `; ${h.unlisted}` : ''}`
}

/**
 * Whether the scope requires cells of this build and not one of them was carried out (ATTEMPTED):
 * every result skipped (a dry run, a tag filter that matched nothing) or missing. Such a build
 * verified nothing, however few of its results failed.
 */
export function nothingTested(matrix: Matrix): boolean {
  return matrix.gaps.required > 0 && ![...ATTEMPTED].some((status) => matrix.cellTotals[status] > 0)
}

/**
 * Whether the build failed by its matrix: a required cell failed or was blocked (FAILS, as the gate
 * judges them), a result outside the scope's features failed (a unit test), a run failed outside
 * any scenario, or nothing that the scope requires was tested. Other gaps do not fail it (a
 * merge-request pipeline runs one environment of several): the headline, which the commit status
 * carries, says them.
 */
export function matrixFailed(matrix: Matrix): boolean {
  return [...FAILS].some((status) => matrix.cellTotals[status] > 0) || matrix.unscoped.failed > 0 || (matrix.runErrors ?? []).length > 0 || nothingTested(matrix)
}
