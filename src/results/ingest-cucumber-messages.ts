import { fsErrorCode } from '../errors.ts'
import type { Envelope, GherkinDocument, Pickle, TestStepFinished, Timestamp } from '@cucumber/messages'
import type { Attachment, Attempt as CaseAttempt, Case, RunError, StepResult } from '../model/results.ts'
import { caseIdOf, statusFromMessages, worseStatus, type Status } from '../model/vocabulary.ts'
import { headerRoomFor, ResultsWriter, writeAttachment } from './results-writer.ts'
import { readLines } from './read-lines.ts'
import { Interner } from './interner.ts'
import { stepFinishedOf } from './step-finished-line.ts'
import { StepPairs } from './step-pairs.ts'
import { PackedPlans, type OpenPlan, type PlanExtra, type PlanParts, type ScenarioInfo, type StepArgument } from './packed-plans.ts'
import { caseNameOr, repeatedName } from '../model/case-name.ts'
import { scenariosOf, type OutlineRow } from './outline-rows.ts'
import { inputHasher, runFrom, steplessVerdict, type IngestContext, type IngestOutcome, type IngestProblem } from './ingest-types.ts'

/** The World's attachment that names the nodes a scenario involved (not written as a file). */
export const NODES_MEDIA_TYPE = 'application/vnd.bdd-matrix.nodes+json'

/** Every envelope type of the Cucumber Messages protocol (32): others are a newer Cucumber's. */
export const ENVELOPE_TYPES: ReadonlySet<string> = new Set([
  'meta', 'source', 'gherkinDocument', 'pickle', 'stepDefinition', 'hook', 'parameterType', 'undefinedParameterType', 'testRunStarted', 'testCase',
  'testCaseStarted', 'testStepStarted', 'testStepFinished', 'attachment', 'testCaseFinished', 'testRunFinished', 'parseError', 'testRunHookStarted', 'testRunHookFinished', 'suggestion', 'externalAttachment',
])

/** Envelopes the results do not need: they are counted but not parsed (a third of a run's lines). */
const UNUSED = new Set(['meta', 'source', 'stepDefinition', 'parameterType', 'undefinedParameterType', 'testStepStarted', 'suggestion'])

interface DocumentInfo {
  feature: string
  scenarios: Map<string, ScenarioInfo>
  rows: Map<string, OutlineRow>
  keywords: Map<string, string>
  /** its pickles moved on: its scenarios, rows and keywords are no longer held */
  released?: true
}

/** A released document's maps: shared, empty (a document's own three would stay held, emptied, until the end). */
const NONE = new Map<never, never>()

function release(documents: Map<string, DocumentInfo>, uri: string | undefined): void {
  const document = documents.get(uri ?? '')
  if (!document || document.released) return
  documents.set(uri ?? '', { feature: document.feature, scenarios: NONE, rows: NONE, keywords: NONE, released: true })
}

interface Attempt {
  testCaseId: string
  plan: OpenPlan
  attempt: number
  startedAt: number
  status: Status
  steps: StepResult[]
  /** results received for its test steps (hooks too): Cucumber reports every one */
  reported: number
  error?: string
  attachments: Attachment[]
  nodes: string[]
}

/**
 * Streams a Cucumber Messages NDJSON file into one results file. Only one compact plan per
 * scenario is kept, and it is forgotten once the scenario's last attempt finished. Outline rows
 * come from `pickle.astNodeIds`, retries from `willBeRetried` (attempts, flaky).
 */
