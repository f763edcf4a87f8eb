import { statSync } from 'node:fs'
import { fsErrorCode } from '../errors.ts'
import { isObject, textOf } from '../json-shape.ts'
import type { Attachment, Case, StepResult } from '../model/results.ts'
import { caseIdOf, worseStatus, type Status } from '../model/vocabulary.ts'
import { tagMeaning } from '../catalogue/tag-meaning.ts'
import { CatalogueBinding } from './catalogue-binding.ts'
import { JsonArrayError, jsonArrayItems } from './json-array-items.ts'
import { headerRoomFor, ResultsWriter, writeAttachment } from './results-writer.ts'
import { inputHasher, runFrom, steplessVerdict, type IngestContext, type IngestOutcome, type IngestProblem } from './ingest-types.ts'

type Json = Record<string, unknown>

/** The media type Cucumber gives what a step logs (`this.log`, `scenario.log`). */
const LOG_MEDIA_TYPE = 'text/x.cucumber.log+plain'

/** Keys every producer writes at least one of for a feature. */
const FEATURE_KEYS = ['uri', 'keyword', 'name', 'elements', 'location']

/**
 * Reads the Cucumber JSON report — what godog (`--format cucumber`), Cucumber-JVM (`json:`),
 * cucumber-js (`--format json`), cucumber-ruby and pytest-bdd (`--cucumberjson`) write — and
 * behave's own JSON report (`--format json`). One case per scenario element (an outline row is
 * one); its status is the worst of its steps and hooks; durations are nanoseconds in Cucumber's
 * format and seconds in behave's. Cucumber-JVM writes a Background as an element of its own before
 * each scenario: its steps are the next scenario's. Embeddings become attachments.
 *
 * The report does not carry the Gherkin (no example values, no rules): where the project's
 * features folder is at hand, each test is bound to its catalogue pickle by file and line, and
 * takes its case id, name, row, tags and scope features — the same row of the matrix as the
 * scenario run by bdd-matrix. Otherwise a case stands on what the report says.
 */
