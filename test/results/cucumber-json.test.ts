import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ingestFile } from '../../src/results/ingest-file.ts'
import type { Case } from '../../src/model/results.ts'
import { catalogueCases } from '../../src/catalogue/catalogue-cases.ts'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempDir, tempTree } from '../helpers/temp-tree.ts'

const CONFORMANCE = path.resolve(PROJECT_ROOT, '../shared/conformance/cucumber-json')
const present = existsSync(CONFORMANCE)
if (!present) console.warn(`conformance data not found at ${CONFORMANCE}: the Cucumber JSON conformance suites are skipped`)
const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/report-formats')
const PYTHON = '/usr/bin/python3'
const required = process.env.BDD_MATRIX_REQUIRE_SERVICES === '1'
const hasPython = (module: string): boolean => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0

const casesOf = (file: string): Case[] => readFileSync(file, 'utf8').trim().split('\n').slice(1).filter(Boolean).map((l) => JSON.parse(l) as Case)

async function ingest(file: string, featuresDir?: string) {
  const resultsDir = tempDir('cucumber-json')
  const outcome = await ingestFile(file, { build: 'v1', environment: 'local', stage: 'acceptance', resultsDir, ...(featuresDir ? { catalogue: { featuresDir, uriPrefix: 'features' } } : {}) })
  return { ...outcome, list: outcome.path ? casesOf(outcome.path) : [] }
}

/** What a person sees of a case in every report: name, status, steps, attachments. */
const shown = (c: Case) => ({ id: c.id, name: c.name, status: c.status, featureIds: c.featureIds, steps: c.steps.map((s) => `${s.keyword} ${s.text}: ${s.status}`), attachments: c.attachments.map((a) => a.path) })

describe.skipIf(!present)('Cucumber JSON as its producers write it (../shared/conformance/cucumber-json)', () => {
  const jvm = path.join(CONFORMANCE, 'cucumber-jvm')
  it.each(present ? readdirSync(jvm).filter((f) => f.endsWith('.json')) : [])('Cucumber-JVM %s: the same cases as the message stream of the same run', async (file) => {
    const json = await ingest(path.join(jvm, file), path.join(jvm, 'features'))
    const messages = await ingest(path.join(jvm, file.replace(/\.json$/, '.ndjson')))
    expect(json.problems).toEqual([])
    // bound to the catalogue: every case is one of its pickles
    const ids = new Set(catalogueCases(buildCatalogue(path.join(jvm, 'features')), 'features').map((c) => c.id))
    expect(json.list.every((c) => ids.has(c.id))).toBe(true)
    const strip = ({ id: _, name: __, featureIds: ___, ...rest }: ReturnType<typeof shown>) => rest
    expect(json.list.map(shown).map(strip)).toEqual(messages.list.map(shown).map(strip))
  })

  it('godog: outline rows by their values, Background steps inlined, every status, attachments, tags', async () => {
    const godog = path.join(CONFORMANCE, 'godog')
    const features = path.join(godog, 'features')
    const outline = await ingest(path.join(godog, 'scenario_outline.json'), features)
    expect(outline.list.map((c) => [c.name, c.status])).toEqual([
      ['outline (odd: 1, even: 2)', 'passed'],
      ['outline (odd: 2, even: 0)', 'failed'],
      ['outline (odd: 3, even: 11)', 'failed'],
      ['outline (odd: 1, even: 14)', 'passed'],
      ['outline (odd: 3, even: 9)', 'failed'],
    ])
    expect(outline.list[0]!.tags).toEqual(expect.arrayContaining(['@outline', '@tag', '@scenario', '@tagged']))
    expect(outline.list[3]!.tags).toContain('@tag2')
    const statuses = await ingest(path.join(godog, 'some_scenarios_including_failing.json'), features)
    expect(statuses.list.map((c) => [c.name, c.status])).toEqual([['failing', 'failed'], ['pending', 'pending'], ['undefined', 'undefined'], ['ambiguous', 'ambiguous']])
    expect(statuses.list[0]!.error).toBeTruthy()
    const background = await ingest(path.join(godog, 'scenario_with_background.json'), features)
    expect(background.list[0]!.steps.map((s) => s.keyword)).toEqual(['Given', 'And', 'When', 'Then'])
    // godog writes nanoseconds: four steps of a few milliseconds, not hours
    expect(background.list[0]!.durationMs).toBeGreaterThan(1)
    expect(background.list[0]!.durationMs).toBeLessThan(1000)
    const attached = await ingest(path.join(godog, 'scenario_with_attachment.json'), features)
    expect(attached.list[0]!.attachments.length).toBeGreaterThan(0)
    // without the features folder, a case stands on what the report says: repeated names told apart
    const alone = await ingest(path.join(godog, 'scenario_outline.json'))
    expect(alone.list.map((c) => c.name)).toEqual(['outline', 'outline #2', 'outline #3', 'outline #4', 'outline #5'])
    expect(new Set(alone.list.map((c) => c.id)).size).toBe(5)
    expect((await ingest(path.join(godog, 'empty.json'))).problems[0]!.message).toMatch(/empty report/)
    // a scenario without steps verified nothing: never a pass (Cucumber counts it undefined)
    for (const file of ['empty_with_single_scenario_without_steps.json', 'scenario_without_steps_with_background.json']) {
      const [stepless] = (await ingest(path.join(godog, file), features)).list
      expect({ file, status: stepless!.status, error: stepless!.error }).toEqual({ file, status: 'undefined', error: expect.stringMatching(/^the scenario has no steps: nothing was verified/) })
    }
  })

  it("godog's JUnit (suite = feature, case = scenario, rows numbered) lands in the same rows; what matches nothing is listed", async () => {
    const godog = path.join(CONFORMANCE, 'godog')
    const features = path.join(godog, 'features')
    const json = await ingest(path.join(godog, 'scenario_outline.json'), features)
    // as godog's junit formatter writes it (its formatter-tests/junit/scenario_outline)
    const junit = path.join(tempDir('godog-junit'), 'junit.xml')
    writeFileSync(junit, `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="junit" tests="6" skipped="0" failures="3" errors="0" time="0">
  <testsuite name="outline" tests="6" skipped="0" failures="3" errors="0" time="0">
    <testcase name="outline #1" status="passed" time="0"></testcase>
    <testcase name="outline #2" status="failed" time="0"><failure message="Step odd 2 and even 0 number: 2 is not odd"></failure></testcase>
    <testcase name="outline #3" status="failed" time="0"><failure message="Step odd 3 and even 11 number: 11 is not even"></failure></testcase>
    <testcase name="outline #4" status="passed" time="0"></testcase>
    <testcase name="outline #5" status="failed" time="0"><failure message="Step odd 3 and even 9 number: 9 is not even"></failure></testcase>
    <testcase name="a scenario renamed since" status="passed" time="0"></testcase>
  </testsuite>
</testsuites>`)
    const bound = await ingest(junit, features)
    expect(bound.list.slice(0, 5).map((c) => [c.id, c.name, c.status, c.tags.includes('@tagged') || c.tags.includes('@tag2')])).toEqual(json.list.map((c) => [c.id, c.name, c.status, true]))
    expect(bound.list[5]).toMatchObject({ name: 'a scenario renamed since', featureIds: [] })
    expect(bound.problems).toEqual([expect.objectContaining({ message: expect.stringMatching(/^1 test\(s\) match no scenario of the features folder, kept as the report names them: outline › a scenario renamed since$/) })])
  })
})

