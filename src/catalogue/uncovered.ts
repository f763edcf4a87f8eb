/**
 * Whether a frozen feature is uncovered: no scenario defines it that is not wip. A wip scenario
 * verifies nothing yet, so the gate's scope-coverage counts it as uncovered; the catalogue, the
 * living documentation and the matrix say the same of the same feature.
 */
export function isUncovered(counts: { scenarios: number; wip: number }): boolean {
  return counts.scenarios - counts.wip <= 0
}

/** How an uncovered feature is described: why it is, in a few words. */
export function uncoveredWhy(counts: { scenarios: number; wip: number }): string {
  return counts.scenarios === 0 ? 'no scenario yet' : `only ${counts.wip} wip scenario${counts.wip === 1 ? '' : 's'}`
}
