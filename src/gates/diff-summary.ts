import type { BuildDiff } from './diff-builds.ts'

/**
 * The diff's counts in one line, as the gate's Markdown and the HTML matrix show them. `added` and
 * `removed` are cells that ran in one build and not the other — a scenario the scope dropped is a
 * scope change (counted apart) — so they read "newly run" and "no longer run": "removed" said a job
 * that did not run looked like scenarios taken out of the milestone.
 */
export function diffSummary(diff: BuildDiff): string {
  return `${diff.newFailures.length} new failure(s), ${diff.fixed.length} fixed, ${diff.stillFailing.length} still failing, ${diff.newlyFlaky.length} newly flaky, ${diff.newManualSignoffs.length} newly signed off, ${diff.added.length} newly run, ${diff.removed.length} no longer run, ${diff.scopeChanges.length} scope change(s) accepted, ${diff.waiversExpired.length} waiver(s) expired${diff.information?.length ? ` (and ${diff.information.length} change(s) where the scope requires no result, information only)` : ''}`
}
