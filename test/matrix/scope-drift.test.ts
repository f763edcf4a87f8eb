import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { greenBuild, gateProjectCopy, writeRuns } from '../gates/gate-fixture.ts'
import { api, startHub, type TestHub } from '../helpers/hub.ts'
import { runBin, runBinAsync } from '../helpers/run-bin.ts'
import { scopeDriftNotice, scopeDriftText } from '../../src/matrix/matrix-scope-drift.ts'

/**
 * A frozen scenario removed or edited after the freeze leaves the matrix's counts or changes what
 * they count: the matrix says so wherever its headline is read (console, Markdown/MR note, HTML,
 * JSON, the hub), by the same rule as scope check and the gate's scope-frozen criterion.
 */
describe('the matrix says when the scope changed since its freeze', () => {
  const build = 'v1.0.0-rc2'
  const project = (): string => {
    const root = gateProjectCopy()
    writeRuns([...greenBuild(build, '2026-05-20T10:00:00Z', { docker: { 'alpha two': 'failed' } })], path.join(root, 'results'))
    expect(runBin(['scope', 'freeze'], { cwd: root }).code).toBe(0)
    return root
  }
  const matrix = (root: string) => {
    const run = runBin(['matrix', '--build', build, '--out', 'out'], { cwd: root })
    expect(run.code, run.stderr).toBe(0)
    const file = (name: string) => readFileSync(path.join(root, 'out', name), 'utf8')
    return { stdout: run.stdout, md: file('matrix.md'), html: file('matrix.html'), json: JSON.parse(file('matrix.json')) as { totals: Record<string, number>; scopeDrift?: unknown } }
  }
  /** the failing frozen scenario deleted, another one edited */
  const drift = (root: string): void => {
    const file = path.join(root, 'features/alpha.feature')
    writeFileSync(file, readFileSync(file, 'utf8').replace('  Scenario: alpha two\n    Given step 2\n\n', '').replace('Given step 1', 'Given step 1 of 2'))
  }
  const removed = 'scenario removed: alpha.feature › alpha two [alpha]'
  const changed = 'scenario changed: alpha.feature › alpha one'

  it('as frozen: nothing is said; drifted: the line and each change, in every output, as scope check lists them', () => {
    const root = project()
    const frozen = matrix(root)
    expect(frozen.stdout).not.toMatch(/since its freeze/)
    expect(frozen.md).not.toMatch(/since its freeze/)
    expect(frozen.html).not.toMatch(/id="scope-drift"/)
    expect(frozen.json.scopeDrift).toEqual({ lock: 'features/milestones/gate.lock.json', frozen: expect.any(String), changes: [] })
    expect(runBin(['catalogue'], { cwd: root }).stdout).not.toMatch(/since its freeze/)

    drift(root)
    const now = matrix(root)
    const line = /the scope changed since its freeze on \d{4}-\d\d-\d\d: 2 change\(s\) not accepted \(1 frozen scenario\(s\) removed, 1 scenario\(s\) changed\); the counts are of the scenarios as they are now, not as frozen — bdd-matrix scope check lists them/
    expect(now.stdout).toMatch(line)
    expect(now.md).toMatch(new RegExp(`⚠️ \\*\\*${line.source}\\*\\*\\n\\n- scenario removed: alpha\\.feature › alpha two \\\\\\[alpha\\\\\\]\\n- scenario changed: alpha\\.feature › alpha one\\n`))
    expect(now.html).toMatch(/<div id="scope-drift" class="gap" data-changes="2"><p>the scope changed since its freeze/)
    expect(now.html).toContain(`<li>${removed}</li><li>${changed}</li>`)
    expect(now.json.scopeDrift).toEqual({ lock: 'features/milestones/gate.lock.json', frozen: expect.any(String), changes: [{ kind: 'scenario-removed', summary: removed }, { kind: 'scenario-changed', summary: changed }] })
    // the catalogue, QA's view between builds, says it under its first line
    const catalogue = runBin(['catalogue'], { cwd: root })
    expect(catalogue.stdout.split('\n')[1]).toMatch(new RegExp(`^⚠ ${line.source}$`))
    expect(JSON.parse(runBin(['catalogue', '--json'], { cwd: root }).stdout).scopeDrift).toEqual(now.json.scopeDrift)
    // the living documentation, which says "scope frozen" on its first line, says it under it
    expect(runBin(['docs', '--out', 'docs'], { cwd: root }).code).toBe(0)
    expect(readFileSync(path.join(root, 'docs/gate-fixture.md'), 'utf8')).toMatch(new RegExp(`· scope frozen [\\d-]+ · [^\\n]*\\n\\n⚠️ \\*\\*${line.source}\\*\\*\\n\\n- scenario removed: alpha\\.feature › alpha two \\\\\\[alpha\\\\\\]\\n`))
    expect(readFileSync(path.join(root, 'docs/gate-fixture.html'), 'utf8')).toContain(`<ul><li>${removed}</li><li>${changed}</li></ul></div>`)
    // one rule: scope check lists the same changes
    const check = runBin(['scope', 'check', '--json'], { cwd: root })
    expect(check.code).toBe(1)
    expect((JSON.parse(check.stdout) as { changes: { summary: string }[] }).changes.map((c) => c.summary)).toEqual([removed, changed])
    // accepted (frozen again with a reason): nothing more is said
    expect(runBin(['scope', 'freeze', '--reason', 'alpha two dropped from the milestone'], { cwd: root }).code).toBe(0)
    expect(matrix(root).stdout).not.toMatch(/since its freeze/)
  })

  it('a failing frozen scenario deleted, and the next build\'s matrix all green: the line is what says the scope is not the frozen one', () => {
    const root = project()
    drift(root)
    // the next build runs what the features hold now: alpha two no more
    const next = greenBuild('v1.0.0-rc3', '2026-05-27T10:00:00Z')
    for (const run of next) delete run.cases['alpha two']
    writeRuns(next, path.join(root, 'results'))
    const run = runBin(['matrix', '--build', 'v1.0.0-rc3', '--out', 'out'], { cwd: root })
    expect(run.stdout).toMatch(/: 4 scenarios: 3 passed · 0 failed · 0 flaky · 1 wip · 0 not run; the scope changed since its freeze on [\d-]+: 2 change\(s\) not accepted \(1 frozen scenario\(s\) removed, 1 scenario\(s\) changed\)/)
  })

  it('a lock that cannot be read: the reports are written and say that the drift is unknown, and why', () => {
    const root = project()
    writeFileSync(path.join(root, 'features/milestones/gate.lock.json'), '{ "lockVersion": 1, ')
    const now = matrix(root)
    expect(now.stdout).toMatch(/; whether the scope changed since its freeze is unknown: \S*gate\.lock\.json: not a valid lock file \([^)]*\); restore it from version control or delete it and freeze again; /)
    expect(now.json.scopeDrift).toMatchObject({ lock: 'features/milestones/gate.lock.json', unreadable: expect.stringMatching(/not a valid lock file/) })
  })

  it('a scope never frozen says nothing of drift, whatever the gate file beside it holds', () => {
    const root = gateProjectCopy()
    writeRuns(greenBuild(build, '2026-05-20T10:00:00Z'), path.join(root, 'results'))
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), 'criteria: [\n')
    const now = matrix(root)
    expect(now.json.scopeDrift).toBeUndefined()
    expect(now.stdout).not.toMatch(/since its freeze/)
  })

  describe('the hub', () => {
    let root: string
    let hub: TestHub
    beforeAll(async () => {
      root = project()
      drift(root)
      hub = await startHub({ root })
      // (the hub answers in this process: the push may not block it)
      const pushed = await runBinAsync(['push', '--results', 'results'], { cwd: root, env: { BDD_MATRIX_SERVER: hub.url, BDD_MATRIX_TOKEN: hub.tokens.ci } })
      expect(pushed.code, pushed.stderr).toBe(0)
    })
    afterAll(async () => {
      await hub.close()
    })

    it('shows the same changes in its matrix as the command line', async () => {
      const served = await api(hub, 'GET', `/builds/${build}/matrix`, hub.tokens.qa)
      expect(served.status).toBe(200)
      expect((served.body as { scopeDrift?: unknown }).scopeDrift).toEqual(matrix(root).json.scopeDrift)
    })
  })
})

