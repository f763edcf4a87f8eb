import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Scope } from '../../src/catalogue/scope.ts'
import { matrixFrom } from '../../src/matrix/matrix-from.ts'
import { expectHeadline } from './expect-headline.ts'
import { mergeRuns, type RunSource } from '../../src/results/merge-results.ts'
import { evaluateGates } from '../../src/gates/evaluate-gates.ts'
import { gateFile } from '../gates/gate-fixture.ts'
import { MODEL_VERSION, STATUSES, type Case, type Run, type Status } from '../../src/model/results.ts'

// A matrix made from results alone (no catalogue: `bdd-matrix matrix` over a results folder, and
// a million scenarios' run), recounted here from the raw results: every scenario a row once under
// each scope feature any of its results names, and once in the headline, by the worst of its
// required cells over all its features. Results may name different features in different
// columns (a feature file retagged between two environments' runs), name a feature twice, or
// name none of the scope's. A gate's tag selector picks such a scenario by the tags its results
// carry, and judges the cells the matrix requires of it.

const FEATURES = ['f0', 'f1', 'constructor']
const ENVIRONMENTS = ['local', 'docker', 'scale']

const resultArb = fc.record({
  scenario: fc.nat(9),
  environment: fc.constantFrom(...ENVIRONMENTS),
  stage: fc.constantFrom('acceptance', 'acceptance', 'unit'),
  run: fc.nat(1),
  featureIds: fc.array(fc.constantFrom(...FEATURES, 'elsewhere'), { maxLength: 3 }),
  status: fc.constantFrom(...STATUSES),
  flaky: fc.boolean(),
  // a report's tags (a scenario may carry other tags in another environment's report)
  tags: fc.subarray(['@smoke', '@slow']),
})
const projectArb = fc.record({
  features: fc.array(fc.subarray(ENVIRONMENTS), { minLength: 1, maxLength: 3 }),
  results: fc.array(resultArb, { minLength: 1, maxLength: 40 }),
})

const SEVERITY = ['failed', 'blocked', 'not-run', 'skipped', 'flaky', 'passed']
const word = (status: Status, flaky: boolean): string => (status === 'passed' ? (flaky ? 'flaky' : 'passed') : status === 'skipped' ? 'skipped' : status === 'blocked' ? 'blocked' : 'failed')
const worst = (statuses: string[]): string => (statuses.length ? [...statuses].sort((a, b) => SEVERITY.indexOf(a) - SEVERITY.indexOf(b))[0]! : 'not-required')

