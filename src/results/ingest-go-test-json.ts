import { statSync } from 'node:fs'
import type { Case, RunError } from '../model/results.ts'
import { caseIdOf, type Status } from '../model/vocabulary.ts'
import { headerRoomFor, ResultsWriter } from './results-writer.ts'
import { CatalogueBinding } from './catalogue-binding.ts'
import { readLines } from './read-lines.ts'
import { goTestPrinted } from './go-test-output.ts'
import { bindingProblems, unbuiltPackage, writeReportTests, type ReportTally, type ReportTest } from './report-tests.ts'
import { inputHasher, runFrom, type IngestContext, type IngestOutcome, type IngestProblem } from './ingest-types.ts'

/** One event of `go test -json` (cmd/test2json). */
interface GoTestEvent {
  Time?: string
  Action: string
  Package?: string
  Test?: string
  Elapsed?: number
  Output?: string
  /** Go 1.24: the package a build event is of */
  ImportPath?: string
  /** Go 1.24: on a package's fail, the build that failed */
  FailedBuild?: string
}

/** The fields go test writes as strings: an event with anything else in one is not go test's (never read as a string). */
const TEXT_FIELDS = ['Time', 'Package', 'Test', 'Output', 'ImportPath', 'FailedBuild'] as const

/** A test while it runs: its output so far. */
interface Running {
  output: string[]
  started?: number
}

// (a Map: an Action named as an object's own property, "valueOf", is no verdict)
const VERDICTS = new Map<string, Status>([['pass', 'passed'], ['fail', 'failed'], ['skip', 'skipped']])

/**
 * Reads `go test -json` (test2json's events, one a line) as Go teams keep it beside or instead of
 * gotestsum's JUnit: a test's verdict is its pass, fail or skip event, its time the event's
 * Elapsed, its error (or reason to skip) what it printed, Go's own === and --- lines left out. A
 * test the report starts and never ends (the test binary was killed) failed. A package that
 * fails with no failing test (a panic outside any test, TestMain) or does not build (Go before
 * 1.24 writes `FAIL <package> [build failed]` as plain text among the events) fails the run.
 * godog's scenarios, subtests of a test function, bind to the features' rows as they do from
 * JUnit, and cases that bind to nothing are named as gotestsum's JUnit names them (package and
 * test): one run's cases are the same whichever of the two reports is ingested.
 */
