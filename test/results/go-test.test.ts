import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ingestFile } from '../../src/results/ingest-file.ts'
import fc from 'fast-check'
import { CatalogueBinding, goSubtestName } from '../../src/results/catalogue-binding.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { catalogueCases } from '../../src/catalogue/catalogue-cases.ts'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import type { Case, Run } from '../../src/model/results.ts'
import { tempDir, tempTree } from '../helpers/temp-tree.ts'

// godog run under `go test` (TestingT in its options: each scenario a subtest of TestFeatures),
// its results as go test -json writes them and as go-junit-report or gotestsum's JUnit has them,
// as a Go team keeps them in GitLab. Go itself is run where it is installed (CI installs it):
// godog is a Go module this machine cannot download, so the test does with the scenarios what
// godog does, `t.Run(pickle.Name, …)`, failing the subtest with t.Errorf, and TestFeatures with
// t.Fatal when any failed (the wrapper godog's README gives).

const required = process.env.BDD_MATRIX_REQUIRE_SERVICES === '1'
const hasGo = spawnSync('go', ['version']).status === 0
const hasGotestsum = spawnSync('gotestsum', ['--version']).status === 0
if (!hasGo && !required) console.warn('go not found: the tests that run go test are skipped')
if (!hasGotestsum && !required) console.warn('gotestsum not found: the test of its JUnit is skipped')

const FEATURES = {
  'features/deploy.feature': `@feature:deploy
Feature: Job deployment
  Scenario: Deploy a job on a peer
    Given a cluster
  Scenario Outline: Deploy with <resources>
    Given a job needing <resources>
    Examples:
      | resources |
      | 1 CPU     |
      | 64 CPUs   |
  Scenario Outline: Deploy twice
    Given a job needing <resources>
    Examples:
      | resources |
      | 1 CPU     |
      | 2 CPUs    |
      | 3 CPUs    |
  Rule: quotas
    Scenario: Issue #12 stays fixed
      Given a cluster
`,
  'features/network.feature': `@feature:network
Feature: Peer network
  Scenario: Peers discover each other
    Given a cluster
  Scenario: Ünïcode \u200djoined and non\u00a0breaking
    Given a cluster
  Scenario: Shared name
    Given a cluster
`,
  'features/other.feature': `@feature:other
Feature: Other
  Scenario: Shared name
    Given a cluster
`,
}

const casesOf = (file: string): Case[] => readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as Case)

async function ingest(project: string, stage: 'acceptance' | 'unit' = 'acceptance', report = 'junit.xml') {
  const resultsDir = tempDir('go-test')
  const outcome = await ingestFile(path.join(project, report), { build: 'v1', environment: 'local', stage, resultsDir, catalogue: { featuresDir: path.join(project, 'features'), uriPrefix: 'features' } })
  const run = outcome.path ? (JSON.parse(readFileSync(outcome.path, 'utf8').split('\n')[0]!) as Run) : undefined
  return { ...outcome, run, list: outcome.path ? casesOf(outcome.path) : [] }
}

// go-junit-report writes the test function before its subtests, gotestsum after them (as Go
// reports them ended); each names a repeated subtest as Go does (#01, #02…).
const testcase = (name: string, failure?: string) =>
  `    <testcase classname="gitlab.com/nunet/dms/tests/acceptance" name="${name}" time="0.010">${failure ? `<failure message="Failed" type="">${failure}</failure>` : ''}</testcase>\n`
