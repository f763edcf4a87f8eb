import { MODEL_VERSION, SOURCE_FORMATS, STAGES, STATUSES } from './vocabulary.ts'
import { isObject, isOptionalString, type Json } from '../json-shape.ts'

const STATUS_SET: ReadonlySet<unknown> = new Set(STATUSES)
const STAGE_SET: ReadonlySet<unknown> = new Set(STAGES)
const FORMATS: ReadonlySet<unknown> = new Set(SOURCE_FORMATS)

/**
 * Why a value read back from a results file is not a case of the model, or undefined when it is
 * one: exactly what CaseSchema (results.ts) accepts (a property test holds the two together).
 * Reading a results folder checks every line, and the schema's library alone takes a command
 * 0.03 s to load (`publish testmo` loads it for nothing else); this check costs under a
 * microsecond a case (100,000: 0.05–0.08 s of a 0.45 s merge). A file changed by hand or written
 * by something else is then named by file and line, not met as a crash in whichever report
 * touches the field first.
 */
export function caseShapeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object'
  if (value.kind !== 'case') return 'kind: not "case"'
  for (const key of ['id', 'uri', 'feature', 'scenario', 'name'] as const) if (typeof value[key] !== 'string') return `${key}: not a string`
  if (value.line !== undefined && !isNumber(value.line)) return 'line: not a number'
  if (value.example !== undefined) {
    const example = value.example
    if (!isObject(example) || typeof example.name !== 'string' || !isNumber(example.index) || !isRecordOfStrings(example.values) || !(example.occurrence === undefined || isCount(example.occurrence))) return 'example: not an Examples row (name, index, values)'
  }
  if (!isStrings(value.featureIds)) return 'featureIds: not a list of strings'
  if (!isStrings(value.tags)) return 'tags: not a list of strings'
  if (!STATUS_SET.has(value.status)) return `status: not one of ${STATUSES.join(', ')}`
  if (typeof value.flaky !== 'boolean') return 'flaky: not true or false'
  if (!isCount(value.attempts)) return 'attempts: not a count'
  if (value.retries !== undefined && !(Array.isArray(value.retries) && value.retries.every(isAttempt))) return 'retries: not a list of attempts (status, durationMs)'
  if (!isNumber(value.durationMs)) return 'durationMs: not a number'
  if (!(Array.isArray(value.steps) && value.steps.every(isStep))) return 'steps: not a list of steps (keyword, text, status, durationMs)'
  for (const key of ['error', 'tester', 'output'] as const) if (value[key] !== undefined && typeof value[key] !== 'string') return `${key}: not a string`
  if (!(Array.isArray(value.attachments) && value.attachments.every(isAttachment))) return 'attachments: not a list of attachments (path, mediaType)'
  if (!isStrings(value.nodes)) return 'nodes: not a list of strings'
  if (value.source !== 'automated' && value.source !== 'manual') return 'source: not "automated" or "manual"'
  if (value.awaitingReview !== undefined && !(Array.isArray(value.awaitingReview) && value.awaitingReview.every((a) => isObject(a) && typeof a.tester === 'string' && STATUS_SET.has(a.status))))
    return 'awaitingReview: not a list of outcomes awaiting review (tester, status)'
  if (value.earlierText !== undefined && !isStrings(value.earlierText)) return 'earlierText: not a list of strings'
  if (value.notApplied !== undefined && !isStrings(value.notApplied)) return 'notApplied: not a list of strings'
  return undefined
}

/** Why a results file's first line is not a run of the model (RunSchema), or undefined when it is one; as caseShapeProblem. */
export function runShapeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object'
  if (value.kind !== 'run') return 'kind: not "run"'
  if (value.modelVersion !== MODEL_VERSION) return `modelVersion: not ${MODEL_VERSION}`
  for (const key of ['id', 'build', 'environment'] as const) if (typeof value[key] !== 'string' || !value[key]) return `${key}: not a name`
  for (const key of ['startedAt', 'finishedAt'] as const) if (typeof value[key] !== 'string') return `${key}: not a string`
  for (const key of ['milestone', 'commit', 'shard'] as const) if (!isOptionalString(value[key])) return `${key}: not a string`
  if (!STAGE_SET.has(value.stage)) return `stage: not one of ${STAGES.join(', ')}`
  if (value.ci !== undefined && !(isObject(value.ci) && ['pipelineId', 'pipelineUrl', 'jobId', 'jobUrl', 'mergeRequest'].every((key) => isOptionalString((value.ci as Json)[key])))) return 'ci: not the CI facts (pipelineId, jobUrl…)'
  const source = value.source
  if (!(isObject(source) && FORMATS.has(source.format) && isOptionalString(source.file) && isOptionalString(source.sha256))) return 'source: not a source (format, file, sha256)'
  if (value.errors !== undefined && !(Array.isArray(value.errors) && value.errors.every((e) => isObject(e) && typeof e.where === 'string' && typeof e.message === 'string' && isOptionalString(e.source)))) return 'errors: not a list of run errors (where, message)'
  return undefined
}

function isNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value)
}

function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) > 0
}

function isStrings(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}

function isRecordOfStrings(value: unknown): boolean {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string')
}

function isStep(value: unknown): boolean {
  if (!isObject(value) || typeof value.keyword !== 'string' || typeof value.text !== 'string' || !STATUS_SET.has(value.status) || !isNumber(value.durationMs) || !isOptionalString(value.error)) return false
  const argument = value.argument
  if (argument === undefined) return true
  return isObject(argument) && isOptionalString(argument.docString) && (argument.dataTable === undefined || (Array.isArray(argument.dataTable) && argument.dataTable.every(isStrings)))
}

function isAttempt(value: unknown): boolean {
  return isObject(value) && STATUS_SET.has(value.status) && isNumber(value.durationMs) && isOptionalString(value.startedAt) && isOptionalString(value.error) && (value.steps === undefined || (Array.isArray(value.steps) && value.steps.every(isStep)))
}

function isAttachment(value: unknown): boolean {
  return isObject(value) && typeof value.path === 'string' && typeof value.mediaType === 'string' && isOptionalString(value.name)
}
