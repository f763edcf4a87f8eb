// bench:ingest — a Cucumber Messages NDJSON of 10,000 and 100,000 scenarios (synthesised valid
// envelopes: documents, pickles, test cases, steps, retries, failures), then, alternately in fresh
// processes, the floor (line split + JSON.parse) and ingest → merge → matrix + JUnit. Then the
// same for a Cucumber JSON report (one JSON document, as godog and Cucumber-JVM write it) of
// 100,000 scenarios against a bare JSON.parse of the whole file.
// Then one scenario attaching an 80 MB video and a JUnit test printing 80 MB, against the same
// floor and against fast-xml-parser's own parse of the report.
// Goals: ratio ≤ 3 and peak RSS ≤ 300 MB; at 100k messages ≤ 1.5 and ≤ 150 MB (issue 20).
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import { compareNode, mb, measureNode } from './support/measure.ts'
// @ts-expect-error a build script (plain JavaScript): the CLI's bundling, used here for the pipeline measured
import { bundleCli } from '../scripts/bundle-cli.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const OUT = path.join(ROOT, 'bench/.out/ingest')
const FEATURES = ['alpha', 'beta', 'gamma']

/** An input generated once under bench/.out and kept between runs, written with back-pressure. */
async function generatedFile(name: string, fill: (write: (text: string) => Promise<void>) => Promise<void>): Promise<string> {
  const file = path.join(OUT, name)
  if (existsSync(file)) return file
  mkdirSync(OUT, { recursive: true })
  const stream = createWriteStream(file)
  await fill(async (text) => {
    if (!stream.write(text)) await once(stream, 'drain')
  })
  stream.end()
  await once(stream, 'finish')
  return file
}

function generate(scenarios: number): Promise<string> {
  return generatedFile(`messages-uuid-${scenarios}.ndjson`, (text) => writeMessages(scenarios, (envelope) => text(`${JSON.stringify(envelope)}\n`)))
}

async function writeMessages(scenarios: number, write: (envelope: unknown) => Promise<void>): Promise<void> {
  const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 })
  // Ids as cucumber-js writes them (crypto.randomUUID: 36 characters), numbered so the file is the
  // same every time: short ids ("tc12-3") made every id held and every line read smaller than a
  // real run's, and the figures greener than what a user's run costs.
  let ids = 0
  const uuid = (): string => `00000000-0000-4000-8000-${(ids++).toString(16).padStart(12, '0')}`
  const perFile = 20
  await write({ meta: { protocolVersion: '32.0.0', implementation: { name: 'cucumber-js', version: '12.9.0' }, runtime: { name: 'node' }, os: { name: 'linux' }, cpu: { name: 'x64' } } })
  const plan: { pickleId: string; steps: string[]; testCaseId: string; testSteps: string[] }[] = []
  const run = uuid()
  const stepDefinition = uuid()
  for (let f = 0; f < scenarios / perFile; f++) {
    const uri = `features/generated-${f}.feature`
    const tag = uuid()
    const scenarioIds = Array.from({ length: perFile }, () => uuid())
    const stepIds = scenarioIds.map(() => [uuid(), uuid(), uuid()])
    const children = scenarioIds.map((id, i) => ({ scenario: { id, keyword: 'Scenario', name: `scenario ${f}-${i}`, description: '', location: { line: 3 + i * 4 }, tags: [], examples: [], steps: [0, 1, 2].map((k) => ({ id: stepIds[i]![k], keyword: ['Given ', 'When ', 'Then '][k], keywordType: 'Context', text: `step ${k} of ${i}`, location: { line: 4 + i * 4 + k } })) } }))
    await write({ gherkinDocument: { uri, feature: { keyword: 'Feature', name: `Generated ${f}`, description: '', language: 'en', location: { line: 2 }, tags: [{ id: tag, name: `@feature:${FEATURES[f % 3]}`, location: { line: 1 } }], children }, comments: [] } })
    for (let i = 0; i < perFile; i++) {
      const pickleId = uuid()
      const steps = [0, 1, 2].map(() => uuid())
      await write({ pickle: { id: pickleId, uri, name: `scenario ${f}-${i}`, language: 'en', astNodeIds: [scenarioIds[i]], tags: [{ name: `@feature:${FEATURES[f % 3]}`, astNodeId: tag }], steps: steps.map((id, k) => ({ id, text: `step ${k} of ${i}`, type: 'Context', astNodeIds: [stepIds[i]![k]] })) } })
      plan.push({ pickleId, steps, testCaseId: '', testSteps: [] })
    }
  }
  for (const p of plan) {
    p.testCaseId = uuid()
    p.testSteps = p.steps.map(() => uuid())
    await write({ testCase: { id: p.testCaseId, pickleId: p.pickleId, testRunStartedId: run, testSteps: p.steps.map((s, k) => ({ id: p.testSteps[k], pickleStepId: s, stepDefinitionIds: [stepDefinition], stepMatchArgumentsLists: [] })) } })
  }
  await write({ testRunStarted: { id: run, timestamp: ts(0) } })
  let clock = 1000
  for (const [n, p] of plan.entries()) {
    const attempts = n % 97 === 0 ? 2 : 1
    for (let attempt = 0; attempt < attempts; attempt++) {
      const started = uuid()
      await write({ testCaseStarted: { id: started, testCaseId: p.testCaseId, attempt, timestamp: ts(clock++) } })
      const fails = (n % 97 === 0 && attempt === 0) || n % 501 === 0
      for (const [k, stepId] of p.testSteps.entries()) {
        await write({ testStepStarted: { testCaseStartedId: started, testStepId: stepId, timestamp: ts(clock) } })
        const status = fails && k === 2 ? 'FAILED' : 'PASSED'
        await write({ testStepFinished: { testCaseStartedId: started, testStepId: stepId, testStepResult: { status, duration: { seconds: 0, nanos: 1_000_000 }, ...(status === 'FAILED' ? { message: 'AssertionError: expected 2 to equal 3', exception: { type: 'AssertionError', message: 'expected 2 to equal 3' } } : {}) }, timestamp: ts(clock++) } })
      }
      await write({ testCaseFinished: { testCaseStartedId: started, timestamp: ts(clock++), willBeRetried: attempts === 2 && attempt === 0 } })
    }
  }
  await write({ testRunFinished: { success: false, timestamp: ts(clock) } })
}

