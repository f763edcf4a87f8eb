import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Envelope, GherkinDocument, Pickle, TestCase, Timestamp } from '@cucumber/messages'
import { caseIdOf, statusFromMessages, worseStatus, type Case, type Status, type StepResult, type Attachment } from '../model/results.ts'
import { ResultsWriter, writeAttachment } from './results-writer.ts'
import { runFrom, type IngestContext, type IngestOutcome, type IngestProblem } from './ingest-types.ts'

/** The World's attachment that names the nodes a scenario involved (not written as a file). */
export const NODES_MEDIA_TYPE = 'application/vnd.bdd-matrix.nodes+json'

const KNOWN = new Set([
  'meta', 'source', 'gherkinDocument', 'pickle', 'stepDefinition', 'hook', 'parameterType', 'undefinedParameterType', 'testRunStarted', 'testCase',
  'testCaseStarted', 'testStepStarted', 'testStepFinished', 'attachment', 'testCaseFinished', 'testRunFinished', 'parseError', 'testRunHookStarted', 'testRunHookFinished', 'suggestion', 'externalAttachment',
])

interface DocumentInfo {
  feature: string
  scenarios: Map<string, { name: string; rule?: string }>
  rows: Map<string, { examples: string; index: number; values: Record<string, string> }>
  keywords: Map<string, string>
}

interface Attempt {
  testCaseId: string
  attempt: number
  startedAt: number
  status: Status
  steps: StepResult[]
  error?: string
  attachments: Attachment[]
  nodes: string[]
}

/**
 * Streams a Cucumber Messages NDJSON file into one results file. Only compact maps of the
 * documents and pickles are kept, and a test case is forgotten once its last attempt finished.
 * Outline rows come from `pickle.astNodeIds`, retries from `willBeRetried` (attempts, flaky).
 */
