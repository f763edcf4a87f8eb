import { hash } from 'node:crypto'
import { z } from 'zod'

/**
 * The one vocabulary every reporter, publisher and gate reads. Plain serialisable data: ISO
 * dates, no class instances. A results file is NDJSON: its first line a Run, each further line
 * a Case of that run. Bump MODEL_VERSION on an incompatible change.
 */
export const MODEL_VERSION = 1

export const STAGES = ['unit', 'functional', 'acceptance', 'manual'] as const
export const STATUSES = ['passed', 'failed', 'skipped', 'pending', 'undefined', 'ambiguous'] as const

export const StageSchema = z.enum(STAGES)
export const StatusSchema = z.enum(STATUSES)

export const RunSchema = z.object({
  kind: z.literal('run'),
  modelVersion: z.literal(MODEL_VERSION),
  /** unique per ingested source: the same input ingested twice has the same id */
  id: z.string().min(1),
  milestone: z.string().optional(),
  /** the build under test, e.g. v0.5.0-rc1-p2 */
  build: z.string().min(1),
  commit: z.string().optional(),
  ci: z
    .object({ pipelineId: z.string().optional(), pipelineUrl: z.string().optional(), jobId: z.string().optional(), jobUrl: z.string().optional(), mergeRequest: z.string().optional() })
    .optional(),
  stage: StageSchema,
  environment: z.string().min(1),
  shard: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string(),
  source: z.object({ format: z.enum(['cucumber-messages', 'junit', 'manual']), file: z.string().optional() }),
})

export const StepResultSchema = z.object({
  keyword: z.string(),
  text: z.string(),
  status: StatusSchema,
  durationMs: z.number(),
  error: z.string().optional(),
})

export const AttachmentSchema = z.object({
  /** path relative to the results folder */
  path: z.string(),
  mediaType: z.string(),
  name: z.string().optional(),
})

export const CaseSchema = z.object({
  kind: z.literal('case'),
  /** stable across edits elsewhere in the file: feature path + scenario + example row */
  id: z.string(),
  /** feature file path, or the JUnit file/classname */
  uri: z.string(),
  line: z.number().optional(),
  /** Feature name (JUnit classname) */
  feature: z.string(),
  /** scenario as written (outline placeholders kept) */
  scenario: z.string(),
  /** what a person reads: the scenario plus its example row */
  name: z.string(),
  example: z.object({ name: z.string(), index: z.number(), values: z.record(z.string(), z.string()) }).optional(),
  featureIds: z.array(z.string()),
  tags: z.array(z.string()),
  status: StatusSchema,
  /** failed at first, passed on a retry */
  flaky: z.boolean(),
  attempts: z.number().int().positive(),
  durationMs: z.number(),
  steps: z.array(StepResultSchema),
  error: z.string().optional(),
  attachments: z.array(AttachmentSchema),
  nodes: z.array(z.string()),
  source: z.enum(['automated', 'manual']),
  tester: z.string().optional(),
  /** output a unit test printed (JUnit system-out) */
  output: z.string().optional(),
})

export type Stage = z.infer<typeof StageSchema>
export type Status = z.infer<typeof StatusSchema>
export type Run = z.infer<typeof RunSchema>
export type Case = z.infer<typeof CaseSchema>
export type StepResult = z.infer<typeof StepResultSchema>
export type Attachment = z.infer<typeof AttachmentSchema>

/**
 * A case id that survives edits elsewhere in the file: it hashes the file path, the scenario
 * as written and the example row's values (not line numbers).
 */
export function caseIdOf(parts: { uri: string; scenario: string; rule?: string; example?: { name: string; values: Record<string, string> } }): string {
  // One string hashed in one call: ingest computes an id per case (100,000 in a big run).
  const text = `${parts.uri}\u0000${parts.rule ?? ''}\u0000${parts.scenario}${parts.example ? `\u0000${parts.example.name}\u0000${JSON.stringify(Object.entries(parts.example.values))}` : ''}`
  return hash('sha256', text, 'hex').slice(0, 20)
}

/** The worst status wins, as in Cucumber's own summary. */
export const STATUS_PRECEDENCE: readonly Status[] = ['failed', 'ambiguous', 'undefined', 'pending', 'skipped', 'passed']

const RANK = Object.fromEntries(STATUS_PRECEDENCE.map((status, i) => [status, i])) as Record<Status, number>

export function worseStatus(a: Status, b: Status): Status {
  return RANK[a] <= RANK[b] ? a : b
}

const FROM_MESSAGES = new Map<string, Status>(STATUSES.map((status) => [status.toUpperCase(), status]))

/** A Cucumber Messages step status (PASSED, UNKNOWN, …) in the model's words; UNKNOWN did not run. */
export function statusFromMessages(status: string): Status {
  return FROM_MESSAGES.get(status) ?? FROM_MESSAGES.get(status.toUpperCase()) ?? 'skipped'
}
