import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { gzipSync } from 'node:zlib'
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ingestCucumberMessages } from '../../src/results/ingest-cucumber-messages.ts'
import { ingestJUnit, millisOf } from '../../src/results/ingest-junit.ts'
import { ingestFile } from '../../src/results/ingest-file.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { CaseSchema, RunSchema, type Case } from '../../src/model/results.ts'
import { caseIdOf } from '../../src/model/vocabulary.ts'
import { BIN, PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { collectGarbage, heapInUse } from '../../src/collect-garbage.ts'

const MESSAGES = path.join(PROJECT_ROOT, 'test/fixtures/messages')
const ctx = (resultsDir: string) => ({ build: 'v0.5.0-rc1', environment: 'local', stage: 'acceptance' as const, resultsDir })

function readResults(file: string): { run: unknown; cases: Case[] } {
  const [head, ...rest] = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  return { run: head, cases: rest }
}

/**
 * A message stream announcing `scenarios` scenarios of `steps` steps before any runs (then running
 * them, passing), each test case line carrying `padding` characters of step match arguments; ids
 * of 36 characters, as cucumber-js's UUIDs.
 */
function streamOfWaitingScenarios(scenarios: number, padding: number, steps = 1): string {
  const value = 'x'.repeat(padding)
  const ids = (i: number, part: string) => `00000000-0000-4000-8000-${part}${String(i).padStart(10, '0')}`
  const each = Array.from({ length: steps }, (_, k) => k)
  const lines: unknown[] = [
    { gherkinDocument: { uri: 'features/many.feature', feature: { keyword: 'Feature', name: 'Many', description: '', language: 'en', location: { line: 1 }, tags: [], children: [] }, comments: [] } },
  ]
  for (let i = 0; i < scenarios; i++) lines.push({ pickle: { id: ids(i, 'p1'), uri: 'features/many.feature', name: `s${i}`, language: 'en', astNodeIds: [], tags: [], steps: each.map((k) => ({ id: ids(i, `p${k + 2}`), text: `step ${k}`, type: 'Context', astNodeIds: [] })) } })
  for (let i = 0; i < scenarios; i++)
    lines.push({
      testCase: {
        id: ids(i, 't1'),
        pickleId: ids(i, 'p1'),
        testSteps: each.map((k) => ({ id: ids(i, `t${k + 2}`), pickleStepId: ids(i, `p${k + 2}`), stepDefinitionIds: ['d'], stepMatchArgumentsLists: [{ stepMatchArguments: [{ group: { children: [], start: 0, value }, parameterTypeName: 'string' }] }] })),
        testRunStartedId: 'r',
      },
    })
  lines.push({ testRunStarted: { id: 'r', timestamp: { seconds: 0, nanos: 0 } } })
  for (let i = 0; i < scenarios; i++) {
    lines.push({ testCaseStarted: { id: ids(i, 's1'), testCaseId: ids(i, 't1'), attempt: 0, timestamp: { seconds: i, nanos: 0 } } })
    for (const k of each) lines.push({ testStepFinished: { testCaseStartedId: ids(i, 's1'), testStepId: ids(i, `t${k + 2}`), testStepResult: { status: 'PASSED', duration: { seconds: 0, nanos: 1 } }, timestamp: { seconds: i, nanos: 1 } } })
    lines.push({ testCaseFinished: { testCaseStartedId: ids(i, 's1'), timestamp: { seconds: i, nanos: 2 }, willBeRetried: false } })
  }
  lines.push({ testRunFinished: { success: true, timestamp: { seconds: scenarios, nanos: 0 } } })
  return path.join(tempTree({ 'many.ndjson': `${lines.map((l) => JSON.stringify(l)).join('\n')}\n` }), 'many.ndjson')
}

/**
 * The heap ingest holds beyond what was in use before it, at each collection it asks for (the
 * first when two thirds of the announced scenarios still wait to run), of a stream of `scenarios`.
 */
async function heldWhileWaiting(file: string, scenarios: number): Promise<number[]> {
  collectGarbage()
  collectGarbage()
  const before = heapInUse()
  const held: number[] = []
  const outcome = await ingestCucumberMessages(file, {
    ...ctx(tempTree()),
    collectGarbage: () => {
      collectGarbage()
      held.push(heapInUse() - before)
    },
  })
  expect(outcome.cases).toBe(scenarios)
  return held
}

describe('Cucumber Messages ingestion', () => {
  it('normalises every scenario, outline rows, retries (attempts, flaky) and validates against the model', async () => {
    const out = tempTree()
    const outcome = await ingestCucumberMessages(path.join(MESSAGES, 'flaky.ndjson'), ctx(out))
    expect(outcome.problems).toEqual([])
    const { run, cases } = readResults(outcome.path!)
    expect(RunSchema.parse(run)).toMatchObject({ build: 'v0.5.0-rc1', environment: 'local', stage: 'acceptance', source: { format: 'cucumber-messages' } })
    for (const c of cases) CaseSchema.parse(c)
    expect(cases).toHaveLength(6)
    const rows = cases.filter((c) => c.example)
    expect(rows.map((c) => c.example!.values)).toEqual([{ n: '1' }, { n: '2' }, { n: '3' }, { n: '4' }, { n: '5' }])
    // an outline row is named by its values (the name's placeholder interpolated), never by its position
    expect(rows[0]).toMatchObject({ scenario: 'number <n> is counted', name: 'number 1 is counted', featureIds: ['numbers'], feature: 'Numbers' })
    expect(new Set(cases.map((c) => c.id)).size).toBe(6)
    const flaky = cases.find((c) => c.scenario.startsWith('a flaky check'))!
    expect(flaky).toMatchObject({ status: 'passed', flaky: true, attempts: 2 })
    expect(flaky.steps).toEqual([expect.objectContaining({ keyword: 'Given', text: 'a check that fails on its first attempt', status: 'passed' })])
  })

  it('keeps the failure: status, failing step and error message', async () => {
    const outcome = await ingestCucumberMessages(path.join(MESSAGES, 'failing.ndjson'), ctx(tempTree()))
    const failed = readResults(outcome.path!).cases.find((c) => c.status === 'failed')!
    expect(failed).toMatchObject({ flaky: false, attempts: 1, error: expect.stringContaining('first attempt fails') })
    expect(failed.steps[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('first attempt fails') })
  })

  it('reports each step with its own keyword, text and status: background, steps, failing hook', async () => {
    const ts = (seconds: number) => ({ seconds, nanos: 0 })
    const step = (id: string, keyword: string, text: string) => ({ id, keyword, keywordType: 'Context', text, location: { line: 1 } })
    // Step ids that are prefixes of one another ("s1" in "s11") must not be taken for each other.
    const testSteps = [{ id: 's1', hookId: 'before' }, { id: 's11', pickleStepId: 'pb' }, { id: 's111', pickleStepId: 'p1' }, { id: 's2', pickleStepId: 'p2' }, { id: 's22', pickleStepId: 'p3' }, { id: 's3', hookId: 'after' }]
    const finished = (id: string, status: string, message?: string) => ({ testStepFinished: { testCaseStartedId: 'started', testStepId: id, testStepResult: { status, duration: { seconds: 0, nanos: 1e6 }, ...(message ? { message } : {}) }, timestamp: ts(2) } })
    const envelopes = [
      { gherkinDocument: { uri: 'features/steps.feature', comments: [], feature: { keyword: 'Feature', name: 'Steps', description: '', language: 'en', location: { line: 1 }, tags: [], children: [{ background: { id: 'bg', keyword: 'Background', name: '', description: '', location: { line: 2 }, steps: [step('gb', 'Given ', 'a background')] } }, { scenario: { id: 'sc', keyword: 'Scenario', name: 'three steps', description: '', location: { line: 4 }, tags: [], examples: [], steps: [step('g1', 'Given ', 'one'), step('g2', 'When ', 'two'), step('g3', 'Then ', 'three')] } }] } } },
      { pickle: { id: 'pk', uri: 'features/steps.feature', name: 'three steps', language: 'en', astNodeIds: ['sc'], tags: [], steps: [['pb', 'gb', 'a background'], ['p1', 'g1', 'one'], ['p2', 'g2', 'two'], ['p3', 'g3', 'three']].map(([id, ast, text]) => ({ id, text, type: 'Context', astNodeIds: [ast] })) } },
      { testCase: { id: 'tc', pickleId: 'pk', testRunStartedId: 'run', testSteps } },
      { testRunStarted: { id: 'run', timestamp: ts(1) } },
      { testCaseStarted: { id: 'started', testCaseId: 'tc', attempt: 0, timestamp: ts(1) } },
      ...testSteps.map((s) => finished(s.id, s.id === 's3' ? 'FAILED' : 'PASSED', s.id === 's3' ? 'cleanup failed' : undefined)),
      { testCaseFinished: { testCaseStartedId: 'started', timestamp: ts(3), willBeRetried: false } },
      { testRunFinished: { success: false, timestamp: ts(3) } },
    ]
    const dir = tempTree({ 'steps.ndjson': envelopes.map((e) => JSON.stringify(e)).join('\n') })
    const outcome = await ingestCucumberMessages(path.join(dir, 'steps.ndjson'), ctx(tempTree()))
    expect(outcome.problems).toEqual([])
    const [only] = readResults(outcome.path!).cases
    expect(only!.steps.map((s) => [s.keyword, s.text, s.status])).toEqual([
      ['Given', 'a background', 'passed'],
      ['Given', 'one', 'passed'],
      ['When', 'two', 'passed'],
      ['Then', 'three', 'passed'],
      ['Hook', 'hook', 'failed'],
    ])
    expect(only).toMatchObject({ status: 'failed', error: 'cleanup failed' })
  })

  it('gives a case the same id in every run, whatever its line: path + scenario + example row', async () => {
    const a = readResults((await ingestCucumberMessages(path.join(MESSAGES, 'failing.ndjson'), ctx(tempTree()))).path!).cases.map((c) => c.id).sort()
    const b = readResults((await ingestCucumberMessages(path.join(MESSAGES, 'flaky.ndjson'), ctx(tempTree()))).path!).cases.map((c) => c.id).sort()
    expect(a).toEqual(b)
  })

  it('ingests what is valid in a truncated file and says where it was cut', async () => {
    const lines = readFileSync(path.join(MESSAGES, 'failing.ndjson'), 'utf8').trim().split('\n')
    const cutAt = lines.findLastIndex((l) => l.includes('"testCaseFinished"'))
    const dir = tempTree({ 'cut.ndjson': `${lines.slice(0, cutAt).join('\n')}\n${lines[cutAt]!.slice(0, 25)}` })
    const outcome = await ingestCucumberMessages(path.join(dir, 'cut.ndjson'), ctx(tempTree()))
    expect(outcome.cases).toBe(5)
    expect(outcome.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      `${cutAt + 1}: not a JSON envelope (a run killed mid-write leaves its last line cut); skipped`,
      `${cutAt + 1}: 1 scenario(s) started but never finished (the run was cut short); not ingested`,
      `${cutAt + 1}: the stream ends without testRunFinished: the run was cut short (killed or crashed); what finished is ingested, the run is marked failed`,
    ])
    // the run itself carries the failure, so the matrix, JUnit and the gate show it
    expect(outcome.run!.errors).toEqual([{ where: 'test run', message: expect.stringContaining('ends without testRunFinished') }])
  })

  it('skips an envelope in another shape by its line, and never reads what it cannot read as a pass', async () => {
    const lines = readFileSync(path.join(MESSAGES, 'failing.ndjson'), 'utf8').trim().split('\n')
    const failing = lines.findIndex((l) => l.startsWith('{"testStepFinished"') && l.includes('"FAILED"'))
    const pickle = lines.findIndex((l) => l.startsWith('{"pickle"'))
    const spoiled = [...lines]
    // a pickle whose name is a list: its scenario is skipped; the failing step's line turned to null
    spoiled[pickle] = JSON.stringify({ pickle: { ...(JSON.parse(lines[pickle]!) as { pickle: object }).pickle, name: ['x'] } })
    spoiled[failing] = 'null'
    const outcome = await ingestCucumberMessages(path.join(tempTree({ 'in.ndjson': `${spoiled.join('\n')}\n` }), 'in.ndjson'), ctx(tempTree()))
    expect(outcome.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      `${failing + 1}: not a JSON envelope; skipped`,
      `${pickle + 1}: a "pickle" envelope not in the shape Cucumber writes (a field missing or of another type); skipped, with what depended on it — is the file from a Cucumber of protocol version 32 or close?`,
    ])
    expect(outcome.cases).toBe(5)
    // the failure that line held is not lost: the run carries it
    expect(outcome.run!.errors).toEqual([{ where: 'test run', message: `line ${failing + 1} of the message stream could not be read: what it reported is unknown` }])
    // a failing result of no attempt started before it (its attempt id spoiled) fails the run too
    const orphaned = [...lines]
    orphaned[failing] = lines[failing]!.replace(/"testCaseStartedId":"[^"]+"/, '"testCaseStartedId":"no-such-attempt"')
    const orphan = await ingestCucumberMessages(path.join(tempTree({ 'in.ndjson': `${orphaned.join('\n')}\n` }), 'in.ndjson'), ctx(tempTree()))
    expect(orphan.problems.map((p) => p.line)).toEqual([failing + 1])
    expect(orphan.run!.errors).toEqual([{ where: 'test run', message: `line ${failing + 1} of the message stream: a step result that did not pass belonging to no attempt started before it` }])
  })

  it('never takes a test case whose steps did not all say how they went for a pass', async () => {
    const lines = readFileSync(path.join(MESSAGES, 'failing.ndjson'), 'utf8').trim().split('\n')
    const failing = lines.findIndex((l) => l.startsWith('{"testStepFinished"') && l.includes('"FAILED"'))
    const before = await ingestCucumberMessages(path.join(tempTree({ 'in.ndjson': `${lines.join('\n')}\n` }), 'in.ndjson'), ctx(tempTree()))
    const failed = readResults(before.path!).cases.find((c) => c.steps.some((s) => s.status === 'failed' && s.keyword !== 'Hook'))!
    expect(failed.status).toBe('failed')
    // the failing step's result left out of the stream (a producer cut off, a line lost): the
    // attempt started and finished, no step of it failed, but it is not a pass
    const dropped = lines.filter((_, i) => i !== failing)
    const outcome = await ingestCucumberMessages(path.join(tempTree({ 'in.ndjson': `${dropped.join('\n')}\n` }), 'in.ndjson'), ctx(tempTree()))
    const c = readResults(outcome.path!).cases.find((x) => x.id === failed.id)!
    expect(c.status).toBe('undefined')
    expect(c.error).toMatch(/^the message stream has results for \d+ of the test case's \d+ steps and hooks: the others never said how they went$/)
  })

  it('never takes a scenario without steps for a pass, even when its hooks passed (cucumber-js counts it unknown, cucumber-ruby undefined)', async () => {
    const stream = [
      { meta: { protocolVersion: '32.0.0', implementation: { name: 'cucumber-js', version: '12.9.0' }, runtime: { name: 'node' }, os: { name: 'linux' }, cpu: { name: 'x64' } } },
      { gherkinDocument: { uri: 'a.feature', comments: [], feature: { keyword: 'Feature', name: 'A', description: '', language: 'en', location: { line: 1 }, tags: [], children: [{ scenario: { id: 'sc', keyword: 'Scenario', name: 'placeholder', description: '', location: { line: 2 }, tags: [], examples: [], steps: [] } }, { scenario: { id: 'sc2', keyword: 'Scenario', name: 'hooked', description: '', location: { line: 3 }, tags: [], examples: [], steps: [] } }] } } },
      { pickle: { id: 'p1', uri: 'a.feature', name: 'placeholder', language: 'en', astNodeIds: ['sc'], tags: [], steps: [] } },
      { pickle: { id: 'p2', uri: 'a.feature', name: 'hooked', language: 'en', astNodeIds: ['sc2'], tags: [], steps: [] } },
      { testCase: { id: 'tc1', pickleId: 'p1', testRunStartedId: 'run', testSteps: [] } },
      { testCase: { id: 'tc2', pickleId: 'p2', testRunStartedId: 'run', testSteps: [{ id: 'h', hookId: 'before' }] } },
      { testRunStarted: { id: 'run', timestamp: { seconds: 0, nanos: 0 } } },
      { testCaseStarted: { id: 's1', testCaseId: 'tc1', attempt: 0, timestamp: { seconds: 1, nanos: 0 } } },
      { testCaseFinished: { testCaseStartedId: 's1', timestamp: { seconds: 1, nanos: 1 }, willBeRetried: false } },
      { testCaseStarted: { id: 's2', testCaseId: 'tc2', attempt: 0, timestamp: { seconds: 2, nanos: 0 } } },
      { testStepFinished: { testCaseStartedId: 's2', testStepId: 'h', testStepResult: { status: 'PASSED', duration: { seconds: 0, nanos: 1 } }, timestamp: { seconds: 2, nanos: 1 } } },
      { testCaseFinished: { testCaseStartedId: 's2', timestamp: { seconds: 2, nanos: 2 }, willBeRetried: false } },
      { testRunFinished: { success: true, timestamp: { seconds: 3, nanos: 0 } } },
    ]
    const outcome = await ingestCucumberMessages(path.join(tempTree({ 'in.ndjson': `${stream.map((e) => JSON.stringify(e)).join('\n')}\n` }), 'in.ndjson'), ctx(tempTree()))
    expect(outcome.problems).toEqual([])
    expect(readResults(outcome.path!).cases.map((c) => [c.name, c.status, c.error])).toEqual([
      ['placeholder', 'undefined', 'the scenario has no steps: nothing was verified (Cucumber counts it undefined); write its steps, or tag it @wip and leave it out of the run'],
      ['hooked', 'undefined', 'the scenario has no steps: nothing was verified (Cucumber counts it undefined); write its steps, or tag it @wip and leave it out of the run'],
    ])
  })

  it("reads a document's rule, outline row and keywords while its pickles are announced, and names a pickle announced after them", async () => {
    // Two documents as cucumber-js announces them (each followed by its pickles): a rule's
    // scenario in a.feature, a plain one in b.feature.
    const document = (uri: string, child: object) => ({ gherkinDocument: { uri, comments: [], feature: { keyword: 'Feature', name: uri, description: '', language: 'en', location: { line: 1 }, tags: [], children: [child] } } })
    const step = (id: string) => ({ id, keyword: 'Given ', keywordType: 'Context', text: 'x', location: { line: 4 } })
    const scenario = (id: string, name: string, stepId: string) => ({ scenario: { id, keyword: 'Scenario', name, description: '', location: { line: 3 }, tags: [], examples: [], steps: [step(stepId)] } })
    const pickle = (id: string, uri: string, name: string, astNodeId: string, stepAst: string) => ({ pickle: { id, uri, name, language: 'en', astNodeIds: [astNodeId], tags: [], steps: [{ id: `${id}-s`, text: 'x', type: 'Context', astNodeIds: [stepAst] }] } })
    const a = document('a.feature', { rule: { id: 'r', keyword: 'Rule', name: 'the rule', description: '', location: { line: 2 }, tags: [], children: [scenario('a1', 'first', 'a1s'), scenario('a2', 'second', 'a2s')] } })
    const b = document('b.feature', scenario('b1', 'only', 'b1s'))
    const run = (pickles: object[]) => [
      { meta: { protocolVersion: '32.0.0', implementation: { name: 'cucumber-js', version: '12.9.0' }, runtime: { name: 'node' }, os: { name: 'linux' }, cpu: { name: 'x64' } } },
      ...pickles,
      ...['pa1', 'pa2', 'pb1'].map((p, i) => ({ testCase: { id: `tc${i}`, pickleId: p, testRunStartedId: 'run', testSteps: [{ id: `ts${i}`, pickleStepId: `${p}-s`, stepDefinitionIds: [], stepMatchArgumentsLists: [] }] } })),
      { testRunStarted: { id: 'run', timestamp: { seconds: 0, nanos: 0 } } },
      ...[0, 1, 2].flatMap((i) => [
        { testCaseStarted: { id: `s${i}`, testCaseId: `tc${i}`, attempt: 0, timestamp: { seconds: 1, nanos: 0 } } },
        { testStepFinished: { testCaseStartedId: `s${i}`, testStepId: `ts${i}`, testStepResult: { status: 'PASSED', duration: { seconds: 0, nanos: 0 } }, timestamp: { seconds: 1, nanos: 0 } } },
        { testCaseFinished: { testCaseStartedId: `s${i}`, timestamp: { seconds: 2, nanos: 0 }, willBeRetried: false } },
      ]),
      { testRunFinished: { success: true, timestamp: { seconds: 3, nanos: 0 } } },
    ]
    const ingest = async (envelopes: object[]) => {
      const outcome = await ingestCucumberMessages(path.join(tempTree({ 'in.ndjson': `${envelopes.map((e) => JSON.stringify(e)).join('\n')}\n` }), 'in.ndjson'), ctx(tempTree()))
      return { problems: outcome.problems, cases: readResults(outcome.path!).cases }
    }
    const [pa1, pa2, pb1] = [pickle('pa1', 'a.feature', 'first', 'a1', 'a1s'), pickle('pa2', 'a.feature', 'second', 'a2', 'a2s'), pickle('pb1', 'b.feature', 'only', 'b1', 'b1s')]

    const inOrder = await ingest(run([a, pa1, pa2, b, pb1]))
    expect(inOrder.problems).toEqual([])
    const second = inOrder.cases.find((c) => c.scenario === 'second')!
    expect(second.id).toBe(caseIdOf({ uri: 'a.feature', rule: 'the rule', scenario: 'second' }))
    expect(second.steps).toEqual([expect.objectContaining({ keyword: 'Given', text: 'x', status: 'passed' })])
    // a.feature's second pickle after b.feature's: what it read of its document was let go
    const late = await ingest(run([a, pa1, b, pb1, pa2]))
    expect(late.cases).toHaveLength(3)
    expect(late.problems).toEqual([expect.objectContaining({ line: 6, message: expect.stringMatching(/^a pickle announced after its document's other pickles.*named by the pickle alone/) })])
    expect(late.cases.filter((c) => c.scenario !== 'second').map((c) => c.id).sort()).toEqual(inOrder.cases.filter((c) => c.scenario !== 'second').map((c) => c.id).sort())
  })

  it('asks for a garbage collection as two thirds and as a third of the announced scenarios are left to run, where one may be asked for', async () => {
    const file = path.join(MESSAGES, 'failing.ndjson')
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(lines.filter((l) => l.startsWith('{"testCase"')).length).toBe(6)
    // no retries: each scenario's one attempt lets its plan go
    const finished = lines.filter((l) => l.startsWith('{"testCaseFinished"')).length
    let collections = 0
    const outcome = await ingestCucumberMessages(file, { ...ctx(tempTree()), collectGarbage: () => void collections++ })
    expect(outcome.cases).toBe(6)
    expect(finished).toBe(6)
    // 6 announced: when 4 are left, and when 2 are
    expect(collections).toBe(2)
  })

  it('holds no more of an announced test case than its plan while it waits to run (not the line it was read from)', async () => {
    // 3,000 scenarios announced before any runs, each test case line carrying 8 KB of step match
    // arguments ingest does not need: a reader that kept a slice of each line (a string cut from
    // it, as a regular expression's match is) would keep 24 MB (tried: 20 MB held at this point)
    const scenarios = 3000
    const file = streamOfWaitingScenarios(scenarios, 8192)
    // measured where ingest asks for a collection: two thirds of the scenarios still wait to run
    const held = await heldWhileWaiting(file, scenarios)
    expect(held).toHaveLength(2)
    // 2,000 waiting plans are some 1–2 MB; their lines would be 16 MB
    expect(held[0]!).toBeLessThan(8 * 1024 * 1024)
  })

  it('holds some 200 bytes of a scenario of three steps waiting to run (its plan packed: packed-plans.ts), not 400', async () => {
    // 30,000 scenarios announced before any runs, with cucumber-js's ids: held as objects, a
    // plan with its steps' ids cost 409 bytes a waiting scenario (tried: 8.2 MB of 20,000);
    // packed, 207 with the test case's id and its place in the map
    const scenarios = 30_000
    const file = streamOfWaitingScenarios(scenarios, 0, 3)
    // measured where ingest asks for a collection: two thirds of the scenarios still wait to run
    const held = await heldWhileWaiting(file, scenarios)
    expect(held[0]! / 20_000).toBeLessThan(300)
  })

  it('reads a stream that starts with a byte order mark as the same stream', async () => {
    const text = readFileSync(path.join(MESSAGES, 'failing.ndjson'))
    const plain = await ingestCucumberMessages(path.join(tempTree({ 'in.ndjson': text }), 'in.ndjson'), ctx(tempTree()))
    const marked = await ingestCucumberMessages(path.join(tempTree({ 'in.ndjson': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]) }), 'in.ndjson'), ctx(tempTree()))
    expect(marked.problems).toEqual([])
    expect(marked.run!.errors).toEqual(plain.run!.errors)
    expect(readResults(marked.path!).cases).toEqual(readResults(plain.path!).cases)
  })

  it('does not take a failure of the disk for an envelope in another shape', async () => {
    const lines = readFileSync(path.join(MESSAGES, 'failing.ndjson'), 'utf8').trim().split('\n')
    const started = lines.findIndex((l) => l.startsWith('{"testCaseStarted"'))
    const id = (JSON.parse(lines[started]!) as { testCaseStarted: { id: string } }).testCaseStarted.id
    lines.splice(started + 1, 0, JSON.stringify({ attachment: { testCaseStartedId: id, body: 'hello', contentEncoding: 'IDENTITY', mediaType: 'text/plain' } }))
    // the results folder's attachments folder cannot be made: a file is in the way
    const resultsDir = tempTree({ attachments: 'a file' })
    await expect(ingestCucumberMessages(path.join(tempTree({ 'in.ndjson': `${lines.join('\n')}\n` }), 'in.ndjson'), ctx(resultsDir))).rejects.toMatchObject({ code: expect.stringMatching(/^E/) })
  })

  it('names lines that are not JSON once, and a file that is not Cucumber Messages at all in one line', async () => {
    const lines = readFileSync(path.join(MESSAGES, 'failing.ndjson'), 'utf8').trim().split('\n')
    const spoiled = [...lines.slice(0, 3), 'garbage', ...lines.slice(3, 6), 'more garbage', ...lines.slice(6)]
    const dir = tempTree({ 'spoiled.ndjson': `${spoiled.join('\n')}\n`, 'scope.yaml': 'milestone: dms-0.5\nfeatures:\n  - id: p2p-network\n' })
    const outcome = await ingestCucumberMessages(path.join(dir, 'spoiled.ndjson'), ctx(tempTree()))
    expect(outcome.cases).toBe(6)
    expect(outcome.problems.map((p) => `${p.line}: ${p.message}`)).toEqual(['4: 2 lines are not JSON envelopes, the first here; skipped'])
    const yaml = await ingestCucumberMessages(path.join(dir, 'scope.yaml'), ctx(tempTree()))
    expect(yaml.problems.map((p) => `${p.line}: ${p.message}`)).toEqual(['1: no Cucumber Messages envelopes found (no line is a JSON envelope); pass the file cucumber-js writes with --format message:FILE, or JUnit XML'])
  })

  it('reports a cut last line even when it is an envelope ingest does not read', async () => {
    const lines = readFileSync(path.join(MESSAGES, 'failing.ndjson'), 'utf8').trim().split('\n')
    const stepStarted = lines.find((l) => l.startsWith('{"testStepStarted"'))!
    // Cut right after an inner closing brace: the line still ends with "}" but is not JSON.
    const cut = stepStarted.slice(0, stepStarted.lastIndexOf('}'))
    expect(cut.endsWith('}')).toBe(true)
    const dir = tempTree({ 'cut.ndjson': `${lines.join('\n')}\n${cut}` })
    const outcome = await ingestCucumberMessages(path.join(dir, 'cut.ndjson'), ctx(tempTree()))
    expect(outcome.cases).toBe(6)
    expect(outcome.problems).toEqual([{ file: path.join(dir, 'cut.ndjson'), line: lines.length + 1, message: 'not a JSON envelope (a run killed mid-write leaves its last line cut); skipped' }])
  })

  it('ignores envelope types from a newer Cucumber, saying so once per type', async () => {
    const text = readFileSync(path.join(MESSAGES, 'flaky.ndjson'), 'utf8')
    const dir = tempTree({ 'new.ndjson': `${text}{"testRunHookStarted2":{"id":"x"}}\n{"testRunHookStarted2":{"id":"y"}}\n` })
    const outcome = await ingestCucumberMessages(path.join(dir, 'new.ndjson'), ctx(tempTree()))
    expect(outcome.cases).toBe(6)
    expect(outcome.problems).toEqual([{ file: path.join(dir, 'new.ndjson'), line: 0, message: '2 envelope(s) of unknown type "testRunHookStarted2" (a newer Cucumber?) ignored' }])
  })

  it('refuses JSON lines none of which is a Cucumber envelope (a log, another tool\'s output), writing nothing', async () => {
    const dir = tempTree({ 'other.ndjson': '{"level":"info","msg":"started"}\n{"level":"warn","msg":"slow"}\n' })
    const out = tempTree()
    const outcome = await ingestCucumberMessages(path.join(dir, 'other.ndjson'), ctx(out))
    expect(outcome).toEqual({ cases: 0, problems: [{ file: path.join(dir, 'other.ndjson'), line: 1, message: 'no Cucumber Messages envelopes found (its 2 JSON line(s) are none of Cucumber\'s envelopes — meta, pickle, testCase, testCaseStarted… — the first is "level"); pass the file cucumber-js writes with --format message:FILE, or JUnit XML' }] })
    expect(readdirSync(out)).toEqual([])
  })

  it('reports an empty file and writes nothing', async () => {
    const dir = tempTree({ 'empty.ndjson': '' })
    const out = tempTree()
    const outcome = await ingestCucumberMessages(path.join(dir, 'empty.ndjson'), ctx(out))
    expect(outcome).toMatchObject({ cases: 0, problems: [{ line: 1, message: 'no Cucumber Messages envelopes found (empty file?)' }] })
    expect(readdirSync(out)).toEqual([])
  })
})

describe('JUnit ingestion (e.g. Go tests through go-junit-report)', () => {
  it('reads classname, name, file, time, failure, skipped and system-out', async () => {
    const outcome = await ingestJUnit(path.join(MESSAGES, 'go-unit.xml'), { ...ctx(tempTree()), stage: 'unit' })
    const { run, cases } = readResults(outcome.path!)
    expect(run).toMatchObject({ stage: 'unit', startedAt: '2024-10-01T10:00:00.000Z', source: { format: 'junit' } })
    expect(cases.map((c) => [c.name, c.status, c.durationMs])).toEqual([
      ['TestNodeStatus', 'passed', 10],
      ['TestOnboard/valid_resources', 'passed', 200],
      ['TestOnboard/too_little_ram', 'failed', 300],
      ['TestGPU', 'skipped', 0],
    ])
    expect(cases[1]!.output).toBe('onboard_test.go:41: benchmark 1203 ops')
    expect(cases[2]!.error).toBe('onboard_test.go:58: expected rejection, got nil')
  })

  it('keeps a text as the report wrote it, and every <system-out> and <system-err> of a case, decoded as XML reads it', async () => {
    // the parser's default reading made a failure's "007" 7, an output "1e3" 1000, a skip's "0x10" 16
    const xml = `<?xml version="1.0"?>
<testsuite name="s"><testcase classname="a" name="one"><failure message="m">007</failure><system-out>  1e3  </system-out></testcase>
<testcase classname="a" name="two"><skipped>0x10</skipped></testcase>
<testcase classname="a" name="three"><system-out>
<![CDATA[a <raw> & ]]]]><![CDATA[> line]]>
</system-out><system-out>x &lt; y &amp;&amp; &#x1F600; &#233;<!-- a comment --><?pi left out?> z</system-out><system-err>err &quot;quoted&quot; &apos;s</system-err></testcase>
<testcase classname="a" name="four"><failure message="only&#10;message"/></testcase>
<testcase classname="a" name="five"><failure message="m"><![CDATA[m
stack <here>]]></failure></testcase>
<testcase classname="a" name="six"><error type="E">=== RUN six&#xA;    six_test.go:9: boom&#xA;</error></testcase>
<testcase classname="a" name="seven"><skipped>no GPU &amp; no TPU</skipped></testcase>
</testsuite>`
    const outcome = await ingestJUnit(path.join(tempTree({ 'r.xml': xml }), 'r.xml'), { ...ctx(tempTree()), stage: 'unit' })
    const { cases } = readResults(outcome.path!)
    expect(cases.map((c) => [c.name, c.error, c.output])).toEqual([
      ['one', 'm\n007', '1e3'],
      ['two', '0x10', undefined],
      ['three', undefined, 'a <raw> & ]]> line\nx < y && \u{1F600} é z\nerr "quoted" \'s'],
      ['four', 'only\nmessage', undefined],
      ['five', 'm\nstack <here>', undefined],
      // gotestsum keeps Go's framing lines in a failure's text: left out, as go test -json's reader leaves them
      ['six', 'six_test.go:9: boom', undefined],
      ['seven', 'no GPU & no TPU', undefined],
    ])
  })

  it('reads a time written in a locale\'s format (Surefire\'s 1,093.5, a German locale\'s 0,123)', () => {
    expect(['0.25', '1,093.5', '0,123', '1.234,5', '1e3', '.5', '', '-1', 'soon', '1,2,3'].map(millisOf)).toEqual([250, 1_093_500, 123, 1_234_500, 1_000_000, 500, 0, 0, 0, 12_300])
  })

  it('reads XML in the encoding it declares or marks, as XML allows (ISO-8859-1 from an older Ant, UTF-16 from Windows tools)', async () => {
    const xml = (declared: string, name: string) => `<?xml version="1.0" encoding="${declared}"?>\n<testsuite name="Café"><testcase classname="T" name="${name}"><failure message="attendu «é»">échec</failure></testcase></testsuite>\n`
    const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16()
    const files = {
      'latin1.xml': Buffer.from(xml('ISO-8859-1', 'résumé'), 'latin1'),
      'utf16le-bom.xml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml('UTF-16', 'résumé'), 'utf16le')]),
      'utf16be.xml': utf16be(xml('UTF-16', 'résumé')),
      'utf8-bom.xml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml('UTF-8', 'résumé'))]),
      'shift-jis.xml': Buffer.concat([Buffer.from('<?xml version="1.0" encoding="Shift_JIS"?>\n<testsuite name="Café"><testcase classname="T" name="'), Buffer.from([0x93, 0xfa, 0x96, 0x7b]), Buffer.from('"><failure message="x">y</failure></testcase></testsuite>\n')]),
    }
    const dir = tempTree(files)
    for (const [file, name] of [['latin1.xml', 'résumé'], ['utf16le-bom.xml', 'résumé'], ['utf16be.xml', 'résumé'], ['utf8-bom.xml', 'résumé'], ['shift-jis.xml', '日本']] as const) {
      const outcome = await ingestFile(path.join(dir, file), ctx(tempTree()))
      expect(outcome.problems, file).toEqual([])
      const [c] = readResults(outcome.path!).cases
      expect({ file, name: c!.name, feature: c!.feature, status: c!.status }).toEqual({ file, name, feature: 'T', status: 'failed' })
      if (!file.startsWith('shift')) expect(c!.error).toBe('attendu «é»\néchec')
    }
    // what cannot be decoded is refused by name, never read with replacement characters
    const refused = tempTree({ 'klingon.xml': '<?xml version="1.0" encoding="klingon"?>\n<testsuite/>', 'lying.xml': Buffer.from(xml('UTF-8', 'résumé'), 'latin1') })
    expect((await ingestFile(path.join(refused, 'klingon.xml'), ctx(tempTree()))).problems[0]!.message).toBe('the XML declaration names the encoding "klingon", which is none bdd-matrix can decode; write the report as UTF-8')
    expect((await ingestFile(path.join(refused, 'lying.xml'), ctx(tempTree()))).problems[0]!.message).toMatch(/^not valid UTF-8 text \(the encoding its declaration names\); write the report as UTF-8, or declare the encoding it is in/)
  })

  it.each([
    ['malformed', '<testsuites><testsuite name="x"><testcase name="a"></testsuite>', /^malformed XML \(column \d+\): Expected closing tag 'testcase'/],
    ['not UTF-8', Buffer.concat([Buffer.from('<testsuites><testsuite name="caf'), Buffer.from([0xe9]), Buffer.from('"/></testsuites>')]), /not valid UTF-8/],
    ['empty', '', /empty file/],
    ['not JUnit', '<html><body/></html>', /no <testsuite> element \(the document's root is <html>\): not a JUnit report$/],
    ['TRX (dotnet test, Reqnroll)', '<?xml version="1.0" encoding="utf-8"?>\n<TestRun id="1" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results/></TestRun>', /root is <TestRun>\): not a JUnit report but a Visual Studio TRX report .*JunitXml\.TestLogger/],
    ['NUnit 3', '<test-run id="2" testcasecount="1"><test-suite/></test-run>', /root is <test-run>\): not a JUnit report but an NUnit 3 result file/],
    ['xUnit.net', '<assemblies><assembly name="a.dll"/></assemblies>', /root is <assemblies>\): not a JUnit report but an xUnit\.net result file/],
    ['TestNG', '<testng-results skipped="0"><suite name="s"/></testng-results>', /root is <testng-results>\): not a JUnit report but TestNG's own report/],
  ])('reports %s XML with file and line', async (_label, content, message) => {
    const dir = tempTree({ 'bad.xml': content })
    const outcome = await ingestJUnit(path.join(dir, 'bad.xml'), ctx(tempTree()))
    expect(outcome.cases).toBe(0)
    expect(outcome.problems[0]!.message).toMatch(message)
  })
  it('fails a test case marked by an empty <failure/> or <error/> (cucumber-js writes one for an undefined step)', async () => {
    const dir = tempTree({ 'r.xml': '<testsuite name="s">\n  <testcase classname="F" name="a"><failure/></testcase>\n  <testcase classname="F" name="b"><error></error></testcase>\n  <testcase classname="F" name="c"/>\n</testsuite>\n' })
    const outcome = await ingestJUnit(path.join(dir, 'r.xml'), ctx(tempTree()))
    expect(readResults(outcome.path!).cases.map((c) => [c.name, c.status, c.error])).toEqual([
      ['a', 'failed', 'the report marks it failed without a message'],
      ['b', 'failed', 'the report marks it in error without a message'],
      ['c', 'passed', undefined],
    ])
  })

  it("keeps a worse verdict a testcase's status attribute gives (godog, behave, googletest), and ignores one that is no verdict", async () => {
    const testcase = (name: string, status: string, child = '') => `  <testcase classname="F" name="${name}" status="${status}">${child}</testcase>`
    const dir = tempTree({ 'r.xml': ['<testsuite name="s">', testcase('godog undefined', 'undefined'), testcase('behave untested', 'untested'), testcase('gtest disabled', 'notrun'), testcase('gtest ran', 'run'), testcase('passed', 'passed'), testcase('failed', 'failed', '<failure message="boom"/>'), '</testsuite>', ''].join('\n') })
    const outcome = await ingestJUnit(path.join(dir, 'r.xml'), ctx(tempTree()))
    expect(readResults(outcome.path!).cases.map((c) => [c.name, c.status, c.error])).toEqual([
      ['godog undefined', 'undefined', 'the report says status="undefined"'],
      ['behave untested', 'skipped', 'the report says status="untested"'],
      ['gtest disabled', 'skipped', 'the report says status="notrun"'],
      ['gtest ran', 'passed', undefined],
      ['passed', 'passed', undefined],
      ['failed', 'failed', 'boom'],
    ])
  })

  // A runner killed while writing its report leaves it cut short: the commonest broken JUnit file.
  it.each([
    ['cut inside a case', '<testsuites>\n<testsuite name="x">\n  <testcase name="a"><failure>boom</failure></testcase>\n  <testcase name="b"', 4, 'the XML ends with <testsuites>, <testsuite>, <testcase> still open: the report was cut short (was the test run stopped before it finished writing it?); run the tests again for a whole report'],
    ['cut after a case', '<testsuite name="x">\n  <testcase name="a"/>\n', 1, "malformed XML (column 1): <testsuite>, opened here, is never closed: the report was cut short (was the test run stopped before it finished writing it?); run the tests again for a whole report"],
    ['a bare &', '<testsuite name="x">\n  <testcase name="a"><failure>1 & 2</failure></testcase>\n</testsuite>\n', 2, 'malformed XML (column 33): a bare & (XML writes it &amp;: the tool that wrote the report did not escape it)'],
  ])('says a JUnit report %s is broken, where, and what to do', async (_label, content, line, message) => {
    const dir = tempTree({ 'bad.xml': content })
    const outcome = await ingestJUnit(path.join(dir, 'bad.xml'), ctx(tempTree()))
    expect(outcome.cases).toBe(0)
    expect(outcome.problems).toEqual([{ file: path.join(dir, 'bad.xml'), line, message }])
  })
})

describe('bdd-matrix ingest and merge', () => {
  it('takes --results for the folder it writes, as every command that reads it names it; --out and --results naming two folders is one line', async () => {
    const out = tempTree()
    const written = await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), '--env', 'local', '--results', out], { cwd: PROJECT_ROOT })
    expect(written.code, written.stderr).toBe(0)
    expect(readdirSync(out).filter((f) => f.endsWith('.ndjson'))).toHaveLength(1)
    const both = await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), '--env', 'local', '--results', out, '--out', `${out}-other`], { cwd: PROJECT_ROOT })
    expect(both.code).toBe(2)
    expect(both.stderr).toBe(`bdd-matrix: --out "${out}-other" and --results "${out}" name two results folders; give one\n`)
  })

  it('is idempotent: the same file twice is one run; reruns merge with the latest winning and flaky marked', async () => {
    const out = tempTree()
    const args = ['--env', 'local', '--build', 'v0.5.0-rc1', '--out', out]
    const first = await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), ...args], { cwd: PROJECT_ROOT })
    expect(first.code).toBe(0)
    await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), ...args], { cwd: PROJECT_ROOT })
    expect(readdirSync(out).filter((f) => f.endsWith('.ndjson'))).toHaveLength(1)
    const once = await mergeResults(out)
    expect(once.runs).toHaveLength(1)
    // A rerun of the same build, later: the cell that failed now passes on retry.
    await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), ...args], { cwd: PROJECT_ROOT })
    const merged = await mergeResults(out)
    const cells = [...merged.builds.get('v0.5.0-rc1')!.values()]
    expect(cells).toHaveLength(6)
    const flaky = cells.find((c) => c.scenario.startsWith('a flaky check'))!
    expect(flaky).toMatchObject({ status: 'passed', flaky: true, seen: ['failed', 'passed'] })
    expect(cells.filter((c) => c.flaky)).toHaveLength(1)
  })

  it('ingests every results file under a folder given (Surefire\'s reports folder), but its own results folder', async () => {
    const junit = readFileSync(path.join(MESSAGES, 'go-unit.xml'))
    const dir = tempTree({ 'reports/TEST-a.xml': junit, 'reports/nested/TEST-b.xml': Buffer.from(junit.toString().replaceAll('TestNodeStatus', 'TestOther')), 'reports/notes.txt': 'a log', 'reports/.cache/old.xml': junit, 'empty/readme.md': '#' })
    // the results folder under the folder given: a second ingest does not read the first's output
    const out = path.join(dir, 'reports/results')
    // Go's unit tests: bound to no feature file, and none looked for
    const args = ['--env', 'local', '--build', 'v1', '--stage', 'unit', '--out', out]
    const first = await runCliInProcess(['ingest', 'reports', ...args], { cwd: dir })
    expect(first.code).toBe(0)
    expect(first.stdout.match(/from \S+/g)).toEqual(['from reports/TEST-a.xml', 'from reports/nested/TEST-b.xml'])
    symlinkSync(path.join(dir, 'nowhere.xml'), path.join(dir, 'reports/dangling.xml'))
    const again = await runCliInProcess(['ingest', 'reports', 'empty', 'missing/*.xml', ...args], { cwd: dir })
    expect(again.stderr).toBe('empty: a folder with no results file in it (.xml, .json, .ndjson): give the reports themselves, or the folder the runner wrote them to\nmissing/*.xml: no file matches this pattern\n')
    expect(readdirSync(out).filter((f) => f.endsWith('.ndjson'))).toHaveLength(2)
    // the results folder itself given back: said as such, nothing ingested twice
    const itself = await runCliInProcess(['ingest', out, ...args], { cwd: dir })
    expect(itself.stderr).toBe(`${out}: the results folder bdd-matrix writes to (--out), or a folder in it: it holds bdd-matrix's own results, not a runner's reports; give the reports the runner wrote (JUnit XML, Cucumber JSON, Cucumber Messages, go test -json)\n`)
    expect(readdirSync(out).filter((f) => f.endsWith('.ndjson'))).toHaveLength(2)
    // a pattern the shell left as it is (quoted in a YAML script line) is expanded here
    const out2 = path.join(dir, 'results2')
    const quoted = await runCliInProcess(['ingest', 'reports/**/TEST-*.xml', '--env', 'local', '--build', 'v1', '--stage', 'unit', '--out', out2], { cwd: dir })
    expect(quoted.code).toBe(0)
    expect(quoted.stdout.match(/from \S+/g)).toEqual(['from reports/TEST-a.xml', 'from reports/nested/TEST-b.xml'])
  })

  it('says when acceptance tests from a JUnit or Cucumber JSON report cannot be bound: no features folder (--strict: exit 1)', async () => {
    const dir = tempTree({ 'junit.xml': readFileSync(path.join(MESSAGES, 'go-unit.xml')) })
    const args = ['ingest', 'junit.xml', '--env', 'local', '--build', 'v1', '--out', 'results']
    const loose = await runCliInProcess([...args, '--features', 'specs'], { cwd: dir })
    expect(loose.code).toBe(0)
    expect(loose.stderr).toMatch(/^junit\.xml: no features folder at specs: its \d+ test\(s\) are kept as the report names them, with no tags or scope features, outside every row of the matrix; pass --features DIR where the \.feature files are\n$/)
    expect((await runCliInProcess([...args, '--strict'], { cwd: dir })).code).toBe(1)
    // unit tests are bound to no feature: nothing to say
    // (into a folder of its own: the same report as a second stage of one folder counts twice)
    expect((await runCliInProcess([...args, '--stage', 'unit', '--strict', '--out', 'unit-results'], { cwd: dir })).stderr).toBe('')
  })

  it("reads the standard input given as -, and a pipe given by its path (/dev/stdin, a shell's <(…)), as it reads the file", async () => {
    const file = path.join(MESSAGES, 'failing.ndjson')
    const args = (out: string) => ['ingest', '--env', 'local', '--build', 'v1', '--out', out]
    const asFile = tempTree()
    expect((await runCliInProcess([...args(asFile), file], { cwd: PROJECT_ROOT })).code).toBe(0)
    const [written] = readdirSync(asFile)
    // cucumber-js --format message | bdd-matrix ingest -
    const fromStdin = tempTree()
    const piped = spawnSync(process.execPath, [BIN, ...args(fromStdin), '-'], { cwd: PROJECT_ROOT, input: readFileSync(file), encoding: 'utf8' })
    expect(piped.status).toBe(0)
    expect(piped.stdout).toMatch(/: 6 case\(s\) from stdin\n$/)
    expect(readdirSync(fromStdin)).toEqual([written])
    expect(readFileSync(path.join(fromStdin, written!), 'utf8').split('\n').slice(1)).toEqual(readFileSync(path.join(asFile, written!), 'utf8').split('\n').slice(1))
    // bdd-matrix ingest <(…): a pipe by its path
    const fromPipe = tempTree()
    const substituted = spawnSync('bash', ['-c', `"$0" "$1" ${args(fromPipe).join(' ')} <(cat "$2")`, process.execPath, BIN, file], { cwd: PROJECT_ROOT, encoding: 'utf8' })
    expect(substituted.stdout).toMatch(/: 6 case\(s\) from \/dev\/fd\/\d+\n$/)
    expect(readdirSync(fromPipe)).toEqual([written])
    // what cannot be read is named as the input was given
    const bad = spawnSync(process.execPath, [BIN, ...args(tempTree()), '-'], { cwd: PROJECT_ROOT, input: 'not json\n', encoding: 'utf8' })
    expect(bad.stderr).toMatch(/^stdin:1: not a results format bdd-matrix reads/)
    expect(bad.status).toBe(1)
    // a command with no standard input (run in-process) says so
    const none = await runCliInProcess([...args(tempTree()), '-'], { cwd: PROJECT_ROOT })
    expect(none.stderr).toMatch(/^-: nothing to read: "-" reads the standard input/)
  })

  it('keeps a build\'s results when the same file is ingested for another build', async () => {
    const out = tempTree()
    for (const build of ['v0.5.0-rc1', 'v0.5.0-rc2', 'v0.5.0-rc1']) expect((await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), '--env', 'local', '--build', build, '--out', out], { cwd: PROJECT_ROOT })).code).toBe(0)
    expect(readdirSync(out).filter((f) => f.endsWith('.ndjson'))).toHaveLength(2)
    const merged = await mergeResults(out)
    expect(merged.order).toEqual(['v0.5.0-rc1', 'v0.5.0-rc2'])
    expect([...merged.builds.values()].map((cells) => cells.size)).toEqual([6, 6])
  })

  it('refuses a stage, an environment or a build the results could not be read back with, in one line, writing nothing', async () => {
    const dir = tempTree({ 'junit.xml': '<testsuites><testsuite name="unit"><testcase classname="a" name="b"/></testsuite></testsuites>' })
    for (const [args, message] of [
      [['--env', ''], '--env "": give a name without spaces around it, e.g. --env local'],
      [['--env', ' local'], '--env " local": give a name without spaces around it, e.g. --env local'],
      [['--env', 'local', '--build', ' '], '--build " ": give a name without spaces around it, e.g. --build v0.5.0-rc1'],
      [['--env', 'local', '--stage', 'smoke'], '--stage "smoke": use one of unit, functional, acceptance, manual'],
    ] as const) {
      const result = await runCliInProcess(['ingest', 'junit.xml', ...args, '--out', 'results'], { cwd: dir })
      expect(result, args.join(' ')).toMatchObject({ code: 2, stderr: `bdd-matrix: ${message}\n` })
      expect(existsSync(path.join(dir, 'results')), args.join(' ')).toBe(false)
    }
    // and what it takes, the matrix reads back
    expect((await runCliInProcess(['ingest', 'junit.xml', '--env', 'local', '--build', 'b1', '--stage', 'unit', '--out', 'results'], { cwd: dir })).code).toBe(0)
    expect((await runCliInProcess(['matrix', '--results', 'results', '--build', 'b1', '--out', 'reports'], { cwd: dir })).stderr).not.toMatch(/not a run of this model/)
  })

  it("names a report in its warnings as the user gave it", async () => {
    const dir = tempTree({
      'features/a.feature': '@feature:a\nFeature: Deployment\n  Scenario: Retrieve output\n    Given x\n',
      'reports/junit.xml': '<testsuites><testsuite name="Cucumber"><testcase classname="Deployment" name="Retrieve output"/><testcase classname="Deployment" name="A scenario nobody wrote"/></testsuite></testsuites>',
    })
    const result = await runCliInProcess(['ingest', 'reports/junit.xml', '--env', 'local', '--out', 'results'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('reports/junit.xml: 1 test(s) match no scenario of the features folder, kept as the report names them: Deployment › A scenario nobody wrote\n')
  })

  it('exits 1 only when nothing could be ingested, or with --strict', async () => {
    const dir = tempTree({ 'empty.ndjson': '' })
    const args = ['--env', 'local', '--build', 'b', '--out', tempTree()]
    const nothing = await runCliInProcess(['ingest', path.join(dir, 'empty.ndjson'), ...args], { cwd: PROJECT_ROOT })
    expect(nothing.code).toBe(1)
    expect(nothing.stderr).toMatch(/empty\.ndjson:1: no Cucumber Messages envelopes found/)
    const partly = await runCliInProcess(['ingest', path.join(dir, 'empty.ndjson'), path.join(MESSAGES, 'go-unit.xml'), ...args], { cwd: PROJECT_ROOT })
    expect(partly.code).toBe(0)
    const strict = await runCliInProcess(['ingest', path.join(dir, 'empty.ndjson'), path.join(MESSAGES, 'go-unit.xml'), '--strict', ...args], { cwd: PROJECT_ROOT })
    expect(strict.code).toBe(1)
    const missing = await runCliInProcess(['ingest', 'no-such.ndjson', ...args], { cwd: PROJECT_ROOT })
    expect(missing.stderr).toContain('no-such.ndjson: file not found')
  })

  it('takes the build from CI when none is given, an empty variable counting as unset (GitLab\'s "${CI_COMMIT_TAG}" on a branch)', async () => {
    const out = tempTree()
    const result = await runCliInProcess(['ingest', path.join(MESSAGES, 'go-unit.xml'), '--env', 'ci', '--stage', 'unit', '--out', out], { cwd: PROJECT_ROOT, env: { BDD_MATRIX_BUILD: '', CI_COMMIT_TAG: '', CI_COMMIT_SHORT_SHA: 'a1b2c3d4' } })
    expect(result.code).toBe(0)
    const [file] = readdirSync(out).filter((f) => f.endsWith('.ndjson'))
    expect(JSON.parse(readFileSync(path.join(out, file!), 'utf8').split('\n')[0]!).build).toBe('a1b2c3d4')
  })

  it('recognises a file by its content, and says in one line what a file it cannot read is', async () => {
    const lines = readFileSync(path.join(MESSAGES, 'failing.ndjson'), 'utf8')
    const dir = tempTree({
      // names that say nothing: the content decides
      'results.txt': lines,
      'report': readFileSync(path.join(MESSAGES, 'go-unit.xml'), 'utf8'),
      'scope.yaml': 'milestone: dms-0.5\n',
      'suites-only.xml': '<testsuites><testsuite name="a"><testsuite name="b"/></testsuite></testsuites>',
      'cucumber.json': '[{"uri":"features/a.feature","elements":[]}]',
      'objects.json': '[{"a":1},\n{"b":2}]',
      'log.ndjson': '{"level":"info","msg":"up"}\n',
      'cut.ndjson': lines.split('\n').filter((l) => !l.includes('testRunFinished')).join('\n'),
      // what is most often given instead of a report: an empty report, a job's artifacts as
      // GitLab downloads them, a compressed report, Cucumber's HTML report
      'empty.xml': '<?xml version="1.0"?>\n<testsuites tests="0"></testsuites>\n',
      'artifacts.zip': Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]),
      'messages.ndjson.gz': gzipSync(lines),
      'report.html': '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Cucumber</title></head><body><div id="content"></div></body></html>\n',
    })
    const args = ['--env', 'local', '--build', 'b', '--out', tempTree()]
    const ingest = (file: string, ...more: string[]) => runCliInProcess(['ingest', path.join(dir, file), ...args, ...more], { cwd: dir })
    expect((await ingest('results.txt')).stdout).toMatch(/: 6 case\(s\) from .*results\.txt/)
    expect((await ingest('report')).stdout).toMatch(/: 4 case\(s\) from .*report/)
    for (const [file, message] of [
      ['scope.yaml', 'not a results format bdd-matrix reads: expected JUnit XML (starts with <), Cucumber Messages NDJSON (one JSON envelope per line), a Cucumber JSON report (a JSON array of features, from godog, Cucumber-JVM, cucumber-js, pytest-bdd or behave) or go test -json output'],
      ['suites-only.xml', 'no <testcase> in any of its 2 <testsuite> element(s), at any depth: nothing to ingest (did the tests run?)'],
      ['cucumber.json', 'no scenario in its 1 feature(s): nothing to ingest (did the tests run?)'],
      ['log.ndjson', 'no Cucumber Messages envelopes found (its 1 JSON line(s) are none of Cucumber\'s envelopes — meta, pickle, testCase, testCaseStarted… — the first is "level"); pass the file cucumber-js writes with --format message:FILE, or JUnit XML'],
      ['empty.xml', 'a JUnit report with no <testsuite> in it: nothing to ingest (did the tests run?)'],
      ['artifacts.zip', "a zip archive (GitLab's artifacts.zip?), not a results format: extract it, then ingest the folder"],
      ['messages.ndjson.gz', 'a gzip-compressed file, not a results format: decompress it first (gunzip)'],
      ['report.html', "an HTML page (Cucumber's HTML report?), not a results format: give the messages it is made from (cucumber-js --format message:FILE), Cucumber JSON or JUnit XML"],
    ] as const) {
      const result = await ingest(file)
      expect(result).toMatchObject({ code: 1, stderr: `${path.join(dir, file)}:1: ${message}\n` })
    }
    // an array of objects that are not features: said once, with the first one's line
    expect(await ingest('objects.json')).toMatchObject({
      code: 1,
      stderr: `${path.join(dir, 'objects.json')}:1: 2 items, the first here, with none of a feature's keys (uri, keyword, name, elements, location): not Cucumber JSON features; skipped\n${path.join(dir, 'objects.json')}:1: no Cucumber JSON feature in it (none of its 2 item(s) is one): nothing to ingest\n`,
    })
    // a stream cut before its end: what finished is kept, the problem said, --strict fails on it
    const cut = await ingest('cut.ndjson')
    expect(cut.code).toBe(0)
    expect(cut.stdout).toMatch(/6 case\(s\)[\s\S]*run failed outside any scenario: test run: the message stream ends without testRunFinished/)
    expect(cut.stderr).toMatch(/cut\.ndjson:\d+: the stream ends without testRunFinished/)
    expect((await ingest('cut.ndjson', '--strict')).code).toBe(1)
  })
})

