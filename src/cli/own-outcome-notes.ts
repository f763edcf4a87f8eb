import type { Outcome } from '../../hub/store/hub-store.ts'
import { ofEarlierText } from '../manual/manual-results.ts'

/** What `manual list` needs of an outcome the hub returns (GET /outcomes). */
export type ListedOutcome = Pick<Outcome, 'build' | 'caseId' | 'environment' | 'testerName' | 'status' | 'version' | 'contentHash' | 'review'>

/**
 * A tester's own newest outcome of a scenario on each build and environment, in words: where it
 * stands with QA, and — when the scenario was edited after they carried it out — that it signs
 * nothing off until they carry it out again (the gate counts only outcomes of the text as it
 * reads now, so without this line a tester would think their part done).
 */
export function ownOutcomeNotes(outcomes: readonly ListedOutcome[], me: string, scenario: { id: string; contentHash?: string }, on: { builds: readonly string[]; environment?: string }): string[] {
  const newest = new Map<string, ListedOutcome>()
  for (const o of outcomes) {
    if (o.testerName !== me || o.caseId !== scenario.id || !on.builds.includes(o.build) || (on.environment !== undefined && o.environment !== on.environment)) continue
    const key = `${o.build}\u0000${o.environment}`
    if ((newest.get(key)?.version ?? 0) < o.version) newest.set(key, o)
  }
  return [...newest.values()]
    .sort((a, b) => a.build.localeCompare(b.build) || a.environment.localeCompare(b.environment))
    .map((o) => {
      const where = `yours on ${o.build} (${o.environment}): ${o.status}`
      if (ofEarlierText(o, scenario))
        return `${where}, of an earlier text of the scenario: it signs nothing off; carry it out again and submit (bdd-matrix manual submit --build ${o.build} --scenario ${o.caseId} --env ${o.environment} --status …)`
      return `${where}, ${reviewWords(o.review)}`
    })
}

function reviewWords(review: ListedOutcome['review']): string {
  if (!review) return 'awaiting QA review'
  const reason = review.reason ? `: ${review.reason}` : ''
  if (review.verdict === 'accepted') return 'accepted'
  if (review.verdict === 'rejected') return `rejected${reason}`
  return `QA asks for more information${reason}; submit it again with it`
}
