import fc from 'fast-check'
import { XMLBuilder, XMLParser } from 'fast-xml-parser'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ingestFile } from '../../src/results/ingest-file.ts'
import type { IngestOutcome } from '../../src/results/ingest-types.ts'
import { strictObject } from 'zod/mini'
import { CaseSchema, RunSchema } from '../../src/model/results.ts'
import { ENVELOPE_TYPES } from '../../src/results/ingest-cucumber-messages.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { pathsOf, replacedAt } from '../helpers/json-paths.ts'

// A results file written by some other tool may hold any JSON where a producer's field should
// be: one such value must cost at most the scenario it is in, with a problem saying where —
// never the whole file, and never an error about JavaScript (`Cannot read properties of null`).

type Json = unknown

/** Cases written as passed. */
function passes(outcome: IngestOutcome): number {
  if (!outcome.path) return 0
  return readFileSync(outcome.path, 'utf8').trim().split('\n').slice(1).filter((line) => (JSON.parse(line) as { status: string }).status === 'passed').length
}

// every key of a case written is one the model knows
const strictCase = strictObject(CaseSchema.shape)

const anyJson = fc.oneof(fc.constantFrom(null, [], {}, '', 0, -1, true, [null], { id: null }), fc.jsonValue({ maxDepth: 3 }))

/** Ingests `file`; what it writes holds to the model, whatever the input held. */
async function ingested(file: string): Promise<IngestOutcome> {
  const outcome = await ingestFile(file, { build: 'v1', environment: 'local', stage: 'acceptance', resultsDir: path.join(path.dirname(file), 'results') })
  if (outcome.path) {
    const [run, ...cases] = readFileSync(outcome.path, 'utf8').trim().split('\n')
    RunSchema.parse(JSON.parse(run!))
    for (const c of cases) strictCase.parse(JSON.parse(c))
  }
  return outcome
}

