import { describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { tempTree } from '../helpers/temp-tree.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'

const SCOPE = `milestone: m-1
name: Milestone One
frozen: 2024-09-15
features:
  - id: alpha
    name: Alpha
    status: in-progress
    environments: [local, docker]
    acceptance: Alpha answers <quickly> & correctly.
  - id: beta
    name: Beta
    acceptance: Beta works.
`
const ONE = `@feature:alpha
Feature: Shared name

  Scenario: done and automated
    Given a step

  @wip @complexity:high
  Scenario: hard planned work
    Given a step

  @wip
  Scenario: planned work of unknown size

  Scenario Outline: rows <n>
    Given <n>

    Examples: small
      | n |
      | 1 |
      | 2 |

  @manual
  Scenario:
    Given a person looks
`
const TWO = `@feature:alpha
Feature: Shared name

  @feature:ghost
  Scenario: second file, same Feature name
    Given a step
`

describe('bdd-matrix docs', () => {
  const dir = tempTree({ 'features/milestones/m-1.yaml': SCOPE, 'features/one.feature': ONE, 'features/two.feature': TWO, 'features/three.feature': 'Feature: Untagged\n  Scenario: loose\n    Given x\n' })

  it('writes Markdown with every scope feature, its scenarios in file order, rows, status, effort', async () => {
    const result = await runCliInProcess(['docs', '--out', 'docs'], { cwd: dir })
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('living documentation written: docs/m-1.md, docs/m-1.html\n')
    const md = readFileSync(path.join(dir, 'docs/m-1.md'), 'utf8')
    expect(md).toContain('# Milestone One')
    expect(md).toContain('| [Alpha](#feature-alpha) `alpha` | in-progress | 7 | 4 | 1 | 2 | 8 |')
    expect(md).toContain('> Alpha answers \\<quickly\\> & correctly.')
    expect(md).toContain('status: in-progress · must pass on: local, docker · 7 scenarios (4 automated, 1 manual, 2 wip)')
    expect(md).toContain('**Uncovered** (no scenario that is not wip): `beta` (no scenario yet)')
    const alpha = md.slice(md.indexOf('## Alpha'), md.indexOf('## Beta'))
    const order = ['done and automated', 'hard planned work', 'planned work of unknown size', 'rows \\<n\\>', 'unnamed Scenario at one.feature:23', 'second file, same Feature name']
    const positions = order.map((name) => alpha.indexOf(name))
    expect(positions.every((p) => p > 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(alpha).toContain('**Scenario: hard planned work** · wip · complexity high · est. 5 d · line 8 · `@feature:alpha` `@wip` `@complexity:high`')
    expect(alpha).toContain('**Scenario: planned work of unknown size** · wip · est. 3 d')
    expect(alpha).toContain('  - small #1: n = 1')
    expect(alpha).toContain('  - small #2: n = 2')
    expect(alpha).toContain('#### `one.feature` — Shared name')
    expect(alpha).toContain('#### `two.feature` — Shared name')
    expect(md).toContain('## Orphans')
    expect(md).toContain('### `@feature:ghost`')
    expect(md).toContain('## Untagged scenarios')
    expect(md).toContain('**Scenario: loose**')
  })

  it('counts a scenario under two features once in the total, as the catalogue and the matrix do (its wip effort too)', async () => {
    const shared = tempTree({ 'features/milestones/m-1.yaml': SCOPE, 'features/one.feature': ONE, 'features/both.feature': '@feature:alpha @feature:beta\nFeature: Both\n\n  @wip\n  Scenario: planned for both\n    Given a step\n' })
    expect((await runCliInProcess(['docs', '--out', 'docs'], { cwd: shared })).code).toBe(0)
    const md = readFileSync(path.join(shared, 'docs/m-1.md'), 'utf8')
    expect(md).toContain('| [Alpha](#feature-alpha) `alpha` | in-progress | 7 | 3 | 1 | 3 | 11 |')
    expect(md).toContain('| [Beta](#feature-beta) `beta` |  | 1 | 0 | 0 | 1 | 3 |')
    expect(md).toContain('| **Total** | | 7 | 3 | 1 | 3 | 11 |\n\n1 scenario(s) under more than one feature: in each one\'s row, once in the total (as the catalogue and the matrix count them).')
    // catalogue's rows add up to 8 under a count of 7: it says why, as the docs do
    const catalogue = await runCliInProcess(['catalogue'], { cwd: shared })
    expect(catalogue.stdout).toContain(': 7 scenarios in 2 files')
    expect(catalogue.stdout).toContain("\nshared:    1 scenario(s) under more than one feature: in each one's row, once in the count above")
    expect(JSON.parse((await runCliInProcess(['catalogue', '--json'], { cwd: shared })).stdout)).toMatchObject({ pickles: 7, shared: 1 })
    expect(readFileSync(path.join(shared, 'docs/m-1.html'), 'utf8')).toContain('<tr><th>Total</th><td></td><td>7</td><td>3</td><td>1</td><td>3</td><td>11</td></tr>')
  })

  it('takes the effort per complexity level and the default level as options', async () => {
    await runCliInProcess(['docs', '--out', 'docs2', '--effort', 'low=0.5,medium=2,high=8', '--default-complexity', 'low'], { cwd: dir })
    const md = readFileSync(path.join(dir, 'docs2/m-1.md'), 'utf8')
    expect(md).toContain('**Scenario: hard planned work** · wip · complexity high · est. 8 d')
    expect(md).toContain('**Scenario: planned work of unknown size** · wip · est. 0.5 d')
    const bad = await runCliInProcess(['docs', '--out', 'docs3', '--effort', 'huge=9'], { cwd: dir })
    expect(bad.stderr).toMatch(/--effort "huge=9": expected level=days pairs/)
    expect(bad.code).toBe(2)
    // a level named as objects' own properties are is no level either
    const inherited = await runCliInProcess(['docs', '--out', 'docs4', '--effort', 'constructor=9'], { cwd: dir })
    expect(inherited.stderr).toMatch(/--effort "constructor=9": expected level=days pairs/)
    expect(inherited.code).toBe(2)
    const level = await runCliInProcess(['docs', '--out', 'docs5', '--default-complexity', 'toString'], { cwd: dir })
    expect(level.stderr).toMatch(/--default-complexity "toString": use low, medium or high/)
    expect(level.code).toBe(2)
  })

  it('writes the rest when a file does not parse, and names the file and line on the way to exit 1', async () => {
    const broken = tempTree({ 'features/milestones/m-1.yaml': SCOPE, 'features/one.feature': ONE, 'features/bad.feature': '@feature:alpha\nFeature: Bad\n  Scenario: s\n    Given x\n    | a |\n    is cut\n' })
    const result = await runCliInProcess(['docs', '--out', 'docs'], { cwd: broken })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('living documentation written: docs/m-1.md, docs/m-1.html\n')
    expect(result.stderr).toMatch(/^features\/bad\.feature:6:5: error: unexpected text "is cut" after a data table[^\n]*\n1 error\(s\): the documentation leaves out what could not be parsed; fix it and write it again\n$/)
    expect(readFileSync(path.join(broken, 'docs/m-1.md'), 'utf8')).toContain('done and automated')
  })

  it('writes a self-contained HTML page with the same content, escaped', async () => {
    await runCliInProcess(['docs', '--out', 'docs'], { cwd: dir })
    const html = readFileSync(path.join(dir, 'docs/m-1.html'), 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).not.toMatch(/<script|<link|https?:\/\//)
    expect(html).toContain('Alpha answers &lt;quickly&gt; &amp; correctly.')
    expect(html).toContain('<section id="feature-alpha">')
    expect(html).toContain('<li>small #2: n = 2</li>')
    expect(html).toContain('(unnamed Scenario at one.feature:23)')
  })

  it('says where a feature\'s status claims what its scenarios do not back: finished with wip scenarios, or none (docs and catalogue alike)', async () => {
    const claimed = tempTree({
      'features/milestones/m-1.yaml': SCOPE.replace('status: in-progress', 'status: finished').replace('    name: Beta\n', '    name: Beta\n    status: finished\n'),
      'features/one.feature': ONE,
    })
    expect((await runCliInProcess(['docs', '--out', 'docs'], { cwd: claimed })).code).toBe(0)
    const markdown = readFileSync(path.join(claimed, 'docs/m-1.md'), 'utf8')
    expect(markdown).toContain('`alpha` | finished, but 2 of its 6 scenario(s) are wip |')
    expect(markdown).toContain('`beta` | finished, but no scenario defines it |')
    expect(readFileSync(path.join(claimed, 'docs/m-1.html'), 'utf8')).toContain('<td>finished, but 2 of its 6 scenario(s) are wip</td>')
    const catalogue = await runCliInProcess(['catalogue'], { cwd: claimed })
    expect(catalogue.stdout).toMatch(/^alpha +6 +3 +1 +2 +finished, but 2 of its 6 scenario\(s\) are wip$/m)
    expect(catalogue.stdout).toMatch(/^beta +0 +0 +0 +0 +UNCOVERED: no scenario yet; finished, but no scenario defines it$/m)
    // a status it backs, or one that claims no completion, is shown as written
    const backed = tempTree({ 'features/milestones/m-1.yaml': SCOPE, 'features/one.feature': ONE })
    await runCliInProcess(['docs', '--out', 'docs'], { cwd: backed })
    expect(readFileSync(path.join(backed, 'docs/m-1.md'), 'utf8')).toContain('`alpha` | in-progress |')
  })

  it('calls a feature whose scenarios are all wip uncovered, in the catalogue, the docs, the matrix and the gate alike', async () => {
    const dir = tempTree({
      'features/milestones/m-1.yaml': SCOPE.replace('    name: Beta\n', '    name: Beta\n    environments: [local]\n'),
      'features/milestones/m-1.gates.yaml': 'milestone: m-1\napplies-to: b*\ncriteria:\n  - id: covered\n    kind: scope-coverage\n    severity: blocking\n    min-passing: 1\n',
      'features/one.feature': ONE,
      'features/beta.feature': '@feature:beta\nFeature: Beta\n\n  @wip\n  Scenario: beta some day\n    Given a step\n\n  @wip\n  Scenario: beta later\n    Given a step\n',
    })
    const catalogue = await runCliInProcess(['catalogue', '--fail-on-uncovered'], { cwd: dir })
    expect(catalogue.code).toBe(1)
    expect(catalogue.stdout).toMatch(/^beta +2 +0 +0 +2 +UNCOVERED: only 2 wip scenarios$/m)
    expect(catalogue.stdout).toContain('uncovered: beta (only 2 wip scenarios)')
    expect(catalogue.stderr).toBe('uncovered scope features: beta\n')
    await runCliInProcess(['docs', '--out', 'docs'], { cwd: dir })
    expect(readFileSync(path.join(dir, 'docs/m-1.md'), 'utf8')).toContain('**Uncovered** (no scenario that is not wip): `beta` (only 2 wip scenarios)')
    expect(readFileSync(path.join(dir, 'docs/m-1.html'), 'utf8')).toContain('<code>beta</code> (only 2 wip scenarios)')
    // the matrix names it uncovered and still shows its wip cells; the gate's scope-coverage finds it short
    writeFileSync(path.join(dir, 'r.xml'), '<testsuite name="Shared name" tests="1"><testcase classname="Shared name" name="done and automated"/></testsuite>')
    expect((await runCliInProcess(['ingest', '--env', 'local', '--build', 'b1', '--out', 'results', 'r.xml'], { cwd: dir })).code).toBe(0)
    const matrix = await runCliInProcess(['matrix', '--build', 'b1', '--out', 'm'], { cwd: dir })
    expect(matrix.code, matrix.stderr).toBe(0)
    const md = readFileSync(path.join(dir, 'm/matrix.md'), 'utf8')
    expect(md).toMatch(/\| Beta `beta` \(uncovered\) \| — \| \S+ 2 wip \| — \|/)
    const gate = await runCliInProcess(['gate', '--build', 'b1', '--json'], { cwd: dir })
    expect(gate.stderr).toBe('evidence: reports/gate-b1.json\n')
    expect(JSON.parse(gate.stdout).criteria[0].items.map((i: { what: string; status: string }) => `${i.status}: ${i.what}`)).toContain('uncovered: beta on local: 0 of 2 scenarios passed (2 wip) — needs 1')
  })
})
