import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { loadGateFile } from '../../src/gates/gate-file.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { tempDir, tempTree } from '../helpers/temp-tree.ts'
import { gateProjectCopy, greenBuild, writeRuns } from './gate-fixture.ts'
import { runBinAsync } from '../helpers/run-bin.ts'

/** The gate fixture's project (scope with environments, automated, manual and wip scenarios, step definitions), without a gate file. */
const project = gateProjectCopy

const GATES = 'features/milestones/gate.gates.yaml'
const criteriaOf = (root: string, file = GATES) => loadGateFile(path.join(root, file)).criteria.map((c) => `${c.id}:${c.kind}:${c.severity}`)

describe('bdd-matrix gate init: a first gate file drafted beside the scope', () => {
  it("drafts seed 003's criteria the project can be judged by; after the freeze, a green build is go and a failing one no-go", async () => {
    const root = project()
    const init = await runCliInProcess(['gate', 'init', '--applies-to', 'v1.0.0-rc*'], { cwd: root })
    expect(init.code, init.stderr).toBe(0)
    expect(init.stdout).toBe(
      [
        `${GATES}: release criteria of gate-fixture drafted, for builds v1.0.0-rc*`,
        `next: review ${GATES}, then bdd-matrix scope freeze (it records these criteria with the scope), then bdd-matrix gate --build <build>`,
        '',
      ].join('\n'),
    )
    expect(criteriaOf(root)).toEqual([
      'suite-is-sound:lint:blocking',
      'scope-is-frozen:scope-frozen:blocking',
      'every-environment-tested:environments-tested:blocking',
      'acceptance-passes:scenarios-pass:blocking',
      'frozen-features-covered:scope-coverage:blocking',
      'no-regressions:no-new-failures:blocking',
      'few-flaky-results:flaky-rate:informing',
      'community-signoff:manual-signoff:blocking',
      'unit-tests-pass:tests-pass:informing',
    ])
    const text = readFileSync(path.join(root, GATES), 'utf8')
    expect(loadGateFile(path.join(root, GATES))).toMatchObject({ milestone: 'gate-fixture', 'applies-to': 'v1.0.0-rc*', baseline: 'previous-rc', waivers: [] })
    // the criteria that need a service are there for QA to turn on, not judged
    expect(text).toContain('  # - id: qa-approval\n  #   kind: approvals\n')

    expect((await runCliInProcess(['scope', 'freeze'], { cwd: root })).code).toBe(0)
    const results = path.relative(root, writeRuns(greenBuild('v1.0.0-rc1', '2026-01-01T10:00:00Z')))
    // judged by the built command, whose lint criterion loads the project's step definitions
    const go = await runBinAsync(['gate', '--build', 'v1.0.0-rc1', '--results', results, '--config', 'cucumber.mjs'], { cwd: root })
    expect(go.code, go.stdout + go.stderr).toBe(0)
    expect(go.stdout).toMatch(/^gate of v1\.0\.0-rc1 \(gate-fixture\): GO\n/)
    // every blocking criterion drafted judged this build and passed; the unit tests, never ingested, wait and inform
    expect(go.stdout.match(/^ {2}(PASS|WAITING|FAIL)\s+\S+/gm)?.filter((l) => !l.startsWith('  PASS'))).toEqual(['  WAITING       unit-tests-pass'])
    writeRuns(greenBuild('v1.0.0-rc2', '2026-01-02T10:00:00Z', { docker: { 'alpha two': 'failed' } }), path.join(root, results))
    const noGo = await runBinAsync(['gate', '--build', 'v1.0.0-rc2', '--results', results, '--config', 'cucumber.mjs'], { cwd: root })
    expect(noGo.code, noGo.stdout + noGo.stderr).toBe(1)
    expect(noGo.stdout).toMatch(/FAIL\s+acceptance-passes \[scenarios-pass, blocking\]/)
    expect(noGo.stdout).toMatch(/FAIL\s+no-regressions \[no-new-failures, blocking\]/)
  })

  it('leaves out, and says so, each criterion the gate would refuse for this project: no environments listed, no manual or automated scenario', async () => {
    const root = tempTree({
      'features/milestones/m.yaml': 'milestone: gate-fixture\nfrozen: 2026-01-01\nfeatures:\n  - id: a\n    name: A\n    acceptance: A works.\n',
      'features/a.feature': '@feature:a\nFeature: A\n  @wip\n  Scenario: later\n    Given a node\n',
    })
    const init = await runCliInProcess(['gate', 'init'], { cwd: root })
    expect(init.code, init.stderr).toBe(0)
    expect(init.stdout.split('\n').slice(0, 4)).toEqual([
      'features/milestones/m.gates.yaml: release criteria of gate-fixture drafted, for builds *',
      'left out: environments-tested: no feature of the scope lists `environments:`, so it would judge nothing (list them, then add it)',
      'left out: scenarios-pass: the scope has no scenario that is neither @wip nor @manual yet',
      'left out: manual-signoff: the scope has no @manual scenario',
    ])
    expect(criteriaOf(root, 'features/milestones/m.gates.yaml').map((c) => c.split(':')[1])).toEqual(['lint', 'scope-frozen', 'scope-coverage', 'no-new-failures', 'flaky-rate', 'tests-pass'])
    // `*` begins a YAML alias: the pattern is written so the gate reads it back as given
    expect(loadGateFile(path.join(root, 'features/milestones/m.gates.yaml'))['applies-to']).toBe('*')
    // judged on a build with no results: waiting, never refused for what the draft wrote
    const results = tempDir('gate-init-results')
    writeRuns([{ build: 'b1', environment: 'local', at: '2026-01-01T10:00:00Z', cases: { 'reads the scope': 'passed' }, stage: 'unit' }], results)
    const judged = await runCliInProcess(['gate', '--build', 'b1', '--results', results], { cwd: root })
    expect(judged.code, judged.stderr).not.toBe(2)
  })

  it('on a frozen scope, says the criteria are a change to accept into the freeze, as scope check finds', async () => {
    const root = project()
    expect((await runCliInProcess(['scope', 'freeze'], { cwd: root })).code).toBe(0)
    const init = await runCliInProcess(['gate', 'init'], { cwd: root })
    expect(init.stdout).toContain(`next: review ${GATES}, then bdd-matrix scope freeze --reason "release criteria written" (the scope is frozen and the freeze holds its criteria), then bdd-matrix gate --build <build>\n`)
    const check = await runCliInProcess(['scope', 'check'], { cwd: root })
    expect(check.code).toBe(1)
    expect(check.stdout).toMatch(/release criteria/)
    expect(check.stderr).toBe('1 change(s) since the freeze; accept them with bdd-matrix scope freeze --reason "..."\n')
    const accepted = await runCliInProcess(['scope', 'freeze', '--reason', 'release criteria written'], { cwd: root })
    // what was accepted, said as a change: no advice to do what was just done
    expect(accepted.stdout).toBe('features/milestones/gate.lock.json: freeze updated, 1 change(s) accepted\n  release criteria not in the lock (the gate file came after the freeze, or the lock is of an older bdd-matrix)\n')
    expect((await runCliInProcess(['scope', 'check'], { cwd: root })).code).toBe(0)
  })

  it('takes its own --scope, --features and --out, and names them in what to run next', async () => {
    const root = tempTree({
      'specs/s.yaml': 'milestone: s\nfrozen: 2026-01-01\nfeatures:\n  - id: a\n    name: A\n    acceptance: A works.\n    environments: [local]\n',
      'specs/a.feature': '@feature:a\nFeature: A\n  Scenario: now\n    Given a node\n',
    })
    const init = await runCliInProcess(['gate', 'init', '--features', 'specs', '--scope', 'specs/s.yaml', '--out', 'release.gates.yaml'], { cwd: root })
    expect(init.code, init.stderr).toBe(0)
    expect(init.stdout).toContain('next: review release.gates.yaml, then bdd-matrix gate --build <build> --gates release.gates.yaml --features specs --scope specs/s.yaml (a gate file elsewhere than beside the scope is not part of its freeze)\n')
    expect(criteriaOf(root, 'release.gates.yaml')).toContain('acceptance-passes:scenarios-pass:blocking')
    expect(existsSync(path.join(root, 'specs/s.gates.yaml'))).toBe(false)
  })

  it('never replaces a gate file, and a missing scope is said in one line; exit 2', async () => {
    const root = project()
    writeFileSync(path.join(root, GATES), 'milestone: gate-fixture\n')
    const again = await runCliInProcess(['gate', 'init'], { cwd: root })
    expect(again.code).toBe(2)
    expect(again.stderr).toBe(`bdd-matrix: ${GATES} exists: it is the gate file (edit it), or remove it to draft one anew; nothing written\n`)
    expect(readFileSync(path.join(root, GATES), 'utf8')).toBe('milestone: gate-fixture\n')
    const none = await runCliInProcess(['gate', 'init'], { cwd: tempTree({ 'features/a.feature': 'Feature: A\n' }) })
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/^bdd-matrix: no scope file given and none found in features\/milestones/)
  })

  it('a gate with no gate file says how to draft one, and the command it names drafts it there', async () => {
    const root = project()
    const missing = await runCliInProcess(['gate', '--build', 'v1.0.0-rc1'], { cwd: root })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toBe(`bdd-matrix: ${GATES}: no gate file; draft the release criteria there with bdd-matrix gate init --out ${GATES} (README, "Release gates"), or pass another with --gates FILE\n`)
    const named = missing.stderr.match(/bdd-matrix (gate init [^(]+) \(/)![1]!.trim().split(' ')
    expect((await runCliInProcess(named, { cwd: root })).code).toBe(0)
    expect(criteriaOf(root)).toContain('suite-is-sound:lint:blocking')
  })

  it('gate without --build still asks for it, as commander does, exit 2', async () => {
    const root = project()
    const result = await runCliInProcess(['gate'], { cwd: root })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("error: required option '--build <version>' not specified")
  })
})