const report = (cases: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="gitlab.com/nunet/dms/tests/acceptance" tests="9" timestamp="2026-12-06T02:00:00Z">\n${cases}  </testsuite>\n</testsuites>\n`
/** Writes the project's go/ module; runs `command` in it (go or gotestsum), its cache in the project. */
function runGo(project: string, files: Record<string, string>, command: string, args: string[]) {
  const dir = path.join(project, 'go')
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'go.mod'), 'module acceptance\n\ngo 1.19\n')
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), text)
  }
  return spawnSync(command, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GOCACHE: path.join(project, 'go-cache'), GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' } })
}

/** Runs `go test -json ./...` in the project's go/ module; its standard output, the events. */
function goTestJson(project: string, files: Record<string, string>): string {
  const go = runGo(project, files, 'go', ['test', '-json', '-count=1', './...'])
  expect(go.stdout, go.stderr).not.toBe('')
  return go.stdout
}

/** A Go test that runs the given pickle names as godog does, failing and skipping those asked. */
function godogLike(names: string[], fail: string[], skip: string[]): string {
  const quoted = (list: string[]) => list.map((n) => JSON.stringify(n)).join(', ')
  return `package acceptance

import "testing"

var names = []string{${quoted(names)}}
var failing = map[string]bool{${fail.map((n) => `${JSON.stringify(n)}: true`).join(', ')}}
var skipped = map[string]bool{${skip.map((n) => `${JSON.stringify(n)}: true`).join(', ')}}

func TestFeatures(t *testing.T) {
\tfailed := false
\tfor _, n := range names {
\t\tt.Run(n, func(t *testing.T) {
\t\t\tt.Log("Given a cluster")
\t\t\tif skipped[n] {
\t\t\t\tt.Skip("no GPU on this cluster")
\t\t\t}
\t\t\tif failing[n] {
\t\t\t\tfailed = true
\t\t\t\tt.Errorf("expected the job refused, it was placed")
\t\t\t}
\t\t})
\t}
\tif failed {
\t\tt.Fatal("non-zero status returned, failed to run feature tests")
\t}
}

func TestUnit(t *testing.T) {}
`
}

/** A package whose tests do not compile. */
const BROKEN = { 'broken/broken_test.go': 'package broken\n\nimport "testing"\n\nfunc TestX(t *testing.T) { undefined() }\n' }

describe('godog under go test -json (test2json events)', () => {
  it.skipIf(!hasGo && !required)("the scenarios land in their features' rows with go test's own verdicts; the test function holding them is no case; a package that does not build fails the run", async () => {
    const project = tempTree(FEATURES)
    const pickles = catalogueCases(buildCatalogue(path.join(project, 'features')), 'features').filter((c) => c.pickle.name !== 'Shared name')
    const names = pickles.map((c) => c.pickle.name)
    writeFileSync(path.join(project, 'go.json'), goTestJson(project, { 'features_test.go': godogLike(names, ['Deploy with 64 CPUs'], ['Issue #12 stays fixed']), ...BROKEN }))
    const outcome = await ingest(project, 'acceptance', 'go.json')
    expect(outcome.run!.source.format).toBe('go-test-json')
    const byId = new Map(pickles.map((c) => [c.id, c]))
    expect(outcome.list.map((c) => [byId.get(c.id)?.name ?? c.name, c.status])).toEqual([
      ...pickles.map((c) => [c.name, c.pickle.name === 'Deploy with 64 CPUs' ? 'failed' : c.pickle.name === 'Issue #12 stays fixed' ? 'skipped' : 'passed']),
      ['TestUnit', 'passed'],
    ])
    const failed = outcome.list.find((c) => c.status === 'failed')!
    expect(failed.error).toMatch(/features_test\.go:\d+: Given a cluster\n\s*features_test\.go:\d+: expected the job refused, it was placed$/)
    expect(outcome.list.find((c) => c.status === 'skipped')!.error).toContain('no GPU on this cluster')
    // TestFeatures failed for its failing scenario: no failure of the run for it; the package that did not build is one
    expect(outcome.run!.errors).toEqual([{ where: 'Go package acceptance/broken', message: expect.stringContaining('did not build') }])
    expect(outcome.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^1 test\(s\) match no scenario .*acceptance › TestUnit$/)])
  })

  it.skipIf(!(hasGo && hasGotestsum) && !required)("gotestsum's JUnit and its --jsonfile (go test -json) of one run give the same cases", async () => {
    const project = tempTree(FEATURES)
    const pickles = catalogueCases(buildCatalogue(path.join(project, 'features')), 'features')
    const run = runGo(project, { 'features_test.go': godogLike(pickles.map((c) => c.pickle.name), ['Deploy twice'], ['Peers discover each other']), ...BROKEN }, 'gotestsum', ['--junitfile', path.join(project, 'junit.xml'), '--jsonfile', path.join(project, 'go.json'), '--format', 'standard-quiet', '--', '-count=1', './...'])
    expect(run.status, run.stdout + run.stderr).not.toBe(0)
    const [json, junit] = [await ingest(project, 'acceptance', 'go.json'), await ingest(project)]
    // the same verdicts, and the same words: gotestsum's failure text keeps Go's framing lines (=== RUN…) and says "Failed" first, left out
    const seen = (o: typeof json) => o.list.map((c) => [c.id, c.name, c.status, c.featureIds.join(), c.error ?? '']).sort()
    expect(seen(junit)).toEqual(seen(json))
    expect(json.list.filter((c) => c.status === 'failed').every((c) => /features_test\.go:\d+: /.test(c.error ?? ''))).toBe(true)
    const byId = new Map(pickles.map((c) => [c.id, c]))
    // the outline's three rows share their name: each lands in its own row (godogLike fails every subtest of that name)
    expect(json.list.filter((c) => c.status !== 'passed').map((c) => [byId.get(c.id)?.name ?? c.name, c.status]).sort()).toEqual([
      ['Deploy twice (resources: 1 CPU)', 'failed'],
      ['Deploy twice (resources: 2 CPUs)', 'failed'],
      ['Deploy twice (resources: 3 CPUs)', 'failed'],
      ['Peers discover each other', 'skipped'],
    ])
    // a name two features share binds to neither, from both reports alike
    expect(json.problems.map((p) => p.message)).toEqual(junit.problems.map((p) => p.message))
    // gotestsum (with a Go before 1.24) keeps no word of the package that did not build, in either
    // file: its scenarios are simply not run (go test -json > file keeps the line: the test above)
    expect(json.run!.errors).toBeUndefined()
    expect(junit.run!.errors).toBeUndefined()
  })

  it('the same run as go test -json and as JUnit gives the same cases', async () => {
    const project = tempTree({
      ...FEATURES,
      'go.json': [
        { Action: 'run', Test: 'TestFeatures' },
        { Action: 'run', Test: 'TestFeatures/Deploy_with_64_CPUs' },
        { Action: 'output', Test: 'TestFeatures/Deploy_with_64_CPUs', Output: '=== RUN   TestFeatures/Deploy_with_64_CPUs\n' },
        { Action: 'output', Test: 'TestFeatures/Deploy_with_64_CPUs', Output: '    suite.go:451: expected the job refused, it was placed\n' },
        { Action: 'output', Test: 'TestFeatures/Deploy_with_64_CPUs', Output: '    --- FAIL: TestFeatures/Deploy_with_64_CPUs (0.01s)\n' },
        { Action: 'fail', Test: 'TestFeatures/Deploy_with_64_CPUs', Elapsed: 0.01 },
        { Action: 'run', Test: 'TestFeatures/Deploy_twice' },
        { Action: 'pass', Test: 'TestFeatures/Deploy_twice', Elapsed: 0.01 },
        { Action: 'run', Test: 'TestFeatures/Shared_name' },
        { Action: 'pass', Test: 'TestFeatures/Shared_name', Elapsed: 0.01 },
        { Action: 'fail', Test: 'TestFeatures', Elapsed: 0.03 },
        { Action: 'fail', Elapsed: 0.04 },
      ]
        .map(({ Action, ...e }) => JSON.stringify({ Time: '2026-12-06T02:00:00Z', Action, Package: 'gitlab.com/nunet/dms/tests/acceptance', ...e }))
        .join('\n'),
      'junit.xml': report(testcase('TestFeatures', 'failed') + testcase('TestFeatures/Deploy_with_64_CPUs', '    suite.go:451: expected the job refused, it was placed') + testcase('TestFeatures/Deploy_twice') + testcase('TestFeatures/Shared_name')),
    })
    const [json, junit] = [await ingest(project, 'acceptance', 'go.json'), await ingest(project)]
    const seen = (o: typeof json) => o.list.map((c) => [c.id, c.name, c.status, c.error?.includes('expected the job refused, it was placed') ?? 'no error'])
    expect(seen(json)).toEqual(seen(junit))
    expect(json.run!.errors).toBeUndefined()
    expect(json.problems).toEqual(junit.problems.map((p) => ({ ...p, file: path.join(project, 'go.json') })))
  })

  it("Go 1.24's build events: a package whose tests do not build fails the run once, with the compiler's words", async () => {
    // the events Go's own test of them expects (cmd/go/testdata/script/test_json_build.txt)
    const built = 'm/builderror [m/builderror.test]'
    const project = tempTree({
      ...FEATURES,
      'go.json': [
        { ImportPath: built, Action: 'build-output', Output: `# ${built}\n` },
        { ImportPath: built, Action: 'build-output', Output: 'builderror/main_test.go:3:11: undefined: y\n' },
        { ImportPath: built, Action: 'build-fail' },
        { Time: '2026-12-06T02:00:00Z', Action: 'start', Package: 'm/builderror' },
        { Time: '2026-12-06T02:00:00Z', Action: 'output', Package: 'm/builderror', Output: 'FAIL\tm/builderror [build failed]\n' },
        { Time: '2026-12-06T02:00:00Z', Action: 'fail', Package: 'm/builderror', Elapsed: 0, FailedBuild: built },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    })
    const outcome = await ingest(project, 'acceptance', 'go.json')
    expect(outcome.list).toEqual([])
    // the compiler's complaint on the first line (one-line views show that), not go build's "# <package>" heading
    expect(outcome.run!.errors).toEqual([{ where: `Go package ${built}`, message: `the package's tests did not build: builderror/main_test.go:3:11: undefined: y\n# ${built}\nbuilderror/main_test.go:3:11: undefined: y` }])
  })

  it('a test the report starts and never ends (the test binary killed) failed; lines that are no events are named', async () => {
    const project = tempTree({
      ...FEATURES,
      'go.json': `${JSON.stringify({ Action: 'run', Package: 'p', Test: 'TestFeatures' })}\n${JSON.stringify({ Action: 'run', Package: 'p', Test: 'TestFeatures/Deploy_a_job_on_a_peer' })}\nsome stray line\n${JSON.stringify({ Action: 'output', Package: 'p', Test: 'TestFeatures/Deploy_a_job_on_a_peer', Output: 'panic: test timed out after 10m0s\n' })}\n`,
    })
    const outcome = await ingest(project, 'acceptance', 'go.json')
    expect(outcome.list.map((c) => [c.name, c.status])).toEqual([['Deploy a job on a peer', 'failed']])
    expect(outcome.list[0]!.error).toMatch(/^panic: test timed out after 10m0s\n\(the report ends while the test runs/)
    expect(outcome.problems[0]).toMatchObject({ line: 3, message: expect.stringContaining('no go test -json event') })
  })
})