describe('build order', () => {
  it('follows versions when builds are versions, else the latest run', async () => {
    const { orderBuilds } = await import('../../src/results/merge-results.ts')
    expect(orderBuilds(['v0.5.0', 'v0.5.0-rc2', 'v0.5.0-rc1-p1', 'v0.5.0-rc1', 'v0.5.0-rc10', 'v0.4.9'], new Map())).toEqual(['v0.4.9', 'v0.5.0-rc1', 'v0.5.0-rc1-p1', 'v0.5.0-rc2', 'v0.5.0-rc10', 'v0.5.0'])
    expect(orderBuilds(['abc123', 'def456'], new Map([['abc123', '2026-02-01'], ['def456', '2026-01-01']]))).toEqual(['def456', 'abc123'])
  })
})

describe('results of another milestone', () => {
  it('stay in the results folder but are left out of the matrix, with a message naming them', async () => {
    const out = tempTree()
    const project = path.join(PROJECT_ROOT, 'test/fixtures/run-project')
    await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), '--env', 'local', '--build', 'b1', '--milestone', 'dms-0.4', '--out', out], { cwd: PROJECT_ROOT })
    await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), '--env', 'local', '--build', 'b1', '--milestone', 'run-fixture', '--out', out], { cwd: PROJECT_ROOT })
    const result = await runCliInProcess(['matrix', '--results', out, '--out', path.join(out, 'report')], { cwd: project })
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/run local-acceptance-\w+ is for milestone dms-0\.4, not run-fixture .*; left out of the matrix/)
    const matrix = JSON.parse(readFileSync(path.join(out, 'report', 'matrix.json'), 'utf8'))
    expect(matrix.totals.failed).toBe(0)
    expect(matrix.flaky).toHaveLength(1)
    expect(readdirSync(out).filter((f) => f.endsWith('.ndjson'))).toHaveLength(2)
  })
})

