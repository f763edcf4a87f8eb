import * as z from 'zod/mini'
import '../zod-messages.ts'
import { positiveInt } from '../schema-parts.ts'
import { MODEL_VERSION, SOURCE_FORMATS, STAGES, STATUSES } from './vocabulary.ts'

export { MODEL_VERSION, STAGES, STATUSES, STATUS_PRECEDENCE, caseIdOf, statusFromMessages, worseStatus } from './vocabulary.ts'

/**
 * The one model every reporter, publisher and gate reads. Plain serialisable data: ISO
 * dates, no class instances. A results file is NDJSON: its first line a Run, each further line
 * a Case of that run. Bump MODEL_VERSION (vocabulary.ts) on an incompatible change.
 */

export const StageSchema = z.enum(STAGES)
export const StatusSchema = z.enum(STATUSES)

export const RunErrorSchema = z.object({
  /** what failed: 'BeforeAll hook', 'AfterAll hook', 'test run', … */
  where: z.string(),
  message: z.string(),
  /** e.g. the hook's source file and line */
  source: z.optional(z.string()),
})

export const RunSchema = z.object({
  kind: z.literal('run'),
  modelVersion: z.literal(MODEL_VERSION),
  /** unique per ingested source: the same input ingested twice has the same id */
  id: z.string().check(z.minLength(1)),
  milestone: z.optional(z.string()),
  /** the build under test, e.g. v0.5.0-rc1-p2 */
  build: z.string().check(z.minLength(1)),
  commit: z.optional(z.string()),
  ci: z.optional(z.object({ pipelineId: z.optional(z.string()), pipelineUrl: z.optional(z.string()), jobId: z.optional(z.string()), jobUrl: z.optional(z.string()), mergeRequest: z.optional(z.string()) })),
  stage: StageSchema,
  environment: z.string().check(z.minLength(1)),
  shard: z.optional(z.string()),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** sha256: the input's content (ingest), so the same report ingested for two builds or environments is known */
  source: z.object({ format: z.enum(SOURCE_FORMATS), file: z.optional(z.string()), sha256: z.optional(z.string()) }),
  /**
   * Failures outside any test case: a BeforeAll/AfterAll hook, or the test run itself (an
   * exception of the runner, an error of the JUnit producer). A run with errors failed, whatever
   * its cases say.
   */
  errors: z.optional(z.array(RunErrorSchema)),
})

export const StepResultSchema = z.object({
  keyword: z.string(),
  text: z.string(),
  status: StatusSchema,
  durationMs: z.number(),
  error: z.optional(z.string()),
  /** the step's doc string or data table, as written */
  argument: z.optional(z.object({ docString: z.optional(z.string()), dataTable: z.optional(z.array(z.array(z.string()))) })),
})

/** An earlier attempt of a case: a retry within a run, or an earlier run of the same cell. */
export const AttemptSchema = z.object({
  status: StatusSchema,
  durationMs: z.number(),
  startedAt: z.optional(z.string()),
  error: z.optional(z.string()),
  steps: z.optional(z.array(StepResultSchema)),
})

export const AttachmentSchema = z.object({
  /** path relative to the results folder */
  path: z.string(),
  mediaType: z.string(),
  name: z.optional(z.string()),
})

export const CaseSchema = z.object({
  kind: z.literal('case'),
  /** stable across edits elsewhere in the file: feature path + scenario + example row */
  id: z.string(),
  /** feature file path, or the JUnit file/classname */
  uri: z.string(),
  line: z.optional(z.number()),
  /** Feature name (JUnit classname) */
  feature: z.string(),
  /** scenario as written (outline placeholders kept) */
  scenario: z.string(),
  /** what a person reads: the scenario plus its example row */
  name: z.string(),
  /** occurrence: 2, 3… for a row repeated with the same name (see case-name.ts); absent for the first */
  example: z.optional(z.object({ name: z.string(), index: z.number(), values: z.record(z.string(), z.string()), occurrence: z.optional(positiveInt()) })),
  featureIds: z.array(z.string()),
  tags: z.array(z.string()),
  status: StatusSchema,
  /** failed at first, passed on a retry */
  flaky: z.boolean(),
  attempts: positiveInt(),
  /** the attempts before the last, oldest first, where the source kept them */
  retries: z.optional(z.array(AttemptSchema)),
  durationMs: z.number(),
  steps: z.array(StepResultSchema),
  error: z.optional(z.string()),
  attachments: z.array(AttachmentSchema),
  nodes: z.array(z.string()),
  source: z.enum(['automated', 'manual']),
  tester: z.optional(z.string()),
  /**
   * Newer manual outcomes of this cell that QA has not reviewed yet (the results hub): they do not
   * count, but until reviewed the cell is not settled — the gate waits on one worse than it.
   */
  awaitingReview: z.optional(z.array(z.object({ tester: z.string(), status: StatusSchema }))),
  /**
   * Testers whose outcome counted here was of an earlier text of the scenario (edited since they
   * carried it out): shown, and no sign-off of the scenario as it reads now.
   */
  earlierText: z.optional(z.array(z.string())),
  /**
   * Testers whose accepted outcome was a skip (they could not apply the scenario) while others
   * carried it out: no tester of the cell (`tester` leaves them out), yet outcomes of it.
   */
  notApplied: z.optional(z.array(z.string())),
  /** output a unit test printed (JUnit system-out) */
  output: z.optional(z.string()),
})

export type Stage = z.infer<typeof StageSchema>
export type Status = z.infer<typeof StatusSchema>
export type Run = z.infer<typeof RunSchema>
export type Case = z.infer<typeof CaseSchema>
export type StepResult = z.infer<typeof StepResultSchema>
export type Attachment = z.infer<typeof AttachmentSchema>
export type RunError = z.infer<typeof RunErrorSchema>
export type Attempt = z.infer<typeof AttemptSchema>