describe('results files with any JSON value in place of a field', () => {
  const fixtures = ['flaky.ndjson', 'failing.ndjson'].map((f) => readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/messages', f), 'utf8').trim().split('\n'))

  it('Cucumber Messages: the line is skipped with its number, the other scenarios are ingested', async () => {
    const expected = await Promise.all(
      fixtures.map(async (lines) => {
        const outcome = await ingested(path.join(tempTree({ 'in.ndjson': `${lines.join('\n')}\n` }), 'in.ndjson'))
        return { cases: outcome.cases, passes: passes(outcome) }
      }),
    )
    // (each has a case that did not pass, for the runs below to turn green)
    expect(expected.some((e) => e.passes < e.cases)).toBe(true)
    await fc.assert(
      fc.asyncProperty(fc.nat(1), fc.nat(), fc.nat(), anyJson, async (which, lineAt, pathAt, by) => {
        const lines = [...fixtures[which]!]
        // (the first line tells the format: `{` — another value there makes it another file)
        const at = 1 + (lineAt % (lines.length - 1))
        const envelope = JSON.parse(lines[at]!) as Json
        const paths = pathsOf(envelope)
        const where = paths[pathAt % paths.length]!
        lines[at] = JSON.stringify(replacedAt(envelope, where, by))
        const file = path.join(tempTree({ 'in.ndjson': `${lines.join('\n')}\n` }), 'in.ndjson')
        const outcome = await ingested(file)
        // one envelope holds at most one scenario's attempt, test case or pickle
        expect(outcome.cases).toBeGreaterThanOrEqual(expected[which]!.cases - 1)
        // and never makes the run look better: no more passes, unless the run is marked failed
        // (an envelope of a type Cucumber does not write is ignored, as one of a newer Cucumber: said, not failed)
        const otherType = where.length === 0 && by !== null && typeof by === 'object' && !Array.isArray(by) && Object.keys(by).length > 0 && !ENVELOPE_TYPES.has(Object.keys(by)[0]!)
        if (!outcome.run?.errors?.length && !otherType) expect(passes(outcome)).toBeLessThanOrEqual(expected[which]!.passes)
        for (const p of outcome.problems) {
          expect(p.message).not.toMatch(/Cannot (read|convert)|is not a function|undefined or null/)
          expect(p.line).toBeGreaterThanOrEqual(0)
          expect(p.line).toBeLessThanOrEqual(lines.length)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('Cucumber JSON: the scenario is skipped with its feature\'s line, the other features are ingested', async () => {
    const step = (i: number, status: string) => ({
      keyword: 'Given ',
      name: `step ${i}`,
      line: 4 + i,
      match: { location: 'steps.go:9' },
      result: { status, duration: 1000, ...(status === 'failed' ? { error_message: 'boom' } : {}) },
      ...(i === 0 ? { doc_string: { value: 'doc' } } : { rows: [{ cells: ['a', 'b'] }] }),
      embeddings: [{ data: Buffer.from('x').toString('base64'), mime_type: 'text/plain', name: 'log' }],
      output: ['said'],
    })
    const feature = (f: number) => ({
      uri: `features/f${f}.feature`,
      id: `f${f}`,
      keyword: 'Feature',
      name: `F${f}`,
      line: 2,
      tags: [{ name: '@feature:p2p-network', line: 1 }],
      elements: [0, 1].map((s) => ({
        id: `f${f};s${s}`,
        keyword: 'Scenario',
        name: `s${s}`,
        line: 3 + s * 5,
        type: 'scenario',
        tags: [{ name: `@s${s}`, line: 2 }],
        before: [{ match: { location: 'hooks.go:1' }, result: { status: 'passed', duration: 10 } }],
        steps: [step(0, 'passed'), step(1, s ? 'failed' : 'passed')],
        after: [{ match: { location: 'hooks.go:2' }, result: { status: 'passed', duration: 10 } }],
      })),
    })
    const report = [0, 1, 2].map(feature)
    const original = await ingested(path.join(tempTree({ 'in.json': JSON.stringify(report, null, 2) }), 'in.json'))
    const expected = original.cases
    expect(expected).toBe(6)
    expect(passes(original)).toBe(3)
    const paths = pathsOf(report)
    await fc.assert(
      fc.asyncProperty(fc.nat(), anyJson, fc.boolean(), async (pathAt, by, indented) => {
        const file = path.join(tempTree(), 'in.json')
        writeFileSync(file, JSON.stringify(replacedAt(report, paths[pathAt % paths.length]!, by), null, indented ? 2 : undefined))
        const outcome = await ingested(file)
        const where = paths[pathAt % paths.length]!
        // a value at the root or in place of a feature may cost the whole file or the feature; deeper, one scenario
        if (where.length > 2) expect(outcome.cases).toBeGreaterThanOrEqual(where.length > 3 ? expected - 1 : expected - 2)
        // and never a pass the report does not give (a scenario whose steps are emptied is one that ran none)
        if (!(where.at(-1) === 'steps' && Array.isArray(by) && by.length === 0)) expect(passes(outcome)).toBeLessThanOrEqual(3)
        for (const p of outcome.problems) expect(p.message).not.toMatch(/Cannot (read|convert)|is not a function|is not iterable|undefined or null/)
      }),
      { numRuns: 300 },
    )
  })

  it('go test -json: any value in place of a field is read or named, never a crash', async () => {
    const events = [
      { Action: 'run', Test: 'TestFeatures' },
      { Action: 'run', Test: 'TestFeatures/Deploy' },
      { Action: 'output', Test: 'TestFeatures/Deploy', Output: '    a_test.go:7: expected refusal\n' },
      { Action: 'fail', Test: 'TestFeatures/Deploy', Elapsed: 0.01 },
      { Action: 'run', Test: 'TestFeatures/Skip' },
      { Action: 'skip', Test: 'TestFeatures/Skip', Elapsed: 0 },
      { Action: 'fail', Test: 'TestFeatures', Elapsed: 0.02 },
      { Action: 'output', Output: 'FAIL\n' },
      { Action: 'fail', Elapsed: 0.03 },
    ].map(({ Action, ...rest }) => ({ Time: '2026-12-06T02:00:00Z', Action, Package: 'p', ...rest }))
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), anyJson, async (lineAt, pathAt, by) => {
        const lines = events.map((e) => JSON.stringify(e))
        // (the first line tells the format: another value there makes it another file)
        const at = 1 + (lineAt % (lines.length - 1))
        const paths = pathsOf(events[at])
        lines[at] = JSON.stringify(replacedAt(events[at], paths[pathAt % paths.length]!, by))
        const outcome = await ingested(path.join(tempTree({ 'in.json': `${lines.join('\n')}\n` }), 'in.json'))
        for (const p of outcome.problems) {
          expect(p.message).not.toMatch(/Cannot (read|convert)|is not a function|is not iterable|undefined or null/)
          expect(p.line).toBeLessThanOrEqual(lines.length)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('JUnit XML: any value in place of an attribute or element is read or named, never a crash', async () => {
    // the report as elements and attributes (`@_name`), changed, and written back as XML
    const xml = { ignoreAttributes: false, attributeNamePrefix: '@_', cdataPropName: '#cdata' }
    const report = new XMLParser(xml).parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/messages/go-unit.xml'), 'utf8')) as Json
    const paths = pathsOf(report)
    const builder = new XMLBuilder(xml)
    await fc.assert(
      fc.asyncProperty(fc.nat(), anyJson, async (pathAt, by) => {
        let text: string
        try {
          text = builder.build(replacedAt(report, paths[pathAt % paths.length]!, by)) as string
        } catch {
          return fc.pre(false) // no XML to write for it (the whole report replaced by null)
        }
        const file = path.join(tempTree(), 'in.xml')
        writeFileSync(file, text)
        const outcome = await ingested(file)
        for (const p of outcome.problems) expect(p.message).not.toMatch(/Cannot (read|convert)|is not a function|is not iterable|undefined or null/)
      }),
      { numRuns: 300 },
    )
  })
})

// The same properties over what real producers wrote (../shared/conformance: the Cucumber
// Compatibility Kit's message streams, Cucumber-JVM's and godog's Cucumber JSON), not only over
// this project's fixtures: one value changed anywhere in any of them.
const CONFORMANCE = path.resolve(PROJECT_ROOT, '../shared/conformance')
const conformancePresent = existsSync(CONFORMANCE)
const filesIn = (dir: string, ext: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(ext)).sort().map((f) => path.join(dir, f)) : [])

describe.skipIf(!conformancePresent)('real producers\' files with any JSON value in place of a field', () => {
  it('Cucumber Messages (CCK, Cucumber-JVM): at most one scenario lost, never a pass more, never a JavaScript error', async () => {
    const streams = [...filesIn(path.join(CONFORMANCE, 'cck'), '.ndjson'), ...filesIn(path.join(CONFORMANCE, 'cucumber-json'), '.ndjson')].map((file) => ({ file, lines: readFileSync(file, 'utf8').trim().split('\n') }))
    expect(streams.length).toBeGreaterThan(40)
    const expected = new Map<number, { cases: number; passes: number }>()
    const original = async (which: number) => {
      if (!expected.has(which)) {
        const outcome = await ingested(path.join(tempTree({ 'in.ndjson': `${streams[which]!.lines.join('\n')}\n` }), 'in.ndjson'))
        expected.set(which, { cases: outcome.cases, passes: passes(outcome) })
      }
      return expected.get(which)!
    }
    await fc.assert(
      fc.asyncProperty(fc.nat(streams.length - 1), fc.nat(), fc.nat(), anyJson, async (which, lineAt, pathAt, by) => {
        const { lines } = streams[which]!
        if (lines.length < 2) return
        const before = await original(which)
        const changed = [...lines]
        const at = 1 + (lineAt % (changed.length - 1))
        const envelope = JSON.parse(changed[at]!) as Json
        const paths = pathsOf(envelope)
        const where = paths[pathAt % paths.length]!
        changed[at] = JSON.stringify(replacedAt(envelope, where, by))
        const outcome = await ingested(path.join(tempTree({ 'in.ndjson': `${changed.join('\n')}\n` }), 'in.ndjson'))
        expect(outcome.cases).toBeGreaterThanOrEqual(before.cases - 1)
        const otherType = where.length === 0 && by !== null && typeof by === 'object' && !Array.isArray(by) && Object.keys(by).length > 0 && !ENVELOPE_TYPES.has(Object.keys(by)[0]!)
        if (!outcome.run?.errors?.length && !otherType) expect(passes(outcome)).toBeLessThanOrEqual(before.passes)
        for (const p of outcome.problems) expect(p.message).not.toMatch(/Cannot (read|convert)|is not a function|is not iterable|undefined or null/)
      }),
      { numRuns: 400 },
    )
  })

  it('Cucumber JSON (Cucumber-JVM, godog): never a pass more, never a JavaScript error', async () => {
    const reports = [...filesIn(path.join(CONFORMANCE, 'cucumber-json'), '.json')].map((file) => ({ file, report: JSON.parse(readFileSync(file, 'utf8')) as Json }))
    expect(reports.length).toBeGreaterThan(20)
    const expected = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(fc.nat(reports.length - 1), fc.nat(), anyJson, async (which, pathAt, by) => {
        const { report } = reports[which]!
        if (!expected.has(which)) expected.set(which, passes(await ingested(path.join(tempTree({ 'in.json': JSON.stringify(report) }), 'in.json'))))
        const paths = pathsOf(report)
        const where = paths[pathAt % paths.length]!
        const outcome = await ingested(path.join(tempTree({ 'in.json': JSON.stringify(replacedAt(report, where, by)) }), 'in.json'))
        // (a list emptied is a report that says less — no steps ran, no hook did — not a misshapen one)
        if (!(Array.isArray(by) && by.length === 0)) expect(passes(outcome)).toBeLessThanOrEqual(expected.get(which)!)
        for (const p of outcome.problems) expect(p.message).not.toMatch(/Cannot (read|convert)|is not a function|is not iterable|undefined or null/)
      }),
      { numRuns: 400 },
    )
  })

  it('go test -json with an object where go test writes text (a seed of the property above): that line is named, the test it ended runs on, failed', async () => {
    const lines = [
      { Action: 'run', Package: 'p', Test: 'TestA' },
      { Action: 'pass', Package: { toString: 0 }, Test: 'TestA', Elapsed: 0.01 },
      { Action: 'pass', Package: 'p', Elapsed: 0.02 },
    ].map((e) => JSON.stringify(e))
    const outcome = await ingested(path.join(tempTree({ 'in.json': `${lines.join('\n')}\n` }), 'in.json'))
    expect(outcome.problems.map((p) => [p.line, p.message])).toEqual([[2, expect.stringMatching(/^a line that is no go test -json event \(or one with a field go test writes as text that is none\), skipped/)]])
    expect(readFileSync(outcome.path!, 'utf8').trim().split('\n').slice(1).map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(['failed'])
  })

  it("go test -json and Cucumber Messages with a value named as an object's own property (valueOf, constructor) where a word is looked up, or an Elapsed too large to be a time (seeds of the properties above)", async () => {
    const go = [
      { Action: 'run', Package: 'p', Test: 'TestA' },
      { Action: 'valueOf', Package: 'p', Test: 'TestA', Elapsed: 0.01 },
      { Action: 'pass', Package: 'p', Test: 'TestA', Elapsed: 0.01 },
    ].map((e) => JSON.stringify(e))
    const ran = await ingested(path.join(tempTree({ 'in.json': `${go.join('\n')}\n` }), 'in.json'))
    expect(readFileSync(ran.path!, 'utf8').trim().split('\n').slice(1).map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(['passed'])
    // an Elapsed of seconds whose milliseconds are no number (a seed too): no time, not a case the model refuses
    const far = [go[0], JSON.stringify({ Action: 'pass', Package: 'p', Test: 'TestA', Elapsed: 1.797693134862316e305 })]
    const timed = await ingested(path.join(tempTree({ 'in.json': `${far.join('\n')}\n` }), 'in.json'))
    expect(readFileSync(timed.path!, 'utf8').trim().split('\n').slice(1).map((l) => (JSON.parse(l) as { durationMs: number }).durationMs)).toEqual([0])
    // a step's type Cucumber does not know, named so: the step keeps the keyword of no type ("*")
    const messages = readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/messages', 'failing.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Json)
    const pickle = messages.find((m) => (m as { pickle?: unknown }).pickle) as { pickle: { steps: { type?: string; astNodeIds: string[] }[] } }
    // (its Gherkin step unknown too: the keyword is then the type's)
    Object.assign(pickle.pickle.steps[0]!, { type: 'constructor', astNodeIds: ['nowhere'] })
    await ingested(path.join(tempTree({ 'in.ndjson': `${messages.map((m) => JSON.stringify(m)).join('\n')}\n` }), 'in.ndjson'))
  })

  it('Cucumber JSON with an object whose toString is no function where a number is written (a seed of the property below): the file is read, that number is none', async () => {
    const step = (duration: unknown) => ({ keyword: 'Given ', name: 'a step', line: 4, match: { location: 'steps.go:9' }, result: { status: 'passed', duration } })
    const report = [
      {
        uri: 'features/a.feature',
        id: 'a',
        keyword: 'Feature',
        name: 'A',
        line: 1,
        elements: [
          { id: 'a;one', keyword: 'Scenario', name: 'one', line: { toString: {} }, type: 'scenario', steps: [step(1000)] },
          { id: 'a;two', keyword: 'Scenario', name: 'two', line: 6, type: 'scenario', steps: [step({ toString: 1 })] },
        ],
      },
    ]
    const outcome = await ingested(path.join(tempTree({ 'in.json': JSON.stringify(report) }), 'in.json'))
    const cases = readFileSync(outcome.path!, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { name: string; status: string; line?: number; durationMs: number })
    expect(cases.map((c) => [c.name, c.status])).toEqual([
      ['one', 'passed'],
      ['two', 'passed'],
    ])
    expect(cases[1]).toMatchObject({ line: 6, durationMs: 0 })
  })

  it("Cucumber Messages: a line named as an object's own property is no envelope, and an attachment's media type so named is stored as any unknown type", async () => {
    // a JSON line `{"constructor":…}` was taken for an envelope of Cucumber's: a file of such lines
    // became a run cut short, its failure put in the matrix, instead of "not Cucumber Messages"
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
      const outcome = await ingested(path.join(tempTree({ 'in.ndjson': `{"${name}":{}}\n{"${name}":1}\n` }), 'in.ndjson'))
      expect(outcome.path, name).toBeUndefined()
      expect(outcome.problems.map((p) => p.message)).toEqual([expect.stringContaining(`none of Cucumber's envelopes — meta, pickle, testCase, testCaseStarted… — the first is "${name}"`)])
    }
    // inside a real stream, such a line is an envelope of a newer Cucumber: named, the rest read
    const lines = readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/messages', 'failing.ndjson'), 'utf8').trim().split('\n')
    const plain = await ingested(path.join(tempTree({ 'in.ndjson': `${lines.join('\n')}\n` }), 'in.ndjson'))
    const mixed = await ingested(path.join(tempTree({ 'in.ndjson': `${[lines[0], '{"constructor":{}}', ...lines.slice(1)].join('\n')}\n` }), 'in.ndjson'))
    expect(mixed.cases).toBe(plain.cases)
    expect(mixed.run!.errors).toEqual(plain.run!.errors)
    // an attachment whose media type is `constructor`, `toString` or `__proto__` was written under an
    // extension of a function's source ("….function Object() { [native code] }") or "[object Object]"
    const started = lines.find((l) => l.startsWith('{"testCaseStarted"'))!
    const id = (JSON.parse(started) as { testCaseStarted: { id: string } }).testCaseStarted.id
    const attachments = ['constructor', 'toString', '__proto__'].map((mediaType) => JSON.stringify({ attachment: { testCaseStartedId: id, body: mediaType, contentEncoding: 'IDENTITY', mediaType } }))
    const at = lines.indexOf(started) + 1
    const attached = await ingested(path.join(tempTree({ 'in.ndjson': `${[...lines.slice(0, at), ...attachments, ...lines.slice(at)].join('\n')}\n` }), 'in.ndjson'))
    const cases = readFileSync(attached.path!, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { attachments: { path: string; mediaType: string }[] })
    const stored = cases.flatMap((c) => c.attachments)
    expect(stored.map((a) => a.mediaType)).toEqual(['constructor', 'toString', '__proto__'])
    for (const a of stored) expect(a.path).toMatch(/^attachments\/[0-9a-f]{24}\.bin$/)
  })

  it("JUnit XML with an element or attribute named as JavaScript objects' own (prototype, constructor, __proto__): the rest is read", async () => {
    const text = '<testsuites><testsuite name="s" prototype="x"><prototype/><constructor a="1"/><__proto__/><testcase name="t" classname="c" constructor="y"><failure>boom</failure></testcase></testsuite></testsuites>'
    const outcome = await ingested(path.join(tempTree({ 'in.xml': text }), 'in.xml'))
    expect(outcome.problems).toEqual([])
    expect(readFileSync(outcome.path!, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { name: string; status: string; error: string })).toMatchObject([{ name: 't', status: 'failed', error: 'boom' }])
  })

  it('JUnit XML (go-junit-report, gotestsum, jest-junit, pytest, Surefire, Playwright…): any value anywhere is read or named, never a crash', async () => {
    const xml = { ignoreAttributes: false, attributeNamePrefix: '@_', cdataPropName: '#cdata' }
    const reports = filesIn(path.join(CONFORMANCE, 'junit'), '.xml').map((file) => new XMLParser(xml).parse(readFileSync(file, 'utf8')) as Json)
    expect(reports.length).toBeGreaterThan(10)
    const builder = new XMLBuilder(xml)
    await fc.assert(
      fc.asyncProperty(fc.nat(reports.length - 1), fc.nat(), anyJson, async (which, pathAt, by) => {
        const report = reports[which]!
        const paths = pathsOf(report)
        let text: string
        try {
          text = builder.build(replacedAt(report, paths[pathAt % paths.length]!, by)) as string
        } catch {
          return fc.pre(false)
        }
        const outcome = await ingested(path.join(tempTree({ 'in.xml': text }), 'in.xml'))
        for (const p of outcome.problems) expect(p.message).not.toMatch(/Cannot (read|convert)|is not a function|is not iterable|undefined or null/)
      }),
      { numRuns: 400 },
    )
  })
})