export async function ingestCucumberMessages(file: string, ctx: IngestContext): Promise<IngestOutcome> {
  const problems: IngestProblem[] = []
  const documents = new Map<string, DocumentInfo>()
  const pickles = new Map<string, PickleInfo>()
  const testCases = new Map<string, TestCaseInfo>()
  const attempts = new Map<string, Attempt>()
  const failedBefore = new Set<string>()
  const unknown = new Map<string, number>()
  const writer = new ResultsWriter(ctx.resultsDir)
  const hash = createHash('sha256')
  let first: number | undefined
  let last: number | undefined
  let lineNumber = 0
  let envelopes = 0

  const input = createReadStream(file)
  // The run id hashes the input: hashing the raw chunks costs far less than hashing each line.
  input.on('data', (chunk) => hash.update(chunk))
  const lines = createInterface({ input, crlfDelay: Infinity })
  for await (const line of lines) {
    lineNumber++
    if (!line.trim()) continue
    let envelope: Envelope
    try {
      envelope = JSON.parse(line) as Envelope
    } catch {
      problems.push({ file, line: lineNumber, message: 'not a JSON envelope (a run killed mid-write leaves its last line cut); skipped' })
      continue
    }
    envelopes++
    const type = Object.keys(envelope)[0] ?? ''
    if (!KNOWN.has(type)) unknown.set(type, (unknown.get(type) ?? 0) + 1)
    if (envelope.gherkinDocument) documents.set(envelope.gherkinDocument.uri ?? '', documentInfo(envelope.gherkinDocument))
    else if (envelope.pickle) pickles.set(envelope.pickle.id, pickleInfo(envelope.pickle))
    else if (envelope.testCase) testCases.set(envelope.testCase.id, testCaseInfo(envelope.testCase))
    else if (envelope.testRunStarted) first ??= millis(envelope.testRunStarted.timestamp)
    else if (envelope.testRunFinished) last = millis(envelope.testRunFinished.timestamp)
    else if (envelope.testCaseStarted) {
      const s = envelope.testCaseStarted
      const at = millis(s.timestamp)
      first ??= at
      attempts.set(s.id, { testCaseId: s.testCaseId, attempt: s.attempt, startedAt: at, status: 'passed', steps: [], attachments: [], nodes: [] })
    } else if (envelope.testStepFinished) {
      const f = envelope.testStepFinished
      const attempt = attempts.get(f.testCaseStartedId)
      const testCase = attempt && testCases.get(attempt.testCaseId)
      const step = testCase?.steps.find((st) => st.id === f.testStepId)
      if (!attempt || !testCase || !step) continue
      const status = statusFromMessages(String(f.testStepResult.status))
      const error = f.testStepResult.exception?.message ?? f.testStepResult.message
      attempt.status = worseStatus(attempt.status, status)
      if (error && !attempt.error) attempt.error = error
      const pickleStep = step.pickleStepId ? pickles.get(testCase.pickleId)?.steps.find((ps) => ps.id === step.pickleStepId) : undefined
      // Hooks are reported only when they fail: they are how a scenario's setup breaks.
      if (!pickleStep && status === 'passed') continue
      const keyword = pickleStep ? (documents.get(pickles.get(testCase.pickleId)!.uri)?.keywords.get(pickleStep.astNodeId) ?? '') : 'Hook'
      attempt.steps.push({ keyword, text: pickleStep?.text ?? 'hook', status, durationMs: durationMs(f.testStepResult.duration), ...(error ? { error } : {}) })
    } else if (envelope.attachment) {
      const a = envelope.attachment
      const attempt = a.testCaseStartedId ? attempts.get(a.testCaseStartedId) : undefined
      if (!attempt) continue
      const body = Buffer.from(a.body, String(a.contentEncoding) === 'BASE64' ? 'base64' : 'utf8')
      if (a.mediaType === NODES_MEDIA_TYPE) attempt.nodes = (JSON.parse(body.toString()) as { nodes: string[] }).nodes
      else attempt.attachments.push({ path: writeAttachment(ctx.resultsDir, body, a.mediaType), mediaType: a.mediaType, ...(a.fileName ? { name: a.fileName } : {}) })
    } else if (envelope.testCaseFinished) {
      const f = envelope.testCaseFinished
      const attempt = attempts.get(f.testCaseStartedId)
      if (!attempt) continue
      attempts.delete(f.testCaseStartedId)
      last = millis(f.timestamp)
      if (f.willBeRetried) {
        failedBefore.add(attempt.testCaseId)
        continue
      }
      const testCase = testCases.get(attempt.testCaseId)
      const pickle = testCase && pickles.get(testCase.pickleId)
      if (!testCase || !pickle) continue
      writer.write(caseOf(pickle, documents.get(pickle.uri), attempt, last - attempt.startedAt, failedBefore.has(attempt.testCaseId)))
      testCases.delete(attempt.testCaseId)
      pickles.delete(testCase.pickleId)
    }
  }
  if (attempts.size) problems.push({ file, line: lineNumber, message: `${attempts.size} scenario(s) started but never finished (the run was cut short); not ingested` })
  for (const [type, count] of unknown) problems.push({ file, line: 0, message: `${count} envelope(s) of unknown type "${type}" (a newer Cucumber?) ignored` })
  if (envelopes === 0) {
    writer.discard()
    problems.push({ file, line: 1, message: 'no Cucumber Messages envelopes found (empty file?)' })
    return { cases: 0, problems }
  }
  const run = runFrom(ctx, { inputHash: hash.digest('hex'), startedAt: new Date(first ?? 0).toISOString(), finishedAt: new Date(last ?? first ?? 0).toISOString(), format: 'cucumber-messages', file })
  const cases = writer.cases
  return { run, cases, problems, path: await writer.close(run) }
}

