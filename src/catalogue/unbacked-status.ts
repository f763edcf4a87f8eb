/**
 * What a feature's declared status (the scope's `status:`) claims that its acceptance scenarios do
 * not back: `finished` while no scenario defines the feature, or while some are wip (not
 * implemented yet). Said wherever the status is shown (catalogue, living documentation), so a
 * status written by hand never reads greener than the suite.
 */
export function unbackedStatus(status: string | undefined, counts: { scenarios: number; wip: number }): string | undefined {
  if (status !== 'finished') return undefined
  if (counts.scenarios === 0) return 'finished, but no scenario defines it'
  if (counts.wip) return `finished, but ${counts.wip} of its ${counts.scenarios} scenario(s) are wip`
  return undefined
}
