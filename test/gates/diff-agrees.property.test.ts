import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { evaluateGates } from '../../src/gates/evaluate-gates.ts'
import { mergeRuns } from '../../src/results/merge-results.ts'
import { gateFile } from './gate-fixture.ts'
import { build, projectArb, resultArb, sources } from '../matrix/generated-project.ts'

// Two outputs of one gate report count new failures: the no-new-failures criterion and the diff
// the report shows (its Markdown, the HTML matrix, bdd-matrix diff). For any project and any two
// builds, they name the same cells of the scope's scenarios — those on the columns the scope
// requires them on — and a change where the scope requires no result is in neither count. (The
// diff also lists tests tied to no scope feature — unit tests, untagged scenarios — whose failure
// fails the commit status as the matrix counts it; no scenario criterion selects them.)
const later = (at: string): string => new Date(Date.parse(at) + 3_600_000).toISOString()

describe('the diff and no-new-failures agree on what is new (property-based)', () => {
  it('for any two builds of any project, the same cells', async () => {
    let seen = 0
    await fc.assert(
      fc.asyncProperty(projectArb, fc.array(resultArb, { maxLength: 40 }), async (project, next) => {
        const first = build(project)
        const second = build({ ...project, results: next, runErrors: [], unscoped: [] })
        const runs = [...first.runs, ...second.runs.map(({ run, cases }) => ({ run: { ...run, id: `v2-${run.id}`, build: 'v2', startedAt: later(run.startedAt), finishedAt: later(run.finishedAt) }, cases }))]
        const results = await mergeRuns(sources({ ...first, runs }), { milestone: 'm' })
        if (!results.builds.has('v1') || !results.builds.has('v2')) return
        if (!first.cases.some((c) => c.pickle.featureIds.some((id) => first.scope.features.some((f) => f.id === id)))) return
        const report = evaluateGates({
          gates: gateFile('milestone: m\napplies-to: v*\nbaseline: previous-rc\ncriteria:\n  - { id: new, kind: no-new-failures, severity: blocking }\n'),
          build: 'v2',
          results,
          scope: first.scope,
          catalogue: first.catalogue,
          uriPrefix: 'features',
          lintErrors: [],
          scopeChanges: [],
          today: '2026-06-01',
        })
        seen++
        const criterion = report.criteria[0]!
        const fresh = criterion.items.filter((i) => i.scenarioId && !i.status.startsWith('still')).map((i) => `${i.scenarioId} ${i.environment}`)
        const diff = report.changes!.find((c) => c.against === 'previous-rc')!.diff
        const judged = new Set(['acceptance', 'manual'])
        const scoped = new Set(first.cases.filter((c) => c.pickle.featureIds.some((id) => first.scope.features.some((f) => f.id === id))).map((c) => c.id))
        const listed = diff.newFailures.filter((e) => scoped.has(e.id) && judged.has(e.column.slice(e.column.lastIndexOf('/') + 1))).map((e) => `${e.id} ${e.column}`)
        expect([...new Set(listed)].sort()).toEqual([...new Set(fresh)].sort())
      }),
      { numRuns: 300 },
    )
    expect(seen).toBeGreaterThan(50)
  })
})
