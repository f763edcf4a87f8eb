import type { Case } from '../model/results.ts'
import type { Status } from '../model/vocabulary.ts'
import { Interner } from './interner.ts'

// Shared and frozen: a reporter that tried to change one would throw rather than change every case.
export const EMPTY = Object.freeze([]) as unknown as never[]

/**
 * Whether a merged case keeps its step log: a plain pass needs none unless a report shows the
 * steps of every case (Allure). One rule for the merge and for what is parsed ahead of it.
 */
export function keepsSteps(entry: Pick<Case, 'status' | 'flaky'>, keepStepsOfPassed: boolean): boolean {
  return keepStepsOfPassed || entry.status !== 'passed' || entry.flaky
}

/** The values that repeat from case to case, shared: strings and lists, statuses seen, empty arrays. */
export class SharedValues {
  private readonly intern = new Interner()
  private readonly seenOf = new Map<Status, Status[]>()

  seen(status: Status): Status[] {
    if (!this.seenOf.has(status)) this.seenOf.set(status, Object.freeze([status]) as Status[])
    return this.seenOf.get(status)!
  }

  compact(entry: Case): void {
    entry.uri = this.intern.string(entry.uri)
    entry.feature = this.intern.string(entry.feature)
    if (entry.name === entry.scenario) entry.name = entry.scenario
    entry.featureIds = entry.featureIds.length ? (this.intern.list(entry.featureIds) as string[]) : EMPTY
    entry.tags = entry.tags.length ? (this.intern.list(entry.tags) as string[]) : EMPTY
    if (entry.attachments.length === 0) entry.attachments = EMPTY
    if (entry.nodes.length === 0) entry.nodes = EMPTY
    if (entry.steps.length === 0) entry.steps = EMPTY
  }
}
