import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import { coverageFrom } from '../../src/catalogue/coverage.ts'
import { loadScope } from '../../src/catalogue/scope.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'

const SUITE = path.join(PROJECT_ROOT, 'test/fixtures/catalogue/suite')

describe('catalogue linkage rules', () => {
  const catalogue = buildCatalogue(SUITE)
  const coverage = coverageFrom(catalogue, loadScope(path.join(SUITE, 'scope.yaml')))
  const scenario = (name: string) => catalogue.files.flatMap((f) => f.scenarios).find((s) => s.name === name)!

  it('counts pickles: every Examples row is one scenario, files that parse are all counted', () => {
    expect(coverage.pickles).toBe(14)
    expect(coverage.files).toBe(3)
    expect(scenario('outline rows are scenarios <n>').pickles.map((p) => p.name)).toEqual(['outline rows are scenarios 1', 'outline rows are scenarios 2', 'outline rows are scenarios 3'])
  })

  it('inherits @feature tags from Feature, Rule, Scenario and Examples; two features count for both', () => {
    expect(coverage.features.alpha).toMatchObject({ scenarios: 8, wip: 2, manual: 1, automated: 5 })
    expect(coverage.features.beta).toMatchObject({ scenarios: 4, wip: 0, manual: 0 })
    expect(coverage.features.gamma).toMatchObject({ scenarios: 2, manual: 1 })
    expect(scenario('under the rule').pickles[0]!.featureIds).toEqual(['alpha', 'gamma'])
  })

  it('treats a scenario with no steps as wip and an Examples-level @wip as wip for its rows only', () => {
    expect(scenario('no steps is planned work').pickles[0]!.wip).toBe(true)
    const rows = scenario('outline rows are scenarios <n>').pickles
    expect(rows.map((p) => p.wip)).toEqual([false, false, true])
    expect(rows[2]!.complexity).toBe('low')
    expect(scenario('tagged with two features counts for both').complexity).toBe('high')
  })

  it('reports zero-scenario scope features as uncovered, unknown ids as orphans, untagged pickles', () => {
    expect(coverage.features.empty).toMatchObject({ scenarios: 0 })
    expect(coverage.uncovered).toEqual(['empty'])
    expect(coverage.orphans).toEqual({ 'unknown-thing': 1 })
    expect(coverage.untagged).toBe(3)
  })

  it('parses i18n files, Rules, Backgrounds, doc strings and data tables from the AST', () => {
    const french = scenario('un plan en français <x>')
    expect(french.outline).toBe(true)
    expect(french.pickles.map((p) => p.row?.cells)).toEqual([{ x: 'a' }, { x: 'b' }])
    const underRule = scenario('under the rule')
    expect(underRule.rule).toBe('a rule adds its tag')
    expect(underRule.background.map((s) => s.text)).toEqual(['a background step', 'a rule background step'])
    expect(scenario('tagged with two features counts for both').steps[0]!.docString).toEqual({ mediaType: 'json', content: '{"k": "v"}' })
    expect(scenario('plain scenario inherits the feature tag').steps[0]!.dataTable).toEqual([['a', 'b'], ['1', '2']])
  })

  it('reports every syntax error of a broken file with file, line and column, in words a QA person understands', () => {
    expect(coverage.errors.map((e) => `${e.file}:${e.line}:${e.column}`)).toEqual(['broken.feature:8:5', 'broken.feature:15:5'])
    expect(coverage.errors[0]!.message).toMatch(/after a data table.*move it onto the step line/)
  })
})

