import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isUtf8 } from 'node:buffer'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import type { Case } from '../model/results.ts'
import { caseIdOf, type Status } from '../model/vocabulary.ts'
import { ResultsWriter } from './results-writer.ts'
import { runFrom, type IngestContext, type IngestOutcome } from './ingest-types.ts'

type Node = Record<string, unknown>

/**
 * Reads JUnit XML from other stages (e.g. Go tests through go-junit-report): testsuite ›
 * testcase with classname/name/file/time and failure/error/skipped/system-out.
 */
export async function ingestJUnit(file: string, ctx: IngestContext): Promise<IngestOutcome> {
  const bytes = readFileSync(file)
  if (bytes.length === 0 || !bytes.toString('utf8').trim()) return { cases: 0, problems: [{ file, line: 1, message: 'empty file: no JUnit XML in it' }] }
  if (!isUtf8(bytes)) return { cases: 0, problems: [{ file, line: 0, message: 'not valid UTF-8 text; JUnit XML must be UTF-8 encoded' }] }
  const text = bytes.toString('utf8')
  const valid = XMLValidator.validate(text)
  if (valid !== true) return { cases: 0, problems: [{ file, line: valid.err.line, message: `malformed XML: ${valid.err.msg}` }] }
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', textNodeName: '#text', isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped', 'property'].includes(name) })
  const doc = parser.parse(text) as Node
  const suites = [...((doc.testsuites as Node | undefined)?.testsuite as Node[] | undefined ?? []), ...((doc.testsuite as Node[] | undefined) ?? [])]
  if (suites.length === 0) return { cases: 0, problems: [{ file, line: 1, message: 'no <testsuite> element: not a JUnit report' }] }
  const writer = new ResultsWriter(ctx.resultsDir)
  let started = Infinity
  for (const suite of suites) {
    const timestamp = Date.parse(String(suite.timestamp ?? ''))
    if (!Number.isNaN(timestamp)) started = Math.min(started, timestamp)
    for (const testcase of (suite.testcase as Node[] | undefined) ?? []) writer.write(caseOf(testcase, String(suite.name ?? '')))
  }
  const at = new Date(Number.isFinite(started) ? started : 0).toISOString()
  const run = runFrom(ctx, { inputHash: createHash('sha256').update(bytes).digest('hex'), startedAt: at, finishedAt: at, format: 'junit', file })
  const cases = writer.cases
  return { run, cases, problems: [], path: writer.close(run) }
}

function caseOf(testcase: Node, suite: string): Case {
  const classname = String(testcase.classname ?? suite)
  const name = String(testcase.name ?? '')
  const failure = ((testcase.failure as Node[] | undefined) ?? [])[0] ?? ((testcase.error as Node[] | undefined) ?? [])[0]
  const skipped = ((testcase.skipped as Node[] | undefined) ?? []).length > 0
  const status: Status = failure ? 'failed' : skipped ? 'skipped' : 'passed'
  const error = failure ? [failure.message, failure['#text']].filter(Boolean).map(String).join('\n') : undefined
  const output = testcase['system-out'] !== undefined ? String(typeof testcase['system-out'] === 'object' ? ((testcase['system-out'] as Node)['#text'] ?? '') : testcase['system-out']) : undefined
  return {
    kind: 'case',
    id: caseIdOf({ uri: classname, scenario: name }),
    uri: String(testcase.file ?? classname),
    feature: classname,
    scenario: name,
    name,
    featureIds: [],
    tags: [],
    status,
    flaky: false,
    attempts: 1,
    durationMs: Math.round(Number(testcase.time ?? 0) * 1000),
    steps: [],
    ...(error ? { error } : {}),
    attachments: [],
    nodes: [],
    source: 'automated',
    ...(output ? { output } : {}),
  }
}