// jest-cucumber (a describe per feature, titled by it; a test per scenario or outline row) with
// jest-junit's default naming ("{classname} {title}"): this report is what jest 30.5, jest-junit 17
// and jest-cucumber 4.5 wrote for these two files (stack traces shortened); they are not
// dependencies of this project, so the test reads their output rather than running them.
describe('jest-cucumber through jest-junit', () => {
  it('binds "<Feature> <scenario>" names to the features\' rows: plain scenarios, outline rows by values and, unnamed, in order', async () => {
    const project = tempTree({
      'features/alpha.feature': `@feature:alpha\nFeature: Alpha\n  Scenario: passes\n    Given ok\n  Scenario: fails\n    Given boom\n  Scenario Outline: outline <n>\n    Given ok <n>\n    Examples:\n      | n |\n      | 1 |\n      | 2 |\n`,
      'features/delta.feature': `@feature:beta\nFeature: Delta\n  Background:\n    Given ok\n  Rule: first rule\n    Scenario: in rule\n      Given ok\n    Scenario Outline: plain outline\n      Given ok <n>\n      Examples: small\n        | n |\n        | 1 |\n      Examples: big\n        | n |\n        | 2 |\n        | 3 |\n  Rule: second rule\n    Scenario: in second rule\n      Given ok\n`,
      'junit.xml': `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="9" failures="1" errors="0" time="1.8">
  <testsuite name="Alpha" errors="0" failures="1" skipped="0" timestamp="2026-12-05T23:57:45" time="0.751" tests="4">
    <testcase classname="Alpha passes" name="Alpha passes" time="0.003">
    </testcase>
    <testcase classname="Alpha fails" name="Alpha fails" time="0.001">
      <failure>Error: Failing step: &quot;boom&quot;

Step arguments: []

Error: boom failed
    at Object.stepFunction (/tmp/jc/alpha.test.js:6:62)</failure>
    </testcase>
    <testcase classname="Alpha outline 1" name="Alpha outline 1" time="0.013">
    </testcase>
    <testcase classname="Alpha outline 2" name="Alpha outline 2" time="0">
    </testcase>
  </testsuite>
  <testsuite name="Delta" errors="0" failures="0" skipped="0" timestamp="2026-12-05T23:57:45" time="0.655" tests="5">
    <testcase classname="Delta in rule" name="Delta in rule" time="0.001">
    </testcase>
    <testcase classname="Delta plain outline" name="Delta plain outline" time="0.001">
    </testcase>
    <testcase classname="Delta plain outline" name="Delta plain outline" time="0.011">
    </testcase>
    <testcase classname="Delta plain outline" name="Delta plain outline" time="0">
    </testcase>
    <testcase classname="Delta in second rule" name="Delta in second rule" time="0.001">
    </testcase>
  </testsuite>
</testsuites>`,
    })
    const features = path.join(project, 'features')
    const junit = await ingest(path.join(project, 'junit.xml'), features)
    expect(junit.problems).toEqual([])
    const byId = new Map(catalogueCases(buildCatalogue(features), 'features').map((c) => [c.id, c]))
    expect(junit.list.map((c) => [byId.get(c.id)?.name, c.status, c.featureIds.join()])).toEqual([
      ['passes', 'passed', 'alpha'],
      ['fails', 'failed', 'alpha'],
      ['outline 1', 'passed', 'alpha'],
      ['outline 2', 'passed', 'alpha'],
      ['in rule', 'passed', 'beta'],
      ['plain outline (n: 1)', 'passed', 'beta'],
      ['plain outline (n: 2)', 'passed', 'beta'],
      ['plain outline (n: 3)', 'passed', 'beta'],
      ['in second rule', 'passed', 'beta'],
    ])
  })
})