/** A Cucumber JSON report as godog writes it: features of 20 scenarios, 3 steps each, nanosecond durations. */
function generateJson(scenarios: number): Promise<string> {
  return generatedFile(`cucumber-${scenarios}.json`, (write) => writeCucumberJson(scenarios, write))
}

async function writeCucumberJson(scenarios: number, write: (text: string) => Promise<void>): Promise<void> {
  const perFile = 20
  await write('[\n')
  for (let f = 0; f < scenarios / perFile; f++) {
    const elements = Array.from({ length: perFile }, (_, i) => {
      const n = f * perFile + i
      const fails = n % 501 === 0
      return {
        id: `generated-${f};scenario-${i}`, keyword: 'Scenario', name: `scenario ${f}-${i}`, description: '', line: 3 + i * 4, type: 'scenario',
        tags: [{ name: `@feature:${FEATURES[f % 3]}`, line: 1 }],
        steps: [0, 1, 2].map((k) => ({ keyword: ['Given ', 'When ', 'Then '][k], name: `step ${k} of ${i}`, line: 4 + i * 4 + k, match: { location: 'steps_test.go:42' }, result: { status: fails && k === 2 ? 'failed' : 'passed', duration: 1_000_000, ...(fails && k === 2 ? { error_message: 'expected 2 to equal 3' } : {}) } })),
      }
    })
    await write(`${f ? ',\n' : ''}${JSON.stringify({ uri: `features/generated-${f}.feature`, id: `generated-${f}`, keyword: 'Feature', name: `Generated ${f}`, description: '', line: 2, tags: [{ name: `@feature:${FEATURES[f % 3]}`, line: 1 }], elements }, null, 2)}`)
  }
  await write('\n]\n')
}

/**
 * A run whose one scenario attached a video of `mb` MB (base64 in one line of the message stream,
 * as cucumber-js and playwright-bdd write an attachment), and a JUnit report whose one test
 * printed `mb` MB (pytest keeping a long run's logs in <system-out>): one line, one text, far
 * longer than a read.
 */
