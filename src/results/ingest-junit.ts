import { readFileSync, statSync } from 'node:fs'
import { basename, dirname, extname, resolve } from 'node:path'
import { xmlText } from './xml-text.ts'
import { xmlProblem } from './xml-problem.ts'
import { xmlContentText, xmlReferences } from './xml-content.ts'
import { withoutGoFraming } from './go-test-output.ts'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import type { EntityDecoder } from '@nodable/entities'
import type { Attachment, Case } from '../model/results.ts'
import { caseIdOf, worseStatus, type Status } from '../model/vocabulary.ts'
import { NOT_RUN_TYPE } from '../model/status-algebra.ts'
import { ATTACHMENT_EXTENSIONS, headerRoomFor, ResultsWriter, writeAttachment } from './results-writer.ts'
import { CatalogueBinding } from './catalogue-binding.ts'
import { foldStepTests } from './step-tests.ts'
import { inputHasher, runFrom, type IngestContext, type IngestOutcome } from './ingest-types.ts'
import { bindingProblems, unbuiltPackage, writeReportTests, type ReportTally, type ReportTest } from './report-tests.ts'

type Node = Record<string, unknown>

const LISTS = ['testsuite', 'testcase', 'failure', 'error', 'skipped', 'property', 'flakyFailure', 'flakyError', 'rerunFailure', 'rerunError', 'system-out', 'system-err']

/**
 * The elements that hold a test's texts (its output; a failure's stack or a Go test's whole log),
 * read raw and decoded by xmlContentText (it says why). None holds elements of its own in any
 * producer's report (Surefire's reruns hold a <stackTrace>: they are not among them).
 */
const TEXTS = ['*.system-out', '*.system-err', '*.failure', '*.error', '*.skipped', '*.stackTrace']

/**
 * Reads JUnit XML as its producers write it (go-junit-report, gotestsum, jest-junit, pytest,
 * Maven Surefire, Playwright…) and counts as they count: every <testcase> at any depth of nested
 * <testsuite>s is a case; <failure> and <error> fail it, <skipped> skips it; Surefire's reruns —
 * <flakyFailure>/<flakyError> in a case that passed in the end, <rerunFailure>/<rerunError> in
 * one that failed every time — are attempts, the first making the case flaky. A case is known by
 * its suites, classname and name (GitLab's key); the same key again in one file (repeated Go test
 * names) is told apart by its occurrence. A test run by two Playwright projects (suites told apart
 * by their hostname) is the same case twice: the merge counts the worse.
 *
 * BDD runners that write only JUnit (godog's junit formatter: suite = feature, case = scenario)
 * lose the tags; where the project's features folder is at hand, a case whose suite (or
 * classname) and name are a catalogue scenario's is bound to it, and takes its id, tags and scope
 * features; so is a Playwright test that playwright-bdd generated (classname `<file>.feature.spec.js`,
 * name its title path), a test named "<Feature> <scenario>" (jest-junit's default name of a
 * jest-cucumber test) and one pytest-bdd named after its scenario (`test_<scenario>[<row values>]`);
 * vitest-cucumber's tests, one a step, are folded into their scenarios (step-tests.ts). Once anything in a file is bound, what is not is listed.
 */