// Cucumber-JVM's JUnit Platform engine run by Surefire (or Gradle): the test names its naming
// strategies give (cucumber-jvm's DefaultNamingStrategyProvider), the class as each Surefire
// writes it (cucumber-jvm pull request 3067: up to 3.5.2 the feature, from 3.5.4 the suite).
describe("Cucumber-JVM's JUnit Platform engine through Surefire", () => {
  const FEATURES = {
    'features/belly.feature': `@feature:belly\nFeature: Belly\n  Scenario: a few cukes\n    Given I have 42 cukes in my belly\n  Scenario Outline: eating <n> cukes\n    Given I have <n> cukes\n    Examples:\n      | n |\n      | 1 |\n      | 2 |\n    Examples: many\n      | n |\n      | 100 |\n  Rule: a rule\n    Scenario: ruled\n      Given ok\n    Scenario Outline: plain rows\n      Given ok <n>\n      Examples:\n        | n |\n        | 7 |\n`,
    'features/mouth.feature': `@feature:mouth\nFeature: Mouth\n  Scenario: a few cukes\n    Given ok\n  Scenario: chewing\n    Given ok\n`,
  }
  const testcases = (rows: [classname: string, name: string][]) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="io.cucumber.skeleton.RunCucumberTest" tests="${rows.length}" failures="1">\n${rows.map(([classname, name], i) => `  <testcase name="${name}" classname="${classname}" time="0.06">${i === 0 ? '<failure type="java.lang.AssertionError"><![CDATA[java.lang.AssertionError:\n\tat ✽.I have 42 cukes in my belly(classpath:io/cucumber/skeleton/belly.feature:4)\n]]></failure>' : ''}</testcase>`).join('\n')}\n</testsuite>\n`
  const expected = [
    ['Belly', 'a few cukes', 'failed'],
    ['Belly', 'eating 1 cukes', 'passed'],
    ['Belly', 'eating 2 cukes', 'passed'],
    ['Belly', 'eating 100 cukes', 'passed'],
    ['Belly', 'ruled', 'passed'],
    ['Belly', 'plain rows (n: 7)', 'passed'],
    ['Mouth', 'chewing', 'passed'],
  ]
  const seen = async (xml: string) => {
    const project = tempTree({ ...FEATURES, 'TEST-io.cucumber.skeleton.RunCucumberTest.xml': xml })
    const features = path.join(project, 'features')
    const byId = new Map(catalogueCases(buildCatalogue(features), 'features').map((c) => [c.id, c]))
    const outcome = await ingest(path.join(project, 'TEST-io.cucumber.skeleton.RunCucumberTest.xml'), features)
    return { problems: outcome.problems.map((p) => p.message), rows: outcome.list.map((c) => [c.feature, byId.get(c.id)?.name ?? `unbound: ${c.name}`, c.status]) }
  }

  it('binds the long naming Cucumber advises for Surefire and Gradle, whatever the class: feature, rule, outline, Examples and row', async () => {
    const long = [
      'Belly - a few cukes',
      'Belly - eating &lt;n&gt; cukes - Examples - Example #1.1: eating 1 cukes',
      'Belly - eating &lt;n&gt; cukes - Examples - Example #1.2: eating 2 cukes',
      'Belly - eating &lt;n&gt; cukes - many - Example #2.1: eating 100 cukes',
      'Belly - a rule - ruled',
      'Belly - a rule - plain rows - Examples - Example #1.1',
      'Mouth - chewing',
    ]
    // Surefire up to 3.5.2 names the class after the feature; from 3.5.4 after the suite that ran Cucumber
    for (const classname of ['Belly', 'io.cucumber.skeleton.RunCucumberTest']) expect(await seen(testcases(long.map((name) => [classname, name])))).toEqual({ problems: [], rows: expected })
  })

  it('binds the surefire naming: the feature as the class (Surefire up to 3.5.2), or the suite where one scenario has the name (3.5.4 on)', async () => {
    const path = ['a few cukes', 'eating &lt;n&gt; cukes - Examples - Example #1.1: eating 1 cukes', 'eating &lt;n&gt; cukes - Examples - Example #1.2: eating 2 cukes', 'eating &lt;n&gt; cukes - many - Example #2.1: eating 100 cukes', 'a rule - ruled', 'a rule - plain rows - Examples - Example #1.1', 'chewing']
    const features = ['Belly', 'Belly', 'Belly', 'Belly', 'Belly', 'Belly', 'Mouth']
    expect(await seen(testcases(path.map((name, i) => [features[i]!, name])))).toEqual({ problems: [], rows: expected })
    // without the feature, a name two features share ("a few cukes") binds to neither, listed; a class that is no Java class binds nothing so
    const suite = await seen(testcases(path.map((name) => ['io.cucumber.skeleton.RunCucumberTest', name])))
    expect(suite.rows).toEqual([['io.cucumber.skeleton.RunCucumberTest', 'unbound: a few cukes', 'failed'], ...expected.slice(1).map(([, name, status]) => ['Belly', name, status]).slice(0, 5), ['Mouth', 'chewing', 'passed']])
    expect(suite.problems).toEqual([expect.stringMatching(/^1 test\(s\) match no scenario of the features folder.*a few cukes/s)])
    expect((await seen(testcases(path.map((name) => ['tests.test_belly', name])))).rows.filter(([, name]) => !String(name).startsWith('unbound')).map(([, name]) => name)).toEqual([])
    // the short naming (Cucumber's default) under a Surefire up to 3.5.2: the parent is the class, a rule's scenario the rule's
    expect((await seen(testcases([['Belly', 'a few cukes'], ['a rule', 'ruled']]))).rows).toEqual([expected[0], expected[4]])
  })
})

describe("pytest-bdd's test names in pytest's JUnit that do not say their scenario", () => {
  it('leave a name two features share, and a function named by hand, as the report says them, listed', async () => {
    const project = tempTree({
      'features/a.feature': '@feature:a\nFeature: A\n  Scenario: Shared name\n    Given x\n  Scenario: Ünïcode & punctuation!\n    Given x\n',
      'features/b.feature': '@feature:b\nFeature: B\n  Scenario: Shared name\n    Given x\n',
      'junit.xml': `<testsuites><testsuite name="pytest" tests="4">
  <testcase classname="tests.test_all" name="test_shared_name"/>
  <testcase classname="tests.test_all" name="test_shared_name_1"/>
  <testcase classname="tests.test_all" name="test_ünïcode__punctuation"/>
  <testcase classname="tests.test_all" name="test_my_own_name"/>
</testsuite></testsuites>`,
    })
    const junit = await ingest(path.join(project, 'junit.xml'), path.join(project, 'features'))
    expect(junit.list.map((c) => [c.name, c.featureIds.join()])).toEqual([['test_shared_name', ''], ['test_shared_name_1', ''], ['Ünïcode & punctuation!', 'a'], ['test_my_own_name', '']])
    expect(junit.problems[0]!.message).toMatch(/^3 test\(s\) match no scenario of the features folder/)
  })
})

describe('a JUnit test bound to no scenario', () => {
  it('is listed under the name the matrix gives it: its classname (Cucumber-JVM and cucumber-js write the feature there), not its suite', async () => {
    const project = tempTree({
      'features/a.feature': '@feature:a\nFeature: Deployment\n  Scenario: Retrieve output\n    Given x\n',
      'junit.xml': `<testsuites><testsuite name="Cucumber" tests="2">
  <testcase classname="Deployment" name="Retrieve output"/>
  <testcase classname="Deployment" name="A scenario nobody wrote"/>
</testsuite></testsuites>`,
    })
    const junit = await ingest(path.join(project, 'junit.xml'), path.join(project, 'features'))
    expect(junit.list.map((c) => [c.feature, c.name, c.featureIds.join()])).toEqual([['Deployment', 'Retrieve output', 'a'], ['Deployment', 'A scenario nobody wrote', '']])
    expect(junit.problems.map((p) => p.message)).toEqual(['1 test(s) match no scenario of the features folder, kept as the report names them: Deployment › A scenario nobody wrote'])
  })
})

// vitest-cucumber runs a test per step (a describe per Feature, Rule and scenario; Backgrounds as
// describes of their own before each scenario). This report is what vitest 4.1's JUnit reporter
// wrote for @amiceli/vitest-cucumber 8.0 here (not a dependency: it asks for another vitest).
const VITEST_CUCUMBER = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="10" failures="1" errors="0" time="0.06">
    <testsuite name="tests/delta.spec.ts" timestamp="2026-12-06T01:11:53.903Z" hostname="vm" tests="4" failures="0" errors="0" skipped="0" time="0.001">
        <testcase classname="tests/delta.spec.ts" name="Feature: Delta &gt; Rule: first rule &gt; Background: &gt; Given ok" time="0.001">
        </testcase>
        <testcase classname="tests/delta.spec.ts" name="Feature: Delta &gt; Rule: first rule &gt; Scenario: in rule &gt; Given ok" time="0.001">
        </testcase>
        <testcase classname="tests/delta.spec.ts" name="Feature: Delta &gt; Rule: second rule &gt; Background: &gt; Given ok" time="0.001">
        </testcase>
        <testcase classname="tests/delta.spec.ts" name="Feature: Delta &gt; Rule: second rule &gt; Scenario: in rule &gt; Given ok" time="0.001">
        </testcase>
    </testsuite>
    <testsuite name="tests/two.spec.ts" timestamp="2026-12-06T01:11:53.903Z" hostname="vm" tests="6" failures="1" errors="0" skipped="0" time="0.001">
        <testcase classname="tests/two.spec.ts" name="Feature: Two &gt; Scenario Outline: rows &lt;n&gt; &gt; Given ok 1" time="0.001">
        </testcase>
        <testcase classname="tests/two.spec.ts" name="Feature: Two &gt; Scenario Outline: rows &lt;n&gt; &gt; Then check 1" time="0.001">
        </testcase>
        <testcase classname="tests/two.spec.ts" name="Feature: Two &gt; Scenario Outline: rows &lt;n&gt; &gt; Given ok 2" time="0.001">
            <failure message="row 2 fails" type="Error">
Error: row 2 fails
 ❯ Object.fn tests/two.spec.ts:5:60
            </failure>
        </testcase>
        <testcase classname="tests/two.spec.ts" name="Feature: Two &gt; Scenario Outline: rows &lt;n&gt; &gt; Then check 2" time="0.001">
        </testcase>
        <testcase classname="tests/two.spec.ts" name="Feature: Two &gt; Scenario Outline: rows &lt;n&gt; &gt; Given ok 3" time="0.001">
        </testcase>
        <testcase classname="tests/two.spec.ts" name="Feature: Two &gt; Scenario Outline: rows &lt;n&gt; &gt; Then check 3" time="0.001">
        </testcase>
    </testsuite>
</testsuites>`
const VITEST_FEATURES = {
  'features/delta.feature': '@feature:delta\nFeature: Delta\n  Background:\n    Given ok\n  Rule: first rule\n    Scenario: in rule\n      Given ok\n  Rule: second rule\n    Scenario: in rule\n      Given ok\n',
  'features/two.feature': '@feature:two\nFeature: Two\n  Scenario Outline: rows <n>\n    Given ok <n>\n    Then check <n>\n    Examples:\n      | n |\n      | 1 |\n      | 2 |\n      | 3 |\n',
}

describe('vitest-cucumber through vitest\'s JUnit: a test a step', () => {
  it('folds the steps into a case a scenario, an outline row by the outline\'s steps, each bound, the worst step its verdict', async () => {
    const project = tempTree({ ...VITEST_FEATURES, 'junit.xml': VITEST_CUCUMBER })
    const features = path.join(project, 'features')
    const junit = await ingest(path.join(project, 'junit.xml'), features)
    expect(junit.problems).toEqual([])
    const ids = catalogueCases(buildCatalogue(features), 'features').map((c) => c.id)
    expect(junit.list.map((c) => c.id)).toEqual(ids)
    expect(junit.list.map((c) => [c.name, c.status, c.featureIds.join(), c.steps.map((s) => `${s.keyword} ${s.text}: ${s.status}`)])).toEqual([
      ['in rule', 'passed', 'delta', ['Given ok: passed', 'Given ok: passed']],
      ['in rule', 'passed', 'delta', ['Given ok: passed', 'Given ok: passed']],
      ['rows 1', 'passed', 'two', ['Given ok 1: passed', 'Then check 1: passed']],
      ['rows 2', 'failed', 'two', ['Given ok 2: failed', 'Then check 2: passed']],
      ['rows 3', 'passed', 'two', ['Given ok 3: passed', 'Then check 3: passed']],
    ])
    expect(junit.list[3]!.error).toMatch(/row 2 fails/)
  })

  it('leaves the steps as tests where a scenario is not in the features folder, and says none binds (never passed over); unit tests say nothing', async () => {
    const project = tempTree({ ...VITEST_FEATURES, 'features/two.feature': VITEST_FEATURES['features/two.feature'].replace('rows <n>', 'renamed <n>'), 'junit.xml': VITEST_CUCUMBER })
    const features = path.join(project, 'features')
    const junit = await ingest(path.join(project, 'junit.xml'), features)
    // the suite whose scenarios bind is folded; the other keeps its six step tests, none bound
    expect(junit.list.map((c) => c.featureIds.join())).toEqual(['delta', 'delta', '', '', '', '', '', ''])
    expect(junit.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^6 test\(s\) match no scenario of the features folder, kept as the report names them: tests\/two\.spec\.ts › Feature: Two > Scenario Outline: rows <n> > Given ok 1;/)])
    const none = tempTree({ 'features/other.feature': 'Feature: Other\n  Scenario: x\n    Given y\n', 'junit.xml': VITEST_CUCUMBER })
    const alone = await ingest(path.join(none, 'junit.xml'), path.join(none, 'features'))
    expect(alone.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^none of its 10 test\(s\) match a scenario of the features folder: kept as the report names them, outside every row of the matrix /)])
    const unit = await ingestFile(path.join(none, 'junit.xml'), { build: 'v1', environment: 'local', stage: 'unit', resultsDir: tempDir('unit'), catalogue: { featuresDir: path.join(none, 'features'), uriPrefix: 'features' } })
    expect(unit.problems).toEqual([])
  })
})