export async function ingestCucumberJson(file: string, ctx: IngestContext): Promise<IngestOutcome> {
  const binding = ctx.catalogue ? CatalogueBinding.load(ctx.catalogue.featuresDir, ctx.catalogue.uriPrefix) : undefined
  const writer = new ResultsWriter(ctx.resultsDir, ctx.onCaseLines, { headerRoom: headerRoomFor(file) })
  const hash = inputHasher(ctx)
  const problems: IngestProblem[] = []
  // per file: how often a scenario name, and a line, came up so far
  const occurrences = new Map<string, { names: Map<string, number>; lines: Map<number, number> }>()
  const unbound: string[] = []
  let first = Infinity
  let last = -Infinity
  let features = 0
  // scenarios skipped for their shape: the line of their feature, and their place in it
  const misshapen: { line: number; position: number }[] = []
  // items that are no feature: named once, with the first one's line
  let notFeatures = 0
  let firstNotFeature = 0
  try {
    // (an item's line is counted when read: only for a problem)
    for (const read of jsonArrayItems(file, hash.onBytes)) {
      const feature = read.item as Json
      if (!FEATURE_KEYS.some((key) => key in feature)) {
        if (!notFeatures++) firstNotFeature = read.line
        continue
      }
      features++
      if (!Array.isArray(feature.elements) && feature.elements !== undefined) {
        problems.push({ file, line: read.line, message: 'a feature whose "elements" is not a list: not a Cucumber JSON feature; skipped' })
        continue
      }
      const behave = typeof feature.location === 'string' && feature.uri === undefined
      const uri = behave ? textOf(feature.location).replace(/:\d+$/, '') : textOf(feature.uri ?? '')
      const featureName = textOf(feature.name ?? uri)
      const featureTags = tagsOf(feature.tags)
      let seen = occurrences.get(uri)
      if (!seen) occurrences.set(uri, (seen = { names: new Map(), lines: new Map() }))
      let background: readonly Json[] = []
      let position = 0
      for (const element of (feature.elements as Json[] | undefined) ?? []) {
        position++
        // Another tool's report may hold anything where a producer writes a field: such a
        // scenario is skipped, named by its feature's line and place, never the whole file.
        if (!scenarioShaped(element)) {
          misshapen.push({ line: read.line, position })
          continue
        }
        if (element.type === 'background' || element.keyword === 'Background') {
          background = listOf(element.steps)
          continue
        }
        const elementLine = behave ? Number(textOf(element.location ?? '').split(':').pop()) : numberOf(element.line)
        const name = textOf(element.name ?? '')
        // the same name again in a file is told apart by its occurrence; the same line again (the
        // rows of an outline named by its own line) picks the outline's next row
        const occurrence = count(seen.names, name)
        const nthAtLine = count(seen.lines, elementLine)
        const own = listOf(element.steps)
        // godog, cucumber-js and behave put the Background's steps in the scenario; Cucumber-JVM does not
        const steps = background.length && !own.some((s) => background.some((b) => b.line === s.line && b.name === s.name)) ? [...background, ...own] : own
        background = []
        const started = Date.parse(textOf(element.start_timestamp ?? ''))
        if (!Number.isNaN(started)) {
          first = Math.min(first, started)
          last = Math.max(last, started)
        }
        let c: Case
        try {
          c = caseOf({ element, name, line: elementLine, steps, behave, uri, featureName, featureTags, occurrence, resultsDir: ctx.resultsDir })
        } catch (error) {
          // (a disk full or a folder not writable is no shape of the report's)
          if (fsErrorCode(error)) throw error
          misshapen.push({ line: read.line, position })
          continue
        }
        const bound = Number.isFinite(elementLine) ? binding?.atLine(uri, elementLine, nthAtLine) : undefined
        if (binding && !bound) unbound.push(`${uri}:${elementLine} ${name}`)
        writer.write(bound ? withMissingSteps({ ...c, ...bound.fields }, bound.stepCount) : c)
      }
    }
  } catch (error) {
    if (!(error instanceof JsonArrayError)) throw error
    problems.push({ file, line: error.line, message: `${error.message}; expected a Cucumber JSON report (a JSON array of features, as godog --format cucumber, Cucumber-JVM json:, cucumber-js --format json, pytest-bdd --cucumberjson or behave --format json write)` })
    // A report cut short keeps the features read before the cut.
    if (writer.cases === 0) {
      writer.discard()
      return { cases: 0, problems }
    }
  }
  if (misshapen.length) {
    const { line, position } = misshapen[0]!
    problems.push({ file, line, message: `${misshapen.length === 1 ? 'a scenario' : `${misshapen.length} scenarios, the first`} (element ${position} of the feature here) not in the shape of a Cucumber JSON scenario (no list of steps, or hooks that are no list); skipped` })
  }
  if (notFeatures) problems.push({ file, line: firstNotFeature, message: `${notFeatures === 1 ? 'an item' : `${notFeatures} items, the first here,`} with none of a feature's keys (${FEATURE_KEYS.join(', ')}): not Cucumber JSON features; skipped` })
  if (unbound.length) problems.push({ file, line: 0, message: `${unbound.length} scenario(s) not found in the features folder, kept as the report names them (edited since the run, or run from other files?): ${unbound.slice(0, 5).join('; ')}${unbound.length > 5 ? '; …' : ''}` })
  if (writer.cases === 0) {
    writer.discard()
    const what = features ? `no scenario in its ${features} feature(s): nothing to ingest (did the tests run?)` : notFeatures ? `no Cucumber JSON feature in it (none of its ${notFeatures} item(s) is one): nothing to ingest` : 'an empty report (no feature): nothing to ingest (did the tests run?)'
    problems.push({ file, line: 1, message: what })
    return { cases: 0, problems }
  }
  // Without timestamps (most producers write none) the report was written when the file was.
  const at = Number.isFinite(first) ? first : statSync(file).mtimeMs
  const run = runFrom(ctx, { inputHash: await hash.digest(), startedAt: new Date(at).toISOString(), finishedAt: new Date(Number.isFinite(last) ? last : at).toISOString(), format: 'cucumber-json', file })
  const cases = writer.cases
  return { run, cases, problems, path: writer.close(run) }
}