describe('the drift line and its list', () => {
  it('counts the changes by kind, lists the first 20 and says how many more scope check lists', () => {
    const changes = Array.from({ length: 25 }, (_, i) => ({ kind: i < 22 ? ('scenario-removed' as const) : ('gates-changed' as const), summary: `change ${i + 1}` }))
    const drift = { lock: 'features/milestones/m.lock.json', frozen: '2026-01-05', changes }
    expect(scopeDriftText(drift)).toBe('the scope changed since its freeze on 2026-01-05: 25 change(s) not accepted (22 frozen scenario(s) removed, release criteria changed); the counts are of the scenarios as they are now, not as frozen — bdd-matrix scope check lists them')
    expect(scopeDriftNotice(drift)).toEqual({ line: scopeDriftText(drift), items: [...changes.slice(0, 20).map((c) => c.summary), 'and 5 more: bdd-matrix scope check lists them all'] })
    expect(scopeDriftNotice({ ...drift, changes: changes.slice(0, 20) })!.items).toHaveLength(20)
    expect(scopeDriftText({ ...drift, changes: [] })).toBeUndefined()
    expect(scopeDriftNotice(undefined)).toBeUndefined()
    expect(scopeDriftNotice({ lock: 'l', unreadable: 'why' })).toEqual({ line: 'whether the scope changed since its freeze is unknown: why', items: [] })
  })
})