describe('one feature file, four runners, one set of rows', () => {
  const features = path.join(FIXTURE, 'features')
  const expected = [
    ['a number is added', 'passed'],
    ['sums of two numbers (a: 1, b: 2, sum: 3)', 'passed'],
    ['sums of two numbers (a: 2, b: 2, sum: 5)', 'failed'],
    ['a step nobody wrote', 'undefined'],
  ]

  it("cucumber-js: its json formatter's report shows what its message stream shows", async () => {
    const out = tempDir('cucumber-js')
    const cucumber = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/@cucumber/cucumber/bin/cucumber.js'), 'features/ledger.feature', '--import', 'steps/ledger.steps.mjs', '--format', `json:${out}/report.json`, '--format', `message:${out}/messages.ndjson`], { cwd: FIXTURE, encoding: 'utf8' })
    expect(cucumber.status, cucumber.stderr).toBe(1)
    const json = await ingest(path.join(out, 'report.json'), features)
    const messages = await ingest(path.join(out, 'messages.ndjson'))
    expect(json.problems).toEqual([])
    expect(json.list.map((c) => [c.name, c.status])).toEqual(expected)
    expect(json.list.map(shown)).toEqual(messages.list.map(shown))
    expect(json.list[3]!.featureIds).toEqual(['numbers', 'letters'])
  })

  const python = (module: string) => (required ? false : !hasPython(module))
  it.skipIf(python('pytest_bdd'))('pytest-bdd (--cucumberjson): the same rows; a scenario whose report leaves a step out is not passed', async () => {
    const out = tempDir('pytest-bdd')
    const pytest = spawnSync(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--cucumberjson=${out}/report.json`, 'test_ledger.py'], { cwd: FIXTURE, encoding: 'utf8' })
    expect(pytest.status, pytest.stdout + pytest.stderr).toBe(1)
    const json = await ingest(path.join(out, 'report.json'), features)
    expect(json.list.map((c) => [c.name, c.status])).toEqual(expected)
    expect(json.list[3]!.error).toMatch(/lists 2 of the scenario's 3 steps/)
    const cucumberIds = catalogueCases(buildCatalogue(features), 'features').map((c) => c.id)
    expect(json.list.map((c) => c.id)).toEqual(cucumberIds)
  })

  it.skipIf(python('pytest_bdd'))("pytest-bdd through pytest's own JUnit (--junitxml): tests named after their scenarios and rows land in the same rows", async () => {
    const out = tempDir('pytest-bdd-junit')
    const pytest = spawnSync(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${out}/junit.xml`, `--cucumberjson=${out}/report.json`, 'test_ledger.py'], { cwd: FIXTURE, encoding: 'utf8' })
    expect(pytest.status, pytest.stdout + pytest.stderr).toBe(1)
    const junit = await ingest(path.join(out, 'junit.xml'), features)
    expect(junit.problems).toEqual([])
    const json = await ingest(path.join(out, 'report.json'), features)
    // JUnit has no undefined: a failure there
    expect(junit.list.map((c) => [c.id, c.name, c.featureIds, c.status])).toEqual(json.list.map((c) => [c.id, c.name, c.featureIds, c.status === 'undefined' ? 'failed' : c.status]))
  })

  it.skipIf(python('behave'))("behave's own JSON report: the same rows, durations in seconds", async () => {
    const out = tempDir('behave')
    const behave = spawnSync(PYTHON, ['-m', 'behave', '--no-capture', '--format', 'json', '--outfile', `${out}/report.json`, 'features/ledger.feature'], { cwd: FIXTURE, encoding: 'utf8' })
    expect(behave.status, behave.stdout + behave.stderr).toBe(1)
    const json = await ingest(path.join(out, 'report.json'), features)
    expect(json.list.map((c) => [c.name, c.status])).toEqual(expected)
    expect(json.list[2]!.error).toContain('expected 5, the ledger holds 4')
    expect(json.list.every((c) => c.durationMs < 60_000)).toBe(true)
  })

  it.skipIf(python('behave'))("behave's JSON: a scenario its tag expression left out is skipped (its steps have no result), not failed", async () => {
    const dir = tempDir('behave-tags')
    cpSync(path.join(FIXTURE, 'features'), path.join(dir, 'features'), { recursive: true })
    const file = path.join(dir, 'features/ledger.feature')
    writeFileSync(file, readFileSync(file, 'utf8').replace('  Scenario Outline:', '  @slow\n  Scenario Outline:'))
    const behave = spawnSync(PYTHON, ['-m', 'behave', '--no-capture', '--format', 'json', '--outfile', `${dir}/report.json`, '--tags=-slow', 'features/ledger.feature'], { cwd: dir, encoding: 'utf8' })
    expect(behave.status, behave.stdout + behave.stderr).toBe(1)
    const json = await ingest(path.join(dir, 'report.json'), path.join(dir, 'features'))
    expect(json.problems).toEqual([])
    expect(json.list.map((c) => [c.name, c.status])).toEqual([expected[0], [expected[1]![0], 'skipped'], [expected[2]![0], 'skipped'], expected[3]])
    expect(json.list[1]!.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped'])
    // (behave writes no result for a step of a scenario it ran and did not reach either: unknown, never passed)
  })

  it.skipIf(python('behave'))("behave's JUnit (--junit): the same rows as its JSON, feature named after its file, outline rows '<name> -- @1.1 <examples>'", async () => {
    const out = tempDir('behave-junit')
    const behave = spawnSync(PYTHON, ['-m', 'behave', '--no-capture', '--format', 'json', '--outfile', `${out}/report.json`, '--junit', '--junit-directory', out, 'features/ledger.feature'], { cwd: FIXTURE, encoding: 'utf8' })
    expect(behave.status, behave.stdout + behave.stderr).toBe(1)
    const json = await ingest(path.join(out, 'report.json'), features)
    const junit = await ingest(path.join(out, 'TESTS-ledger.xml'), features)
    expect(junit.problems).toEqual([])
    // JUnit has no undefined or pending: those are failures there
    expect(junit.list.map((c) => [c.id, c.name, c.status === 'passed' || c.status === 'skipped' ? c.status : 'not passed'])).toEqual(json.list.map((c) => [c.id, c.name, c.status === 'passed' || c.status === 'skipped' ? c.status : 'not passed']))
    // an undefined step's failure: behave writes Python's None as its message and trace, which say nothing
    expect(junit.list[3]!.error).toMatch(/^Failing step: Then the ledger is audited \.\.\. undefined in [\d.]+s\nLocation: features\/ledger\.feature:\d+$/)
  })
  // cucumber-ruby (Debian's cucumber 2.4; its JSON and JUnit formatters write as its newer releases do)
  const ruby = () => (required ? false : spawnSync('cucumber', ['--version']).status !== 0)
  it.skipIf(ruby())("cucumber-ruby's JSON and its JUnit (--strict): the same rows, an outline row named '<outline> (outline example : | 1 | 2 | 3 |)'", async () => {
    const out = tempDir('cucumber-ruby')
    const cucumber = spawnSync('cucumber', ['--strict', '--format', 'json', '--out', `${out}/report.json`, '--format', 'junit', '--out', out, 'features/ledger.feature'], { cwd: FIXTURE, encoding: 'utf8' })
    expect(cucumber.status, cucumber.stdout + cucumber.stderr).toBe(1)
    const json = await ingest(path.join(out, 'report.json'), features)
    expect(json.problems).toEqual([])
    expect(json.list.map((c) => [c.name, c.status])).toEqual(expected)
    expect(json.list[2]!.error).toContain('expected 5, the ledger holds 4')
    const junit = await ingest(path.join(out, 'TEST-features-ledger.xml'), features)
    expect(junit.problems).toEqual([])
    // (its failure's type names the status: an undefined scenario reads back undefined, as from its JSON)
    expect(junit.list.map((c) => [c.id, c.name, c.status])).toEqual(json.list.map((c) => [c.id, c.name, c.status]))
    // without --strict its JUnit calls an undefined or pending scenario skipped, as the README says
    const lax = tempDir('cucumber-ruby-lax')
    spawnSync('cucumber', ['--format', 'junit', '--out', lax, 'features/ledger.feature'], { cwd: FIXTURE, encoding: 'utf8' })
    expect((await ingest(path.join(lax, 'TEST-features-ledger.xml'), features)).list.map((c) => c.status)).toEqual(['passed', 'passed', 'failed', 'skipped'])
  })
})

