import { hash } from 'node:crypto'

// The model's words without its schemas: what ingest and the CLI's option checks need, without
// loading zod (a tenth of a second) in every process and worker that only reads or writes.

export const MODEL_VERSION = 1

export const STAGES = ['unit', 'functional', 'acceptance', 'manual'] as const
// `blocked`: a person could not carry the scenario out (a prerequisite is broken); only manual
// outcomes have it. `skipped` from a tester means not applicable.
export const STATUSES = ['passed', 'failed', 'skipped', 'pending', 'undefined', 'ambiguous', 'blocked'] as const
/**
 * A run's id names its results file (`<id>.ndjson`) wherever the run goes — a results folder, the
 * hub, a pull: letters, digits and . _ + -, from a letter or digit, so that it never names a path.
 */
export function isRunId(id: unknown): id is string {
  return typeof id === 'string' && /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/.test(id)
}

export const RUN_ID_RULE = 'letters, digits and . _ + - only, from a letter or digit, at most 200'

/** A name as a part of a run id (an environment named "EU West" gives "EU_West"); the same name for a name that already is one. */
export function runIdPart(name: string): string {
  return name.replace(/[^A-Za-z0-9._+-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 80) || 'run'
}

/** What a run was read from. */
export const SOURCE_FORMATS = ['cucumber-messages', 'cucumber-json', 'junit', 'go-test-json', 'manual'] as const

export type Stage = (typeof STAGES)[number]
export type Status = (typeof STATUSES)[number]

/**
 * A case id that survives edits elsewhere in the file: it hashes the file path, the scenario
 * as written and the example row's values (not line numbers).
 */
export function caseIdOf(parts: { uri: string; scenario: string; rule?: string; example?: { name: string; values: Record<string, string>; occurrence?: number }; occurrence?: number; scenarioOccurrence?: number }): string {
  // One string hashed in one call: ingest computes an id per case (100,000 in a big run).
  // A repeated row (or a repeated JUnit test name) is told apart by its occurrence, from the second on;
  // so is a scenario whose name (and rule) an earlier one of its file has: a plain one as a repeated
  // test name is (the id a Cucumber JSON report's repeated name gets), an outline's rows by a mark of their own.
  const repeated = parts.scenarioOccurrence ?? 1
  const occurrence = parts.occurrence ?? parts.example?.occurrence ?? (parts.example ? 1 : repeated)
  const outline = parts.example && repeated > 1 ? `\u0000@${repeated}` : ''
  const text = `${parts.uri}\u0000${parts.rule ?? ''}\u0000${parts.scenario}${parts.example ? `\u0000${parts.example.name}\u0000${JSON.stringify(Object.entries(parts.example.values))}` : ''}${outline}${occurrence > 1 ? `\u0000#${occurrence}` : ''}`
  return hash('sha256', text, 'hex').slice(0, 20)
}

/** The worst status wins, as in Cucumber's own summary. */
export const STATUS_PRECEDENCE: readonly Status[] = ['failed', 'ambiguous', 'undefined', 'pending', 'blocked', 'skipped', 'passed']

const RANK = Object.fromEntries(STATUS_PRECEDENCE.map((status, i) => [status, i])) as Record<Status, number>

export function worseStatus(a: Status, b: Status): Status {
  return RANK[a] <= RANK[b] ? a : b
}

const FROM_MESSAGES = new Map<string, Status>(STATUSES.map((status) => [status.toUpperCase(), status]))

/** A Cucumber Messages step status (PASSED, UNKNOWN, …) in the model's words; UNKNOWN did not run. */
export function statusFromMessages(status: string): Status {
  return FROM_MESSAGES.get(status) ?? FROM_MESSAGES.get(status.toUpperCase()) ?? 'skipped'
}