describe('a results folder holding something else', () => {
  it('names the file and line, says what it is and how to fix it, instead of leaving its results out', async () => {
    const out = tempTree()
    await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), '--env', 'local', '--build', 'b1', '--out', out], { cwd: PROJECT_ROOT })
    const [results] = readdirSync(out).filter((f) => f.endsWith('.ndjson'))
    const [header, ...cases] = readFileSync(path.join(out, results!), 'utf8').split('\n')
    const strangers: Record<string, [string, RegExp]> = {
      'copied-messages.ndjson': [readFileSync(path.join(MESSAGES, 'failing.ndjson'), 'utf8'), /copied-messages\.ndjson:1: Cucumber messages, not a results file; .*bdd-matrix ingest/],
      'notes.ndjson': ['these are notes\n', /notes\.ndjson:1: not a bdd-matrix results file \(its first line is not a run\)/],
      'empty.ndjson': ['', /empty\.ndjson:1: empty; /],
      'edited.ndjson': [[JSON.stringify({ ...JSON.parse(header!), id: 'edited' }), cases[0], cases[1]!.slice(0, 40)].join('\n'), /edited\.ndjson:3: not a case \(not JSON; the file was changed after bdd-matrix wrote it\)/],
      'older.ndjson': [[JSON.stringify({ ...JSON.parse(header!), id: 'older', modelVersion: 0 }), ...cases].join('\n'), /older\.ndjson:1: results of model version 0, this bdd-matrix reads version 1; ingest the source again/],
      // a version that is an object whose toString is no function: naming it threw a TypeError
      'odd-version.ndjson': [[JSON.stringify({ ...JSON.parse(header!), id: 'odd', modelVersion: { toString: {} } }), ...cases].join('\n'), /odd-version\.ndjson:1: results of model version \{"toString":\{\}\}, this bdd-matrix reads version 1; ingest the source again/],
      'reheaded.ndjson': [[JSON.stringify({ ...JSON.parse(header!), id: 'reheaded', finishedAt: 5 }), ...cases].join('\n'), /reheaded\.ndjson:1: not a run of this model \(finishedAt: not a string; the file was changed after bdd-matrix wrote it, or written by something else\)/],
      // JSON, but not a case: each reader met it as a crash in whichever report touched the field first
      'reshaped.ndjson': [[JSON.stringify({ ...JSON.parse(header!), id: 'reshaped' }), cases[0], JSON.stringify({ ...JSON.parse(cases[1]!), featureIds: 5 }), 'null'].join('\n'), /reshaped\.ndjson:3: not a case of this model \(featureIds: not a list of strings; the file was changed after bdd-matrix wrote it, or written by something else\); ingest its source again/],
    }
    for (const [name, [text, message]] of Object.entries(strangers)) {
      const dir = tempTree({ [name]: text })
      await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), '--env', 'local', '--build', 'b1', '--out', dir], { cwd: PROJECT_ROOT })
      const result = await runCliInProcess(['junit', '--results', dir, '--out', path.join(dir, 'junit.xml')], { cwd: PROJECT_ROOT })
      expect(result.code, name).toBe(2)
      expect(result.stderr, name).toMatch(message)
      expect(result.stderr, name).not.toMatch(/\n\s+at /)
      await expect(mergeResults(dir), name).rejects.toThrow(message)
    }
  })
})