describe('Cucumber JSON that is not whole', () => {
  const report = [
    { uri: 'features/a.feature', name: 'A', keyword: 'Feature', elements: [{ type: 'scenario', name: 'one', line: 3, keyword: 'Scenario', steps: [{ keyword: 'Given ', name: 'x', line: 4, result: { status: 'passed', duration: 1_000_000 } }] }] },
    { uri: 'features/b.feature', name: 'B', keyword: 'Feature', elements: [{ type: 'scenario', name: 'two', line: 3, keyword: 'Scenario', steps: [{ keyword: 'Given ', name: 'y', line: 4, result: { status: 'exploded' } }] }] },
  ]

  it('skips a scenario whose step hooks are no list (Cucumber-JVM\'s after-step hooks), never reading them as none', async () => {
    // as Cucumber-JVM writes a failing after-step hook
    const step: { keyword: string; name: string; line: number; result: object; after?: unknown } = { keyword: 'Given ', name: 'a step', line: 4, result: { status: 'passed', duration: 1_000_000 }, after: [{ match: { location: 'io.cucumber.Hooks.afterStep()' }, result: { status: 'failed', duration: 1_000, error_message: 'after step hook failed' } }] }
    const original = [{ uri: 'features/a.feature', name: 'A', keyword: 'Feature', elements: [{ type: 'scenario', name: 'S1', line: 3, keyword: 'Scenario', steps: [step] }] }]
    const dir = tempDir('step-hooks')
    const whole = path.join(dir, 'whole.json')
    writeFileSync(whole, JSON.stringify(original, null, 2))
    expect((await ingest(whole)).list.map((c) => c.status)).toEqual(['failed'])
    for (const by of [null, {}, 'failed']) {
      step.after = by
      const spoiled = path.join(dir, 'spoiled.json')
      writeFileSync(spoiled, JSON.stringify(original, null, 2))
      const outcome = await ingest(spoiled)
      expect(outcome.list).toEqual([])
      expect(outcome.problems[0]!.message).toMatch(/^a scenario \(element 1 of the feature here\) not in the shape of a Cucumber JSON scenario \(no list of steps, or hooks that are no list\); skipped$/)
    }
  })

  it('keeps the features read before a cut and says where it was cut; counts a status it does not know as undefined', async () => {
    const dir = tempDir('cut-json')
    const whole = path.join(dir, 'whole.json')
    writeFileSync(whole, JSON.stringify(report, null, 2))
    const read = await ingest(whole)
    expect(read.list.map((c) => [c.name, c.status])).toEqual([['one', 'passed'], ['two', 'undefined']])
    const cut = path.join(dir, 'cut.json')
    const text = JSON.stringify(report, null, 2)
    writeFileSync(cut, text.slice(0, text.indexOf('"two"')))
    const partial = await ingest(cut)
    expect(partial.list.map((c) => c.name)).toEqual(['one'])
    expect(partial.problems[0]!.message).toMatch(/cut short .* expected a Cucumber JSON report/)
    const notFeatures = path.join(dir, 'numbers.json')
    writeFileSync(notFeatures, '[1, 2, 3]')
    expect((await ingest(notFeatures)).problems[0]).toMatchObject({ line: 1, message: expect.stringMatching(/^an item of the array is not an object/) })
  })
})

