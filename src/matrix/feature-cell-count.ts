import type { FeatureCell } from './matrix-from.ts'

/**
 * What a feature's cell in a column says of its scenarios there: the count of the status it shows
 * (the worst, in the order a scenario counts by: status-algebra's CELL_SEVERITY), else how many of
 * those that ran passed, else its wip ones; undefined when it holds none of these. The MR note and
 * the HTML page say the same.
 */
export function featureCellCount(cell: FeatureCell): string | undefined {
  const ran = cell.passed + cell.failed + cell.flaky + cell.skipped + cell.blocked
  if (cell.failed) return `${cell.failed} failed`
  if (cell.blocked) return `${cell.blocked} blocked`
  if (cell.notRun) return `${cell.notRun} not run`
  if (cell.skipped) return `${cell.skipped} skipped`
  if (cell.flaky) return `${cell.flaky} flaky`
  if (ran) return `${cell.passed}/${ran}`
  return cell.wip ? `${cell.wip} wip` : undefined
}