describe('a run\'s own folder given as its results folder', () => {
  it('is named as a run\'s folder, with its results/ to give instead', async () => {
    const run = path.join(tempTree(), 'local-20260102T030405Z')
    await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), '--env', 'local', '--build', 'b1', '--out', path.join(run, 'results')], { cwd: PROJECT_ROOT })
    writeFileSync(path.join(run, 'messages.ndjson'), readFileSync(path.join(MESSAGES, 'failing.ndjson')))
    writeFileSync(path.join(run, 'summary.json'), '{}\n')
    const result = await runCliInProcess(['junit', '--results', run, '--out', path.join(run, 'junit.xml')], { cwd: PROJECT_ROOT })
    expect(result.stderr).toBe(`bdd-matrix: ${path.join(run, 'messages.ndjson')}:1: Cucumber messages, not a results file; ${run} is the folder of a run (bdd-matrix run wrote it): its results are in ${path.join(run, 'results')}; pass that (--results ${path.join(run, 'results')})\n`)
    expect(result.code).toBe(2)
  })
})

describe('a build that has no results', () => {
  it('is named with the builds there, instead of an empty report', async () => {
    const out = tempTree()
    await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), '--env', 'local', '--build', 'v0.5.0-rc1', '--out', out], { cwd: PROJECT_ROOT })
    const project = path.join(PROJECT_ROOT, 'test/fixtures/run-project')
    for (const args of [['junit', '--out', path.join(out, 'j.xml')], ['allure', '--out', path.join(out, 'a'), '--no-generate'], ['matrix', '--out', path.join(out, 'm')]]) {
      const result = await runCliInProcess([...args, '--results', out, '--build', 'v0.5.0-rc9'], { cwd: project })
      expect(result.stderr, args[0]).toMatch(/--build "v0\.5\.0-rc9": no results of that build in .*; builds there: v0\.5\.0-rc1\n$/)
      expect(result.code, args[0]).toBe(2)
    }
    const history = await runCliInProcess(['matrix', '--results', out, '--history', 'ten', '--out', path.join(out, 'm')], { cwd: project })
    expect(history.stderr).toMatch(/--history "ten": give how many builds the history strip shows/)
    expect(history.code).toBe(2)
    // results of the build ingested for another milestone: said so, not "no results"
    const other = tempTree()
    await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), '--env', 'local', '--build', 'v0.5.0-rc2', '--milestone', 'another', '--out', other], { cwd: PROJECT_ROOT })
    const mismatched = await runCliInProcess(['matrix', '--results', other, '--build', 'v0.5.0-rc2', '--out', path.join(other, 'm')], { cwd: project })
    expect(mismatched.stderr).toMatch(/--build "v0\.5\.0-rc2": its results in .* are of milestone another, not this scope's, so they are left out; ingest them again with the scope's milestone \(--milestone\), or without --milestone\n$/)
    expect(mismatched.code).toBe(2)
  })
})