// cucumber-js itself (the dependency), run on feature files that trip naive readers: a scenario
// without steps, undefined steps, an outline whose name has no placeholder beside a scenario of
// the same name in another file with the same Feature title, a Rule, a parameterised outline.
// Its three reports (messages, Cucumber JSON, JUnit) must land in the same rows with the same
// verdict (JUnit has no "undefined": a failure).
describe('cucumber-js reports of the same run', () => {
  it('land in the same rows with the same verdicts, whichever report is ingested', async () => {
    const project = tempTree({
      'features/a.feature': `Feature: Capabilities\n  Scenario: Revoke\n\n  Scenario: Grant\n    Given a step with no definition\n\n  Rule: Only owners\n    Scenario: Delegate\n      Given a defined step\n`,
      'features/b.feature': `Feature: Capabilities\n  Scenario Outline: Revoke\n    Given a defined step\n    Examples:\n      | x |\n      | 1 |\n      | 2 |\n\n  Scenario Outline: Named <x>\n    Given a defined step\n    Examples: firsts\n      | x |\n      | 3 |\n`,
      // a Before hook: cucumber-js counts a scenario without steps passed when its hooks pass, and
      // its JSON lists hooks among the steps (hidden)
      'steps/steps.mjs': `import { Before, Given } from '@cucumber/cucumber'\nGiven('a defined step', () => {})\nBefore(() => {})\n`,
    })
    const cli = path.join(PROJECT_ROOT, 'node_modules/@cucumber/cucumber/bin/cucumber.js')
    // its step definitions import @cucumber/cucumber, as a project's own would
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(project, 'node_modules'))
    const run = spawnSync(process.execPath, [cli, '--import', 'steps/steps.mjs', '--format', 'message:out.ndjson', '--format', 'json:out.json', '--format', 'junit:out.xml', 'features'], { cwd: project, encoding: 'utf8' })
    expect(run.stdout, run.stderr).toMatch(/6 scenarios \(1 undefined, 5 passed\)/)
    const features = path.join(project, 'features')
    const verdicts = async (file: string) => {
      const outcome = await ingest(path.join(project, file), features)
      expect(outcome.problems, file).toEqual([])
      return Object.fromEntries(outcome.list.map((c) => [c.id, c.status]))
    }
    const steps = async (file: string) => {
      const outcome = await ingest(path.join(project, file), features)
      return Object.fromEntries(outcome.list.map((c) => [c.id, c.steps.map((s) => `${s.keyword} ${s.text}: ${s.status}`)]))
    }
    const messages = await verdicts('out.ndjson')
    const ids = catalogueCases(buildCatalogue(features), 'features').map((c) => c.id)
    expect(Object.keys(messages).sort()).toEqual([...ids].sort())
    expect(Object.values(messages).sort()).toEqual(['passed', 'passed', 'passed', 'passed', 'undefined', 'undefined'])
    expect(await verdicts('out.json')).toEqual(messages)
    // the same steps shown, hooks only where they did not pass
    expect(await steps('out.json')).toEqual(await steps('out.ndjson'))
    // JUnit has no undefined: the undefined step is a failure, the scenario without steps stays undefined
    const junit = await verdicts('out.xml')
    expect(Object.keys(junit).sort()).toEqual(Object.keys(messages).sort())
    expect(Object.values(junit).sort()).toEqual(['failed', 'passed', 'passed', 'passed', 'passed', 'undefined'])
  })
})
