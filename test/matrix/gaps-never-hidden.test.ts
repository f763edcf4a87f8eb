import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import { loadScope } from '../../src/catalogue/scope.ts'
import { matrixFrom } from '../../src/matrix/matrix-from.ts'
import { headlineText, matrixFailed } from '../../src/matrix/matrix-headline.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { matrixToMarkdown } from '../../reporters/markdown/matrix-markdown.ts'
import { matrixToHtml } from '../../reporters/html/matrix-html.ts'
import { resultsToJUnit } from '../../reporters/junit/junit-reporter.ts'
import { GATE_PROJECT, greenBuild, writeRuns, type RunSpec } from '../gates/gate-fixture.ts'

// Found by test/matrix/never-greener.property.test.ts: one more result, no pass, made the matrix greener.
async function matrixOf(runs: RunSpec[]) {
  const results = await mergeResults(writeRuns(runs))
  return matrixFrom(results, loadScope(path.join(GATE_PROJECT, 'features/milestones/gate.yaml')), { build: 'b1', catalogue: buildCatalogue(path.join(GATE_PROJECT, 'features')), uriPrefix: 'features' })
}

describe('what the scope requires and nothing verified is never hidden', () => {
  const at = '2026-05-01T10:00:00Z'
  const local: RunSpec = { build: 'b1', environment: 'local', at, cases: { 'alpha one': 'passed', 'alpha two': 'passed', 'beta one': 'passed' } }

  it("keeps the acceptance column of an environment the scope requires when only a tester's outcome or unit tests came from there", async () => {
    // alpha must pass on docker: a tester who names docker as their machine tests none of its automated scenarios there
    const elsewhere: RunSpec[] = [
      { build: 'b1', environment: 'docker', stage: 'manual', at, cases: { 'alpha by hand': ['blocked', { tester: 'alice' }] } },
      { build: 'b1', environment: 'docker', stage: 'unit', at, cases: {} },
    ]
    for (const there of elsewhere) {
      const matrix = await matrixOf([local, there])
      expect(matrix.columns.map((c) => c.key)).toContain('docker/acceptance')
      expect(matrix.gaps.byEnvironment).toEqual({ docker: 2, ...(there.stage === 'unit' ? { community: 1 } : {}) })
      expect(headlineText(matrix)).toMatch(/^5 scenarios: 1 passed · .*required cells not run: (community 1, )?docker 2 /)
    }
  })

  it("fails the build's commit status for a required cell a tester blocked, as the gate fails it; the MR note names it, GitLab's test summary counts it failed", async () => {
    const runs = greenBuild('b1', at, { manual: { 'alpha by hand': ['blocked', { tester: 'alice' }] } })
    const blocked = await matrixOf(runs)
    expect(resultsToJUnit(await mergeResults(writeRuns(runs)), { build: 'b1', resultsDir: '/r', relativeTo: '/r' })).toMatch(/<testsuites tests="6" failures="1" errors="0" skipped="0"[^]*<failure message="blocked: a tester could not carry it out" type="blocked">/)
    expect(blocked.totals.failed).toBe(0)
    expect(matrixFailed(blocked)).toBe(true)
    // the MR note names it, as it names failures
    expect(matrixToMarkdown(blocked)).toContain('Blocked scenarios (1)</summary>\n\n- `alpha` · alpha by hand · community/manual\n')
    expect(matrixFailed(await matrixOf(greenBuild('b1', at)))).toBe(false)
  })

  it('says how many of the scenarios it counts no feature file defines now, and marks their rows', async () => {
    // 'alpha elsewhere' ran, but no feature file of the project defines it (renamed since, or another folder's)
    const matrix = await matrixOf([{ ...local, cases: { ...local.cases, 'alpha elsewhere': 'passed' } }])
    expect(matrix.unlisted).toBe(1)
    expect(matrix.features.flatMap((f) => f.scenarios).filter((s) => s.unlisted).map((s) => s.name)).toEqual(['alpha elsewhere'])
    const said = 'defined by no feature file now: 1 of the 6 scenarios counted (results of a scenario renamed or changed since it ran, or of feature files elsewhere)'
    expect(headlineText(matrix)).toMatch(/^6 scenarios: /)
    expect(headlineText(matrix).endsWith(`; ${said}`)).toBe(true)
    expect(matrixToMarkdown(matrix)).toContain(`⚠️ ${said}`)
    expect(matrixToHtml(matrix)).toContain('<small>elsewhere/alpha.feature · defined by no feature file now</small>')
    // without the feature files (results alone), every row is known from results: nothing to say
    const alone = matrixFrom(await mergeResults(writeRuns([local])), loadScope(path.join(GATE_PROJECT, 'features/milestones/gate.yaml')), { build: 'b1' })
    expect(alone.unlisted).toBeUndefined()
  })

  it("counts a scenario by its cell that verified nothing before its flaky one, and by a block before a gap: the gate's order", async () => {
    // alpha one: skipped on docker, flaky on local (failed, then passed in a later run)
    const matrix = await matrixOf([
      { ...local, cases: { ...local.cases, 'alpha one': 'failed' } },
      { ...local, at: '2026-05-01T11:00:00Z' },
      { build: 'b1', environment: 'docker', at, cases: { 'alpha one': 'skipped' } },
      { build: 'b1', environment: 'community', stage: 'manual', at, cases: { 'alpha by hand': ['blocked', { tester: 'alice' }] } },
    ])
    const status = Object.fromEntries(matrix.features.flatMap((f) => f.scenarios).map((s) => [s.name, s.status]))
    expect(status).toMatchObject({ 'alpha one': 'skipped', 'alpha two': 'not-run', 'alpha by hand': 'blocked' })
    expect(matrix.flaky.map((f) => `${f.name} ${f.column}`)).toEqual(['alpha one local/acceptance'])
    // alpha's docker column holds a skip and a gap: the gap is the worse; the MR note's table counts what each cell shows
    expect(matrix.features.find((f) => f.id === 'alpha')!.cells['docker/acceptance']!.status).toBe('not-run')
    expect(matrixToMarkdown(matrix)).toMatch(/\| Alpha `alpha` \| \S+ 1 not run \| \S+ 1 flaky \| \S+ 1 blocked \|/)
    expect(matrixToHtml(matrix)).toContain('<td data-column="community/manual" class="s-blocked">1 blocked')
  })

  it('shows a wip scenario a runner listed as skipped as wip, as where the runner left it out (behave --tags=-wip, cucumber-js)', async () => {
    const listed = await matrixOf([{ ...local, cases: { ...local.cases, 'beta later': 'skipped' } }])
    const left = await matrixOf([local])
    const beta = (m: typeof listed) => m.features.find((f) => f.id === 'beta')!
    const later = (m: typeof listed) => beta(m).scenarios.find((s) => s.name === 'beta later')!
    expect(later(left).cells['local/acceptance']!.status).toBe('wip')
    expect(later(listed).cells['local/acceptance']!.status).toBe('wip')
    expect(later(listed).status).toBe('wip')
    expect(listed.gaps).toEqual(left.gaps)
    expect(listed.totals).toEqual(left.totals)
    expect(headlineText(listed)).toBe(headlineText(left))
  })

  it("shows what a wip scenario did where it ran, as information counted nowhere: the scope requires it nowhere yet and the gate judges none of it", async () => {
    const left = await matrixOf(greenBuild('b1', at))
    const later = (m: typeof left) => m.features.find((f) => f.id === 'beta')!.scenarios.find((s) => s.name === 'beta later')!
    for (const outcome of ['failed', 'passed'] as const) {
      const ran = await matrixOf(greenBuild('b1', at, { local: { 'beta later': outcome } }))
      expect(later(ran).cells['local/acceptance']).toMatchObject({ status: outcome, required: false, wip: true })
      expect(later(ran).status).toBe('wip')
      expect(ran.totals).toEqual(left.totals)
      expect(ran.cellTotals).toEqual({ ...left.cellTotals, wip: left.cellTotals.wip - 1 })
      expect(ran.information).toBe(left.information + 1)
      expect(matrixFailed(ran)).toBe(false)
      // a failure there is said beside the count: GitLab's test summary lists it failed
      expect(matrixToMarkdown(ran).includes('1 of them failed or blocked, which GitLab')).toBe(outcome === 'failed')
      expect(ran.unrequiredColumns).toEqual([])
      // the feature's cell says so, as for any result where nothing is required
      expect(matrixToMarkdown(ran)).toContain("| Beta `beta` | — | ✅ 1/1 ℹ️ 1 | — |")
    }
  })
})