/**
 * A scenario element as producers write one: an object with a list of steps (or a name and none),
 * its hooks lists, and its steps' hooks lists (Cucumber-JVM's after-step hooks: a failing one
 * fails the scenario, so hooks that are no list are not read as none).
 */
function scenarioShaped(element: unknown): element is Json {
  if (!isObject(element)) return false
  const steps = Array.isArray(element.steps) || (element.steps === undefined && typeof element.name === 'string')
  return steps && hooksShaped(element) && (element.steps === undefined || (element.steps as unknown[]).every((step) => !isObject(step) || hooksShaped(step)))
}

const hooksShaped = (holder: Json): boolean => (holder.before === undefined || Array.isArray(holder.before)) && (holder.after === undefined || Array.isArray(holder.after))

/**
 * The steps or hooks a report lists. An item that is no object stands for a step whose result is
 * unknown (undefined, never passed); what is no list stands for none.
 */
function listOf(value: unknown): readonly Json[] {
  if (!Array.isArray(value)) return NONE
  return value.every(isObject) ? (value as Json[]) : value.map(objectOr)
}

const NONE: readonly Json[] = Object.freeze([])

/**
 * A value as a number, as Number() reads a number or its text; anything else is no number (NaN).
 * Number() of an object asks the object itself: `{"toString": {}}` threw "Cannot convert object to
 * primitive value", which ended the whole file.
 */
function numberOf(value: unknown): number {
  return typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN
}

function objectOr(value: unknown): Json {
  return isObject(value) ? value : {}
}

function count<K>(counts: Map<K, number>, key: K): number {
  const n = (counts.get(key) ?? 0) + 1
  counts.set(key, n)
  return n
}

/**
 * A report that lists fewer steps than the scenario has did not run the rest, whatever it says
 * (pytest-bdd leaves out a step it has no definition for, and reports the scenario passed): such a
 * scenario is never passed.
 */
function withMissingSteps(c: Case, stepCount: number): Case {
  const listed = c.steps.filter((s) => s.keyword !== 'Hook').length
  if (listed >= stepCount || c.status !== 'passed') return c
  return { ...c, status: 'undefined', error: c.error ?? `the report lists ${listed} of the scenario's ${stepCount} steps: the others did not run (a step without a definition?)` }
}

interface ElementInput {
  element: Json
  name: string
  /** the scenario's line as the report gives it (NaN when it gives none) */
  line: number
  steps: readonly Json[]
  behave: boolean
  uri: string
  featureName: string
  featureTags: string[]
  occurrence: number
  resultsDir: string
}

function caseOf(input: ElementInput): Case {
  const { element, behave, name, line } = input
  const tags = [...new Set([...input.featureTags, ...tagsOf(element.tags)])]
  const attachments: Attachment[] = []
  let status: Status = 'passed'
  let durationMs = 0
  let error: string | undefined
  const steps: StepResult[] = []
  // behave lists the scenarios its tag expression left out, `"status": "skipped"`, their steps
  // with no result: not run, where a step without a result is otherwise one nothing ran for
  const leftOut = behave && element.status === 'skipped'
  // As the message stream's reader does: a status and the first error from every step and hook;
  // hooks listed among the steps only when they did not pass (they are how setup breaks).
  const record = (holder: Json, step: { keyword: string; text: string } | undefined): void => {
    const result = objectOr(holder.result)
    const s = leftOut && holder.result === undefined ? 'skipped' : statusOf(result.status)
    const ms = durationOf(result.duration, behave)
    const message = errorOf(result)
    durationMs += ms
    status = worseStatus(status, s)
    error ??= message
    attachments.push(...embeddingsOf(holder, input.resultsDir))
    if (!step && s === 'passed') return
    const argument = step ? argumentOf(holder) : undefined
    steps.push({ keyword: step?.keyword ?? 'Hook', text: step?.text ?? 'hook', status: s, durationMs: ms, ...(message ? { error: message } : {}), ...(argument ? { argument } : {}) })
  }
  for (const hook of listOf(element.before)) record(hook, undefined)
  let own = 0
  for (const step of input.steps) {
    for (const hook of listOf(step.before)) record(hook, undefined)
    // cucumber-js lists its Before and After hooks among the steps, hidden
    if (step.hidden === true) record(step, undefined)
    else {
      own++
      record(step, { keyword: textOf(step.keyword ?? '').trim(), text: textOf(step.name ?? '') })
    }
    for (const hook of listOf(step.after)) record(hook, undefined)
  }
  for (const hook of listOf(element.after)) record(hook, undefined)
  attachments.push(...embeddingsOf(element, input.resultsDir))
  // (a scenario with steps, nearly every one, is left as it is)
  if (own === 0) ({ status, error } = steplessVerdict(status, error))
  return {
    kind: 'case',
    id: caseIdOf({ uri: input.uri, scenario: name, occurrence: input.occurrence }),
    uri: input.uri,
    ...(Number.isFinite(line) && line > 0 ? { line } : {}),
    feature: input.featureName,
    scenario: name,
    name: input.occurrence > 1 ? `${name} #${input.occurrence}` : name,
    featureIds: tagMeaning(tags).featureIds,
    tags,
    status,
    flaky: false,
    attempts: 1,
    durationMs: Math.round(durationMs),
    steps,
    ...(error ? { error } : {}),
    attachments,
    nodes: [],
    source: 'automated',
  }
}

