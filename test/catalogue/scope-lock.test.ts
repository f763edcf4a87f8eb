import { describe, expect, it } from 'vitest'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { tempTree } from '../helpers/temp-tree.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'

const SCOPE = `milestone: m-1
frozen: 2024-09-15
features:
  - id: alpha
    name: Alpha
    acceptance: Alpha works.
  - id: beta
    name: Beta
    acceptance: Beta works.
`
const FEATURE = `@feature:alpha
Feature: Alpha

  Background:
    Given a cluster

  Scenario: first
    When Alice pings Bob
    Then the reply arrives

  Scenario Outline: sizes <n>
    Given a job of size <n>

    Examples:
      | n |
      | 1 |
      | 2 |

  @feature:beta
  Scenario: second
    Given a table
      | k | v |
      | a | 1 |
`

function project() {
  const dir = tempTree({ 'features/milestones/m-1.yaml': SCOPE, 'features/a.feature': FEATURE })
  const env = { BDD_MATRIX_USER: 'qa-lead' }
  const run = (...args: string[]) => runCliInProcess(args, { cwd: dir, env })
  const edit = (file: string, change: (text: string) => string) => writeFileSync(path.join(dir, file), change(readFileSync(path.join(dir, file), 'utf8')))
  const lock = () => JSON.parse(readFileSync(path.join(dir, 'features/milestones/m-1.lock.json'), 'utf8'))
  return { dir, run, edit, lock }
}