/** A Go string literal of any text: every rune not plain ASCII escaped (Go refuses a byte order mark inside its source). */
const goLiteral = (text: string): string => `"${[...text].map((ch) => (/^[\x20-\x7e]$/.test(ch) && ch !== '"' && ch !== '\\' ? ch : ch.codePointAt(0)! < 0x10000 ? `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}` : `\\U${ch.codePointAt(0)!.toString(16).padStart(8, '0')}`)).join('')}"`

describe("Go's names of subtests", () => {
  // Runes of every kind Go's rewrite treats apart (ASCII and its controls, Go's spaces and Unicode's
  // others, format characters, marks, letters of several scripts, private use, unassigned,
  // emoji), from blocks Go 1.19 (Unicode 13) and Node (Unicode 15) classify alike: a rune assigned
  // since is printable to Node and to a newer Go, escaped by Go 1.19. No '#': Go's numbering of
  // a name run again is checked above.
  const rune = fc
    .oneof(
      fc.integer({ min: 0x01, max: 0x7f }), fc.integer({ min: 0x80, max: 0x36f }), fc.integer({ min: 0x370, max: 0x4ff }), fc.integer({ min: 0x5d0, max: 0x5ea }),
      fc.integer({ min: 0x2000, max: 0x206f }), fc.integer({ min: 0x4e00, max: 0x9fa5 }), fc.integer({ min: 0xac00, max: 0xd7a3 }), fc.integer({ min: 0xe000, max: 0xe0ff }), fc.integer({ min: 0x1f600, max: 0x1f64f }),
      fc.constantFrom(0x85, 0xa0, 0xad, 0x1680, 0x202f, 0x205f, 0x3000, 0xfeff, 0xfffe, 0xffff, 0xe0001, 0xe0041, 0x10ffff),
    )
    .filter((r) => r !== 0x23)
    .map((r) => String.fromCodePoint(r))
  it.skipIf(!hasGo && !required)('goSubtestName names any text as Go itself does (300 names, one go test)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: rune, minLength: 1, maxLength: 6 }), { minLength: 300, maxLength: 300, selector: goSubtestName }), (names) => {
        const go = runGo(tempTree(), { 'names_test.go': `package acceptance\n\nimport "testing"\n\nvar names = []string{${names.map(goLiteral).join(', ')}}\n\nfunc TestFeatures(t *testing.T) {\n\tfor _, n := range names {\n\t\tt.Run(n, func(t *testing.T) {})\n\t}\n}\n` }, 'go', ['test', '-json', '-count=1', '.'])
        expect(go.status, go.stdout + go.stderr).toBe(0)
        const named = go.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { Action: string; Test?: string }).filter((e) => e.Action === 'run' && e.Test?.startsWith('TestFeatures/'))
        expect(named).toHaveLength(names.length)
        // the names Go and goSubtestName disagree on, with their runes: none
        const differing = names.flatMap((n, i) => (`TestFeatures/${goSubtestName(n)}` === named[i]!.Test ? [] : [{ runes: [...n].map((ch) => ch.codePointAt(0)!.toString(16)), ours: goSubtestName(n), go: named[i]!.Test }]))
        expect(differing).toEqual([])
      }),
      // one go test of 300 names a run; a failure lists every name that differs, unshrunk
      { numRuns: 1, endOnFailure: true },
    )
  })
})

