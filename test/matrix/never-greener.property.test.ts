import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { matrixFrom, type Matrix } from '../../src/matrix/matrix-from.ts'
import { matrixFailed } from '../../src/matrix/matrix-headline.ts'
import { notRunCases } from '../../src/matrix/not-run-cases.ts'
import { evaluateGates } from '../../src/gates/evaluate-gates.ts'
import { mergeRuns } from '../../src/results/merge-results.ts'
import { runErrorCases } from '../../src/results/run-error-cases.ts'
import { STATUSES, type Status } from '../../src/model/results.ts'
import { resultsToJUnit } from '../../reporters/junit/junit-reporter.ts'
import { testMapper } from '../../reporters/testmo/test-mapper.ts'
import { gateFile } from '../gates/gate-fixture.ts'
import { allureLatest, build, ENVIRONMENTS, projectArb, sources, statusOf, type Built, type Project } from './generated-project.ts'

// A tool that decides releases must never look greener than the truth. Here a generated project
// and its results are reported twice: as they are, and with one more result that is no pass (a
// failure, an incomplete or skipped scenario, a tester's block) or one more run that failed
// outside any scenario — in a new run after the others, or in one of theirs. Nothing any output
// counts as verified may grow: passed scenarios and cells in the matrix, passed tests in JUnit,
// Testmo and Allure; the commit status may not turn from failed to success; and no gate criterion
// that judges results may move from fail to waiting or pass, or from waiting to pass.
//
// And a failure is never hidden: when the added result is a failure or a tester's block in a run
// after every other, in a cell the scope requires, that cell and the build fail, and so does
// scenarios-pass where it judges the scenario (not wip); a failure fails the scenario's row too.
//
// (Three criteria count what ran, not how it went, and rightly move either way: min-count and
// environments-tested count a failure as a test carried out, and flaky-rate loses a flaky cell
// that fails afterwards. The criteria judging outcomes are compared.)

const worseArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('result' as const),
      scenario: fc.nat(7),
      row: fc.nat(3),
      environment: fc.constantFrom(...ENVIRONMENTS, ...ENVIRONMENTS, 'community', 'scale'),
      stage: fc.constantFrom('acceptance', 'acceptance', 'acceptance', 'manual', 'unit'),
      status: fc.constantFrom(...STATUSES),
      // 3: a run after every other; 0–2: beside the results of an earlier run (or before them)
      run: fc.constantFrom(3, 3, 0, 1, 2),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('run error' as const), environment: fc.constantFrom(...ENVIRONMENTS), run: fc.nat(3) }) },
)

/** Gate criteria whose verdict judges outcomes, worst first. */
const VERDICT_RANK = ['fail', 'waiting', 'pass']

interface Greenness {
  scenariosPassed: number
  scenariosVerified: number
  cellsPassed: number
  cellsVerified: number
  buildFailed: boolean
  junitPassed: number
  testmoPassed: number
  allurePassed: number
  criteria: Record<string, string>
}

async function greenness(project: Project): Promise<{ measures: Greenness; matrix: Matrix; built: Built } | undefined> {
  const built = build(project)
  const results = await mergeRuns(sources(built), { milestone: 'm' })
  if (!results.builds.has('v1')) return undefined
  const matrix: Matrix = matrixFrom(results, built.scope, { build: 'v1', catalogue: built.catalogue, uriPrefix: 'features' })
  const missing = notRunCases(matrix, built.catalogue, 'features')
  const xml = resultsToJUnit(results, { build: 'v1', resultsDir: '/r', relativeTo: '/r', notRun: missing })
  const [tests, failures, errors, skipped] = /<testsuites tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/.exec(xml)!.slice(1).map(Number) as [number, number, number, number]
  const map = testMapper()
  const testmo = [...results.builds.get('v1')!.values(), ...runErrorCases(results, 'v1')].map(map)
  const latest = allureLatest(results, missing)
  // the criteria that judge outcomes, where the scope gives them something to judge
  const cases = built.cases.filter((c) => c.pickle.featureIds.some((id) => built.scope.features.some((f) => f.id === id)))
  const criteria: Record<string, string> = {}
  if (cases.length) {
    const byHand = cases.some((c) => c.pickle.manual && !c.pickle.wip)
    const gate = evaluateGates({
      gates: gateFile(`milestone: m\napplies-to: v*\nbaseline: previous-rc\ncriteria:\n  - { id: pass, kind: scenarios-pass, severity: blocking }\n  - { id: covered, kind: scope-coverage, severity: blocking, min-passing: 1 }\n  - { id: new, kind: no-new-failures, severity: blocking }\n  - { id: tests, kind: tests-pass, severity: blocking, stages: [unit] }\n${byHand ? '  - { id: signed, kind: manual-signoff, severity: blocking, testers: 1 }\n' : ''}`),
      build: 'v1',
      results,
      scope: built.scope,
      catalogue: built.catalogue,
      uriPrefix: 'features',
      lintErrors: [],
      scopeChanges: [],
      today: '2026-06-01',
    })
    for (const c of gate.criteria) criteria[c.id] = c.verdict
  }
  const measures = {
    scenariosPassed: matrix.totals.passed ?? 0,
    scenariosVerified: (matrix.totals.passed ?? 0) + (matrix.totals.flaky ?? 0),
    cellsPassed: matrix.cellTotals.passed ?? 0,
    cellsVerified: (matrix.cellTotals.passed ?? 0) + (matrix.cellTotals.flaky ?? 0),
    buildFailed: matrixFailed(matrix),
    junitPassed: tests - failures - errors - skipped,
    testmoPassed: testmo.filter((t) => t.status === 'passed').length,
    allurePassed: [...latest.values()].filter((r) => r.status === 'passed').length,
    criteria,
  }
  return { measures, matrix, built }
}

