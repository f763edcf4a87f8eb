import { worseStatus, type Status } from './vocabulary.ts'

/**
 * The one status algebra (README "How statuses count"). Every report, publisher and the gate
 * read statuses through this module; none has a ranking or a mapping of its own.
 *
 * A case has one of Cucumber's statuses (plus `blocked`, a tester's). What it *means* is its
 * outcome:
 *   - passed;
 *   - failed;
 *   - incomplete: pending, undefined or ambiguous — the suite cannot verify the scenario yet.
 *     It counts as failed everywhere (Cucumber's own default is strict), and outputs name the
 *     status so a reader can tell "not implemented" from "broken";
 *   - skipped: nothing was verified (automated), or not applicable (a tester's word);
 *   - blocked: a tester could not carry the scenario out.
 *
 * A matrix cell (a scenario on one environment/stage) adds what did not run: `not-run` where the
 * scope requires the scenario (a gap), `wip` where it is not implemented yet, and `not-required`
 * where nothing was expected. A cell that ran where the scope does not require it — a wip scenario
 * is required nowhere yet — keeps its status but is information only: it is left out of every
 * headline count and every blocking gate criterion.
 */
export type Outcome = 'passed' | 'failed' | 'incomplete' | 'skipped' | 'blocked'

export type CellStatus = 'passed' | 'failed' | 'blocked' | 'flaky' | 'wip' | 'not-run' | 'skipped' | 'not-required'

const OUTCOME: Record<Status, Outcome> = { passed: 'passed', failed: 'failed', pending: 'incomplete', undefined: 'incomplete', ambiguous: 'incomplete', skipped: 'skipped', blocked: 'blocked' }

export function outcomeOf(status: Status): Outcome {
  return OUTCOME[status]
}

/** Whether a case counts as a failure (failed, or incomplete: pending, undefined, ambiguous). */
export function isFailure(status: Status): boolean {
  const outcome = OUTCOME[status]
  return outcome === 'failed' || outcome === 'incomplete'
}

/**
 * A merged case's matrix cell: flaky when it passed only on a retry or its observations disagree.
 * A wip scenario a runner listed as skipped is wip, as where the runner left it out: behave lists
 * what `--tags=-wip` excludes as skipped, cucumber-js lists nothing — one suite, one matrix.
 */
export function cellStatusOf(status: Status, flaky: boolean, wip = false): CellStatus {
  switch (OUTCOME[status]) {
    case 'passed':
      return flaky ? 'flaky' : 'passed'
    case 'skipped':
      return wip ? 'wip' : 'skipped'
    case 'blocked':
      return 'blocked'
    default:
      return 'failed'
  }
}

/**
 * Worst first: how a scenario's required cells, and a feature's scenarios in one column, roll up.
 * In the gate's order: what fails it (a failure, a tester's block: FAILS), then what it waits for
 * (a gap, a skip: nothing verified), then what passes it (flaky, passed). An untested environment
 * is never shown as passed, and a cell that verified nothing is never hidden behind a flaky one.
 */
export const CELL_SEVERITY: readonly CellStatus[] = ['failed', 'blocked', 'not-run', 'skipped', 'flaky', 'passed']

const SEVERITY = new Map(CELL_SEVERITY.map((status, i) => [status, i]))

/**
 * The status of a group of required cells: the worst of them. `wip` stands apart — a group is
 * wip only when every cell is; otherwise its wip cells are left aside. An empty group (nothing
 * required) is `not-required`.
 */
export function worstCell(statuses: Iterable<CellStatus>): CellStatus {
  let worst: CellStatus | undefined
  let wip = false
  for (const status of statuses) {
    if (status === 'not-required') continue
    if (status === 'wip') {
      wip = true
      continue
    }
    if (worst === undefined || SEVERITY.get(status)! < SEVERITY.get(worst)!) worst = status
  }
  return worst ?? (wip ? 'wip' : 'not-required')
}

/**
 * The result that stands of two given side by side for one cell (two browsers of one run, two
 * testers of one manual cell): a skip verified nothing, so it stands only beside another skip;
 * otherwise the worse one (a failure one of them saw is a failure).
 */
export function worseResult(a: Status, b: Status): Status {
  const aSkipped = verifiedNothing(a)
  if (aSkipped !== verifiedNothing(b)) return aSkipped ? b : a
  return worseStatus(a, b)
}

/** A skip: no result of the scenario, only that it was not carried out. */
export function verifiedNothing(status: Status): boolean {
  return OUTCOME[status] === 'skipped'
}

/**
 * Statuses of a cell that was carried out: passed, failed (flaky in the end), or blocked on its
 * way. A skipped result verified nothing — a dry run skips every scenario — so it never counts
 * as a scenario run or an environment tested.
 */
export const ATTEMPTED: ReadonlySet<CellStatus> = new Set(['passed', 'failed', 'blocked', 'flaky'])

/**
 * Statuses of a required cell that fail the build's commit status and the gate alike: a failure,
 * and a tester's block (what was to be verified could not be: never a pass to release on).
 */
export const FAILS: ReadonlySet<CellStatus> = new Set(['failed', 'blocked'])

/** Whether a merged case's cell fails (FAILS): the rule the gate's baseline and the RC-to-RC diff read results by. */
export function caseFails(c: { status: Status; flaky: boolean }): boolean {
  return FAILS.has(cellStatusOf(c.status, c.flaky))
}

/**
 * How each output writes an outcome. JUnit (GitLab's parser) has failure and skipped; Allure has
 * failed and broken (its word for a test that could not be carried out); Testmo has failed,
 * skipped and blocked. Counted as not passing in every one of them: failed, incomplete and a
 * tester's block, as the gate and the commit status count them (FAILS) — a block written as a
 * skip would leave GitLab's test summary and Allure's greener than the commit status.
 */
export const JUNIT_OF: Record<Outcome, 'passed' | 'failure' | 'skipped'> = { passed: 'passed', failed: 'failure', incomplete: 'failure', skipped: 'skipped', blocked: 'failure' }
export const ALLURE_OF: Record<Outcome, 'passed' | 'failed' | 'broken' | 'skipped'> = { passed: 'passed', failed: 'failed', incomplete: 'broken', skipped: 'skipped', blocked: 'broken' }
export const TESTMO_OF: Record<Outcome, 'passed' | 'failed' | 'skipped' | 'blocked'> = { passed: 'passed', failed: 'failed', incomplete: 'failed', skipped: 'skipped', blocked: 'blocked' }

/** The type of a JUnit `<skipped>` written for a required cell nothing ran: ingest reads it back as no result. */
export const NOT_RUN_TYPE = 'not-run'

/** The message an output shows for a case that did not pass: incomplete and blocked ones say their status first. */
export function failureMessage(status: Status, error: string | undefined): string {
  const reason = error?.trim()
  if (OUTCOME[status] === 'incomplete' || status === 'blocked') return `${status}${reason ? `: ${reason}` : STATUS_HINT[status] ? `: ${STATUS_HINT[status]}` : ''}`
  return reason || status
}

const STATUS_HINT: Partial<Record<Status, string>> = {
  pending: 'a step is not implemented yet',
  undefined: 'a step has no step definition',
  ambiguous: 'a step matches more than one step definition',
  blocked: 'a tester could not carry it out',
}