export async function ingestJUnit(file: string, ctx: IngestContext): Promise<IngestOutcome> {
  const bytes = readFileSync(file)
  const decoded = xmlText(bytes)
  if ('problem' in decoded) return { cases: 0, problems: [{ file, line: 0, message: decoded.problem }] }
  const { text } = decoded
  if (!text.trim()) return { cases: 0, problems: [{ file, line: 1, message: 'empty file: no JUnit XML in it' }] }
  const valid = XMLValidator.validate(text)
  if (valid !== true) return { cases: 0, problems: [{ file, ...xmlProblem(valid.err, text) }] }
  // A text is kept as written: the parser's default made a failure's "007" 7 and an output "1e3" 1000.
  const references = xmlReferences()
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', textNodeName: '#text', parseTagValue: false, entityDecoder: references, stopNodes: TEXTS, isArray: (name) => LISTS.includes(name), transformTagName: unreserved, transformAttributeName: unreserved })
  const doc = parser.parse(text) as Node
  const roots = [...(((doc.testsuites as Node | undefined)?.testsuite as Node[] | undefined) ?? []), ...((doc.testsuite as Node[] | undefined) ?? [])]
  if (roots.length === 0) {
    const top = Object.keys(doc).filter((k) => k !== '?xml')[0]
    if (top === 'testsuites') return { cases: 0, problems: [{ file, line: 1, message: 'a JUnit report with no <testsuite> in it: nothing to ingest (did the tests run?)' }] }
    const other = top ? OTHER_XML_REPORTS[top] : undefined
    return { cases: 0, problems: [{ file, line: 1, message: `no <testsuite> element (the document's root is <${top ?? 'nothing'}>): not a JUnit report${other ? ` but ${other}` : ''}` }] }
  }
  const writer = new ResultsWriter(ctx.resultsDir, ctx.onCaseLines, { headerRoom: headerRoomFor(file) })
  const binding = ctx.catalogue ? CatalogueBinding.load(ctx.catalogue.featuresDir, ctx.catalogue.uriPrefix) : undefined
  const tally: ReportTally = { bound: 0, unbound: [], runErrors: [] }
  let started = Infinity
  const occurrences = new Map<string, number>()
  let suitesSeen = 0
  let notRunTests = 0
  const walk = (suite: Node, path: string[]): void => {
    suitesSeen++
    const name = String(suite.name ?? '')
    const here = name ? [...path, name] : path
    const timestamp = Date.parse(String(suite.timestamp ?? ''))
    if (!Number.isNaN(timestamp) && timestamp > 0) started = Math.min(started, timestamp)
    // Playwright writes a suite per project and file, the project as its hostname (its error text
    // names the project too): a test run by two projects is the same test twice, not a repeated name
    const host = String(suite.hostname ?? '')
    const made = (testcase: Node): { c: Case; occurrence: number } => {
      const key = `${here.join('\u0000')}\u0001${String(testcase.classname ?? '')}\u0001${String(testcase.name ?? '')}\u0001${host}`
      const occurrence = (occurrences.get(key) ?? 0) + 1
      occurrences.set(key, occurrence)
      const c = caseOf(testcase, here, occurrence, references)
      if (c.output?.includes('[[ATTACHMENT|')) c.attachments = linkedAttachments(c.output, dirname(file), ctx.resultsDir)
      return { c, occurrence }
    }
    const testcases = (suite.testcase as Node[] | undefined) ?? []
    // vitest-cucumber's tests are its steps: a case a scenario, once every one binds
    const prepared = binding && String(testcases[0]?.name ?? '').startsWith('Feature: ') ? testcases.map(made) : undefined
    const folded = prepared && foldStepTests(prepared.map(({ c }, i) => ({ name: String(testcases[i]!.name ?? ''), c })), binding!)
    if (folded) {
      for (const c of folded) writer.write(c)
      tally.bound += folded.length
    }
    // go-junit-report writes a Go package that did not build (or set up) as a test of that name: no test, a failure of the run
    const tests = (folded ? [] : testcases).flatMap((testcase, i): ReportTest[] => {
      // bdd-matrix's own JUnit lists each cell the scope requires and nothing ran as a skipped
      // test of type not-run: no result, read back as the gap it is (never a skip that ran)
      if (isNotRun(testcase)) {
        notRunTests++
        return []
      }
      const unbuilt = /^\[(build|setup) failed\]$/.exec(String(testcase.name ?? ''))
      if (unbuilt) {
        const { c } = prepared?.[i] ?? made(testcase)
        tally.runErrors.push(unbuiltPackage(c.feature, unbuilt[1]!, c.error))
        return []
      }
      const { c, occurrence } = prepared?.[i] ?? made(testcase)
      const [classname, name] = [String(testcase.classname ?? ''), String(testcase.name ?? '')]
      const byNames = binding && (binding.byNames(here.at(-1) ?? '', name, occurrence) ?? binding.byNames(classname, name, occurrence))
      const scenario =
        byNames ?? binding?.byTestTitle(classname || (here.at(-1) ?? ''), name, occurrence) ?? binding?.byJoinedNames(name, occurrence) ?? (occurrence === 1 ? binding?.byPytestName(name) : undefined) ?? binding?.byGoSubtest(name) ?? binding?.byJUnitPlatformName(classname, name, occurrence)
      // named as the matrix will name it if it stays unbound: its classname, else its suite
      return [{ name, c, scenario, where: `${c.feature} › ${name}` }]
    })
    writeReportTests(tests, (c) => writer.write(c), tally, Boolean(binding))
    for (const child of (suite.testsuite as Node[] | undefined) ?? []) walk(child, here)
  }
  for (const suite of roots) walk(suite, [])
  if (writer.cases === 0 && !tally.runErrors.length) {
    writer.discard()
    if (notRunTests) return { cases: 0, problems: [{ file, line: 1, message: `its ${notRunTests} test(s) are all cells nothing ran (bdd-matrix junit's not-run tests): no result to ingest; ingest the results of the runs instead` }] }
    return { cases: 0, problems: [{ file, line: 1, message: `no <testcase> in any of its ${suitesSeen} <testsuite> element(s), at any depth: nothing to ingest (did the tests run?)` }] }
  }
  // Without a timestamp (vitest, jest, Playwright write none), the report was written when the
  // file was: reruns of the same tests then merge in the order they ran.
  const at = new Date(Number.isFinite(started) ? started : statSync(file).mtimeMs).toISOString()
  const hash = inputHasher(ctx)
  hash.onBytes?.(bytes)
  const run = runFrom(ctx, { inputHash: await hash.digest(), startedAt: at, finishedAt: at, format: 'junit', file, errors: tally.runErrors })
  const cases = writer.cases
  const problems = bindingProblems(file, tally, ctx.stage)
  return { run, cases, problems, path: writer.close(run) }
}