describe('a matrix of results alone agrees with a recount of them (property-based)', () => {
  it('rows once a feature, the headline once a scenario, cells required by any of its features', async () => {
    await fc.assert(
      fc.asyncProperty(projectArb, async (project) => {
        const scope = { milestone: 'm', frozen: '2024-09-15', file: 'm.yaml', features: project.features.map((environments, i) => ({ id: FEATURES[i]!, name: `Feature ${i}`, environments })) } as Scope
        const runs = new Map<string, { run: Run; cases: Case[] }>()
        for (const r of project.results) {
          const id = `${r.environment}-${r.stage}-${r.run}`
          const at = new Date(Date.UTC(2026, 0, 1, 0, r.run)).toISOString()
          if (!runs.has(id)) runs.set(id, { run: { kind: 'run', modelVersion: MODEL_VERSION, id, milestone: 'm', build: 'v1', stage: r.stage as Run['stage'], environment: r.environment, startedAt: at, finishedAt: at, source: { format: 'cucumber-messages' } }, cases: [] })
          runs.get(id)!.cases.push({ kind: 'case', id: `s${r.scenario}`, uri: 'a.feature', feature: 'A', scenario: `scenario ${r.scenario}`, name: `scenario ${r.scenario}`, featureIds: r.featureIds, tags: r.tags, status: r.status, flaky: r.flaky, attempts: 1, durationMs: 1, steps: [], attachments: [], nodes: [], source: 'automated' })
        }
        const sources: RunSource[] = [...runs.values()].map(({ run, cases }) => ({ run, file: run.id, readCases: async (onCase) => cases.forEach((c, i) => onCase(JSON.stringify(c), i + 2)) }))
        const results = await mergeRuns(sources)
        const matrix = matrixFrom(results, scope, { build: 'v1' })

        // --- the recount: the merged cells as the merge gives them (its own rule is tested elsewhere) ---
        const merged = [...results.builds.get('v1')!.values()]
        const scoped = (c: Case) => c.featureIds.filter((id) => scope.features.some((f) => f.id === id))
        const underFeature = new Map(scope.features.map((f) => [f.id, new Set(merged.filter((c) => scoped(c).includes(f.id)).map((c) => c.id))]))
        for (const feature of matrix.features) {
          const ids = feature.scenarios.map((s) => s.id)
          expect(ids).toHaveLength(new Set(ids).size)
          expect(new Set(ids)).toEqual(underFeature.get(feature.id))
        }
        const requiredBy = (featureId: string, environment: string): boolean => {
          const feature = scope.features.find((f) => f.id === featureId)!
          return feature.environments.length === 0 || feature.environments.includes(environment)
        }
        const headline: Record<string, number> = {}
        const cellTotals: Record<string, number> = {}
        let information = 0
        const ids = new Set(merged.filter((c) => scoped(c).length).map((c) => c.id))
        for (const id of ids) {
          const features = scope.features.filter((f) => underFeature.get(f.id)!.has(id)).map((f) => f.id)
          const statuses: string[] = []
          for (const c of merged.filter((x) => x.id === id)) {
            const status = word(c.status, c.flaky)
            if (features.some((f) => requiredBy(f, c.environment))) {
              statuses.push(status)
              cellTotals[status] = (cellTotals[status] ?? 0) + 1
            } else information++
          }
          const status = worst(statuses)
          headline[status] = (headline[status] ?? 0) + 1
        }
        expectHeadline(matrix, { headline, cellTotals })
        expect(matrix.information).toBe(information)
        expect(matrix.gaps.notRun).toBe(0)
        const unscoped = merged.filter((c) => !scoped(c).length)
        expect(matrix.unscoped).toEqual({ cases: unscoped.length, failed: unscoped.filter((c) => word(c.status, c.flaky) === 'failed').length })

        // --- the gate selects these scenarios by the tags their results carry (any of their cells') ---
        const smoke = [...ids].filter((id) => merged.some((c) => c.id === id && c.tags.includes('@smoke')))
        const gates = gateFile('milestone: m\napplies-to: v*\nbaseline: previous-rc\ncriteria:\n  - { id: smoke, kind: scenarios-pass, severity: blocking, select: { tags: "@smoke", stages: [acceptance] } }\n')
        const judge = () => evaluateGates({ gates, build: 'v1', results, scope, catalogue: { featuresDir: '/none', files: [], errors: [] }, uriPrefix: 'features', lintErrors: [], scopeChanges: [], today: '2026-06-01' })
        if (smoke.length === 0) {
          expect(judge).toThrow(/selects no scenario of the scope \(tags: @smoke\)/)
          return
        }
        // (a scenario's cell is required where any of the features its results name requires it)
        const judged = merged.filter((c) => smoke.includes(c.id) && c.stage === 'acceptance' && scope.features.some((f) => underFeature.get(f.id)!.has(c.id) && requiredBy(f.id, c.environment))).map((c) => word(c.status, c.flaky))
        const passed = judged.filter((w) => w === 'passed' || w === 'flaky').length
        const criterion = judge().criteria[0]!
        expect(criterion.value).toBe(`${passed} of ${judged.length} passed`)
        expect(criterion.verdict).toBe(judged.some((w) => w === 'failed' || w === 'blocked') ? 'fail' : passed < judged.length ? 'waiting' : 'pass')
      }),
      { numRuns: 300 },
    )
  })

  it("history strips: each cell's status in each build before the shown one, null where it had none", async () => {
    const historyArb = fc.array(fc.record({ build: fc.nat(4), scenario: fc.nat(5), environment: fc.constantFrom(...ENVIRONMENTS), stage: fc.constantFrom('acceptance', 'unit'), status: fc.constantFrom(...STATUSES), flaky: fc.boolean() }), { minLength: 1, maxLength: 50 })
    await fc.assert(
      fc.asyncProperty(historyArb, fc.integer({ min: 1, max: 4 }), async (results, history) => {
        const scope = { milestone: 'm', frozen: '2024-09-15', file: 'm.yaml', features: [{ id: 'f0', name: 'Feature 0', environments: [] }] } as unknown as Scope
        const runs = new Map<string, { run: Run; cases: Case[] }>()
        for (const r of results) {
          const id = `${r.build}-${r.environment}-${r.stage}`
          const at = new Date(Date.UTC(2026, 0, 1, r.build)).toISOString()
          if (!runs.has(id)) runs.set(id, { run: { kind: 'run', modelVersion: MODEL_VERSION, id, milestone: 'm', build: `v0.${r.build}.0`, stage: r.stage as Run['stage'], environment: r.environment, startedAt: at, finishedAt: at, source: { format: 'cucumber-messages' } }, cases: [] })
          const cases = runs.get(id)!.cases
          // one result a scenario a run (the merge's own rule for several is tested elsewhere)
          if (!cases.some((c) => c.id === `s${r.scenario}`)) cases.push({ kind: 'case', id: `s${r.scenario}`, uri: 'a.feature', feature: 'A', scenario: `scenario ${r.scenario}`, name: `scenario ${r.scenario}`, featureIds: ['f0'], tags: [], status: r.status, flaky: r.flaky, attempts: 1, durationMs: 1, steps: [], attachments: [], nodes: [], source: 'automated' })
        }
        const merged = await mergeRuns([...runs.values()].map(({ run, cases }) => ({ run, file: run.id, readCases: async (onCase) => cases.forEach((c, i) => onCase(JSON.stringify(c), i + 2)) })))
        const shown = merged.order.at(-1)!
        const matrix = matrixFrom(merged, scope, { build: shown, history })
        // --- the recount: each build's results as written, found by scenario, environment and stage ---
        const builds = merged.order.slice(Math.max(0, merged.order.length - history))
        const written = (build: string, id: string, environment: string, stage: string) => [...runs.values()].find(({ run }) => run.build === build && run.environment === environment && run.stage === stage)?.cases.find((c) => c.id === id)
        for (const s of matrix.features.flatMap((f) => f.scenarios))
          for (const column of matrix.columns) {
            const cell = s.cells[column.key]!
            const earlier = builds.slice(0, -1).map((b) => {
              const c = written(b, s.id, column.environment, column.stage)
              return c ? word(c.status, c.flaky) : null
            })
            expect(cell.history).toEqual([...earlier, cell.status])
          }
      }),
      { numRuns: 300 },
    )
  })
})