describe('one more result that is no pass never makes any output greener (property-based)', () => {
  it('matrix, commit status, JUnit, Testmo, Allure and the gate criteria judging outcomes', async () => {
    let seen = 0
    await fc.assert(
      fc.asyncProperty(projectArb, worseArb, async (project, worse) => {
        const worsened: Project =
          worse.kind === 'run error'
            ? { ...project, runErrors: [...project.runErrors, { environment: worse.environment, run: worse.run }] }
            : { ...project, results: [...project.results, { ...worse, flaky: false, attempts: 1 }] }
        if (worse.kind === 'result') fc.pre(statusOf(worse) !== 'passed')
        const was = await greenness(project)
        const now = await greenness(worsened)
        if (!was || !now) return
        const [before, after] = [was.measures, now.measures]
        seen++
        for (const key of ['scenariosPassed', 'scenariosVerified', 'cellsPassed', 'cellsVerified', 'junitPassed', 'testmoPassed', 'allurePassed'] as const) expect(after[key], key).toBeLessThanOrEqual(before[key])
        if (before.buildFailed) expect(after.buildFailed).toBe(true)
        // (a result in a new column can make a feature coverable where it could not be — a manual
        // column on an environment it lists, for its manual scenarios —: from fail to waiting, never to pass)
        const sameColumns = was.matrix.columns.map((c) => c.key).join() === now.matrix.columns.map((c) => c.key).join()
        for (const [id, verdict] of Object.entries(before.criteria)) {
          if (sameColumns) expect(VERDICT_RANK.indexOf(after.criteria[id]!), `${id}: ${verdict} → ${after.criteria[id]}`).toBeLessThanOrEqual(VERDICT_RANK.indexOf(verdict))
          else if (verdict !== 'pass') expect(after.criteria[id], `${id}: ${verdict} → ${after.criteria[id]}`).not.toBe('pass')
        }
      }),
      { numRuns: 400 },
    )
    expect(seen).toBeGreaterThan(100)
  })

  it('a failure or a block as the latest result of a required cell fails that cell, the build and scenarios-pass; a failure its scenario too', async () => {
    let seen = 0
    await fc.assert(
      fc.asyncProperty(projectArb, fc.nat(), fc.boolean(), async (project, pick, other) => {
        const was = await greenness(project)
        if (!was) return
        // a required cell of a scenario of the catalogue, in a column a stage of which the gate judges
        const cells = was.matrix.features.flatMap((f) => f.scenarios.flatMap((s) => was.matrix.columns.filter((c) => c.stage !== 'unit' && s.cells[c.key]!.required).map((column) => ({ id: s.id, column, wip: s.wip }))))
        if (!cells.length) return
        const { id, column, wip } = cells[pick % cells.length]!
        // a failure, else a tester's block, or an automated scenario's undefined step
        const outcome: Status = !other ? 'failed' : column.stage === 'manual' ? 'blocked' : 'undefined'
        const c = was.built.cases.find((x) => x.id === id)!
        const scenario = Number(c.scenario.name.slice('scenario '.length))
        const row = was.built.cases.filter((x) => x.scenario.name === c.scenario.name).indexOf(c)
        const added = { scenario, row, environment: column.environment, stage: column.stage, status: outcome, flaky: false, attempts: 1, run: 3 }
        expect(statusOf(added)).toBe(outcome)
        const now = (await greenness({ ...project, results: [...project.results, added as Project['results'][number]] }))!
        seen++
        const cellStatus = outcome === 'blocked' ? 'blocked' : 'failed'
        if (wip) {
          // a wip scenario is required nowhere yet: its failure is shown, as information, and
          // counted nowhere — as the gate judges none of it
          for (const s of now.matrix.features.flatMap((f) => f.scenarios).filter((x) => x.id === id)) {
            expect(s.cells[column.key]).toMatchObject({ status: cellStatus, required: false })
            expect(s.status).toBe('wip')
          }
          expect(now.measures.buildFailed).toBe(was.measures.buildFailed)
          return
        }
        for (const s of now.matrix.features.flatMap((f) => f.scenarios).filter((x) => x.id === id)) {
          expect(s.cells[column.key]!.status).toBe(cellStatus)
          // (a row under a feature that does not require the cell shows it, and counts it not)
          if (cellStatus === 'failed' && s.cells[column.key]!.required) expect(s.status).toBe('failed')
        }
        expect(now.measures.buildFailed).toBe(true)
        expect(now.measures.criteria.pass).toBe('fail')
      }),
      { numRuns: 150 },
    )
    expect(seen).toBeGreaterThan(50)
  })
})