describe('godog under go test, through go-junit-report or gotestsum', () => {
  it.skipIf(!hasGo && !required)("every name Go gives the scenarios' subtests, run as godog runs them, binds back to its scenario", () => {
    const project = tempTree({ ...FEATURES, 'go/go.mod': 'module names\n\ngo 1.19\n' })
    const pickles = catalogueCases(buildCatalogue(path.join(project, 'features')), 'features')
    // godog runs the pickles in file order and calls t.Run(pickle.Name, …) for each
    writeFileSync(
      path.join(project, 'go/names_test.go'),
      `package names\n\nimport "testing"\n\nvar names = []string{${pickles.map((c) => JSON.stringify(c.pickle.name)).join(', ')}}\n\nfunc TestFeatures(t *testing.T) {\n\tfor _, n := range names {\n\t\tt.Run(n, func(t *testing.T) {})\n\t}\n}\n`,
    )
    const go = spawnSync('go', ['test', '-json', './...'], { cwd: path.join(project, 'go'), encoding: 'utf8', env: { ...process.env, GOCACHE: path.join(project, 'go-cache'), GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' } })
    expect(go.status, go.stdout + go.stderr).toBe(0)
    const subtests = go.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { Action: string; Test?: string })
      .filter((e) => e.Action === 'pass' && e.Test?.includes('/'))
      .map((e) => e.Test!)
    expect(subtests).toHaveLength(pickles.length)
    // Go reports a subtest when it ends: in the order run here
    expect(subtests).toContain('TestFeatures/Deploy_twice#02')
    expect(subtests).toContain('TestFeatures/Ünïcode_\\u200djoined_and_non_breaking')
    const binding = CatalogueBinding.load(path.join(project, 'features'), 'features')!
    const shared = new Set(pickles.filter((c) => c.pickle.name === 'Shared name').map((c) => c.id))
    for (const [i, name] of subtests.entries()) {
      const id = binding.byGoSubtest(name)?.fields.id
      // a name two features' scenarios share is no one scenario's: left as the report says it
      if (shared.has(pickles[i]!.id)) expect(id, name).toBeUndefined()
      else expect(id, name).toBe(pickles[i]!.id)
    }
  })

  const scenarios = (failing: boolean) =>
    [
      testcase('TestFeatures/Deploy_a_job_on_a_peer'),
      testcase('TestFeatures/Deploy_with_1_CPU'),
      testcase('TestFeatures/Deploy_with_64_CPUs', failing ? '    suite.go:451: expected the job refused, it was placed' : undefined),
      testcase('TestFeatures/Deploy_twice'),
      testcase('TestFeatures/Deploy_twice#01'),
      testcase('TestFeatures/Deploy_twice#02'),
      testcase('TestFeatures/Issue_#12_stays_fixed'),
      testcase('TestFeatures/Peers_discover_each_other'),
      testcase('TestFeatures/Shared_name'),
      testcase('TestFeatures/Shared_name#01'),
    ].join('')
  const expected = (failing: boolean) => [
    ['Deploy a job on a peer', 'passed', 'deploy'],
    ['Deploy with 1 CPU', 'passed', 'deploy'],
    ['Deploy with 64 CPUs', failing ? 'failed' : 'passed', 'deploy'],
    ['Deploy twice (resources: 1 CPU)', 'passed', 'deploy'],
    ['Deploy twice (resources: 2 CPUs)', 'passed', 'deploy'],
    ['Deploy twice (resources: 3 CPUs)', 'passed', 'deploy'],
    ['Issue #12 stays fixed', 'passed', 'deploy'],
    ['Peers discover each other', 'passed', 'network'],
    // two features' scenarios of one name: which ran first is not known, so neither row takes them
    ['TestFeatures/Shared_name', 'passed', ''],
    ['TestFeatures/Shared_name#01', 'passed', ''],
  ]

  it.each([
    ['go-junit-report (the test function first)', (cases: string, fn: string) => fn + cases],
    ['gotestsum (the test function last)', (cases: string, fn: string) => cases + fn],
  ])("%s: the scenarios land in their features' rows; the test function holding them is no case of its own", async (_, layout) => {
    const project = tempTree({ ...FEATURES, 'junit.xml': report(layout(scenarios(true), testcase('TestFeatures', '    acceptance_test.go:25: non-zero status returned, failed to run feature tests'))) })
    const outcome = await ingest(project)
    const byId = new Map(catalogueCases(buildCatalogue(path.join(project, 'features')), 'features').map((c) => [c.id, c]))
    expect(outcome.list.map((c) => [byId.get(c.id)?.name ?? c.name, c.status, c.featureIds.join()])).toEqual(expected(true))
    expect(outcome.list.find((c) => c.status === 'failed')!.error).toContain('expected the job refused')
    // its failure is its failing scenario's: no failure of the run besides
    expect(outcome.run!.errors).toBeUndefined()
    expect(outcome.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^2 test\(s\) match no scenario of the features folder.*TestFeatures\/Shared_name; .*TestFeatures\/Shared_name#01$/)])
  })

  it('a test function that fails while each of its scenarios passed (a suite hook, godog refusing its options) fails the run', async () => {
    const project = tempTree({ ...FEATURES, 'junit.xml': report(testcase('TestFeatures', '    acceptance_test.go:25: BeforeSuite: cannot reach the cluster') + scenarios(false)) })
    const outcome = await ingest(project)
    expect(outcome.list.map((c) => [c.status, c.featureIds.join()])).toEqual(expected(false).map(([, status, feature]) => [status, feature]))
    expect(outcome.run!.errors).toEqual([{ where: 'Go test TestFeatures', message: expect.stringContaining('BeforeSuite: cannot reach the cluster') }])
  })

  it('a subtest a feature, the scenarios its subtests (a wrapper running godog per feature): every level that is no scenario is no case', async () => {
    const project = tempTree({
      ...FEATURES,
      'junit.xml': report(
        testcase('TestFeatures', 'failed') +
          testcase('TestFeatures/Job_deployment', 'failed') +
          testcase('TestFeatures/Job_deployment/Deploy_a_job_on_a_peer', 'placed nowhere') +
          testcase('TestFeatures/Peer_network') +
          testcase('TestFeatures/Peer_network/Shared_name') +
          testcase('TestFeatures/Other') +
          testcase('TestFeatures/Other/Shared_name'),
      ),
    })
    const outcome = await ingest(project)
    expect(outcome.list.map((c) => [c.name, c.status, c.featureIds.join()])).toEqual([
      ['Deploy a job on a peer', 'failed', 'deploy'],
      ['Shared name', 'passed', 'network'],
      ['Shared name', 'passed', 'other'],
    ])
    expect(outcome.run!.errors).toBeUndefined()
    expect(outcome.problems).toEqual([])
  })

  it('go test -count=2 (each subtest twice, by the same name): the same scenario twice in one run, the worse counts, nothing flaky', async () => {
    const twice = testcase('TestFeatures/Deploy_with_64_CPUs', 'placed') + testcase('TestFeatures/Deploy_a_job_on_a_peer') + testcase('TestFeatures/Deploy_with_64_CPUs') + testcase('TestFeatures/Deploy_a_job_on_a_peer')
    const project = tempTree({ ...FEATURES, 'junit.xml': report(testcase('TestFeatures', 'non-zero status') + twice + testcase('TestFeatures')) })
    const outcome = await ingest(project)
    expect(outcome.problems).toEqual([])
    const cells = [...(await mergeResults(path.dirname(outcome.path!))).builds.get('v1')!.values()]
    expect(cells.map((c) => [c.name, c.status, c.flaky])).toEqual([
      ['Deploy with 64 CPUs', 'failed', false],
      ['Deploy a job on a peer', 'passed', false],
    ])
  })

  it("Go unit tests and their subtests bind to nothing and change nothing: the test function stays a case", async () => {
    const project = tempTree({ ...FEATURES, 'junit.xml': report(testcase('TestParse') + testcase('TestParse/empty_input') + testcase('TestParse/Deploy_twice#07', 'boom')) })
    const outcome = await ingest(project, 'unit')
    expect(outcome.problems).toEqual([])
    expect(outcome.list.map((c) => [c.name, c.status, c.featureIds.length])).toEqual([
      ['TestParse', 'passed', 0],
      ['TestParse/empty_input', 'passed', 0],
      ['TestParse/Deploy_twice#07', 'failed', 0],
    ])
  })
})