describe('bdd-matrix catalogue', () => {
  it('prints the documented JSON shape and exits 1 when a file has errors', async () => {
    const result = await runCliInProcess(['catalogue', '--features', SUITE, '--scope', path.join(SUITE, 'scope.yaml'), '--json'], { cwd: PROJECT_ROOT })
    expect(result.code).toBe(1)
    const json = JSON.parse(result.stdout)
    expect(json).toMatchObject({ milestone: 'fixture-1.0', pickles: 14, uncovered: ['empty'], orphans: { 'unknown-thing': 1 }, untagged: 3 })
    expect(Object.keys(json.features)).toEqual(['alpha', 'beta', 'gamma', 'empty'])
    expect(json.features.alpha).toMatchObject({ scenarios: 8, wip: 2, manual: 1 })
    expect(json.errors[0]).toMatchObject({ file: 'broken.feature', line: 8, column: 5 })
  })

  it('exits 0 on a clean suite and 1 with --fail-on-uncovered when a feature has no scenario', async () => {
    const clean = await runCliInProcess(['catalogue'], { cwd: PROJECT_ROOT })
    expect(clean.code).toBe(0)
    expect(clean.stdout).toContain('milestone dms-0.5')
    const cwd = path.join(PROJECT_ROOT, 'test/fixtures/lint-project')
    const withScope = await runCliInProcess(['catalogue', '--fail-on-uncovered'], { cwd })
    expect(withScope.code).toBe(0)
    const failing = await runCliInProcess(['catalogue', '--features', SUITE, '--scope', path.join(SUITE, 'scope.yaml'), '--fail-on-uncovered'], { cwd: PROJECT_ROOT })
    expect(failing.code).toBe(1)
  })

  it('prints a readable table by default', async () => {
    const result = await runCliInProcess(['catalogue', '--features', SUITE, '--scope', path.join(SUITE, 'scope.yaml')], { cwd: PROJECT_ROOT })
    expect(result.stdout).toMatch(/^alpha\s+8\s+5\s+1\s+2/m)
    expect(result.stdout).toMatch(/^empty\s+0\s+0\s+0\s+0\s+UNCOVERED/m)
    expect(result.stdout).toContain('orphans:   unknown-thing (1)')
  })
})

describe("ids and Examples headers named as objects' own properties", () => {
  // A tag @feature:constructor (or __proto__, toString) crashed `catalogue` with a stack trace, and
  // an Examples column named __proto__ lost its values: such names are counted and kept as any other.
  const dir = tempTree({
    'features/milestones/m.yaml': 'milestone: m-1\nfrozen: 2026-01-01\nfeatures:\n  - id: constructor\n    name: A scope feature named so\n    acceptance: x\n',
    'features/a.feature': [
      '@feature:constructor',
      'Feature: A',
      '  Scenario: in scope',
      '    Given a step',
      '  @feature:__proto__ @feature:toString @feature:hasOwnProperty',
      '  Scenario Outline: orphans <__proto__> <constructor>',
      '    Given a step',
      '    Examples:',
      '      | __proto__ | constructor |',
      '      | x         | y           |',
      '',
    ].join('\n'),
  })

  it('counts them, in the JSON and the table, and keeps every column of a row', async () => {
    const json = await runCliInProcess(['catalogue', '--json'], { cwd: dir })
    expect(json.stderr).toBe('')
    expect(json.code).toBe(0)
    const coverage = JSON.parse(json.stdout)
    expect(coverage.features.constructor).toMatchObject({ name: 'A scope feature named so', scenarios: 2, automated: 2 })
    expect(Object.entries(coverage.orphans)).toEqual([['__proto__', 1], ['toString', 1], ['hasOwnProperty', 1]])
    expect(coverage.uncovered).toEqual([])
    const table = await runCliInProcess(['catalogue'], { cwd: dir })
    expect(table.code).toBe(0)
    expect(table.stdout).toContain('orphans:   __proto__ (1), toString (1), hasOwnProperty (1)')
    // nothing was put on every object
    expect(({} as Record<string, unknown>).scenarios).toBeUndefined()
    const row = buildCatalogue(path.join(dir, 'features')).files[0]!.scenarios[1]!
    expect(row.pickles.map((p) => p.name)).toEqual(['orphans x y'])
    expect(Object.entries(row.pickles[0]!.row!.cells)).toEqual([['__proto__', 'x'], ['constructor', 'y']])
  })
})
