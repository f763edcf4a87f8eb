import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { gateToMarkdown } from '../../reporters/markdown/gate-markdown.ts'
import { expectGolden } from '../helpers/expect-golden.ts'
import { runBin, runBinAsync } from '../helpers/run-bin.ts'
import type { GateReport } from '../../src/gates/evaluate-gates.ts'
import { GATE_PROJECT, HEADER, gate, gateProjectCopy, greenBuild, writeRuns, type RunSpec } from './gate-fixture.ts'
import { featureNoteMarkdown, matrixToMarkdown } from '../../reporters/markdown/matrix-markdown.ts'
import { matrixToHtml } from '../../reporters/html/matrix-html.ts'
import { matrixFrom } from '../../src/matrix/matrix-from.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { loadScope } from '../../src/catalogue/scope.ts'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'

const CRITERIA = `${HEADER}criteria:
  - { id: suite-is-sound, kind: lint, severity: blocking }
  - { id: scope-is-frozen, kind: scope-frozen, severity: blocking }
  - { id: every-environment-tested, kind: environments-tested, severity: blocking }
  - id: acceptance-passes
    kind: scenarios-pass
    severity: blocking
    select: { tags: not @manual, stages: [acceptance] }
  - { id: features-covered, kind: scope-coverage, severity: blocking, min-passing: 1 }
  - { id: no-regressions, kind: no-new-failures, severity: blocking }
  - { id: few-flaky, kind: flaky-rate, severity: informing, max: 0.2, window: 2 }
  - { id: signed-off, kind: manual-signoff, severity: blocking, testers: 1 }
  - { id: enough, kind: min-count, severity: informing, min: 3, select: { stages: [acceptance] } }
  - { id: approved, kind: approvals, severity: blocking, min: 1 }
`
// The same failure waived for both criteria it fails: a waiver names one criterion.
const WAIVE = (expires: string) =>
  `waivers:\n${['acceptance-passes', 'no-regressions']
    .map(
      (criterion) => `  - criterion: ${criterion}
    scenario: alpha two
    environment: docker
    category: unstable-infra
    issue: https://gitlab.example/nunet/dms/-/issues/41
    reason: the docker runner's network drops packets
    requested-by: alice
    approved-by: bob
    expires: ${expires}
`,
    )
    .join('')}`
const approvals = { approvals: [{ by: 'dana', at: '2026-05-30T10:00:00Z' }], authors: ['carol'] }
const rc1 = greenBuild('v1.0.0-rc1', '2026-05-01T10:00:00Z')