function caseOf(
  pickle: { uri: string; name: string; tags: string[]; astNodeIds: readonly string[] },
  document: DocumentInfo | undefined,
  attempt: Attempt,
  duration: number,
  failedBefore: boolean,
): Case {
  const scenario = document?.scenarios.get(pickle.astNodeIds[0] ?? '')
  const row = pickle.astNodeIds[1] ? document?.rows.get(pickle.astNodeIds[1]) : undefined
  const example = row ? { name: row.examples, index: row.index, values: row.values } : undefined
  const scenarioName = scenario?.name ?? pickle.name
  return {
    kind: 'case',
    id: caseIdOf({ uri: pickle.uri, scenario: scenarioName, ...(scenario?.rule ? { rule: scenario.rule } : {}), ...(example ? { example } : {}) }),
    uri: pickle.uri,
    feature: document?.feature ?? pickle.uri,
    scenario: scenarioName,
    name: example ? `${pickle.name} [${example.name ? `${example.name} ` : ''}#${example.index}]` : pickle.name,
    ...(example ? { example } : {}),
    featureIds: pickle.tags.filter((t) => t.startsWith('@feature:')).map((t) => t.slice('@feature:'.length)),
    tags: pickle.tags,
    status: attempt.status,
    flaky: failedBefore && attempt.status === 'passed',
    attempts: attempt.attempt + 1,
    durationMs: duration,
    steps: attempt.steps,
    ...(attempt.error ? { error: attempt.error } : {}),
    attachments: attempt.attachments,
    nodes: attempt.nodes,
    source: 'automated',
  }
}

function documentInfo(document: GherkinDocument): DocumentInfo {
  const info: DocumentInfo = { feature: document.feature?.name ?? document.uri ?? '', scenarios: new Map(), rows: new Map(), keywords: new Map() }
  const addSteps = (steps: readonly { id: string; keyword: string }[]): void => steps.forEach((s) => info.keywords.set(s.id, s.keyword.trim()))
  const addScenario = (scenario: NonNullable<GherkinDocument['feature']>['children'][number]['scenario'], rule?: string): void => {
    if (!scenario) return
    info.scenarios.set(scenario.id, { name: scenario.name, ...(rule ? { rule } : {}) })
    addSteps(scenario.steps)
    for (const examples of scenario.examples) {
      const header = examples.tableHeader?.cells.map((c) => c.value) ?? []
      examples.tableBody.forEach((row, index) => {
        const values: Record<string, string> = {}
        header.forEach((h, i) => (values[h] = row.cells[i]?.value ?? ''))
        info.rows.set(row.id, { examples: examples.name, index: index + 1, values })
      })
    }
  }
  for (const child of document.feature?.children ?? []) {
    if (child.background) addSteps(child.background.steps)
    addScenario(child.scenario)
    for (const ruleChild of child.rule?.children ?? []) {
      if (ruleChild.background) addSteps(ruleChild.background.steps)
      addScenario(ruleChild.scenario, child.rule!.name)
    }
  }
  return info
}

// Every pickle is announced before the first scenario runs: keep only what a case needs, in
// small arrays (a scenario has a handful of steps; Maps would cost more than they save).
interface PickleInfo {
  uri: string
  name: string
  tags: string[]
  astNodeIds: readonly string[]
  steps: { id: string; text: string; astNodeId: string }[]
}

interface TestCaseInfo {
  pickleId: string
  steps: { id: string; pickleStepId?: string }[]
}

function pickleInfo(pickle: Pickle): PickleInfo {
  return { uri: pickle.uri, name: pickle.name, tags: pickle.tags.map((t) => t.name), astNodeIds: pickle.astNodeIds, steps: pickle.steps.map((s) => ({ id: s.id, text: s.text, astNodeId: s.astNodeIds[0] ?? '' })) }
}

function testCaseInfo(testCase: TestCase): TestCaseInfo {
  return { pickleId: testCase.pickleId, steps: testCase.testSteps.map((s) => (s.pickleStepId ? { id: s.id, pickleStepId: s.pickleStepId } : { id: s.id })) }
}

function millis(t: Timestamp): number {
  return t.seconds * 1000 + Math.round(t.nanos / 1e6)
}

function durationMs(d: { seconds: number; nanos: number }): number {
  return d.seconds * 1000 + d.nanos / 1e6
}