export async function ingestGoTestJson(file: string, ctx: IngestContext): Promise<IngestOutcome> {
  const binding = ctx.catalogue ? CatalogueBinding.load(ctx.catalogue.featuresDir, ctx.catalogue.uriPrefix) : undefined
  const writer = new ResultsWriter(ctx.resultsDir, ctx.onCaseLines, { headerRoom: headerRoomFor(file) })
  const hash = inputHasher(ctx)
  const problems: IngestProblem[] = []
  const runErrors: RunError[] = []
  const notEvents: number[] = []
  // by package: the tests ended, in the order they ended; the tests running; each name's runs so far
  const ended = new Map<string, ReportTest[]>()
  const running = new Map<string, Map<string, Running>>()
  const runs = new Map<string, number>()
  // the last lines each package (and each build) printed outside its tests: why it failed, if it did
  const packageOutput = new Map<string, string[]>()
  const said = (key: string, text: string): void => {
    const lines = packageOutput.get(key) ?? packageOutput.set(key, []).get(key)!
    lines.push(text)
    if (lines.length > 40) lines.splice(0, lines.length - 20)
  }
  const tail = (key: string): string => (packageOutput.get(key) ?? []).join('').trim().split('\n').slice(-20).join('\n')
  let first: number | undefined
  let last: number | undefined
  let events = 0

  const end = (pkg: string, name: string, status: Status, at: number | undefined, elapsed: number | undefined, note?: string): void => {
    const test = running.get(pkg)?.get(name)
    running.get(pkg)?.delete(name)
    const key = `${pkg}\u0000${name}`
    const occurrence = (runs.get(key) ?? 0) + 1
    runs.set(key, occurrence)
    const printed = [goTestPrinted((test?.output ?? []).join('')), note].filter(Boolean).join('\n')
    // (seconds so many that their milliseconds are no number, 1e305, are no time either)
    const elapsedMs = elapsed === undefined ? NaN : Math.round(elapsed * 1000)
    const durationMs = Number.isFinite(elapsedMs) && elapsedMs > 0 ? elapsedMs : at !== undefined && test?.started !== undefined ? Math.max(0, at - test.started) : 0
    const c: Case = {
      kind: 'case',
      id: caseIdOf({ uri: pkg, scenario: name, occurrence }),
      uri: pkg,
      feature: pkg,
      scenario: name,
      name: occurrence > 1 ? `${name} #${occurrence}` : name,
      featureIds: [],
      tags: [],
      status,
      flaky: false,
      attempts: 1,
      durationMs,
      steps: [],
      ...(status === 'failed' ? { error: printed || 'the test failed without saying why' } : status === 'skipped' && printed ? { error: printed } : {}),
      attachments: [],
      nodes: [],
      source: 'automated',
      ...(status === 'passed' && printed ? { output: printed } : {}),
    }
    const list = ended.get(pkg) ?? []
    ended.set(pkg, list)
    list.push({ name, c, scenario: binding?.byGoSubtest(name), where: `${pkg} › ${name}` })
  }

  const lines = await readLines(
    file,
    (line, lineNumber) => {
      const text = line.trim()
      if (!text) return
      let event: GoTestEvent
      try {
        event = JSON.parse(text) as GoTestEvent
      } catch {
        // Go before 1.24 writes a package that did not build as a plain line among the events
        const unbuilt = /^FAIL\s+(\S+)\s+\[(build|setup) failed\]$/.exec(text)
        if (unbuilt) runErrors.push(unbuiltPackage(unbuilt[1]!, unbuilt[2]!, undefined, ' (go test prints why on its standard error)'))
        else notEvents.push(lineNumber)
        return
      }
      if (!event || typeof event !== 'object' || typeof event.Action !== 'string' || !TEXT_FIELDS.every((field) => event[field] === undefined || typeof event[field] === 'string')) {
        notEvents.push(lineNumber)
        return
      }
      events++
      const pkg = String(event.Package ?? '')
      const at = event.Time ? Date.parse(event.Time) : NaN
      const time = Number.isNaN(at) ? undefined : at
      if (time !== undefined) {
        first ??= time
        last = time
      }
      const name = event.Test === undefined ? undefined : String(event.Test)
      const verdict = VERDICTS.get(event.Action)
      if (name === undefined) {
        // Go 1.24 and later report the build too: its output and its failure by ImportPath, and
        // the package's fail then names the build that failed (FailedBuild), said once here
        const built = String(event.ImportPath ?? pkg)
        if (event.Action === 'output' || event.Action === 'build-output') said(event.Action === 'output' ? pkg : `build ${built}`, String(event.Output ?? ''))
        if (event.Action === 'build-fail') runErrors.push(unbuiltPackage(built, 'build', tail(`build ${built}`), ' (no compiler output in the report)'))
        if (verdict === 'failed' && !event.FailedBuild && !(ended.get(pkg) ?? []).some((t) => t.c.status === 'failed') && !running.get(pkg)?.size) runErrors.push({ where: `Go package ${pkg}`, message: tail(pkg) || 'the package failed outside its tests' })
        return
      }
      const tests = running.get(pkg) ?? running.set(pkg, new Map()).get(pkg)!
      if (event.Action === 'run') tests.set(name, { output: [], ...(time !== undefined ? { started: time } : {}) })
      else if (event.Action === 'output') (tests.get(name) ?? tests.set(name, { output: [] }).get(name)!).output.push(String(event.Output ?? ''))
      else if (verdict) end(pkg, name, verdict, time, typeof event.Elapsed === 'number' ? event.Elapsed : undefined)
    },
    hash.onBytes,
  )
  // started and never ended: the test binary was killed (a timeout, a crash outside testing's reach)
  for (const [pkg, tests] of running) for (const name of [...tests.keys()]) end(pkg, name, 'failed', last, undefined, '(the report ends while the test runs: the test binary was killed or crashed)')
  if (events === 0 && !runErrors.length) {
    writer.discard()
    return { cases: 0, problems: [{ file, line: 1, message: lines === 0 ? 'empty file: no go test -json events in it' : 'no go test -json events in it (lines of JSON with an "Action")' }] }
  }
  const tally: ReportTally = { bound: 0, unbound: [], runErrors }
  for (const tests of ended.values()) writeReportTests(tests, (c) => writer.write(c), tally, Boolean(binding))
  if (notEvents.length) problems.push({ file, line: notEvents[0]!, message: `${notEvents.length === 1 ? 'a line that is' : `${notEvents.length} lines that are`} no go test -json event (or one with a field go test writes as text that is none), skipped (go test's own messages, or output of the tests written around -json?)` })
  problems.push(...bindingProblems(file, tally, ctx.stage))
  // without a time (a package that did not build says none), the report was written when the file was
  const written = statSync(file).mtimeMs
  const run = runFrom(ctx, { inputHash: await hash.digest(), startedAt: new Date(first ?? written).toISOString(), finishedAt: new Date(last ?? first ?? written).toISOString(), format: 'go-test-json', file, errors: runErrors })
  if (writer.cases === 0 && !runErrors.length) {
    writer.discard()
    return { cases: 0, problems: [...problems, { file, line: 1, message: 'go test -json events, but no test ended in them: nothing to ingest (did the tests run?)' }] }
  }
  return { run, cases: writer.cases, problems, path: writer.close(run) }
}