export async function ingestCucumberMessages(file: string, ctx: IngestContext): Promise<IngestOutcome> {
  const problems: IngestProblem[] = []
  const notJson: number[] = []
  const misshapen: { line: number; type: string }[] = []
  // lines of failing step results that belong to no attempt
  const orphans: number[] = []
  // lines of pickles announced after their document's other pickles had moved on
  const lateFrom: number[] = []
  let lineNow = 0
  const documents = new Map<string, DocumentInfo>()
  // every scenario announced and not run yet, by pickle id and then by test case id (packed-plans.ts)
  const plans = new PackedPlans()
  const pickles = new Map<string, string>()
  const testCases = new Map<string, string>()
  const attempts = new Map<string, Attempt>()
  // earlier attempts of a scenario that is retried (by test case id), until its last attempt finishes
  const earlier = new Map<string, CaseAttempt[]>()
  const unknown = new Map<string, number>()
  const intern = new Interner()
  const pairs = new StepPairs()
  const writer = new ResultsWriter(ctx.resultsDir, ctx.onCaseLines, { headerRoom: headerRoomFor(file) })
  const hash = inputHasher(ctx)
  let first: number | undefined
  let last: number | undefined
  let envelopes = 0
  let pickleUri: string | undefined
  // An unused envelope is not parsed; only a last line can be cut short, so that one is checked at the end.
  let unparsedLine: string | undefined
  let unparsedLineNumber = 0
  // Failures outside any test case: global hooks (BeforeAll/AfterAll) and the run itself.
  const runErrors: RunError[] = []
  const globalHooks = new Map<string, { where: string; source?: string }>()
  const hookRuns = new Map<string, string>()
  let runFinished = false
  // the stream is playwright-bdd's (its meta says so): see testStepFinished and planOf
  let playwrightBdd = false
  // the most test cases announced and not run yet, and how few are left at the next collection
  let announced = 0
  let collectAt = -1

  // One handler per envelope type, called with the envelope's content: dispatching on the type
  // named at the start of the line keeps each property access seeing one shape of object.
  const handlers: Partial<{ [K in keyof Envelope]-?: (message: NonNullable<Envelope[K]>) => void }> = {
    testStepFinished: (f) => {
      const status = statusFromMessages(String(f.testStepResult.status))
      const attempt = attempts.get(f.testCaseStartedId)
      if (!attempt) {
        // a result of no attempt started before it: a failure has no case to show on
        if (status !== 'passed' && status !== 'skipped') orphans.push(lineNow)
        return
      }
      const { plan } = attempt
      const error = textOrNone(f.testStepResult.exception?.message ?? f.testStepResult.message)
      const at = plan.indexOfId(String(f.testStepId))
      const pair = at === -1 ? 0 : plan.pairAt(at)
      const keyword = at === -1 ? undefined : pairs.keyword(pair)
      // playwright-bdd shares one test case among a scenario's attempts and reports a hook that did
      // not run in this attempt as skipped, lasting nothing (its TestStepRun says so): Playwright
      // itself counts such an attempt by its steps, and so does this reader.
      if (playwrightBdd && at !== -1 && keyword === undefined && status === 'skipped' && !error && !durationMs(f.testStepResult.duration)) {
        attempt.reported++
        return
      }
      attempt.status = worseStatus(attempt.status, status)
      if (error && !attempt.error) attempt.error = error
      // a step its test case does not list still tells how the attempt went, as no step of its own
      if (at === -1) return
      attempt.reported++
      // Hooks are reported only when they fail: they are how a scenario's setup breaks.
      if (keyword === undefined && status === 'passed') return
      const step: StepResult = { keyword: keyword ?? 'Hook', text: pairs.text(pair) ?? 'hook', status, durationMs: durationMs(f.testStepResult.duration) }
      if (error) step.error = error
      const argument = plan.stepArguments?.get(at)
      if (argument) step.argument = argument
      attempt.steps.push(step)
    },
    testCaseStarted: (s) => {
      const held = testCases.get(s.testCaseId)
      if (held === undefined) return
      const plan = plans.open(held)
      if (testCases.size > announced) {
        announced = testCases.size
        collectAt = Math.floor((2 * announced) / 3)
      }
      const at = millis(s.timestamp)
      const attempt = count(s.attempt)
      first ??= at
      attempts.set(s.id, { testCaseId: s.testCaseId, plan, attempt, startedAt: at, status: 'passed', steps: [], reported: 0, attachments: [], nodes: [] })
    },
    testCaseFinished: (f) => {
      const attempt = attempts.get(f.testCaseStartedId)
      if (!attempt) return
      attempts.delete(f.testCaseStartedId)
      last = millis(f.timestamp)
      // A step that never said how it went is not a pass (as a Cucumber JSON report that leaves one out).
      const listed = attempt.plan.stepCount
      if (attempt.reported < listed && attempt.status === 'passed') {
        attempt.status = 'undefined'
        attempt.error ??= `the message stream has results for ${attempt.reported} of the test case's ${listed} steps and hooks: the others never said how they went`
      }
      if (attempt.status === 'passed' && !hasOwnStep(attempt.plan)) Object.assign(attempt, steplessVerdict('passed', attempt.error))
      if (f.willBeRetried) {
        const list = earlier.get(attempt.testCaseId) ?? []
        list.push({ status: attempt.status, durationMs: last - attempt.startedAt, startedAt: new Date(attempt.startedAt).toISOString(), ...(attempt.error ? { error: attempt.error } : {}), ...(attempt.steps.length ? { steps: attempt.steps } : {}) })
        earlier.set(attempt.testCaseId, list)
        return
      }
      const retries = earlier.get(attempt.testCaseId)
      earlier.delete(attempt.testCaseId)
      writer.write(caseOf(attempt, last - attempt.startedAt, retries))
      const held = testCases.get(attempt.testCaseId)
      if (held !== undefined) plans.forget(held)
      testCases.delete(attempt.testCaseId)
      // (ctx.collectGarbage says why)
      if (testCases.size === collectAt) {
        ctx.collectGarbage?.()
        collectAt = collectAt > announced / 3 ? Math.floor(announced / 3) : -1
      }
    },
    pickle: (pickle) => {
      // A document's pickles follow it (Cucumber compiles one document at a time): once they moved
      // on, what they read of it is let go — at 100,000 scenarios, a tenth of what ingest holds.
      if (pickle.uri !== pickleUri) release(documents, pickleUri)
      pickleUri = pickle.uri
      const document = documents.get(pickle.uri)
      if (document?.released) lateFrom.push(lineNow)
      pickles.set(pickle.id, plans.pack(planOf(pickle, document, intern, pairs, playwrightBdd)))
    },
    testCase: (testCase) => {
      const held = pickles.get(testCase.pickleId)
      if (held === undefined) return
      // (first: a test case that cannot be read costs its scenario, as any other envelope)
      pickles.delete(testCase.pickleId)
      const plan = plans.open(held)
      const ids = testCase.testSteps.map((s) => String(s.id))
      // doc strings and data tables, by pickle step id until now, by test step index from now on
      const byPickleStep = plan.stepArguments
      const byTestStep = byPickleStep ? (plans.extraOf(held)!.stepArguments = new Map()) : undefined
      const numbers = testCase.testSteps.map((s, index) => {
        const at = s.pickleStepId ? plan.indexOfId(String(s.pickleStepId)) : -1
        const argument = s.pickleStepId ? byPickleStep?.get(s.pickleStepId) : undefined
        if (argument) byTestStep!.set(index, argument)
        return at === -1 ? 0 : plan.pairAt(at)
      })
      testCases.set(testCase.id, plans.repack(held, numbers, ids))
    },
    attachment: (a) => {
      const attempt = a.testCaseStartedId ? attempts.get(a.testCaseStartedId) : undefined
      if (!attempt) return
      const body = Buffer.from(text(a.body), String(a.contentEncoding) === 'BASE64' ? 'base64' : 'utf8')
      if (a.mediaType === NODES_MEDIA_TYPE) attempt.nodes = (JSON.parse(body.toString()) as { nodes: unknown[] }).nodes.map(text)
      else attempt.attachments.push({ path: writeAttachment(ctx.resultsDir, body, text(a.mediaType)), mediaType: a.mediaType, ...(a.fileName ? { name: text(a.fileName) } : {}) })
    },
    gherkinDocument: (document) => void documents.set(document.uri ?? '', documentInfo(document, intern)),
    testRunStarted: (started) => void (first ??= millis(started.timestamp)),
    testRunFinished: (finished) => {
      const f = finished as typeof finished & { exception?: { type?: string; message?: string; stackTrace?: string } }
      const e = f.exception
      const head = e ? (e.type && e.message ? `${e.type}: ${e.message}` : (e.message ?? e.type)) : undefined
      // A stack trace usually starts with the type and message already.
      const message = e ? (e.stackTrace && head && String(e.stackTrace).startsWith(head) ? e.stackTrace : [head, e.stackTrace].filter(Boolean).join('\n')) : f.message
      if (message) runErrors.push({ where: 'test run', message: String(message) })
      // the end counts once read whole (an end without its time is a run cut short)
      last = millis(finished.timestamp)
      runFinished = true
    },
    hook: (hook) => {
      const type = String((hook as { type?: string }).type ?? '')
      if (type !== 'BEFORE_TEST_RUN' && type !== 'AFTER_TEST_RUN') return
      const ref = hook.sourceReference
      globalHooks.set(hook.id, { where: `${type === 'BEFORE_TEST_RUN' ? 'BeforeAll' : 'AfterAll'} hook${hook.name ? ` "${hook.name}"` : ''}`, ...(ref?.uri ? { source: `${ref.uri}${ref.location ? `:${ref.location.line}` : ''}` } : {}) })
    },
    testRunHookStarted: (started) => void hookRuns.set(started.id, started.hookId),
    testRunHookFinished: (finished) => {
      const status = statusFromMessages(String(finished.result.status))
      if (status === 'passed' || status === 'skipped') return
      const hook = globalHooks.get(hookRuns.get(finished.testRunHookStartedId) ?? '') ?? { where: 'global hook' }
      const message = String(finished.result.exception?.message ?? finished.result.message ?? status)
      runErrors.push({ ...hook, message: finished.result.exception?.stackTrace && !message.includes('\n') ? `${message}\n${finished.result.exception.stackTrace}` : message })
    },
  }

  // What may have carried a failure counts as one: a result that cannot be read is never a pass.
  const unreadable = (type: string, content: unknown, lineNumber: number): void => {
    const message = `line ${lineNumber} of the message stream: a "${type}" envelope that cannot be read; what it reported is unknown`
    if (type === 'testStepFinished') {
      const id = (content as { testCaseStartedId?: unknown } | null)?.testCaseStartedId
      const attempt = typeof id === 'string' ? attempts.get(id) : undefined
      if (attempt) {
        attempt.status = worseStatus(attempt.status, 'failed')
        attempt.error ??= message
        return
      }
    }
    if (type === 'testStepFinished' || type === 'testRunHookFinished' || type === 'testRunFinished') runErrors.push({ where: 'test run', message })
  }

  const lines = await readLines(
    file,
    (line, lineNumber) => {
      if (!line.trim()) return
      unparsedLine = undefined
      lineNow = lineNumber
      // Cucumber writes `{"<type>":…}`: the type is known from the first characters.
      const named = line.startsWith('{"') ? line.slice(2, line.indexOf('"', 2)) : ''
      if (UNUSED.has(named) && line.endsWith('}')) {
        if (named === 'meta' && line.includes('"name":"playwright-bdd"')) playwrightBdd = true
        envelopes++
        unparsedLine = line
        unparsedLineNumber = lineNumber
        return
      }
      const finished = named === 'testStepFinished' ? stepFinishedOf(line) : undefined
      if (finished) {
        envelopes++
        handlers.testStepFinished!(finished as TestStepFinished)
        return
      }
      let envelope: Record<string, unknown>
      try {
        envelope = JSON.parse(line) as Record<string, unknown>
      } catch {
        notJson.push(lineNumber)
        return
      }
      const type = envelope && typeof envelope === 'object' && !Array.isArray(envelope) ? (named && envelope[named] !== undefined ? named : (Object.keys(envelope)[0] ?? '')) : ''
      // JSON, but no envelope (null, a list, a number, an object of no type)
      if (!type) {
        notJson.push(lineNumber)
        return
      }
      envelopes++
      // (own keys only: a line `{"constructor":…}` is no envelope, whatever objects inherit)
      const handler = Object.hasOwn(handlers, type) ? (handlers[type as keyof Envelope] as (message: unknown) => void) : undefined
      if (!handler) {
        if (!ENVELOPE_TYPES.has(type)) unknown.set(type, (unknown.get(type) ?? 0) + 1)
        return
      }
      // Another tool's stream may hold any JSON where Cucumber writes a field: such an envelope
      // costs at most its scenario, named by its line, never the file.
      try {
        handler(envelope[type])
      } catch (error) {
        // (a disk full or a folder not writable is no shape of the stream's)
        if (fsErrorCode(error)) throw error
        misshapen.push({ line: lineNumber, type })
        unreadable(type, envelope[type], lineNumber)
      }
    },
    // The run id hashes the input: hashing the raw chunks costs far less than hashing each line.
    hash.onBytes,
  )
  if (unparsedLine !== undefined) {
    try {
      JSON.parse(unparsedLine)
    } catch {
      envelopes--
      notJson.push(unparsedLineNumber)
    }
  }
  // JSON lines none of which is an envelope Cucumber writes are some other file (a log, another
  // tool's NDJSON): taken for a run cut short, they would put a run failure in the matrix.
  const unknownLines = [...unknown.values()].reduce((n, count) => n + count, 0)
  if (envelopes === 0 || envelopes === unknownLines) {
    writer.discard()
    const what =
      lines === 0
        ? '(empty file?)'
        : envelopes === 0
          ? '(no line is a JSON envelope)'
          : `(its ${envelopes} JSON line(s) are none of Cucumber's envelopes — meta, pickle, testCase, testCaseStarted… — the first is "${[...unknown.keys()][0]}")`
    problems.push({ file, line: 1, message: `no Cucumber Messages envelopes found ${what}${lines === 0 ? '' : '; pass the file cucumber-js writes with --format message:FILE, or JUnit XML'}` })
    return { cases: 0, problems }
  }
  // Only the last line is cut by a killed run; other lines that are not JSON are named once.
  const cut = notJson.at(-1) === lines ? notJson.pop() : undefined
  if (notJson.length) problems.push({ file, line: notJson[0]!, message: `${notJson.length === 1 ? 'not a JSON envelope' : `${notJson.length} lines are not JSON envelopes, the first here`}; skipped` })
  if (cut !== undefined) problems.push({ file, line: cut, message: 'not a JSON envelope (a run killed mid-write leaves its last line cut); skipped' })
  // A line that could not be read may have reported a failure: the run is not taken as complete
  // (a last line cut by a killed run is the run cut short, which says so below).
  const unread = runFinished && cut !== undefined ? [...notJson, cut] : notJson
  if (unread.length) runErrors.push({ where: 'test run', message: `${unread.length === 1 ? `line ${unread[0]} of the message stream` : `${unread.length} lines of the message stream, the first line ${unread[0]},`} could not be read: what ${unread.length === 1 ? 'it' : 'they'} reported is unknown` })
  if (lateFrom.length) {
    const what = lateFrom.length === 1 ? 'a pickle announced' : `${lateFrom.length} pickles announced, the first here,`
    problems.push({ file, line: lateFrom[0]!, message: `${what} after its document's other pickles, once another document's had begun: Cucumber announces a document's pickles together, so what they read of the document (rule, outline row, step keywords) is no longer held — named by the pickle alone (its case id may differ from that of other runs); is the stream from Cucumber?` })
  }
  if (orphans.length) {
    const what = `${orphans.length === 1 ? 'a step result that did not pass' : `${orphans.length} step results that did not pass, the first here,`} belonging to no attempt started before it`
    problems.push({ file, line: orphans[0]!, message: `${what}: kept as a failure of the run` })
    runErrors.push({ where: 'test run', message: `line ${orphans[0]} of the message stream: ${what}` })
  }
  if (misshapen.length) {
    const { line, type } = misshapen[0]!
    problems.push({ file, line, message: `${misshapen.length === 1 ? `a "${type}" envelope` : `${misshapen.length} envelopes, the first here a "${type}",`} not in the shape Cucumber writes (a field missing or of another type); skipped, with what depended on it — is the file from a Cucumber of protocol version 32 or close?` })
  }
  if (attempts.size) problems.push({ file, line: lines, message: `${attempts.size} scenario(s) started but never finished (the run was cut short); not ingested` })
  if (!runFinished) {
    // A stream without its last message: the runner was killed or crashed. What it finished is kept.
    problems.push({ file, line: lines, message: 'the stream ends without testRunFinished: the run was cut short (killed or crashed); what finished is ingested, the run is marked failed' })
    // The runner's reason, unless a global hook's error already says it (cucumber-js stops on one).
    if (!(ctx.runnerError && runErrors.length)) runErrors.push({ where: 'test run', message: ctx.runnerError ? `the runner stopped before the end of the run: ${ctx.runnerError}` : 'the message stream ends without testRunFinished: the run was cut short (killed or crashed)' })
  }
  for (const [type, count] of unknown) problems.push({ file, line: 0, message: `${count} envelope(s) of unknown type "${type}" (a newer Cucumber?) ignored` })
  const run = runFrom(ctx, { inputHash: await hash.digest(), startedAt: new Date(first ?? 0).toISOString(), finishedAt: new Date(last ?? first ?? 0).toISOString(), format: 'cucumber-messages', file, errors: runErrors })
  const cases = writer.cases
  return { run, cases, problems, path: writer.close(run) }
}