function generateLargeOutputs(mb: number): Promise<[string, string]> {
  const bytes = mb * 1024 * 1024
  const messages = generatedFile(`messages-attachment-${mb}mb.ndjson`, async (write) => {
    const ts = { seconds: 1, nanos: 0 }
    const lines = [
      { meta: { protocolVersion: '32.0.0', implementation: { name: 'cucumber-js', version: '12.9.0' }, runtime: { name: 'node' }, os: { name: 'linux' }, cpu: { name: 'x64' } } },
      { gherkinDocument: { uri: 'features/video.feature', feature: { keyword: 'Feature', name: 'Video', description: '', language: 'en', location: { line: 2 }, tags: [{ id: 't', name: '@feature:alpha', location: { line: 1 } }], children: [{ scenario: { id: 's', keyword: 'Scenario', name: 'recorded', description: '', location: { line: 3 }, tags: [], examples: [], steps: [{ id: 'g', keyword: 'Given ', keywordType: 'Context', text: 'a recording', location: { line: 4 } }] } }] }, comments: [] } },
      { pickle: { id: 'p', uri: 'features/video.feature', name: 'recorded', language: 'en', astNodeIds: ['s'], tags: [{ name: '@feature:alpha', astNodeId: 't' }], steps: [{ id: 'ps', text: 'a recording', type: 'Context', astNodeIds: ['g'] }] } },
      { testCase: { id: 'tc', pickleId: 'p', testRunStartedId: 'r', testSteps: [{ id: 'ts', pickleStepId: 'ps', stepDefinitionIds: ['d'], stepMatchArgumentsLists: [] }] } },
      { testRunStarted: { id: 'r', timestamp: ts } },
      { testCaseStarted: { id: 'c', testCaseId: 'tc', attempt: 0, timestamp: ts } },
      { testStepStarted: { testCaseStartedId: 'c', testStepId: 'ts', timestamp: ts } },
      { attachment: { testCaseStartedId: 'c', testStepId: 'ts', body: Buffer.alloc((bytes * 3) / 4, 7).toString('base64'), contentEncoding: 'BASE64', mediaType: 'video/webm', fileName: 'video.webm' } },
      { testStepFinished: { testCaseStartedId: 'c', testStepId: 'ts', testStepResult: { status: 'PASSED', duration: { seconds: 0, nanos: 1 } }, timestamp: ts } },
      { testCaseFinished: { testCaseStartedId: 'c', timestamp: ts, willBeRetried: false } },
      { testRunFinished: { success: true, timestamp: ts } },
    ]
    for (const line of lines) await write(`${JSON.stringify(line)}\n`)
  })
  const junit = generatedFile(`junit-output-${mb}mb.xml`, async (write) => {
    await write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="logs" tests="2"><testcase classname="test_logs" name="test_long_run" time="1.5"><system-out>')
    const line = 'INFO 2026-12-06 12:00:00 node-3 gossip: reached 49 of 50 peers &lt;ok&gt;\n'
    for (let written = 0; written < bytes; written += line.length * 1000) await write(line.repeat(1000))
    await write('</system-out></testcase><testcase classname="test_logs" name="test_short" time="0.1"><failure message="boom">assert 1 == 2</failure></testcase></testsuite></testsuites>\n')
  })
  return Promise.all([messages, junit])
}

// The pipeline measured is bundled as the CLI is (tsc's output loads zod's hundred files alone in
// 0.08 s, which `bdd-matrix run` does not pay), its ingest worker beside it as beside the CLI.
await (bundleCli as (entries: Record<string, string>, outdir: string, options: { axios: boolean }) => Promise<void>)({ 'ingest-pipeline': path.join(ROOT, 'bench/support/ingest-pipeline.ts'), 'ingest-worker': path.join(ROOT, 'src/results/ingest-worker.ts') }, path.join(OUT, 'pipeline'), { axios: false })
// started as `bdd-matrix run` starts (bin/young-generation.js)
const PIPELINE = [path.join(ROOT, 'bench/support/as-cli.mjs'), 'run', path.join(OUT, 'pipeline/ingest-pipeline.js')]
// BENCH_SCALE=100 divides every input (a quick look, and the test that the bench still runs):
// 100 and 1,000 scenarios, a 1 MB attachment and output. The goals are those of the full size.
const SCALE = Math.max(1, Number(process.env.BENCH_SCALE ?? 1))
const SIZES = [10_000, 100_000].map((n) => Math.max(20, Math.round(n / SCALE)))
const LARGE_MB = Math.max(1, Math.round(80 / SCALE))
const JSON_SCENARIOS = Math.max(20, Math.round(100_000 / SCALE))