describe('an output path that cannot be written', () => {
  it('is named in one line with why, and the input is not blamed', async () => {
    const dir = tempTree({ 'a-file': 'not a folder' })
    const blocked = path.join(dir, 'a-file', 'results')
    const ingest = await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), '--env', 'local', '--build', 'b1', '--out', blocked], { cwd: PROJECT_ROOT })
    expect(ingest.stderr).toBe(`bdd-matrix: cannot create the folder ${blocked}: a part of the path is a file, not a folder (ENOTDIR)\n`)
    expect(ingest.code).toBe(2)
    const results = tempTree()
    await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), '--env', 'local', '--build', 'b1', '--out', results], { cwd: PROJECT_ROOT })
    const junit = await runCliInProcess(['junit', '--results', results, '--out', path.join(dir, 'a-file', 'junit.xml')], { cwd: PROJECT_ROOT })
    expect(junit.stderr).toBe(`bdd-matrix: cannot create the folder ${path.join(dir, 'a-file')}: a file of that name is in the way (EEXIST)\n`)
    expect(junit.code).toBe(2)
  })

  // Node 20's recursive mkdir spun for ever here, a core at 100 %, and the command never ended
  it.skipIf(!existsSync('/proc/self'))('under a folder that takes no new folders (/proc) is refused, not waited on for ever', async () => {
    const results = tempTree()
    await runCliInProcess(['ingest', path.join(MESSAGES, 'failing.ndjson'), '--env', 'local', '--build', 'b1', '--out', results], { cwd: PROJECT_ROOT })
    for (const [command, out, folder] of [['matrix', '/proc/bdd-matrix/m', '/proc/bdd-matrix'], ['junit', '/proc/bdd-matrix/junit.xml', '/proc/bdd-matrix']] as const) {
      const refused = await runCliInProcess([command, '--results', results, '--out', out], { cwd: PROJECT_ROOT })
      expect(refused.stderr).toBe(`bdd-matrix: cannot create the folder ${folder}: /proc exists but takes no new folders (a system file system, such as /proc); choose another path\n`)
      expect(refused.code).toBe(2)
    }
  })
})