function caseOf(attempt: Attempt, duration: number, retries: CaseAttempt[] | undefined): Case {
  const { plan } = attempt
  const row = plan.row
  const example = row ? { name: row.examples, index: row.index, values: row.values, ...(row.occurrence > 1 ? { occurrence: row.occurrence } : {}) } : undefined
  const scenarioName = plan.scenario?.name ?? plan.name
  const repeated = plan.scenario?.occurrence
  return {
    kind: 'case',
    id: caseIdOf({ uri: plan.uri, scenario: scenarioName, ...(plan.scenario?.rule ? { rule: plan.scenario.rule } : {}), ...(example ? { example } : {}), ...(repeated ? { scenarioOccurrence: repeated } : {}) }),
    uri: plan.uri,
    ...(plan.line ? { line: plan.line } : {}),
    feature: plan.feature,
    scenario: scenarioName,
    name: caseNameOr(row ? row.name : (plan.scenario?.caseName ?? repeatedName(plan.name, repeated ?? 1)), plan.uri, plan.line),
    ...(example ? { example } : {}),
    featureIds: featureIdsOf(plan.tags),
    tags: plan.tags as string[],
    status: attempt.status,
    flaky: retries !== undefined && attempt.status === 'passed',
    attempts: attempt.attempt + 1,
    ...(retries ? { retries } : {}),
    durationMs: duration,
    steps: attempt.steps,
    ...(attempt.error ? { error: plan.project ? `[${plan.project}] ${attempt.error}` : attempt.error } : {}),
    attachments: attempt.attachments,
    nodes: attempt.nodes,
    source: 'automated',
  }
}