/** Other tools' XML test reports, by their root: what each is, and how to have JUnit XML instead (as GitLab asks too). */
const OTHER_XML_REPORTS: Record<string, string | undefined> = Object.assign(Object.create(null) as Record<string, string | undefined>, {
  TestRun: 'a Visual Studio TRX report (dotnet test --logger trx, Reqnroll and SpecFlow under MSTest or VSTest); have dotnet test write JUnit XML with the JunitXml.TestLogger package (--logger "junit;LogFilePath=junit.xml"), or convert it with trx2junit',
  'test-run': 'an NUnit 3 result file; have dotnet test write JUnit XML with the JunitXml.TestLogger package (--logger "junit;LogFilePath=junit.xml"), or convert it with NUnit\'s nunit3-junit.xslt',
  assemblies: 'an xUnit.net result file; have dotnet test write JUnit XML with the JunitXml.TestLogger package (--logger "junit;LogFilePath=junit.xml")',
  'testng-results': "TestNG's own report; ingest the JUnit XML it writes beside it (test-output/junitreports/, or Surefire's target/surefire-reports/TEST-*.xml)",
})

/**
 * The parser refuses an element or attribute named as JavaScript objects' own (it would throw for
 * the whole file): no such name is one JUnit has, so it is kept under another and the rest is read.
 */
function unreserved(name: string): string {
  return name === '__proto__' || name === 'constructor' || name === 'prototype' ? `${name}\u0000` : name
}

/** Verdicts a testcase's status attribute can give; anything else there ("run", "passed") adds nothing. */
const STATUS_ATTRIBUTE: Record<string, Status | undefined> = Object.assign(Object.create(null) as Record<string, Status | undefined>, {
  failed: 'failed', failure: 'failed', error: 'failed', broken: 'failed',
  undefined: 'undefined', pending: 'pending', ambiguous: 'ambiguous',
  skipped: 'skipped', untested: 'skipped', notrun: 'skipped', disabled: 'skipped',
})

/** Statuses a failure's type attribute names exactly as bdd-matrix writes them (status-algebra's failureMessage). */
const TYPED_STATUS: Record<string, Status | undefined> = Object.assign(Object.create(null) as Record<string, Status | undefined>, { blocked: 'blocked', undefined: 'undefined', pending: 'pending', ambiguous: 'ambiguous' })