describe('the gate judges the cells the scope requires, and only them', () => {
  const rc2 = (overrides: Parameters<typeof greenBuild>[2], extra: RunSpec[] = []) => writeRuns([...rc1, ...greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', overrides), ...extra])

  it('shows a result where the scope does not require the scenario as information; it decides nothing', async () => {
    // beta is required on local only: its failure on docker is information, as if nothing had run there
    const report = await gate(CRITERIA, rc2({ docker: { 'beta one': 'failed' } }), 'v1.0.0-rc2', approvals)
    const green = await gate(CRITERIA, rc2({}), 'v1.0.0-rc2', approvals)
    expect(report.verdict).toBe('go')
    const pass = report.criteria.find((c) => c.id === 'acceptance-passes')!
    expect(pass.value).toBe(green.criteria.find((c) => c.id === 'acceptance-passes')!.value)
    expect(pass.information).toEqual([expect.objectContaining({ what: 'beta one · beta · docker/acceptance', status: 'failed', note: 'not required by the scope: not judged' })])
    expect(report.criteria.find((c) => c.id === 'no-regressions')!.verdict).toBe('pass')
    expect(report.criteria.find((c) => c.id === 'few-flaky')!.value).toBe(green.criteria.find((c) => c.id === 'few-flaky')!.value)
    expect(gateToMarkdown(report)).toContain('acceptance-passes: 1 result(s) where the scope does not require the scenario (shown, not judged)')
  })

  it("the diff and no-new-failures agree: a change where the scope requires no result is listed apart as information, in the gate's diff, its Markdown and bdd-matrix diff", async () => {
    // beta is required on local only, and 'beta later' is wip: of three new failures, one is judged
    const results = rc2({ docker: { 'beta one': 'failed', 'alpha two': 'failed' }, local: { 'beta later': 'failed' } })
    const report = await gate(CRITERIA, results, 'v1.0.0-rc2', approvals)
    expect(report.criteria.find((c) => c.id === 'no-regressions')).toMatchObject({ verdict: 'fail', value: '1 new' })
    const diff = report.changes!.find((c) => c.against === 'previous-rc')!.diff
    expect(diff.newFailures.map((e) => `${e.scenario} ${e.column}`)).toEqual(['alpha two docker/acceptance'])
    expect(diff.information!.map((e) => `${e.scenario} ${e.column} ${e.from ?? 'not run'}→${e.to}`).sort()).toEqual(['beta later local/acceptance not run→failed', 'beta one docker/acceptance not run→failed'])
    expect(diff.added.map((e) => e.scenario)).not.toContain('beta one')
    expect(gateToMarkdown(report)).toContain('1 new failure(s), 0 fixed, 0 still failing, 0 newly flaky, 0 newly signed off, 0 newly run, 0 no longer run, 0 scope change(s) accepted, 0 waiver(s) expired (and 2 change(s) where the scope requires no result, information only)')

    const root = gateProjectCopy()
    cpSync(results, path.join(root, 'results'), { recursive: true })
    const cli = JSON.parse((await runBinAsync(['diff', '--from', 'v1.0.0-rc1', '--to', 'v1.0.0-rc2', '--json'], { cwd: root })).stdout) as typeof diff
    expect({ newFailures: cli.newFailures, information: cli.information }).toEqual({ newFailures: diff.newFailures, information: diff.information })
    const text = (await runBinAsync(['diff', '--from', 'v1.0.0-rc1', '--to', 'v1.0.0-rc2'], { cwd: root })).stdout
    expect(text).toContain('new failures: 1\n  alpha two · docker/acceptance (passed → failed)\n')
    expect(text).toMatch(/changed where the scope requires no result \(information, not counted above\): 2\n {2}beta (one|later) /)
  })

  it('shows a failure of a test tied to no scope feature (an untagged scenario) where a scenario criterion would pass it by in silence: information, as the matrix fails the commit status on it', async () => {
    const report = await gate(CRITERIA, rc2({ local: { 'reads the scope': 'failed' } }), 'v1.0.0-rc2', approvals)
    const pass = report.criteria.find((c) => c.id === 'acceptance-passes')!
    expect(pass.verdict).toBe('pass')
    expect(pass.information).toEqual([expect.objectContaining({ what: 'reads the scope · no scope feature · local/acceptance', status: 'failed', note: 'not required by the scope: not judged' })])
    expect(gateToMarkdown(report)).toContain('- failed: reads the scope · no scope feature · local/acceptance')
  })

  it('counts a flaky result outside the required cells in neither part of the flaky rate', async () => {
    const report = await gate(CRITERIA, rc2({ docker: { 'beta one': ['passed', { flaky: true }] } }), 'v1.0.0-rc2', approvals)
    expect(report.criteria.find((c) => c.id === 'few-flaky')!.value).toBe('0.0 % (0 of 12)')
  })

  it('does not take a skipped scenario for a pass: nothing was verified, the gate waits', async () => {
    const report = await gate(CRITERIA, rc2({ local: { 'alpha one': 'skipped' } }), 'v1.0.0-rc2', approvals)
    const pass = report.criteria.find((c) => c.id === 'acceptance-passes')!
    expect(pass).toMatchObject({ verdict: 'waiting', value: '4 of 5 passed' })
    expect(pass.items).toEqual([expect.objectContaining({ what: 'alpha one · alpha · local/acceptance', note: 'skipped: nothing was verified' })])
    expect(report.verdict).toBe('incomplete')
  })

  it('counts wip scenarios in what coverage is out of, and says a feature short by its failures failed', async () => {
    const report = await gate(CRITERIA, rc2({ local: { 'beta one': 'failed' } }), 'v1.0.0-rc2', approvals)
    expect(report.criteria.find((c) => c.id === 'features-covered')!.why).toBe('beta on local: 0 of 2 scenarios passed (1 failed, 1 wip) — needs 1')
  })

  it('says plainly when there is no baseline build', async () => {
    const report = await gate(CRITERIA, writeRuns(greenBuild('v1.0.0-rc1', '2026-05-01T10:00:00Z', { docker: { 'alpha two': 'failed' } })), 'v1.0.0-rc1', approvals)
    const criterion = report.criteria.find((c) => c.id === 'no-regressions')!
    expect(criterion).toMatchObject({ verdict: 'fail', threshold: '0 new; no baseline build: every failure counts as new' })
    expect(criterion.why).toMatch(/^1 new failure\(s\) \(no baseline build\): alpha two/)
  })

  it('fails the criteria of an environment whose run failed outside any scenario', async () => {
    const broken: RunSpec = { build: 'v1.0.0-rc2', environment: 'docker', at: '2026-05-20T11:00:00Z', cases: {}, errors: [{ where: 'BeforeAll hook', message: 'the cluster did not start' }] }
    const report = await gate(CRITERIA, rc2({}, [broken]), 'v1.0.0-rc2', approvals)
    expect(report.verdict).toBe('no-go')
    const failing = report.criteria.filter((c) => c.verdict === 'fail').map((c) => c.id)
    expect(failing).toEqual(['every-environment-tested', 'acceptance-passes', 'features-covered', 'no-regressions'])
    expect(report.criteria.find((c) => c.id === 'acceptance-passes')!.items[0]).toMatchObject({ status: 'run error', environment: 'docker/acceptance', what: expect.stringContaining('failed outside any scenario (BeforeAll hook): the cluster did not start') })
  })

  it('takes a scenario that failed in the baseline by an undefined step for failing since then, not a new failure', async () => {
    const criteria = `${HEADER}criteria:\n  - { id: no-regressions, kind: no-new-failures, severity: blocking }\n`
    const baseline = greenBuild('v1.0.0-rc1', '2026-05-01T10:00:00Z', { local: { 'beta one': 'undefined' } })
    const report = await gate(criteria, writeRuns([...baseline, ...greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { local: { 'beta one': 'failed' } })]), 'v1.0.0-rc2', approvals)
    const criterion = report.criteria.find((c) => c.id === 'no-regressions')!
    expect(criterion.verdict).toBe('pass')
    expect(criterion.items).toEqual([expect.objectContaining({ what: 'beta one · beta · local/acceptance', note: 'failing since v1.0.0-rc1 or before' })])
  })

  it('selects a scenario known only from its results by the tags its results carry', async () => {
    // 'alpha elsewhere' is defined by no feature file of the project (run from another folder):
    // its report tags it @feature:alpha and @slow, and a selector must see those tags, or a failure
    // of it passes a criterion that selects alpha's scenarios and judges one excluding @slow
    const results = rc2({ local: { 'alpha elsewhere': 'failed' } })
    const criteria = `${HEADER}criteria:\n  - { id: alpha-passes, kind: scenarios-pass, severity: blocking, select: { tags: "@feature:alpha", stages: [acceptance] } }\n  - { id: fast-passes, kind: scenarios-pass, severity: blocking, select: { tags: "not @slow and not @manual", stages: [acceptance] } }\n`
    const report = await gate(criteria, results, 'v1.0.0-rc2', approvals)
    const alpha = report.criteria.find((c) => c.id === 'alpha-passes')!
    expect(alpha).toMatchObject({ verdict: 'fail', value: '4 of 5 passed' })
    expect(alpha.items).toEqual([expect.objectContaining({ what: 'alpha elsewhere · alpha · local/acceptance', status: 'failed' })])
    expect(report.criteria.find((c) => c.id === 'fast-passes')).toMatchObject({ verdict: 'pass', value: '5 of 5 passed' })
  })
})

describe('release gates on canonical result sets (golden reports)', () => {
  it('all green → go', async () => {
    const report = await gate(CRITERIA, writeRuns([...rc1, ...greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z')]), 'v1.0.0-rc2', approvals)
    expect(report.verdict).toBe('go')
    expect(report.baseline).toEqual({ rule: 'previous-rc', build: 'v1.0.0-rc1' })
    expectGolden('gate-go.md', gateToMarkdown(report))
  })

  it('one blocking failure → no-go, naming it', async () => {
    const report = await gate(CRITERIA, writeRuns([...rc1, ...greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { docker: { 'alpha two': 'failed' } })]), 'v1.0.0-rc2', approvals)
    expect(report.verdict).toBe('no-go')
    const failing = report.criteria.filter((c) => c.verdict === 'fail').map((c) => c.id)
    expect(failing).toEqual(['acceptance-passes', 'no-regressions'])
    expect(report.criteria.find((c) => c.id === 'acceptance-passes')!.why).toBe('1 failed: alpha two · alpha · docker/acceptance')
    // what changed since the previous candidate heads its own section; there is no release before it
    expect(report.changes.map((c) => c.against)).toEqual(['previous-rc'])
    expect(report.changes[0]!.diff.newFailures).toEqual([expect.objectContaining({ scenario: 'alpha two', column: 'docker/acceptance', from: 'passed', to: 'failed' })])
    expectGolden('gate-no-go.md', gateToMarkdown(report))
  })

  it('a waived failure → go-with-waivers', async () => {
    const report = await gate(`${CRITERIA}${WAIVE('{ date: 2026-12-31 }')}`, writeRuns([...rc1, ...greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { docker: { 'alpha two': 'failed' } })]), 'v1.0.0-rc2', approvals)
    expect(report.verdict).toBe('go-with-waivers')
    expect(report.waivers.used.map((w) => w.criterion)).toEqual(['acceptance-passes', 'no-regressions'])
    expectGolden('gate-waived.md', gateToMarkdown(report))
  })

  it('a missing environment → incomplete (partial results are never a pass)', async () => {
    const partial = greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z').filter((r) => r.environment !== 'docker')
    const report = await gate(CRITERIA, writeRuns([...rc1, ...partial]), 'v1.0.0-rc2', approvals)
    expect(report.verdict).toBe('incomplete')
    expect(report.criteria.find((c) => c.id === 'every-environment-tested')!.why).toBe('docker: no results for v1.0.0-rc2 yet — waiting')
    expectGolden('gate-incomplete.md', gateToMarkdown(report))
  })

  it('waits on a manual cell while a newer, worse outcome of it awaits QA\'s review; the matrix shows it', async () => {
    const runs = greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { manual: { 'alpha by hand': ['passed', { tester: 'alice', awaitingReview: [{ tester: 'bob', status: 'failed' }] }] } })
    const criteria = `${HEADER}criteria:\n  - { id: by-hand, kind: scenarios-pass, severity: blocking, select: { tags: "@manual", stages: [manual] } }\n  - { id: signed, kind: manual-signoff, severity: blocking, testers: 1 }\n`
    const dir = writeRuns([...rc1, ...runs])
    const report = await gate(criteria, dir, 'v1.0.0-rc2', approvals)
    for (const id of ['by-hand', 'signed']) expect(report.criteria.find((c) => c.id === id), id).toMatchObject({ verdict: 'waiting', items: [expect.objectContaining({ note: "awaiting QA's review: bob failed" })] })
    // a newer pass awaiting review settles nothing either way
    const again = await gate(criteria, writeRuns([...rc1, ...greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { manual: { 'alpha by hand': ['passed', { tester: 'alice', awaitingReview: [{ tester: 'alice', status: 'passed' }] }] } })]), 'v1.0.0-rc2', approvals)
    expect(again.verdict).toBe('go')
    const matrix = matrixFrom(await mergeResults(dir), loadScope(path.join(GATE_PROJECT, 'features/milestones/gate.yaml')), { build: 'v1.0.0-rc2', catalogue: buildCatalogue(path.join(GATE_PROJECT, 'features')), uriPrefix: 'features' })
    expect(matrixToMarkdown(matrix)).toContain("<details><summary>⏳ Newer outcomes awaiting QA's review (1)</summary>\n\n- `alpha` · alpha by hand · community/manual — bob failed\n")
    expect(featureNoteMarkdown(matrix, 'alpha')).toMatch(/\| alpha by hand \|.* ✅ passed \(alice\) \(awaiting review: bob failed\) \|/)
    expect(matrixToHtml(matrix)).toContain('<small class="awaiting">awaiting review: bob failed</small>')
  })

  it('takes no sign-off from testers who carried out an earlier text of the scenario (edited since); the matrix says whose', async () => {
    const criteria = `${HEADER}criteria:\n  - { id: by-hand, kind: scenarios-pass, severity: blocking, select: { tags: "@manual", stages: [manual] } }\n  - { id: signed, kind: manual-signoff, severity: blocking, testers: 1 }\n  - { id: signed-twice, kind: manual-signoff, severity: informing, testers: 2 }\n`
    const build = (tester: string, earlierText: string[]) => writeRuns([...rc1, ...greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { manual: { 'alpha by hand': ['passed', { tester, earlierText }] } })])
    const old = await gate(criteria, build('alice', ['alice']), 'v1.0.0-rc2', approvals)
    expect(old.criteria.find((c) => c.id === 'by-hand')).toMatchObject({ verdict: 'waiting', items: [expect.objectContaining({ note: 'tested on an earlier text of the scenario (alice): carry it out again as it reads now' })] })
    expect(old.criteria.find((c) => c.id === 'signed')).toMatchObject({ verdict: 'waiting' })
    // with one tester on the text as it reads now, that one signs it off; the other is named
    const mixed = await gate(criteria, build('alice, bob', ['alice']), 'v1.0.0-rc2', approvals)
    expect(mixed.criteria.find((c) => c.id === 'signed')).toMatchObject({ verdict: 'pass' })
    expect(mixed.criteria.find((c) => c.id === 'signed-twice')).toMatchObject({ verdict: 'waiting', items: [expect.objectContaining({ note: '1 of 2 tester(s) signed off; alice tested an earlier text of it' })] })
    const dir = build('alice', ['alice'])
    const matrix = matrixFrom(await mergeResults(dir), loadScope(path.join(GATE_PROJECT, 'features/milestones/gate.yaml')), { build: 'v1.0.0-rc2', catalogue: buildCatalogue(path.join(GATE_PROJECT, 'features')), uriPrefix: 'features' })
    expect(matrixToMarkdown(matrix)).toContain('🔁 Manual outcomes of an earlier text of the scenario (1)</summary>\n\n- `alpha` · alpha by hand · community/manual — alice\n')
    expect(matrixToHtml(matrix)).toContain('<small class="earlier-text">on an earlier text: alice</small>')
  })

  it('diff counts a sign-off of the scenario as it reads now, not of an earlier text', async () => {
    const { diffBuilds } = await import('../../src/gates/diff-builds.ts')
    const rc1NoManual = rc1.filter((r) => r.stage !== 'manual')
    for (const [tester, earlierText, signed] of [['alice', ['alice'], []], ['alice, bob', ['alice'], [{ scenario: 'alpha by hand', testers: 'bob' }]]] as const) {
      const results = await mergeResults(writeRuns([...rc1NoManual, ...greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { manual: { 'alpha by hand': ['passed', { tester, earlierText: [...earlierText] }] } })]))
      const diff = diffBuilds({ results, from: 'v1.0.0-rc1', to: 'v1.0.0-rc2', today: '2026-06-01' })
      expect(diff.newManualSignoffs, tester).toEqual(signed.map((s) => expect.objectContaining(s)))
    }
  })

  it('diff: a failure followed by a skip is not fixed, and a skipped cell is no longer run', async () => {
    const { diffBuilds } = await import('../../src/gates/diff-builds.ts')
    const failing = greenBuild('v1.0.0-rc1', '2026-05-01T10:00:00Z', { docker: { 'alpha two': 'failed' } })
    const dry = greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { local: { 'alpha one': 'skipped', 'alpha two': 'skipped', 'beta one': 'skipped' }, docker: { 'alpha one': 'skipped', 'alpha two': 'skipped' } })
    const rerun = greenBuild('v1.0.0-rc3', '2026-05-25T10:00:00Z')
    const results = await mergeResults(writeRuns([...failing, ...dry, ...rerun]))
    const diff = diffBuilds({ results, from: 'v1.0.0-rc1', to: 'v1.0.0-rc2', today: '2026-06-01' })
    expect([diff.fixed, diff.newFailures, diff.stillFailing, diff.added]).toEqual([[], [], [], []])
    expect(diff.removed.map((e) => [e.scenario, e.column, e.from, e.to]).sort()).toEqual([
      ['alpha one', 'docker/acceptance', 'passed', 'skipped'],
      ['alpha one', 'local/acceptance', 'passed', 'skipped'],
      ['alpha two', 'docker/acceptance', 'failed', 'skipped'],
      ['alpha two', 'local/acceptance', 'passed', 'skipped'],
      ['beta one', 'local/acceptance', 'passed', 'skipped'],
    ])
    // run again and passed: newly run, and fixed only against the build where it failed
    const again = diffBuilds({ results, from: 'v1.0.0-rc2', to: 'v1.0.0-rc3', today: '2026-06-01' })
    expect([again.fixed.length, again.added.length, again.removed.length]).toEqual([0, 5, 0])
    expect(diffBuilds({ results, from: 'v1.0.0-rc1', to: 'v1.0.0-rc3', today: '2026-06-01' }).fixed).toEqual([expect.objectContaining({ scenario: 'alpha two', column: 'docker/acceptance', from: 'failed', to: 'passed' })])
  })

  it('a dry run (every scenario skipped) is no scenario run and no environment tested', async () => {
    const dry = greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { local: { 'alpha one': 'skipped', 'alpha two': 'skipped', 'beta one': 'skipped' }, docker: { 'alpha one': 'skipped', 'alpha two': 'skipped' } })
    const report = await gate(CRITERIA, writeRuns([...rc1, ...dry]), 'v1.0.0-rc2', approvals)
    expect(report.verdict).toBe('incomplete')
    expect(report.criteria.find((c) => c.id === 'every-environment-tested')).toMatchObject({ verdict: 'waiting', value: '0 of 2' })
    expect(report.criteria.find((c) => c.id === 'enough')).toMatchObject({ verdict: 'waiting', value: '0 ran' })
    // nor a result that dilutes the flaky rate: rc1's 6 results and rc2's manual one, not its 5 skipped
    expect(report.criteria.find((c) => c.id === 'few-flaky')).toMatchObject({ value: '0.0 % (0 of 7)' })
  })

  it('an environment whose runs hold no result the scope asks for there (unit tests only, an empty run) is not tested', async () => {
    const partial = greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z').filter((r) => r.environment !== 'docker')
    const unitOnly: RunSpec[] = [{ build: 'v1.0.0-rc2', environment: 'docker', stage: 'unit', at: '2026-05-20T10:00:00Z', cases: { 'alpha one': 'passed' } }, { build: 'v1.0.0-rc2', environment: 'docker', at: '2026-05-20T10:00:00Z', cases: {} }]
    const report = await gate(CRITERIA, writeRuns([...rc1, ...partial, ...unitOnly]), 'v1.0.0-rc2', approvals)
    expect(report.verdict).toBe('incomplete')
    expect(report.criteria.find((c) => c.id === 'every-environment-tested')).toMatchObject({ verdict: 'waiting', value: '1 of 2', items: [{ what: 'docker: results this build, but none for a scenario the scope requires there' }], why: 'docker: no results of a scenario the scope requires there for v1.0.0-rc2 yet — waiting' })
    // and no feature is short there for it: what it needs has not run yet
    expect(report.criteria.find((c) => c.id === 'features-covered')).toMatchObject({ verdict: 'waiting', items: expect.arrayContaining([expect.objectContaining({ what: 'alpha on docker: 0 of 3 scenarios passed, nothing ran there this build — waiting' })]) })
  })

  // Builds named by commit (a gate on every pipeline: applies-to "*") have no version order: the
  // results' own order (when each build's latest run finished) says which came before.
  it('takes the previous build by when its runs finished where builds are not versions, as the matrix orders them', async () => {
    const older = greenBuild('v1.0.0-rc1', '2026-05-01T10:00:00Z').map((r) => ({ ...r, build: 'f00d5ee' }))
    const newer = greenBuild('v1.0.0-rc1', '2026-05-20T10:00:00Z', { docker: { 'alpha two': 'failed' } }).map((r) => ({ ...r, build: 'a1b2c3d' }))
    const report = await gate(CRITERIA.replace('applies-to: v1.0.0-rc*', "applies-to: '*'"), writeRuns([...older, ...newer]), 'a1b2c3d', approvals)
    expect(report.baseline).toEqual({ rule: 'previous-rc', build: 'f00d5ee' })
    expect(report.criteria.find((c) => c.id === 'no-regressions')!.items).toEqual([expect.objectContaining({ scenario: 'alpha two', status: 'failed', note: 'passed in f00d5ee' })])
    // the older one has no build before it, whatever its name sorts after
    expect((await gate(CRITERIA.replace('applies-to: v1.0.0-rc*', "applies-to: '*'"), writeRuns([...older, ...newer]), 'f00d5ee', approvals)).baseline).toEqual({ rule: 'previous-rc' })
  })

  it('compares with the last release too', async () => {
    const release = greenBuild('v1.0.0-rc1', '2026-04-01T10:00:00Z').map((r) => ({ ...r, build: 'v0.9.0' }))
    const report = await gate(CRITERIA.replace('applies-to: v1.0.0-rc*', 'applies-to: v*'), writeRuns([...release, ...rc1, ...greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { local: { 'beta one': 'failed' } })]), 'v1.0.0-rc2', approvals)
    expect(report.changes.map((c) => [c.against, c.diff.from])).toEqual([['previous-rc', 'v1.0.0-rc1'], ['last-release', 'v0.9.0']])
    expect(report.changes[1]!.diff.newFailures.map((e) => e.scenario)).toEqual(['beta one'])
    expect(gateToMarkdown(report)).toContain('**Since `v0.9.0` (last-release):** 1 new failure(s)')
  })

  it('an expired waiver → no-go, saying so', async () => {
    const report = await gate(`${CRITERIA}${WAIVE('{ build: v1.0.0-rc1 }')}`, writeRuns([...rc1, ...greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', { docker: { 'alpha two': 'failed' } })]), 'v1.0.0-rc2', approvals)
    expect(report.verdict).toBe('no-go')
    expect(report.criteria.find((c) => c.id === 'acceptance-passes')!.why).toMatch(/waiver 1 \(https:\/\/gitlab\.example\/nunet\/dms\/-\/issues\/41\) expired after build v1\.0\.0-rc1$/)
    expect(report.waivers.expired.map((w) => w.index)).toEqual([0, 1])
    expectGolden('gate-expired-waiver.md', gateToMarkdown(report))
  })

  it('ends a waiver after a build named by commit by when the builds ran, and refuses one it cannot place', async () => {
    const everyBuild = CRITERIA.replace('applies-to: v1.0.0-rc*', "applies-to: '*'")
    // f00d5ee ran first: a waiver that lasts until it has ended for a1b2c3d, whatever the names' sorting says
    const runs = writeRuns([...greenBuild('v1.0.0-rc1', '2026-05-01T10:00:00Z').map((r) => ({ ...r, build: 'f00d5ee' })), ...greenBuild('v1.0.0-rc1', '2026-05-20T10:00:00Z', { docker: { 'alpha two': 'failed' } }).map((r) => ({ ...r, build: 'a1b2c3d' }))])
    const ended = await gate(`${everyBuild}${WAIVE('{ build: f00d5ee }')}`, runs, 'a1b2c3d', approvals)
    expect(ended.verdict).toBe('no-go')
    expect(ended.waivers.expired.map((w) => w.index)).toEqual([0, 1])
    expect((await gate(`${everyBuild}${WAIVE('{ build: a1b2c3d }')}`, runs, 'a1b2c3d', approvals)).verdict).toBe('go-with-waivers')
    // a version that has no results yet cannot be put before or after a commit
    const refused = gate(`${everyBuild}${WAIVE('{ build: v1.0.0-rc3 }')}`, runs, 'a1b2c3d', approvals)
    await expect(refused).rejects.toThrow(/^gate\.gates\.yaml:\d+:\d+: waiver 1 lasts until build "v1\.0\.0-rc3", which cannot be put before or after build "a1b2c3d" \(they are not both versions, and not both in the results\); give it an end date, expires: \{ date: YYYY-MM-DD \}, or a version$/)
  })
})

/** One criterion alone, judged on result sets made to pass it and to fail it. */
const single = (criterion: string) => `${HEADER}criteria:\n  - ${criterion}\n`
const rc2 = (overrides: Parameters<typeof greenBuild>[2] = {}) => greenBuild('v1.0.0-rc2', '2026-05-20T10:00:00Z', overrides)

/** A unit run and a functional run of the build, the unit test's outcome given. */
const testStages = (unit: 'passed' | 'failed'): RunSpec[] => [
  { build: 'v1.0.0-rc2', environment: 'ci', stage: 'unit', at: '2026-05-20T09:00:00Z', cases: { 'reads the scope': unit } },
  { build: 'v1.0.0-rc2', environment: 'ci', stage: 'functional', at: '2026-05-20T09:00:00Z', cases: { 'pushes a run': 'passed' } },
]

const KINDS: { kind: string; criterion: string; pass: () => [RunSpec[], object?]; fail: () => [RunSpec[], object?]; failVerdict?: string }[] = [
  { kind: 'lint', criterion: '{ id: c, kind: lint, severity: blocking }', pass: () => [rc2()], fail: () => [rc2(), { lintErrors: [{ where: 'features/alpha.feature:5:5', message: 'undefined step "step 9"' }] }] },
  { kind: 'scope-frozen', criterion: '{ id: c, kind: scope-frozen, severity: blocking }', pass: () => [rc2()], fail: () => [rc2(), { scopeChanges: ['scenario added: alpha.feature › alpha three'] }] },
  { kind: 'environments-tested', criterion: '{ id: c, kind: environments-tested, severity: blocking }', pass: () => [rc2()], fail: () => [rc2().filter((r) => r.environment !== 'local')], failVerdict: 'waiting' },
  { kind: 'min-count', criterion: '{ id: c, kind: min-count, severity: blocking, min: 3, select: { stages: [acceptance] } }', pass: () => [rc2()], fail: () => [[{ build: 'v1.0.0-rc2', environment: 'local', at: '2026-05-20T10:00:00Z', cases: { 'alpha one': 'passed' } }]], failVerdict: 'waiting' },
  { kind: 'scenarios-pass', criterion: '{ id: c, kind: scenarios-pass, severity: blocking, select: { tags: not @manual } }', pass: () => [rc2()], fail: () => [rc2({ local: { 'beta one': 'failed' } })] },
  { kind: 'scenarios-pass (consecutive-green)', criterion: "{ id: c, kind: scenarios-pass, severity: blocking, consecutive-green: 2, select: { tags: not @manual, stages: [acceptance] } }", pass: () => [[...rc2(), ...rc2().map((r) => ({ ...r, at: '2026-05-21T10:00:00Z' }))]], fail: () => [[...rc2({ local: { 'beta one': 'failed' } }), ...rc2().map((r) => ({ ...r, at: '2026-05-21T10:00:00Z' }))]] },
  { kind: 'scope-coverage', criterion: '{ id: c, kind: scope-coverage, severity: blocking, min-passing: 1 }', pass: () => [rc2()], fail: () => [rc2({ local: { 'beta one': 'failed' } })] },
  { kind: 'no-new-failures', criterion: '{ id: c, kind: no-new-failures, severity: blocking }', pass: () => [[...rc1.map((r) => (r.environment === 'local' ? { ...r, cases: { ...r.cases, 'beta one': 'failed' as const } } : r)), ...rc2({ local: { 'beta one': 'failed' } })]], fail: () => [[...rc1, ...rc2({ local: { 'beta one': 'failed' } })]] },
  { kind: 'flaky-rate', criterion: '{ id: c, kind: flaky-rate, severity: blocking, max: 0.1, window: 1 }', pass: () => [rc2()], fail: () => [rc2({ local: { 'alpha one': ['passed', { flaky: true }] } })] },
  { kind: 'manual-signoff', criterion: '{ id: c, kind: manual-signoff, severity: blocking, testers: 2 }', pass: () => [rc2({ manual: { 'alpha by hand': ['passed', { tester: 'alice, bob' }] } })], fail: () => [rc2({ manual: { 'alpha by hand': ['failed', { tester: 'alice' }] } })] },
  { kind: 'open-issues', criterion: '{ id: c, kind: open-issues, severity: blocking, labels: [release-blocker], max: 0 }', pass: () => [rc2(), { openIssues: { count: 0, items: [] } }], fail: () => [rc2(), { openIssues: { count: 1, items: [{ title: 'peers lost', url: 'https://gitlab.example/issues/7' }] } }] },
  { kind: 'tests-pass', criterion: '{ id: c, kind: tests-pass, severity: blocking }', pass: () => [[...rc2(), ...testStages('passed')]], fail: () => [[...rc2(), ...testStages('failed')]] },
  { kind: 'tests-pass (a stage with no results yet)', criterion: '{ id: c, kind: tests-pass, severity: blocking, stages: [unit, functional] }', pass: () => [[...rc2(), ...testStages('passed')]], fail: () => [[...rc2(), testStages('passed')[0]!]], failVerdict: 'waiting' },
  { kind: 'approvals', criterion: '{ id: c, kind: approvals, severity: blocking, min: 2 }', pass: () => [rc2(), { approvals: [{ by: 'dana', at: 'x' }, { by: 'erin', at: 'y' }], authors: ['carol'] }], fail: () => [rc2(), { approvals: [{ by: 'dana', at: 'x' }, { by: 'carol', at: 'y' }], authors: ['carol'] }], failVerdict: 'waiting' },
]

describe('every criterion kind passes and fails on the results that should make it', () => {
  it.each(KINDS)('$kind', async ({ criterion, pass, fail, failVerdict }) => {
    const [passing, passExtra] = pass()
    const good = await gate(single(criterion), writeRuns(passing), 'v1.0.0-rc2', passExtra)
    expect(good.criteria[0]!.verdict, good.criteria[0]!.why).toBe('pass')
    const [failing, failExtra] = fail()
    const bad = await gate(single(criterion), writeRuns(failing), 'v1.0.0-rc2', failExtra)
    expect(bad.criteria[0]!.verdict, bad.criteria[0]!.why).toBe(failVerdict ?? 'fail')
    expect(bad.verdict).toBe(failVerdict === 'waiting' ? 'incomplete' : 'no-go')
  })

  it("tests-pass judges the unit and functional tests, which no scenario criterion can select: one that tried passed judging nothing", async () => {
    const failing = await gate(single('{ id: c, kind: tests-pass, severity: blocking }'), writeRuns([...rc2(), ...testStages('failed')]), 'v1.0.0-rc2')
    expect(failing.criteria[0]).toMatchObject({ verdict: 'fail', value: '1 of 2 passed', threshold: 'all unit, functional tests', why: '1 failed: scope › reads the scope · ci/unit: failed' })
    const waiting = await gate(single('{ id: c, kind: tests-pass, severity: blocking }'), writeRuns(rc2()), 'v1.0.0-rc2')
    expect(waiting.criteria[0]).toMatchObject({ verdict: 'waiting', value: '0 of 0 passed', why: 'no unit or functional test carried out for v1.0.0-rc2 yet — waiting' })
    // where unit tests were ingested without --stage (as acceptance), the item says how to ingest them
    expect(waiting.criteria[0]!.items.map((i) => i.what)).toEqual(['unit: no test carried out this build (no unit run: this build\'s runs are of acceptance, manual; unit tests are ingested with --stage unit)', 'functional: no test carried out this build (no functional run: this build\'s runs are of acceptance, manual; functional tests are ingested with --stage functional)'])
    // a stage whose tests were all skipped verified nothing: waited for, as a dry run
    const skippedOnly = await gate(single('{ id: c, kind: tests-pass, severity: blocking, stages: [unit] }'), writeRuns([...rc2(), { ...testStages('passed')[0]!, cases: { 'reads the scope': 'skipped' } }]), 'v1.0.0-rc2')
    expect(skippedOnly.criteria[0]).toMatchObject({ verdict: 'waiting', value: '0 of 1 passed (1 skipped)' })
    expect(skippedOnly.criteria[0]!.items.map((i) => i.what)).toEqual(['unit: no test carried out this build (its runs hold none, or only skipped ones)'])
    // a scenario criterion over unit or functional columns (0 of 0 passed: a pass) is refused
    for (const stages of ['[unit]', '[functional, acceptance]'])
      await expect(gate(single(`{ id: c, kind: scenarios-pass, severity: blocking, select: { stages: ${stages} } }`), writeRuns(rc2()), 'v1.0.0-rc2')).rejects.toThrow(/select\.stages: unit and functional hold tests, not the scope's scenarios .* judge their tests with kind: tests-pass/)
  })

  it('scope-coverage judges a feature where the matrix requires its scenarios, and waits for a gap as scenarios-pass does', async () => {
    const coverage = single('{ id: c, kind: scope-coverage, severity: blocking, min-passing: 1 }')
    const what = (report: GateReport) => report.criteria[0]!.items.map((i) => i.what)
    // alpha is listed on local and docker: on docker alpha one failed and alpha two was only
    // skipped (a dry run, --fail-fast): it may still pass — waited for, not a shortfall
    const gap = await gate(coverage, writeRuns(rc2({ docker: { 'alpha one': 'failed', 'alpha two': 'skipped' } })), 'v1.0.0-rc2')
    expect(gap.criteria[0]).toMatchObject({ verdict: 'waiting' })
    expect(what(gap)).toEqual(['alpha on docker: 0 of 3 scenarios passed (1 failed), 1 not run there yet — waiting'])
    // tried and failed, nothing left to try: short
    const failed = await gate(coverage, writeRuns(rc2({ docker: { 'alpha one': 'failed', 'alpha two': 'failed' } })), 'v1.0.0-rc2')
    expect(failed.criteria[0]).toMatchObject({ verdict: 'fail' })
    expect(what(failed)).toEqual(['alpha on docker: 0 of 3 scenarios passed (2 failed) — needs 1'])
    // A scope whose features list no environments requires each scenario in every column the
    // matrix has, but a manual column only of @manual scenarios: beta (none) is not judged on
    // community, where nothing of it is required.
    const fixture = (await import('../../src/catalogue/scope.ts')).loadScope(path.join(GATE_PROJECT, 'features/milestones/gate.yaml'))
    const scope = { ...fixture, features: fixture.features.map((f) => ({ ...f, environments: [] })) }
    const unlisted = await gate(coverage, writeRuns(rc2()), 'v1.0.0-rc2', { scope })
    expect(what(unlisted)).toEqual(['beta on docker: 0 of 2 scenarios passed (1 wip), 1 not run there yet — waiting'])
    const run = await gate(coverage, writeRuns(rc2({ docker: { 'beta one': 'passed' } })), 'v1.0.0-rc2', { scope })
    expect(run.criteria[0], what(run).join('\n')).toMatchObject({ verdict: 'pass' })
    // alpha lists docker, but its scenarios are all expected elsewhere: short, and said why
    const root = gateProjectCopy()
    const alpha = path.join(root, 'features/alpha.feature')
    writeFileSync(alpha, readFileSync(alpha, 'utf8').replace(/^  Scenario: alpha (one|two)$/gm, '  @env:local\n  Scenario: alpha $1'))
    const { buildCatalogue } = await import('../../src/catalogue/build-catalogue.ts')
    const elsewhere = await gate(coverage, writeRuns(rc2()), 'v1.0.0-rc2', { catalogue: buildCatalogue(path.join(root, 'features')) })
    expect(elsewhere.criteria[0]).toMatchObject({ verdict: 'fail' })
    expect(what(elsewhere)).toEqual(['alpha on docker: 0 of 3 scenarios passed — needs 1; none of its runnable scenarios is expected on docker (@env: tags or @manual place them elsewhere)'])
  })

  it('knows the author by every name GitLab gives them: the commit author\'s name, e-mail and its local part, and who started the pipeline', async () => {
    const { authorsFromEnv } = await import('../../src/cli/gate-commands.ts')
    expect(authorsFromEnv({ CI_COMMIT_AUTHOR: 'Carol Jones <carol.j@example.org>', GITLAB_USER_LOGIN: 'cjones', GITLAB_USER_NAME: 'Carol Jones', GITLAB_USER_EMAIL: 'carol.j@example.org' })).toEqual(['Carol Jones', 'carol.j@example.org', 'carol.j', 'cjones'])
    expect(authorsFromEnv({})).toEqual([])
    for (const by of ['cjones', 'CJones', 'carol.j', 'Carol Jones']) {
      const report = await gate(single('{ id: c, kind: approvals, severity: blocking, min: 1 }'), writeRuns(rc2()), 'v1.0.0-rc2', { approvals: [{ by, at: 'x' }], authors: authorsFromEnv({ CI_COMMIT_AUTHOR: 'Carol Jones <carol.j@example.org>', GITLAB_USER_LOGIN: 'cjones' }) })
      expect(report.criteria[0], by).toMatchObject({ verdict: 'waiting', items: [{ what: `${by}: the build's author` }] })
    }
  })

  it('the author\'s own approval does not count', async () => {
    const report = await gate(single('{ id: c, kind: approvals, severity: blocking, min: 1 }'), writeRuns(rc2()), 'v1.0.0-rc2', { approvals: [{ by: 'carol', at: 'x' }], authors: ['carol'] })
    expect(report.criteria[0]).toMatchObject({ verdict: 'waiting', items: [{ what: "carol: the build's author" }] })
  })

  it('knows an approver named in from: however the name is typed, as it knows the author', async () => {
    const report = await gate(single('{ id: c, kind: approvals, severity: blocking, min: 1, from: [Dana] }'), writeRuns(rc2()), 'v1.0.0-rc2', { approvals: [{ by: 'dana', at: 'x' }, { by: 'erin', at: 'y' }] })
    expect(report.criteria[0]).toMatchObject({ verdict: 'pass', value: '1 (dana)', items: [{ what: 'erin: not among the approvers named' }] })
  })

  it('asks for approvals from several organisations when from lists the approvers by organisation (seed 003: two reviewers of different organisations)', async () => {
    const criterion = single('{ id: c, kind: approvals, severity: blocking, min: 2, organisations: 2, from: { nunet: [Dana, erin], mojaloop: [frank] } }')
    const judged = async (...by: string[]) => (await gate(criterion, writeRuns(rc2()), 'v1.0.0-rc2', { approvals: by.map((b) => ({ by: b, at: 'x' })), authors: ['carol'] })).criteria[0]
    // two approvals, one organisation: as many as min asks, yet not from two organisations
    expect(await judged('dana', 'erin')).toMatchObject({ verdict: 'waiting', value: '2 (dana, erin) from 1 organisation(s) (nunet)', threshold: '≥ 2 of Dana, erin (nunet), frank (mojaloop), from ≥ 2 organisations, not the author', why: 'approvals from 1 of the 2 organisations needed (nunet) — waiting' })
    expect(await judged('frank', 'DANA')).toMatchObject({ verdict: 'pass', value: '2 (frank, DANA) from 2 organisation(s) (mojaloop, nunet)', why: 'approved by frank (mojaloop), DANA (nunet)' })
    // someone from no listed organisation is not counted, and neither organisation is made up by them
    expect(await judged('frank', 'gina')).toMatchObject({ verdict: 'waiting', why: '1 of 2 approvals — waiting', items: [{ what: 'gina: not among the approvers named' }] })
    expect(await judged()).toMatchObject({ verdict: 'waiting', value: '0 (none) from 0 organisation(s)' })
  })
})

describe('bdd-matrix gate and diff from the command line', () => {
  it('writes the evidence, prints each criterion and exits with the verdict\'s code', () => {
    const root = gateProjectCopy()
    const results = writeRuns([...rc1, ...rc2({ docker: { 'alpha two': 'failed' } })], path.join(root, 'results'))
    // the release criteria are frozen with the scope (a waiver added later is no change of them)
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), CRITERIA.replace(/\n  - \{ id: approved.*\n/, '\n'))
    expect(runBin(['scope', 'freeze'], { cwd: root }).code).toBe(0)
    const result = runBin(['gate', '--build', 'v1.0.0-rc2', '--config', 'cucumber.mjs'], { cwd: root })
    expect(result.stdout).toMatch(/^gate of v1\.0\.0-rc2 \(gate-fixture\): NO-GO · baseline v1\.0\.0-rc1 \(previous-rc\)\n/)
    expect(result.stdout).toMatch(/PASS\s+suite-is-sound \[lint, blocking\]/)
    expect(result.stdout).toMatch(/FAIL\s+acceptance-passes \[scenarios-pass, blocking\]: 4 of 5 passed/)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/PASS\s+scope-is-frozen/)
    // judged with other criteria than the frozen ones (acceptance-passes made informing): the scope is not as frozen
    writeFileSync(path.join(root, 'relaxed.gates.yaml'), CRITERIA.replace(/\n  - \{ id: approved.*\n/, '\n').replace('kind: scenarios-pass\n    severity: blocking', 'kind: scenarios-pass\n    severity: informing'))
    const relaxed = runBin(['gate', '--build', 'v1.0.0-rc2', '--config', 'cucumber.mjs', '--gates', 'relaxed.gates.yaml', '--out', 'relaxed'], { cwd: root })
    expect(relaxed.stdout).toMatch(/FAIL\s+scope-is-frozen \[scope-frozen, blocking\]: 1 change\(s\) .*release criteria changed since the freeze/)
    expect(relaxed.code).toBe(1)
    const evidence = JSON.parse(readFileSync(path.join(root, 'reports/gate-v1.0.0-rc2.json'), 'utf8'))
    expect(evidence).toMatchObject({ evidenceVersion: 1, build: 'v1.0.0-rc2', verdict: 'no-go', inputs: { gates: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }, lock: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } } })
    expect(evidence.inputs.results).toHaveLength(6)
    expect(readFileSync(path.join(root, 'reports/gate-v1.0.0-rc2.md'), 'utf8')).toMatch(/^### Release gate · `v1\.0\.0-rc2` · ❌ NO-GO/)
    // waived → 4, incomplete → 3, go → 0
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), `${CRITERIA.replace(/\n  - \{ id: approved.*\n/, '\n')}${WAIVE('{ date: 2099-01-01 }')}`)
    expect(runBin(['gate', '--build', 'v1.0.0-rc2', '--config', 'cucumber.mjs'], { cwd: root }).code).toBe(4)
    writeRuns(rc2().map((r) => ({ ...r, build: 'v1.0.0-rc3' })).filter((r) => r.environment !== 'docker'), results)
    expect(runBin(['gate', '--build', 'v1.0.0-rc3', '--config', 'cucumber.mjs'], { cwd: root }).code).toBe(3)
    writeRuns(rc2().map((r) => ({ ...r, build: 'v1.0.0-rc4', at: '2026-05-25T10:00:00Z' })), results)
    const go = runBin(['gate', '--build', 'v1.0.0-rc4', '--config', 'cucumber.mjs', '--json'], { cwd: root })
    expect(go.code).toBe(0)
    expect(JSON.parse(go.stdout).verdict).toBe('go')

    const diff = runBin(['diff', '--from', 'v1.0.0-rc1', '--to', 'v1.0.0-rc2', '--json'], { cwd: root })
    expect(diff.code).toBe(0)
    const parsed = JSON.parse(diff.stdout)
    expect(parsed.newFailures).toEqual([expect.objectContaining({ scenario: 'alpha two', column: 'docker/acceptance', from: 'passed', to: 'failed' })])
    expect(parsed.fixed).toEqual([])
    const back = JSON.parse(runBin(['diff', '--from', 'v1.0.0-rc2', '--to', 'v1.0.0-rc4', '--json'], { cwd: root }).stdout)
    expect(back.fixed).toEqual([expect.objectContaining({ scenario: 'alpha two', from: 'failed', to: 'passed' })])
    // rc3 did not run on docker: its cells are no longer run — not "scenarios removed", which read as scope taken out
    const dropped = runBin(['diff', '--from', 'v1.0.0-rc2', '--to', 'v1.0.0-rc3'], { cwd: root })
    const onDocker = rc2().filter((r) => r.environment === 'docker').reduce((n, r) => n + Object.keys(r.cases).length, 0)
    expect(onDocker).toBeGreaterThan(0)
    expect(dropped.stdout).toContain(`no longer run (a result in v1.0.0-rc2, none in v1.0.0-rc3): ${onDocker}\n`)
    expect(dropped.stdout.match(/ · docker\/acceptance \((passed|failed) → not run\)/g)).toHaveLength(onDocker)
    expect(dropped.stdout).not.toMatch(/removed/)
    // failed in rc2, passed only on a retry in rc5: newly flaky, not fixed (it failed again)
    writeRuns(greenBuild('v1.0.0-rc5', '2026-05-26T10:00:00Z', { docker: { 'alpha two': ['passed', { flaky: true }] } }), results)
    const retried = JSON.parse(runBin(['diff', '--from', 'v1.0.0-rc2', '--to', 'v1.0.0-rc5', '--json'], { cwd: root }).stdout)
    expect(retried.fixed).toEqual([])
    expect(retried.newlyFlaky).toEqual([expect.objectContaining({ scenario: 'alpha two', column: 'docker/acceptance', from: 'failed', to: 'flaky' })])
    // a build with no results is named by the option that gave it
    for (const [option, args] of [['--from', ['--from', 'v1.0.0-rc9', '--to', 'v1.0.0-rc2']], ['--to', ['--from', 'v1.0.0-rc1', '--to', 'v1.0.0-rc9']]] as const) {
      const unknown = runBin(['diff', ...args], { cwd: root })
      expect(unknown.stderr).toBe(`bdd-matrix: ${option} "v1.0.0-rc9": no results of that build in results; builds there: v1.0.0-rc1, v1.0.0-rc2, v1.0.0-rc3, v1.0.0-rc4, v1.0.0-rc5\n`)
      expect(unknown.code).toBe(2)
    }
  })

  it.each([
    ['an unknown criterion kind', `${HEADER}criteria:\n  - { id: c, kind: vibes, severity: blocking }\n`, /gate\.gates\.yaml:5:\d+: criteria\[0\]\.kind: /],
    ['a selector matching nothing', `${HEADER}criteria:\n  - { id: c, kind: scenarios-pass, severity: blocking, select: { tags: "@nothing" } }\n`, /gate\.gates\.yaml:5:\d+: criterion c selects no scenario of the scope \(tags: @nothing\); a criterion that judges nothing would pass silently/],
    ['a waiver approved by its requester', `${HEADER}criteria:\n  - { id: c, kind: lint, severity: blocking }\nwaivers:\n  - { criterion: c, category: known-issue, issue: "https://gitlab.example/1", reason: r, requested-by: bob, approved-by: bob, expires: { date: 2030-01-01 } }\n`, /gate\.gates\.yaml:7:\d+: waivers\[0\]\.approved-by: a waiver is approved by someone other than who requested it \(both are bob\)/],
    ['a waiver approved by its requester, typed otherwise', `${HEADER}criteria:\n  - { id: c, kind: lint, severity: blocking }\nwaivers:\n  - { criterion: c, category: known-issue, issue: "https://gitlab.example/1", reason: r, requested-by: bob, approved-by: "Bob ", expires: { date: 2030-01-01 } }\n`, /gate\.gates\.yaml:7:\d+: waivers\[0\]\.approved-by: a waiver is approved by someone other than who requested it \(both are Bob\)/],
    ['organisations without approvers listed by organisation', `${HEADER}criteria:\n  - { id: c, kind: approvals, severity: blocking, min: 2, organisations: 2, from: [dana, frank] }\n`, /gate\.gates\.yaml:5:\d+: criteria\[0\]\.organisations: organisations: 2 counts the organisations of the approvers: list them under from by organisation, as from: \{ nunet: \[alice\], mojaloop: \[bob\] \}/],
    ['more organisations than from lists', `${HEADER}criteria:\n  - { id: c, kind: approvals, severity: blocking, min: 3, organisations: 3, from: { nunet: [dana], mojaloop: [frank] } }\n`, /gate\.gates\.yaml:5:\d+: criteria\[0\]\.organisations: organisations: 3 asks for approvals from 3 organisations, and from lists 2 \(nunet, mojaloop\): the criterion could never pass/],
    ['fewer approvals than organisations', `${HEADER}criteria:\n  - { id: c, kind: approvals, severity: blocking, min: 1, organisations: 2, from: { nunet: [dana], mojaloop: [frank] } }\n`, /gate\.gates\.yaml:5:\d+: criteria\[0\]\.min: organisations: 2 needs at least 2 approvals: raise min to 2/],
    ['an approver under two organisations', `${HEADER}criteria:\n  - id: c\n    kind: approvals\n    severity: blocking\n    min: 2\n    organisations: 2\n    from:\n      nunet: [dana]\n      mojaloop: [frank, " Dana"]\n`, /gate\.gates\.yaml:12:\d+: criteria\[0\]\.from\.mojaloop: Dana is listed under both nunet and mojaloop: an approval counts for one organisation; list them once/],
    ['a rate above 1', `${HEADER}criteria:\n  - { id: c, kind: flaky-rate, severity: blocking, max: 1.5 }\n`, /gate\.gates\.yaml:5:\d+: criteria\[0\]\.max: must be at most 1, not 1\.5\n$/],
    ['a window of no builds', `${HEADER}criteria:\n  - { id: c, kind: flaky-rate, severity: blocking, max: 0.1, window: 0 }\n`, /gate\.gates\.yaml:5:\d+: criteria\[0\]\.window: must be at least 1, not 0\n$/],
    ['a baseline build with no results', `milestone: gate-fixture\napplies-to: v1.0.0-rc*\nbaseline: v0.9.0\ncriteria:\n  - { id: c, kind: lint, severity: blocking }\n`, /gate\.gates\.yaml:3:11: baseline build "v0\.9\.0" has no results/],
  ])('refuses %s in one line with file:line, exit 2', (_what, yaml, message) => {
    const root = gateProjectCopy()
    writeRuns(rc2(), path.join(root, 'results'))
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), yaml)
    const result = runBin(['gate', '--build', 'v1.0.0-rc2', '--config', 'cucumber.mjs'], { cwd: root })
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(result.code).toBe(2)
  })

  it('refuses environments-tested where no feature of the scope lists environments (it would pass judging nothing), in one line with file:line, exit 2', () => {
    const root = gateProjectCopy()
    writeRuns(rc2(), path.join(root, 'results'))
    const gates = `${HEADER}criteria:\n  - { id: c, kind: lint, severity: blocking }\n  - { id: tested, kind: environments-tested, severity: blocking }\n`
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), gates)
    const listed = runBin(['gate', '--build', 'v1.0.0-rc2', '--config', 'cucumber.mjs'], { cwd: root })
    expect(listed.stdout).toMatch(/PASS\s+tested \[environments-tested, blocking\]: 2 of 2/)
    const scopeFile = path.join(root, 'features/milestones/gate.yaml')
    writeFileSync(scopeFile, readFileSync(scopeFile, 'utf8').replace(/^\s+environments: .*\n/gm, ''))
    const refused = runBin(['gate', '--build', 'v1.0.0-rc2', '--config', 'cucumber.mjs'], { cwd: root })
    expect(refused.stderr).toBe('bdd-matrix: features/milestones/gate.gates.yaml:6:5: criterion tested (environments-tested) has no environment to judge: no feature of the scope lists environments:, so none is required; list where each feature must pass (environments: [local, …]) or remove the criterion — a criterion that judges nothing would pass silently\n')
    expect(refused.code).toBe(2)
  })

  it('refuses a waiver whose scenario names two scenarios of the scope, in one line with file:line and the ids that tell them apart', () => {
    const root = gateProjectCopy()
    writeRuns(rc2({ docker: { 'alpha two': 'failed' } }), path.join(root, 'results'))
    writeFileSync(path.join(root, 'features/gamma.feature'), '@feature:beta\nFeature: Gamma\n\n  Scenario: alpha two\n    Given step 2\n')
    const waiver = (narrow: string) => `${HEADER}criteria:\n  - { id: c, kind: scenarios-pass, severity: blocking, select: { tags: not @manual } }\nwaivers:\n  - { criterion: c, scenario: alpha two, ${narrow}category: known-issue, issue: "https://gitlab.example/1", reason: r, requested-by: alice, approved-by: bob, expires: { date: 2030-01-01 } }\n`
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), waiver(''))
    const refused = runBin(['gate', '--build', 'v1.0.0-rc2', '--config', 'cucumber.mjs'], { cwd: root })
    expect(refused.stderr).toMatch(/^bdd-matrix: features\/milestones\/gate\.gates\.yaml:7:\d+: waiver 1 names 2 scenarios called "alpha two" \(\w+ in features\/alpha\.feature \(alpha\); \w+ in features\/gamma\.feature \(beta\)\); a waiver covers one scenario: give the id of the one it covers as its scenario, or its feature: where that tells them apart\n$/)
    expect(refused.code).toBe(2)
    // narrowed to its feature, it covers the one failure it was written for
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), waiver('feature: alpha, '))
    const narrowed = runBin(['gate', '--build', 'v1.0.0-rc2', '--config', 'cucumber.mjs'], { cwd: root })
    expect(narrowed.stdout).toMatch(/WAITING\s+c \[scenarios-pass, blocking\]: 4 of 6 passed \(all\) — 1 failure\(s\) waived; 1 result\(s\) still awaited/)
    expect(narrowed.stdout).toContain('failed: alpha two · alpha · docker/acceptance — waiver 1\n')
    expect(narrowed.code).toBe(3)
  })

  it('the lint criterion says so when it could not match steps (no step definitions: another runner), never "no undefined steps"', () => {
    const root = gateProjectCopy()
    rmSync(path.join(root, 'cucumber.mjs'))
    rmSync(path.join(root, 'steps'), { recursive: true })
    writeRuns(rc2(), path.join(root, 'results'))
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), single('{ id: c, kind: lint, severity: blocking }'))
    const result = runBin(['gate', '--build', 'v1.0.0-rc2'], { cwd: root })
    expect(result.stdout).toMatch(/PASS\s+c \[lint, blocking\]: 0 error\(s\) \(0\) — no syntax errors; steps not matched against step definitions \(no step definitions found: no cucumber-js configuration/)
    expect(result.stdout).not.toContain('undefined or ambiguous steps')
  })

  it('refuses a build the gate does not apply to', () => {
    const root = gateProjectCopy()
    writeRuns(rc2().map((r) => ({ ...r, build: 'v1.0.0' })), path.join(root, 'results'))
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), single('{ id: c, kind: lint, severity: blocking }'))
    const result = runBin(['gate', '--build', 'v1.0.0'], { cwd: root })
    expect(result).toMatchObject({ code: 2, stderr: 'bdd-matrix: build "v1.0.0" does not match applies-to "v1.0.0-rc*" of features/milestones/gate.gates.yaml; gate a build it applies to, or change applies-to\n' })
  })
})