/** For a pickle whose document is unknown or already released: the keyword its step type implies. */
const KEYWORD_OF_TYPE = new Map([['Context', 'Given'], ['Action', 'When'], ['Outcome', 'Then']])

/**
 * What a case needs of its pickle, resolved when the pickle is announced (its steps' keywords and
 * texts as pair numbers: step-pairs.ts), to be held packed until its test case runs.
 */
function planOf(pickle: Pickle, document: DocumentInfo | undefined, intern: Interner, pairs: StepPairs, playwrightBdd: boolean): PlanParts {
  const scenario = document?.scenarios.get(pickle.astNodeIds[0] ?? '')
  const row = pickle.astNodeIds[1] ? document?.rows.get(pickle.astNodeIds[1]) : undefined
  const line = (pickle as { location?: { line: number } }).location?.line
  // playwright-bdd gives each Playwright project its own copy of a file, "[chromium]:features/a.feature":
  // the scenario is the file's all the same (its row in the matrix); the project is said in its error
  const projectUri = playwrightBdd ? /^\[([^\]]*)\]:(.+)$/.exec(text(pickle.uri)) : null
  const extra: PlanExtra = {
    // a plain scenario's info says nothing its pickle does not (its name); not held then
    ...(scenario && (scenario.rule !== undefined || scenario.occurrence !== undefined || scenario.name !== pickle.name) ? { scenario } : {}),
    ...(row ? { row } : {}),
    ...stepArgumentsOf(pickle),
  }
  return {
    head: {
      uri: intern.string(projectUri ? projectUri[2]! : text(pickle.uri)),
      ...(projectUri ? { project: intern.string(projectUri[1]!) } : {}),
      feature: document?.feature ?? intern.string(pickle.uri),
      tags: intern.list(pickle.tags.map((t) => text(t.name))),
    },
    extra,
    ...(line ? { line: count(line) } : {}),
    name: text(pickle.name),
    pairs: pickle.steps.map((s) => pairs.numberOf(document?.keywords.get(s.astNodeIds[0] ?? '') ?? KEYWORD_OF_TYPE.get(String(s.type)) ?? '*', intern.string(text(s.text)))),
    ids: pickle.steps.map((s) => String(s.id)),
  }
}