describe('scope freeze and check', () => {
  it('freezes, then ignores whitespace, comments, tag order and line moves', async () => {
    const p = project()
    const freeze = await p.run('scope', 'freeze')
    expect(freeze.code).toBe(0)
    expect(p.lock().history).toEqual([{ at: '2026-01-02T03:04:05.000Z', by: 'qa-lead', reason: 'initial freeze', changes: [] }])
    expect(Object.keys(p.lock().scenarios)).toEqual(['a.feature › first', 'a.feature › sizes <n>', 'a.feature › second'])
    expect(p.lock().scenarios['a.feature › second'].hash).toMatch(/^sha256:[0-9a-f]{64}$/)
    p.edit('features/a.feature', (t) => `# a comment\n\n${t.replace('When Alice pings Bob', 'When   Alice  pings Bob   ').replace('  Scenario: first', '\n\n  # moved down\n  Scenario: first').replace('| a | 1 |', '|a|1|')}`)
    const check = await p.run('scope', 'check')
    expect(check.stdout).toBe('scope of m-1 unchanged since its freeze on 2024-09-15\n')
    expect(check.code).toBe(0)
  })

  it('lists every kind of change with a readable diff and exits 1', async () => {
    const p = project()
    await p.run('scope', 'freeze')
    p.edit('features/milestones/m-1.yaml', (t) => t.replace('name: Alpha', 'name: Alpha renamed').replace('Beta works.', 'Beta works well.') + '  - id: gamma\n    name: Gamma\n    acceptance: New.\n')
    p.edit('features/a.feature', (t) =>
      t
        .replace('Then the reply arrives', 'Then the reply arrives within 1 second')
        .replace('Scenario Outline: sizes <n>', 'Scenario Outline: job sizes <n>')
        .replace('  @feature:beta\n  Scenario: second', '  @feature:alpha\n  Scenario: second')
        .concat('\n  Scenario: third\n    Given something new\n'),
    )
    const check = await p.run('scope', 'check')
    expect(check.code).toBe(1)
    const summaries = check.stdout.split('\n').filter((l) => !l.startsWith(' '))
    expect(summaries).toEqual([
      'feature added: gamma ("Gamma")',
      'feature renamed: alpha "Alpha" → "Alpha renamed"',
      'feature changed: beta ("Beta")',
      'scenario renamed or moved: a.feature › sizes <n> → a.feature › job sizes <n>',
      'scenario added: a.feature › third [alpha]',
      'scenario changed: a.feature › first',
      'scenario now tied to [alpha] instead of [alpha, beta]: a.feature › second',
      '',
    ])
    expect(check.stdout).toContain('    -  Then the reply arrives\n    +  Then the reply arrives within 1 second')
    expect(check.stdout).toContain('-acceptance: Beta works.\n    +acceptance: Beta works well.')
    expect(check.stderr).toContain('7 change(s) since the freeze')
    const json = JSON.parse((await p.run('scope', 'check', '--json')).stdout)
    expect(json.changes.map((c: { kind: string }) => c.kind)).toEqual(['feature-added', 'feature-renamed', 'feature-changed', 'scenario-renamed', 'scenario-added', 'scenario-changed', 'scenario-retied'])
  })

  it('reports a scenario whose tags change where it is required (@wip, @manual, @env, an Examples block): tagged @wip, a failing scenario left every count unseen', async () => {
    const p = project()
    await p.run('scope', 'freeze')
    expect(Object.values(p.lock().scenarios).map((s) => (s as { requirement: string }).requirement)).toEqual(['as its feature', 'as its feature', 'as its feature'])
    p.edit('features/a.feature', (t) =>
      t
        .replace('  Scenario: first', '  @wip\n  Scenario: first')
        .replace('  @feature:beta\n  Scenario: second', '  @feature:beta @env:scale @manual\n  Scenario: second')
        .replace('    Examples:\n      | n |\n      | 1 |\n      | 2 |\n', '    Examples:\n      | n |\n      | 1 |\n\n    @wip\n    Examples:\n      | n |\n      | 2 |\n'),
    )
    const check = await p.run('scope', 'check')
    expect(check.code).toBe(1)
    expect(check.stdout.split('\n').filter((l) => l.startsWith("scenario's tags"))).toEqual([
      "scenario's tags change where it is required: a.feature › first: where its feature is → @wip (required nowhere)",
      "scenario's tags change where it is required: a.feature › sizes <n>: where its feature is → row 1: as its feature; row 2: @wip",
      "scenario's tags change where it is required: a.feature › second: where its feature is → @manual @env:scale",
    ])
    // tags alone leave what the scenario asks for as it was (the outline's Examples were split: that is content)
    expect(check.stdout).not.toContain('scenario changed: a.feature › first')
    expect(check.stdout).not.toContain('scenario changed: a.feature › second')
    await p.run('scope', 'freeze', '--reason', 'first is not implemented yet')
    expect((await p.run('scope', 'check')).code).toBe(0)
  })

  it('a lock that does not record where scenarios are required (an older bdd-matrix) is a change until frozen again, then records them', async () => {
    const p = project()
    await p.run('scope', 'freeze')
    const lock = p.lock()
    for (const scenario of Object.values(lock.scenarios)) delete (scenario as { requirement?: string }).requirement
    writeFileSync(path.join(p.dir, 'features/milestones/m-1.lock.json'), JSON.stringify(lock))
    const check = await p.run('scope', 'check')
    expect(check.code).toBe(1)
    expect(check.stdout).toMatch(/^the lock does not record where its scenarios are required \(their @wip, @manual and @env tags: a lock of an older bdd-matrix\), so a scenario made @wip since the freeze .* would not show until they are recorded as they are now\n$/)
    expect((await p.run('scope', 'freeze', '--reason', 'record where scenarios are required')).code).toBe(0)
    expect(Object.values(p.lock().scenarios).every((s) => (s as { requirement?: string }).requirement === 'as its feature')).toBe(true)
    expect((await p.run('scope', 'check')).code).toBe(0)
  })

  it('freezes the release criteria with the scope: a criterion relaxed or removed after the freeze is a change, a waiver or a description is not', async () => {
    const p = project()
    const GATES = 'milestone: m-1\napplies-to: v1.*\ncriteria:\n  - id: passes\n    kind: scenarios-pass\n    severity: blocking\n  - id: flaky\n    kind: flaky-rate\n    severity: informing\n    max: 0.05\n'
    writeFileSync(path.join(p.dir, 'features/milestones/m-1.gates.yaml'), GATES)
    await p.run('scope', 'freeze')
    expect(p.lock().gates.content).toEqual(['applies-to: v1.*', 'baseline: previous-rc', 'criterion passes: {"kind":"scenarios-pass","severity":"blocking"}', 'criterion flaky: {"kind":"flaky-rate","max":0.05,"severity":"informing","window":5}'])
    // prose and waivers (reviewed on their own, and they expire) are not the criteria
    p.edit('features/milestones/m-1.gates.yaml', (t) => `${t.replace('    kind: flaky-rate\n', '    kind: flaky-rate\n    description: few flaky results\n')}waivers:\n  - { criterion: passes, category: known-issue, issue: 'https://gitlab.example/i/1', reason: r, requested-by: a, approved-by: b, expires: { date: 2099-01-01 } }\n`)
    expect((await p.run('scope', 'check')).code).toBe(0)
    p.edit('features/milestones/m-1.gates.yaml', (t) => t.replace('max: 0.05', 'max: 0.5').replace('    severity: blocking\n', '    severity: informing\n'))
    const relaxed = await p.run('scope', 'check')
    expect(relaxed.code).toBe(1)
    expect(relaxed.stdout).toContain('release criteria changed since the freeze (the gate file: applies-to, baseline or a criterion)\n')
    expect(relaxed.stdout).toContain('    -criterion passes: {"kind":"scenarios-pass","severity":"blocking"}\n')
    expect(relaxed.stdout).toContain('    +criterion passes: {"kind":"scenarios-pass","severity":"informing"}\n')
    expect(relaxed.stdout).toContain('+criterion flaky: {"kind":"flaky-rate","max":0.5,"severity":"informing","window":5}')
    rmSync(path.join(p.dir, 'features/milestones/m-1.gates.yaml'))
    expect((await p.run('scope', 'check')).stdout).toMatch(/^release criteria removed since the freeze: the gate file the lock records is gone\n/)
  })

  it("reports a feature added or removed after the freeze whose id objects already have (constructor): no drift goes unseen", async () => {
    const p = project()
    await p.run('scope', 'freeze')
    p.edit('features/milestones/m-1.yaml', (t) => `${t}  - id: constructor\n    name: Builder\n    acceptance: Builds.\n`)
    const added = await p.run('scope', 'check')
    expect(added.stdout).toContain('feature added: constructor ("Builder")')
    expect(added.code).toBe(1)
    await p.run('scope', 'freeze', '--reason', 'builder joins the milestone')
    p.edit('features/milestones/m-1.yaml', (t) => t.replace('  - id: constructor\n    name: Builder\n    acceptance: Builds.\n', ''))
    const removed = await p.run('scope', 'check')
    expect(removed.stdout).toContain('feature removed: constructor ("Builder")')
    expect(removed.code).toBe(1)
  })

  it('reports removed features and scenarios', async () => {
    const p = project()
    await p.run('scope', 'freeze')
    p.edit('features/milestones/m-1.yaml', (t) => t.replace('  - id: beta\n    name: Beta\n    acceptance: Beta works.\n', ''))
    p.edit('features/a.feature', (t) => t.replace('  Scenario: first\n    When Alice pings Bob\n    Then the reply arrives\n', ''))
    const check = await p.run('scope', 'check')
    expect(check.stdout).toContain('feature removed: beta ("Beta")')
    expect(check.stdout).toContain('scenario removed: a.feature › first [alpha]')
    expect(check.stdout).toContain('scenario now tied to [alpha] instead of [alpha, beta]: a.feature › second')
  })

  it('accepts a change only with --reason, recorded in the history', async () => {
    const p = project()
    await p.run('scope', 'freeze')
    p.edit('features/a.feature', (t) => t.replace('Then the reply arrives', 'Then the reply arrives twice'))
    const refused = await p.run('scope', 'freeze')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/the frozen scope changed \(1 change\(s\); see bdd-matrix scope check\); to accept, freeze again with --reason/)
    const accepted = await p.run('scope', 'freeze', '--reason', 'ping must be answered twice (issue #12)')
    expect(accepted.code).toBe(0)
    expect(p.lock().history[1]).toEqual({ at: '2026-01-02T03:04:05.000Z', by: 'qa-lead', reason: 'ping must be answered twice (issue #12)', changes: ['scenario changed: a.feature › first'] })
    expect((await p.run('scope', 'check')).code).toBe(0)
  })

  it('refuses a lock of another milestone, a missing lock, and freezing over syntax errors', async () => {
    const p = project()
    const missing = await p.run('scope', 'check')
    // paths as the user stands: relative, and the command to paste names only what was given
    expect(missing.stderr).toBe('bdd-matrix: features/milestones/m-1.lock.json: no lock yet; freeze the scope first with bdd-matrix scope freeze\n')
    expect(missing.code).toBe(2)
    await p.run('scope', 'freeze')
    p.edit('features/milestones/m-1.lock.json', (t) => t.replace('"milestone": "m-1"', '"milestone": "dms-0.4"'))
    const other = await p.run('scope', 'check')
    expect(other.stderr).toMatch(/m-1\.lock\.json: lock belongs to milestone 'dms-0\.4', but .*m-1\.yaml is milestone 'm-1'/)
    expect(other.code).toBe(2)
    p.edit('features/milestones/m-1.lock.json', () => '{ not json')
    expect((await p.run('scope', 'check')).stderr).toMatch(/not a valid lock file/)
    p.edit('features/a.feature', (t) => t.replace('      | k | v |', '      | k | v |\n    stray text'))
    const broken = await p.run('scope', 'freeze', '--reason', 'x')
    expect(broken.stderr).toMatch(/^bdd-matrix: cannot freeze while 1 syntax error\(s\) hide scenarios \(first: features\/a\.feature:23:5/)
  })
})