/** A test bdd-matrix's JUnit wrote for a required cell nothing ran: `<skipped type="not-run">`. */
function isNotRun(testcase: Node): boolean {
  const skipped = testcase.skipped as Node[] | undefined
  return Array.isArray(skipped) && skipped.length > 0 && skipped.every((k) => k !== null && typeof k === 'object' && k.type === NOT_RUN_TYPE) && !testcase.failure && !testcase.error
}

function withoutPrefix(text: string | undefined, prefix: string | undefined): string | undefined {
  return prefix && text?.startsWith(prefix) ? text.slice(prefix.length) : text
}

function caseOf(testcase: Node, suites: string[], occurrence: number, references: EntityDecoder): Case {
  const suite = suites.join(' › ')
  const classname = String(testcase.classname ?? '') || suites.at(-1) || ''
  const baseName = String(testcase.name ?? '')
  const name = occurrence > 1 ? `${baseName} #${occurrence}` : baseName
  const list = (tag: string): Node[] => (testcase[tag] as Node[] | undefined) ?? []
  // An element's presence is the verdict: an empty <failure/> (cucumber-js writes one for an
  // undefined step) is parsed as an empty string, a failure all the same.
  const failures = [...list('failure'), ...list('error')]
  const skipped = list('skipped').length > 0
  const flakyRuns = [...list('flakyFailure'), ...list('flakyError')]
  const reruns = [...list('rerunFailure'), ...list('rerunError')]
  // A failure's type naming a status JUnit has no element for (bdd-matrix's own JUnit writes
  // type="blocked", "undefined", "pending" or "ambiguous") keeps it: the report reads back as it was
  // written, a tester's block no plain failure.
  const typeOf = (f: Node | string | undefined): unknown => (f !== null && typeof f === 'object' ? f.type : undefined)
  const type = typeOf(failures[0])
  const typed = typeof type === 'string' && failures.every((f) => typeOf(f) === type) ? TYPED_STATUS[type] : undefined
  const counted: Status = typed ?? (failures.length ? 'failed' : skipped ? 'skipped' : 'passed')
  // A worse verdict in the status attribute (godog, behave, googletest write one) is not lost
  // for want of a child element; a value that is no verdict ("run") changes nothing.
  const said = STATUS_ATTRIBUTE[String(testcase.status ?? '').trim().toLowerCase()]
  const status = said ? worseStatus(counted, said) : counted
  let error: string | undefined
  const textOf = (node: Node | string): string | undefined => errorText(node, references)
  if (failures.length) error = withoutPrefix(textOf(failures[0]!), typed && `${typed}: `) ?? `the report marks it ${list('failure').length ? 'failed' : 'in error'} without a message`
  else if (skipped) error = textOf(list('skipped')[0]!)
  else if (status !== counted) error = `the report says status="${String(testcase.status)}"`
  else if (flakyRuns[0]) error = textOf(flakyRuns[0])
  const output = [systemText(testcase['system-out'], references), systemText(testcase['system-err'], references)].filter(Boolean).join('\n')
  return {
    kind: 'case',
    id: caseIdOf({ uri: classname, scenario: baseName, ...(suite && suite !== classname ? { rule: suite } : {}), occurrence }),
    uri: String(testcase.file ?? classname),
    ...(Number.isSafeInteger(Number(testcase.line)) && Number(testcase.line) > 0 ? { line: Number(testcase.line) } : {}),
    feature: classname,
    scenario: baseName,
    name,
    featureIds: [],
    tags: [],
    status,
    // Passed in the end after failing: flaky, with each rerun an attempt.
    flaky: status === 'passed' && flakyRuns.length > 0,
    attempts: 1 + (status === 'passed' ? flakyRuns.length : reruns.length),
    durationMs: millisOf(testcase.time),
    steps: [],
    ...(error ? { error } : {}),
    attachments: [],
    nodes: [],
    source: 'automated',
    ...(output ? { output } : {}),
  }
}

/** go-junit-report and gotestsum say "Failed" of every failure, go-junit-report "Build error" of every package that did not build. */
const GENERIC_MESSAGES: ReadonlySet<string> = new Set(['Failed', 'Build error'])