/** The doc strings and data tables of a pickle's steps, by pickle step id; none for most pickles. */
function stepArgumentsOf(pickle: Pickle): { stepArguments?: Map<string | number, StepArgument> } {
  let found: Map<string | number, StepArgument> | undefined
  for (const s of pickle.steps) {
    const argument = s.argument
    if (!argument) continue
    const value: StepArgument = argument.docString ? { docString: text(argument.docString.content) } : { dataTable: (argument.dataTable?.rows ?? []).map((r) => r.cells.map((c) => text(c.value))) }
    ;(found ??= new Map()).set(s.id, value)
  }
  return found ? { stepArguments: found } : {}
}

/** Whether a scenario has a step of its own (not only hooks). */
function hasOwnStep(plan: OpenPlan): boolean {
  for (let at = 0; at < plan.stepCount; at++) if (plan.pairAt(at) !== 0) return true
  return false
}

function documentInfo(document: GherkinDocument, intern: Interner): DocumentInfo {
  const info: DocumentInfo = { feature: intern.string(text(document.feature?.name ?? document.uri ?? '')), scenarios: new Map(), rows: new Map(), keywords: new Map() }
  const addSteps = (steps: readonly { id: string; keyword: string }[]): void => steps.forEach((s) => info.keywords.set(s.id, intern.string(text(s.keyword).trim())))
  for (const child of document.feature?.children ?? []) {
    if (child.background) addSteps(child.background.steps)
    for (const ruleChild of child.rule?.children ?? []) if (ruleChild.background) addSteps(ruleChild.background.steps)
  }
  for (const { scenario, rule, occurrence, name, rows } of scenariosOf(document)) {
    info.scenarios.set(scenario.id, { name: text(scenario.name), ...(rule ? { rule: text(rule) } : {}), ...(occurrence > 1 ? { occurrence } : {}), ...(name !== repeatedName(scenario.name, occurrence) ? { caseName: name } : {}) })
    addSteps(scenario.steps)
    for (const row of rows) {
      text(row.examples)
      Object.values(row.values).forEach(text)
      info.rows.set(row.id, row)
    }
  }
  return info
}

