import type { Case, RunError, Stage } from '../model/results.ts'
import { isFailure } from '../model/status-algebra.ts'
import type { BoundScenario } from './catalogue-binding.ts'
import { steplessVerdict, type IngestProblem } from './ingest-types.ts'

/** A test of a report that names tests (JUnit, go test -json), and the scenario it is bound to. */
export interface ReportTest {
  name: string
  c: Case
  scenario?: BoundScenario | undefined
  /** how a list of tests that bind to nothing names it */
  where: string
}

/** What writing a report's tests found: how many were bound, which were not, the run's failures besides. */
export interface ReportTally {
  bound: number
  unbound: string[]
  runErrors: RunError[]
}

/**
 * Writes the tests of one suite (JUnit) or package (go test -json): a bound one takes its
 * scenario's id, tags and features (a scenario without steps verified nothing, whatever the report
 * says: cucumber-js's lists it passed). A Go test whose subtests are bound scenarios and that is
 * none itself (godog under `go test`: TestFeatures runs every scenario as a subtest) is no case:
 * its verdict is its subtests', and a failure of its own that none of them explains (a suite
 * hook, godog refusing its options) is a failure of the run.
 */
export function writeReportTests(tests: readonly ReportTest[], write: (c: Case) => void, tally: ReportTally, binding: boolean): void {
  const functions = goTestFunctions(tests)
  for (const { name, c, scenario, where } of tests) {
    if (functions.has(name) && !scenario) {
      if (isFailure(c.status) && !tests.some((t) => t.name.startsWith(`${name}/`) && isFailure(t.c.status))) tally.runErrors.push({ where: `Go test ${name}`, message: c.error ?? `the report marks it ${c.status}` })
      continue
    }
    if (scenario) tally.bound++
    else if (binding) tally.unbound.push(where)
    write(scenario ? { ...c, ...scenario.fields, ...(scenario.stepCount ? {} : steplessVerdict(c.status, c.error)) } : c)
  }
}

/**
 * A Go package whose tests did not build (or set up), as the run's failure: go-junit-report,
 * go test -json's plain line (Go before 1.24) and its build events (1.24) each say it their way.
 * The first line names the compiler's first complaint (one-line views show only that line; go
 * build heads its output with "# <package>"); the whole output follows. Without output, `hint`
 * says where to look.
 */
export function unbuiltPackage(pkg: string, step: string, output: string | undefined, hint = ''): RunError {
  const failed = `the package's tests did not ${step === 'setup' ? 'set up' : 'build'}`
  const text = output?.trim()
  if (!text) return { where: `Go package ${pkg}`, message: `${failed}${hint}` }
  const lines = text.split('\n')
  const first = (lines.find((line) => line.trim() !== '' && !line.startsWith('# ')) ?? lines[0]!).trim()
  return { where: `Go package ${pkg}`, message: lines.length > 1 ? `${failed}: ${first}\n${text}` : `${failed}: ${first}` }
}

/** The Go tests holding bound subtests: the test function, and a feature's subtest where each feature is one. */
function goTestFunctions(tests: readonly ReportTest[]): Set<string> {
  const functions = new Set<string>()
  for (const { name, scenario } of tests) {
    if (!scenario || !/^Test[^/]*\//s.test(name)) continue
    for (let at = name.indexOf('/'); at !== -1; at = name.indexOf('/', at + 1)) functions.add(name.slice(0, at))
  }
  return functions
}

/**
 * What a report's binding leaves to say: the tests bound to no scenario, listed where some were
 * bound; acceptance tests of which none is bound stand outside every row of the matrix, said too
 * (unit tests bind to nothing, and say nothing).
 */
export function bindingProblems(file: string, tally: ReportTally, stage: Stage): IngestProblem[] {
  const { bound, unbound } = tally
  const first = `${unbound.slice(0, 5).join('; ')}${unbound.length > 5 ? '; …' : ''}`
  if (bound && unbound.length) return [{ file, line: 0, message: `${unbound.length} test(s) match no scenario of the features folder, kept as the report names them: ${first}` }]
  if (!bound && unbound.length && stage === 'acceptance')
    return [{ file, line: 0, message: `none of its ${unbound.length} test(s) match a scenario of the features folder: kept as the report names them, outside every row of the matrix (named as no runner bdd-matrix reads names them — README, "Bring your own runner" — or run from other feature files): ${first}` }]
  return []
}