/** Tags as `@name`, whether written as `{name, line}` objects (Cucumber) or strings (behave), with or without `@` (pytest-bdd). */
function tagsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return []
  return value.map((t) => textOf(typeof t === 'object' && t !== null ? (t as Json).name : t)).filter(Boolean).map((t) => (t.startsWith('@') ? t : `@${t}`))
}

const STATUS: Record<string, Status> = {
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  pending: 'pending',
  undefined: 'undefined',
  ambiguous: 'ambiguous',
  // behave: a step after a failure, and one no test reached
  untested: 'skipped',
  hook_error: 'failed',
}

/** A status the report gives; one this reader does not know counts as undefined, never as passed. */
function statusOf(value: unknown): Status {
  const status = textOf(value ?? 'undefined').toLowerCase()
  return Object.hasOwn(STATUS, status) ? STATUS[status]! : 'undefined'
}

/** Milliseconds of a duration: nanoseconds in Cucumber's format, seconds in behave's. */
function durationOf(value: unknown, behave: boolean): number {
  const n = numberOf(value)
  if (!Number.isFinite(n) || n < 0) return 0
  return behave ? n * 1000 : n / 1e6
}

function errorOf(result: Json): string | undefined {
  const message = result.error_message
  const text = Array.isArray(message) ? message.map(textOf).join('\n') : message === undefined || message === null ? '' : textOf(message)
  return text.trim() || undefined
}

function argumentOf(step: Json): StepResult['argument'] | undefined {
  const doc = objectOr(step.doc_string)
  const rows = listOf(step.rows)
  const table = objectOr(step.table).rows
  if (doc.value !== undefined) return { docString: textOf(doc.value) }
  if (rows.length) return { dataTable: rows.map((r) => (Array.isArray(r.cells) ? r.cells.map(textOf) : [])) }
  if (step.text !== undefined && typeof step.text === 'string') return { docString: step.text }
  if (Array.isArray(table) && table.length) return { dataTable: table.map((r) => (Array.isArray(r) ? r.map(textOf) : [])) }
  return undefined
}

/**
 * What a step or hook logged (`output`, as the message stream's log attachments) and its
 * embeddings (`{data: base64, mime_type | media.type, name?}`), written to the results folder.
 */
function embeddingsOf(holder: Json, resultsDir: string): Attachment[] {
  const out: Attachment[] = []
  for (const text of Array.isArray(holder.output) ? holder.output : []) out.push({ path: writeAttachment(resultsDir, Buffer.from(textOf(text)), LOG_MEDIA_TYPE), mediaType: LOG_MEDIA_TYPE })
  for (const e of listOf(holder.embeddings)) {
    const mediaType = textOf(e.mime_type ?? objectOr(e.media).type ?? 'application/octet-stream')
    if (typeof e.data !== 'string') continue
    const body = Buffer.from(e.data, 'base64')
    out.push({ path: writeAttachment(resultsDir, body, mediaType), mediaType, ...(typeof e.name === 'string' && e.name ? { name: e.name } : {}) })
  }
  return out
}