const FEATURE_IDS = new WeakMap<readonly string[], string[]>()

/** The scope feature ids a tag list names; tag lists are interned, so each is worked out once. */
function featureIdsOf(tags: readonly string[]): string[] {
  let ids = FEATURE_IDS.get(tags)
  if (!ids) FEATURE_IDS.set(tags, (ids = tags.filter((t) => t.startsWith('@feature:')).map((t) => t.slice('@feature:'.length))))
  return ids
}

// Another tool's stream may hold anything where Cucumber writes a string or a count: what a case
// is made of is checked as it is read, and an envelope that fails is not read (see misshapen).

function text(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError('not a string')
  return value
}

function textOrNone(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value)
}

function count(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new TypeError('not a count')
  return value as number
}

/** Milliseconds of a timestamp; one that is no time makes its envelope unreadable (throws). */
function millis(t: Timestamp): number {
  const ms = t.seconds * 1000 + Math.round(t.nanos / 1e6)
  if (!(Math.abs(ms) <= MAX_DATE_MS)) throw new TypeError('not a timestamp')
  return ms
}

/** The latest time a Date holds (±100,000,000 days). */
const MAX_DATE_MS = 8.64e15

/** Milliseconds of a duration; one that is none counts 0 (a step's status matters, its time does not). */
function durationMs(d: { seconds: number; nanos: number } | undefined): number {
  const ms = Number(d?.seconds) * 1000 + Number(d?.nanos) / 1e6
  return Number.isFinite(ms) && ms >= 0 ? ms : 0
}