describe('the gate judges the columns the matrix shows', () => {
  it('a column only builds beyond the matrix\'s window ran is required by neither, though the gate reads further back for its flaky rate', async () => {
    // beta lists no environment: required in every acceptance column of its build's matrix
    const scope = loadScope(path.join(GATE_PROJECT, 'features/milestones/gate.yaml'))
    const everywhere = { ...scope, features: scope.features.map((f) => (f.id === 'beta' ? { ...f, environments: [] } : f)) }
    // v1.0.0-rc1 and rc2 also ran on feature; the ten after them did not
    const builds = Array.from({ length: 12 }, (_, i) => `v1.0.0-rc${i + 1}`)
    const runs = builds.flatMap((build, i) => [...greenBuild(build, `2026-05-${String(i + 1).padStart(2, '0')}T10:00:00Z`, { docker: { 'beta one': 'passed' } }), ...(i < 2 ? [{ build, environment: 'feature', at: `2026-05-0${i + 1}T11:00:00Z`, cases: { 'alpha one': 'passed' as const, 'beta one': 'passed' as const } }] : [])])
    const dir = writeRuns(runs)
    const criteria = `${HEADER}criteria:\n  - { id: passes, kind: scenarios-pass, severity: blocking, select: { tags: "not @manual", stages: [acceptance] } }\n  - { id: flaky, kind: flaky-rate, severity: informing, max: 0.2, window: 13 }\n`
    const report = await gate(criteria, dir, builds[11]!, { scope: everywhere })
    const matrix = matrixFrom(await mergeResults(dir), everywhere, { build: builds[11]!, catalogue: buildCatalogue(path.join(GATE_PROJECT, 'features')), uriPrefix: 'features' })
    expect(matrix.columns.map((c) => c.key)).not.toContain('feature/acceptance')
    expect(matrix.gaps.notRun).toBe(0)
    expect(report.criteria.find((c) => c.id === 'passes')!.verdict).toBe('pass')
  })
})