/** An element's message attribute and its text (a stack trace, the test's output), as one error. */
function errorText(node: Node | string, references: EntityDecoder): string | undefined {
  if (typeof node !== 'object') return contentOf(node, references)?.trim() || undefined
  const stack = node.stackTrace as (Node | string)[] | Node | string | undefined
  // (gotestsum writes a skipped test's output, framing and all, as its <skipped message>)
  // behave writes Python's None for the message and trace of a step it has no definition for
  const none = node.type === 'NoneType'
  const message = node.message === undefined || (none && node.message === 'None') ? undefined : withoutGoFraming(String(node.message))
  const text = contentOf(node, references)
  const parts = [message, none ? text?.replace(/\nNone\s*$/, '') : text, contentOf(Array.isArray(stack) ? stack[0] : stack, references)]
    .filter((p) => p !== undefined && String(p).trim() !== '')
    .map((p) => String(p).trim())
  // jest-junit and others repeat the message at the start of the text: keep it once; a message
  // every failure of a producer carries says less than the text after it (GENERIC_MESSAGES).
  if (parts.length > 1 && (parts[1]!.startsWith(parts[0]!) || GENERIC_MESSAGES.has(parts[0]!))) parts.shift()
  return parts.length ? parts.join('\n') : undefined
}

/** The text of an element read raw (TEXTS), decoded, a Go test's framing left out; the parser gives one without attributes as its text alone. */
function contentOf(element: Node | string | undefined, references: EntityDecoder): string | undefined {
  const raw = typeof element === 'object' ? element['#text'] : element
  return raw === undefined ? undefined : withoutGoFraming(xmlContentText(String(raw), references))
}

/** What a linked file is, by its extension: the kinds stored attachments are (screenshots, videos, traces, logs). */
const LINKED_TYPES = new Map<string, string>([...Object.entries(ATTACHMENT_EXTENSIONS).map(([type, ext]): [string, string] => [`.${ext}`, type]), ['.jpeg', 'image/jpeg'], ['.log', 'text/plain']])

/**
 * The files a test's output links as GitLab reads them, `[[ATTACHMENT|<path>]]` (Playwright's
 * screenshots, videos and traces; Surefire's), copied into the results as the test's attachments:
 * a relative path is the report's own (Playwright writes it from the report's folder), else the
 * working folder's. A link to no file is left in the output as it is.
 */
function linkedAttachments(output: string, reportDir: string, resultsDir: string): Attachment[] {
  const out: Attachment[] = []
  for (const [, given] of output.matchAll(/\[\[ATTACHMENT\|([^\]\r\n]+)\]\]/g)) {
    const file = [resolve(reportDir, given!.trim()), resolve(given!.trim())].find((f) => statSync(f, { throwIfNoEntry: false })?.isFile())
    if (!file) continue
    const mediaType = LINKED_TYPES.get(extname(file).toLowerCase()) ?? 'application/octet-stream'
    const stored = writeAttachment(resultsDir, readFileSync(file), mediaType)
    // (each attempt links its own copy; the same content once)
    if (!out.some((a) => a.path === stored)) out.push({ path: stored, mediaType, name: basename(file) })
  }
  return out
}

/** The text of a testcase's <system-out> (or <system-err>) elements, every one of them, decoded. */
function systemText(value: unknown, references: EntityDecoder): string {
  const elements = (value as (Node | string)[] | undefined) ?? []
  return elements
    .map((element) => (contentOf(element, references) ?? '').trim())
    .filter(Boolean)
    .join('\n')
}

/**
 * A `time` attribute (seconds) in milliseconds; one that is no duration counts 0. Some producers
 * write it in their locale's format (Surefire `1,093.5`, a German locale `0,123`): the last
 * separator is the decimal one, any before it group thousands.
 */
export function millisOf(time: unknown): number {
  const text = String(time ?? '').trim()
  const decimal = Math.max(text.lastIndexOf('.'), text.lastIndexOf(','))
  const plain = decimal !== -1 && /^\d[\d.,]*$/.test(text) ? `${text.slice(0, decimal).replace(/[.,]/g, '')}.${text.slice(decimal + 1)}` : text
  const ms = Math.round(Number(plain || 0) * 1000)
  return Number.isFinite(ms) && ms > 0 ? ms : 0
}
