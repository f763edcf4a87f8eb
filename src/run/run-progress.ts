import type { Envelope } from '@cucumber/messages'
import { statusFromMessages, worseStatus, type Status } from '../model/vocabulary.ts'
import { scenariosOf } from '../results/outline-rows.ts'


export interface RunTotals {
  total: number
  done: number
  passed: number
  failed: number
  flaky: number
  skipped: number
  pending: number
  undefined: number
  ambiguous: number
  /** never from Cucumber (a person's word); kept so every status has a count */
  blocked: number
}


export interface FinishedCase {
  uri: string
  line: number
  name: string
  status: Status
  attempt: number
  willBeRetried: boolean
  flaky: boolean
  seconds: number
}

/** Follows a Cucumber Messages stream: totals, current scenario, failures, flaky retries. */
export class RunProgress {
  private readonly pickles = new Map<string, { uri: string; line: number; name: string }>()
  /**
   * An outline row's name by the row's id (Cucumber names its pickle as the outline, rows alike),
   * and a repeated scenario's by the scenario's (repeatedName): the names the reports give them
   */
  private readonly rowNames = new Map<string, string>()
  private readonly testCases = new Map<string, string>()
  private readonly attempts = new Map<string, { testCaseId: string; attempt: number; started: number; worst: Status }>()
  private readonly failedBefore = new Set<string>()
  readonly totals: RunTotals = { total: 0, done: 0, passed: 0, failed: 0, flaky: 0, skipped: 0, pending: 0, undefined: 0, ambiguous: 0, blocked: 0 }
  readonly failures: FinishedCase[] = []
  current?: { uri: string; name: string }

  /** Consumes one envelope; returns the scenario it finished, if it finished one. */
  consume(envelope: Envelope): FinishedCase | undefined {
    if (envelope.gherkinDocument) {
      for (const { scenario, name, rows } of scenariosOf(envelope.gherkinDocument)) {
        if (name !== scenario.name) this.rowNames.set(scenario.id, name)
        for (const row of rows) this.rowNames.set(row.id, row.name)
      }
    } else if (envelope.pickle) {
      const p = envelope.pickle
      this.pickles.set(p.id, { uri: p.uri, line: p.location?.line ?? 0, name: this.rowNames.get(p.astNodeIds[1] ?? '') ?? this.rowNames.get(p.astNodeIds[0] ?? '') ?? p.name })
    } else if (envelope.testCase) {
      this.testCases.set(envelope.testCase.id, envelope.testCase.pickleId)
      this.totals.total++
    } else if (envelope.testCaseStarted) {
      const s = envelope.testCaseStarted
      this.attempts.set(s.id, { testCaseId: s.testCaseId, attempt: s.attempt, started: seconds(s.timestamp), worst: 'passed' })
      this.current = this.pickleOf(s.testCaseId)
    } else if (envelope.testStepFinished) {
      const attempt = this.attempts.get(envelope.testStepFinished.testCaseStartedId)
      // The worst step decides a scenario's status, as in Cucumber's own summary.
      if (attempt) attempt.worst = worseStatus(attempt.worst, statusFromMessages(String(envelope.testStepFinished.testStepResult.status)))
    } else if (envelope.testCaseFinished) {
      return this.finish(envelope.testCaseFinished.testCaseStartedId, envelope.testCaseFinished.willBeRetried, seconds(envelope.testCaseFinished.timestamp))
    }
    return undefined
  }

  private finish(startedId: string, willBeRetried: boolean, at: number): FinishedCase | undefined {
    const attempt = this.attempts.get(startedId)
    if (!attempt) return undefined
    const pickle = this.pickleOf(attempt.testCaseId)
    const flaky = !willBeRetried && attempt.worst === 'passed' && this.failedBefore.has(attempt.testCaseId)
    const finished: FinishedCase = { ...pickle, status: attempt.worst, attempt: attempt.attempt, willBeRetried, flaky, seconds: at - attempt.started }
    if (willBeRetried) {
      this.failedBefore.add(attempt.testCaseId)
      return finished
    }
    this.totals.done++
    if (flaky) this.totals.flaky++
    this.totals[attempt.worst]++
    if (attempt.worst !== 'passed' && attempt.worst !== 'skipped') this.failures.push(finished)
    return finished
  }

  private pickleOf(testCaseId: string): { uri: string; line: number; name: string } {
    return this.pickles.get(this.testCases.get(testCaseId) ?? '') ?? { uri: '?', line: 0, name: '?' }
  }
}


function seconds(timestamp: { seconds: number; nanos: number }): number {
  return timestamp.seconds + timestamp.nanos / 1e9
}