console.log(`bench:ingest — alternating best of 7 (${SIZES[0]}) and 3 (${SIZES[1]}), fresh processes${SCALE > 1 ? ` (BENCH_SCALE=${SCALE}: every input divided by ${SCALE}; the goals are the full size's)` : ''}`)
const timeAt = new Map<number, number>()
for (const [at, scenarios] of SIZES.entries()) {
  const file = await generate(scenarios)
  // Best of 7 for 10k: at a second or two, one busy moment of the machine moves either side by a third.
  const [floor, ours] = compareNode([path.join(ROOT, 'bench/support/ingest-floor.mjs'), file], [...PIPELINE, file], { cwd: ROOT, rounds: at ? 3 : 7 })
  const ratio = ours.seconds / floor.seconds
  timeAt.set(scenarios, ours.seconds)
  // Issue 20 asks more of 100k scenarios than the first ingest goal (3×, 300 MB) did.
  const goal = at ? { ratio: 1.5, mb: 150 } : { ratio: 3, mb: 300 }
  console.log(`  ${String(scenarios).padStart(7)} scenarios  floor ${floor.seconds.toFixed(2)} s · ingest→merge→matrix+JUnit ${ours.seconds.toFixed(2)} s · ratio ${ratio.toFixed(2)} (goal ≤ ${goal.ratio}) ${ratio <= goal.ratio ? 'OK' : 'ABOVE GOAL'} · peak RSS ${mb(ours.peakRssBytes)} (goal ≤ ${goal.mb} MB) ${ours.peakRssBytes <= goal.mb * 1024 * 1024 ? 'OK' : 'ABOVE GOAL'}`)
}
// A million scenarios (a 2.6 GB message file, generated once): once, when asked — it takes minutes.
if (process.env.BENCH_MILLION === '1') {
  const file = await generate(1_000_000)
  const ours = measureNode([...PIPELINE, file], { cwd: ROOT, repeat: 1 })
  const growth = ours.seconds / timeAt.get(SIZES[1]!)!
  console.log(`  1000000 scenarios  ingest→merge→matrix+JUnit ${ours.seconds.toFixed(1)} s · ${growth.toFixed(1)}× the 100k time (goal ≤ 11) ${growth <= 11 ? 'OK' : 'ABOVE GOAL'} · peak RSS ${mb(ours.peakRssBytes)} (goal ≤ 600 MB) ${ours.peakRssBytes <= 600 * 1024 * 1024 ? 'OK' : 'ABOVE GOAL'}`)
}
{
  // One line or one text far longer than a read: each used to be put together by copying it
  // over and over (80 MB: 41 s for the attachment, 19 s and 3 GB for the output).
  const [messages, junit] = await generateLargeOutputs(LARGE_MB)
  const [floor, ours] = compareNode([path.join(ROOT, 'bench/support/ingest-floor.mjs'), messages], [...PIPELINE, messages], { cwd: ROOT, rounds: 3 })
  const ratio = ours.seconds / floor.seconds
  console.log(`  a scenario attaching a ${LARGE_MB} MB video (one line)  floor ${floor.seconds.toFixed(2)} s, ${mb(floor.peakRssBytes)} · ingest→merge→matrix+JUnit ${ours.seconds.toFixed(2)} s · ratio ${ratio.toFixed(2)} (goal ≤ 3) ${ratio <= 3 ? 'OK' : 'ABOVE GOAL'} · peak RSS ${mb(ours.peakRssBytes)} (goal ≤ 2× the floor's) ${ours.peakRssBytes <= 2 * floor.peakRssBytes ? 'OK' : 'ABOVE GOAL'}`)
  const [peer, read] = compareNode([path.join(ROOT, 'bench/support/xml-peer.mjs'), junit], [...PIPELINE, junit], { cwd: ROOT, rounds: 3 })
  const against = read.seconds / peer.seconds
  console.log(`  JUnit, a test printing ${LARGE_MB} MB (one <system-out>)  peer (fast-xml-parser's parse of the file) ${peer.seconds.toFixed(2)} s, ${mb(peer.peakRssBytes)} · ingest→merge→matrix+JUnit ${read.seconds.toFixed(2)} s · ratio ${against.toFixed(2)} (goal ≤ 1) ${against <= 1 ? 'OK' : 'ABOVE GOAL'} · peak RSS ${mb(read.peakRssBytes)} (goal ≤ the peer's) ${read.peakRssBytes <= peer.peakRssBytes ? 'OK' : 'ABOVE GOAL'}`)
}
{
  const file = await generateJson(JSON_SCENARIOS)
  const [floor, ours] = compareNode([path.join(ROOT, 'bench/support/json-floor.mjs'), file], [...PIPELINE, file], { cwd: ROOT, rounds: 3 })
  const ratio = ours.seconds / floor.seconds
  console.log(`  Cucumber JSON, ${JSON_SCENARIOS} scenarios (${mb(statSync(file).size)} file)  floor (JSON.parse of the file) ${floor.seconds.toFixed(2)} s, ${mb(floor.peakRssBytes)} · ingest→merge→matrix+JUnit ${ours.seconds.toFixed(2)} s · ratio ${ratio.toFixed(2)} (goal ≤ 3) ${ratio <= 3 ? 'OK' : 'ABOVE GOAL'} · peak RSS ${mb(ours.peakRssBytes)} (goal ≤ 300 MB) ${ours.peakRssBytes <= 300 * 1024 * 1024 ? 'OK' : 'ABOVE GOAL'}`)
}
