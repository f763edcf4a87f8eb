import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CatalogueCase } from '../../src/catalogue/catalogue-cases.ts'
import { matrixFrom } from '../../src/matrix/matrix-from.ts'
import { expectHeadline } from './expect-headline.ts'
import { evaluateGates } from '../../src/gates/evaluate-gates.ts'
import { mergeRuns } from '../../src/results/merge-results.ts'
import { runErrorCases } from '../../src/results/run-error-cases.ts'
import type { Status } from '../../src/model/results.ts'
import { resultsToJUnit } from '../../reporters/junit/junit-reporter.ts'
import { testMapper } from '../../reporters/testmo/test-mapper.ts'
import { notRunCases, notRunReason } from '../../src/matrix/not-run-cases.ts'
import { headlineOf, headlineText, matrixFailed } from '../../src/matrix/matrix-headline.ts'
import { matrixToMarkdown } from '../../reporters/markdown/matrix-markdown.ts'
import { matrixToHtml } from '../../reporters/html/matrix-html.ts'
import { mdText } from '../../reporters/markdown/markdown-text.ts'
import { gateFile } from '../gates/gate-fixture.ts'
import { allureLatest, build, FAILURES, projectArb, SEVERITY, sources, type Built } from './generated-project.ts'

// One generated project and result set per property run (generated-project.ts). Every number the
// matrix headline, its cell totals, the gate, JUnit, Testmo, Allure and the commit status give is
// recounted here from the raw results with the rules written in the README, independently of the
// code under test.

// the README's order, worst first
const WORST_FIRST: Status[] = ['failed', 'ambiguous', 'undefined', 'pending', 'blocked', 'skipped', 'passed']

/**
 * The raw results of each cell, oldest run first: the merge rule (latest run wins, but a skip
 * never over a result carried out; disagreement between runs, skips aside, is flaky; the same
 * case twice in one run: the worse of those carried out counts) recounted.
 */
function recountCells(built: Built): Map<string, { status: Status; flaky: boolean; environment: string; stage: string; id: string }> {
  const cells = new Map<string, { status: Status; flaky: boolean; seen: Status[]; run: string; environment: string; stage: string; id: string }>()
  const ordered = [...built.runs].sort((a, b) => a.run.finishedAt.localeCompare(b.run.finishedAt) || a.run.id.localeCompare(b.run.id))
  for (const { run, cases } of ordered)
    for (const c of cases) {
      const key = `${c.id}|${run.environment}|${run.stage}`
      const before = cells.get(key)
      // a skip verified nothing: the result carried out, earlier or beside it, stands
      if (before && c.status === 'skipped' && before.status !== 'skipped') continue
      if (before?.run === run.id) {
        if (before.status === 'skipped' || WORST_FIRST.indexOf(c.status) < WORST_FIRST.indexOf(before.status)) {
          const seen = [...before.seen.slice(0, -1).filter((s) => s !== 'skipped'), c.status]
          cells.set(key, { ...before, status: c.status, flaky: c.flaky || before.flaky || seen.some((s) => s !== c.status), seen })
        } else before.flaky ||= c.flaky
        continue
      }
      const seen = [...(before?.seen ?? []).filter((s) => c.status === 'skipped' || s !== 'skipped'), c.status]
      cells.set(key, { status: c.status, flaky: c.flaky || seen.some((s) => s !== c.status), seen, run: run.id, environment: run.environment, stage: run.stage, id: c.id })
    }
  return cells
}

// (a wip scenario a runner listed as skipped is wip, as where it left it out)
const cellWord = (status: Status, flaky: boolean, wip = false): string => (status === 'passed' ? (flaky ? 'flaky' : 'passed') : status === 'skipped' ? (wip ? 'wip' : 'skipped') : status === 'blocked' ? 'blocked' : 'failed')

function worst(statuses: string[]): string {
  const ranked = statuses.filter((s) => s !== 'wip')
  if (ranked.length === 0) return statuses.length ? 'wip' : 'not-required'
  return ranked.sort((a, b) => SEVERITY.indexOf(a) - SEVERITY.indexOf(b))[0]!
}

describe('every number agrees with a recount of the raw results (property-based)', () => {
  it('matrix headline and cell totals, gate, JUnit, Testmo, Allure and the commit status', async () => {
    let nothingTestedSeen = 0
    await fc.assert(
      fc.asyncProperty(projectArb, async (project) => {
        const built = build(project)
        const results = await mergeRuns(sources(built), { milestone: 'm' })
        const cells = recountCells(built)
        if (!results.builds.has('v1')) return
        const matrix = matrixFrom(results, built.scope, { build: 'v1', catalogue: built.catalogue, uriPrefix: 'features' })

        // --- the recount, from the rules ---
        const inScope = built.cases.filter((c) => c.pickle.featureIds.some((id) => built.scope.features.some((f) => f.id === id)))
        const columns = new Map<string, { environment: string; stage: string }>()
        for (const { run } of built.runs) columns.set(`${run.environment}/${run.stage}`, { environment: run.environment, stage: run.stage })
        for (const f of built.scope.features) for (const e of f.environments) columns.set(`${e}/acceptance`, { environment: e, stage: 'acceptance' })
        if (inScope.some((c) => c.pickle.manual && !c.pickle.wip) && ![...columns.values()].some((c) => c.stage === 'manual')) columns.set('community/manual', { environment: 'community', stage: 'manual' })
        expect(matrix.columns.map((c) => c.key).sort()).toEqual([...columns.keys()].sort())
        const envTags = (c: CatalogueCase): string[] => project.scenarios[Number(c.scenario.name.slice('scenario '.length))]!.environments
        // where the scope expects the scenario; required there unless it is wip and ran there (a
        // wip scenario is required nowhere yet: what ran of it is information; a skip ran nothing)
        const ranWipAt = (c: CatalogueCase, column: { environment: string; stage: string }): boolean => {
          const found = cells.get(`${c.id}|${column.environment}|${column.stage}`)
          return c.pickle.wip && found !== undefined && cellWord(found.status, found.flaky, true) !== 'wip' && expectedOf(c, column)
        }
        const requiredOf = (c: CatalogueCase, column: { environment: string; stage: string }): boolean => expectedOf(c, column) && !ranWipAt(c, column)
        const expectedOf = (c: CatalogueCase, column: { environment: string; stage: string }): boolean =>
          column.stage === (c.pickle.manual ? 'manual' : 'acceptance') &&
          (column.stage === 'manual' ||
            (envTags(c).length
              ? envTags(c).includes(column.environment)
              : c.pickle.featureIds.some((id) => { const f = built.scope.features.find((x) => x.id === id); return f !== undefined && (f.environments.length === 0 || f.environments.includes(column.environment)) })))
        const headline: Record<string, number> = {}
        const cellTotals: Record<string, number> = {}
        let notRun = 0
        const notRunCells = new Set<string>()
        const notRunIn = new Map<string, number>()
        let information = 0
        let informationFailed = 0
        let requiredRunnable = 0
        for (const c of inScope) {
          const statuses: string[] = []
          for (const [key, column] of columns) {
            const found = cells.get(`${c.id}|${column.environment}|${column.stage}`)
            if (!requiredOf(c, column)) {
              if (found) information++
              if (found && ['failed', 'blocked'].includes(cellWord(found.status, found.flaky))) informationFailed++
              if (ranWipAt(c, column)) statuses.push('wip')
              continue
            }
            const status = found ? cellWord(found.status, found.flaky, c.pickle.wip) : c.pickle.wip ? 'wip' : 'not-run'
            statuses.push(status)
            cellTotals[status] = (cellTotals[status] ?? 0) + 1
            if (status !== 'wip') requiredRunnable++
            if (status === 'not-run') {
              notRun++
              notRunCells.add(`${c.id}|${column.environment}|${column.stage}`)
              notRunIn.set(column.environment, (notRunIn.get(column.environment) ?? 0) + 1)
            }
            void key
          }
          const status = worst(statuses)
          headline[status] = (headline[status] ?? 0) + 1
        }
        expectHeadline(matrix, { headline, cellTotals })
        // the flaky cells listed (MR note, HTML page): each once, as many as the cell totals count
        expect(matrix.flaky).toHaveLength(cellTotals.flaky ?? 0)
        expect(new Set(matrix.flaky.map((f) => `${f.id}|${f.column}`)).size).toBe(matrix.flaky.length)
        if (cellTotals.flaky) expect(matrixToMarkdown(matrix)).toContain(`Flaky cells (${cellTotals.flaky})`)
        // the scenarios required in no column: where they are expected, and said beside the count
        const elsewhere = new Set<string>()
        for (const c of inScope) {
          if ([...columns.values()].some((col) => expectedOf(c, col))) continue
          const expected = c.pickle.manual ? ['manual'] : envTags(c).length ? envTags(c) : c.pickle.featureIds.flatMap((id) => built.scope.features.find((f) => f.id === id)?.environments ?? [])
          for (const e of expected) if (e === 'manual' || ![...columns.values()].some((col) => col.environment === e && col.stage === 'acceptance')) elsewhere.add(e)
        }
        expect(matrix.expectedElsewhere).toEqual([...elsewhere].sort())
        const said = headlineOf(matrix).unrequired
        if (headline['not-required']) {
          expect(said).toMatch(new RegExp(`^${headline['not-required']} more scenario\\(s\\) required in none of these columns`))
          for (const e of elsewhere) expect(said).toContain(e)
          expect(matrixToMarkdown(matrix)).toContain(mdText(said!))
          // …and on the console and in the commit status, beside the count it explains
          expect(headlineText(matrix).endsWith(`; ${said}`)).toBe(true)
        } else expect(said).toBeUndefined()
        // the HTML page's count of its scenario rows adds up to the headline's, and says how
        const shown = /<b id="shown-scenarios">(\d+)<\/b> of (\d+) scenarios( \(the headline's (\d+) and (\d+) required in none of these columns\))?</.exec(matrixToHtml(matrix))!
        expect(Number(shown[2])).toBe(headlineOf(matrix).scenarios + (headline['not-required'] ?? 0))
        if (headline['not-required']) expect([Number(shown[4]), Number(shown[5])]).toEqual([headlineOf(matrix).scenarios, headline['not-required']])
        else expect(shown[3]).toBeUndefined()
        expect(matrix.gaps.notRun).toBe(notRun)
        // the headline's gaps by environment, as it prints them
        expect(Object.entries(matrix.gaps.byEnvironment).sort()).toEqual([...notRunIn].sort())
        expect(matrix.gaps.required).toBe(requiredRunnable)
        expect(matrix.information).toBe(information)
        // those that failed: said beside the count, as GitLab's test summary counts them
        expect(matrix.informationFailed ?? 0).toBe(informationFailed)
        if (informationFailed) expect(matrixToMarkdown(matrix)).toContain(`; ${informationFailed} of them failed or blocked, which GitLab's test summary, Allure and Testmo list as they went`)
        // the columns where the scope requires nothing and results stand (an environment it does not name): named
        const unrequired = [...columns].filter(([, col]) => !inScope.some((c) => expectedOf(c, col)) && inScope.some((c) => cells.has(`${c.id}|${col.environment}|${col.stage}`))).map(([key]) => key)
        expect([...matrix.unrequiredColumns].sort()).toEqual(unrequired.sort())
        for (const key of unrequired) expect(headlineOf(matrix).strayColumns).toContain(key)
        if (unrequired.length) expect(matrixToMarkdown(matrix)).toContain(mdText(headlineOf(matrix).strayColumns!))
        else expect(headlineOf(matrix).strayColumns).toBeUndefined()
        expect(matrix.runErrors).toHaveLength(project.runErrors.length)
        // the headline counts the runs, and the failures when a run has more than one (each is listed)
        const runsFailing = new Set(project.runErrors.map((e) => `${e.environment}|${e.run}`)).size
        expect(headlineOf(matrix).runErrors).toBe(runsFailing === 0 ? undefined : `${runsFailing} run(s) failed outside any scenario${project.runErrors.length > runsFailing ? ` (${project.runErrors.length} failures)` : ''}`)

        // --- the gate judges the same required cells, and only them ---
        if (inScope.length === 0) return
        // (environments-tested is refused where no feature lists environments)
        const listed = [...new Set(built.scope.features.flatMap((f) => f.environments))]
        // (manual-signoff selects @manual scenarios: refused where there are none to select)
        const byHand = inScope.some((c) => c.pickle.manual && !c.pickle.wip)
        const gate = evaluateGates({ gates: gateFile(`milestone: m\napplies-to: v*\nbaseline: previous-rc\ncriteria:\n  - id: pass\n    kind: scenarios-pass\n    severity: blocking\n  - id: flaky\n    kind: flaky-rate\n    severity: informing\n    max: 1\n    window: 1\n  - id: covered\n    kind: scope-coverage\n    severity: blocking\n    min-passing: 1\n  - id: counted\n    kind: min-count\n    severity: blocking\n    min: 2\n  - id: tests\n    kind: tests-pass\n    severity: blocking\n    stages: [unit]\n${listed.length ? '  - id: tested\n    kind: environments-tested\n    severity: blocking\n' : ''}${byHand ? '  - id: signed\n    kind: manual-signoff\n    severity: blocking\n    testers: 1\n' : ''}`), build: 'v1', results, scope: built.scope, catalogue: built.catalogue, uriPrefix: 'features', lintErrors: [], scopeChanges: [], today: '2026-06-01' })
        const pass = gate.criteria.find((c) => c.id === 'pass')!
        const judged = inScope.flatMap((c) => [...columns.values()].filter((col) => col.stage !== 'unit' && requiredOf(c, col) && !c.pickle.wip).map((col) => ({ c, col, found: cells.get(`${c.id}|${col.environment}|${col.stage}`) })))
        const failing = judged.filter(({ found }) => found && ['failed', 'blocked'].includes(cellWord(found.status, found.flaky))).length
        const passed = judged.filter(({ found }) => found && ['passed', 'flaky'].includes(cellWord(found.status, found.flaky))).length
        const errorsJudged = matrix.runErrors.filter((e) => e.stage !== 'unit').length
        expect(pass.value).toBe(`${passed} of ${judged.length} passed`)
        expect(pass.items.filter((i) => i.status === 'failed' || i.status === 'blocked')).toHaveLength(failing)
        expect(pass.items.filter((i) => i.status === 'run error')).toHaveLength(errorsJudged)
        expect(pass.verdict).toBe(failing || errorsJudged ? 'fail' : passed < judged.length ? 'waiting' : 'pass')
        const shownInformation = inScope.flatMap((c) => [...columns.values()].filter((col) => col.stage !== 'unit' && !requiredOf(c, col) && cells.has(`${c.id}|${col.environment}|${col.stage}`))).length
        // and the results of scenarios tied to no scope feature there, which no scenario criterion selects: shown too
        const outside = [...cells.values()].filter((x) => x.stage !== 'unit' && !inScope.some((c) => c.id === x.id)).length
        expect(pass.information?.length ?? 0).toBe(shownInformation + outside)
        const flaky = gate.criteria.find((c) => c.id === 'flaky')!
        // (a skipped result ran nothing: it is no result of the rate, unless it was flaky)
        const requiredRan = [...cells.values()].filter((x) => inScope.some((c) => c.id === x.id && requiredOf(c, x)) && (x.status !== 'skipped' || x.flaky))
        if (requiredRan.length) expect(flaky.value).toMatch(new RegExp(`\\(${requiredRan.filter((x) => x.flaky).length} of ${requiredRan.length}\\)$`))
        else expect(flaky.value).toBe('nothing ran')

        // scope-coverage: each feature on the environments it lists (none listed: where its own
        // scenarios are required — a cell is required of a feature's scenario by that feature),
        // short where its passing and not-yet-tried scenarios there are fewer than min-passing
        const shortfalls: string[] = []
        const judgedColumns = [...columns.values()].filter((col) => col.stage === 'acceptance' || col.stage === 'manual')
        for (const f of built.scope.features) {
          const under = inScope.filter((c) => c.pickle.featureIds.includes(f.id))
          const requiredFor = (c: CatalogueCase, col: { environment: string; stage: string }): boolean =>
            col.stage === (c.pickle.manual ? 'manual' : 'acceptance') && (col.stage === 'manual' || (envTags(c).length ? envTags(c).includes(col.environment) : f.environments.length === 0 || f.environments.includes(col.environment)))
          const word = (c: CatalogueCase, col: { environment: string; stage: string }): string => {
            const found = cells.get(`${c.id}|${col.environment}|${col.stage}`)
            return found ? cellWord(found.status, found.flaky, c.pickle.wip) : 'not-run'
          }
          const environments = f.environments.length ? f.environments : [...new Set((under.length ? judgedColumns.filter((col) => under.some((c) => requiredFor(c, col))) : [...columns.values()]).map((col) => col.environment))]
          for (const environment of environments) {
            const here = judgedColumns.filter((col) => col.environment === environment)
            const runnable = under.filter((c) => !c.pickle.wip)
            if (runnable.some((c) => here.some((col) => requiredFor(c, col) && ['passed', 'flaky'].includes(word(c, col))))) continue
            const open = runnable.some((c) => here.some((col) => requiredFor(c, col) && ['not-run', 'skipped'].includes(word(c, col))))
            shortfalls.push(`${f.id}|${environment}|${open ? 'not-run' : 'uncovered'}`)
          }
        }
        const covered = gate.criteria.find((c) => c.id === 'covered')!
        expect(covered.items.filter((i) => i.status !== 'run error').map((i) => `${i.feature}|${i.environment}|${i.status}`).sort()).toEqual(shortfalls.sort())
        expect(covered.verdict).toBe(errorsJudged || shortfalls.some((x) => x.endsWith('|uncovered')) ? 'fail' : shortfalls.length ? 'waiting' : 'pass')

        // min-count: scenarios with a required cell carried out (passed, failed, flaky, blocked:
        // a skip verified nothing; a wip scenario too, when it ran) against those that could be
        // (a required cell not wip: of a scenario not wip, or with a result other than a skip)
        const attempted = ['passed', 'failed', 'flaky', 'blocked']
        const cellWordOf = (c: CatalogueCase, col: { environment: string; stage: string }): string => {
          const found = cells.get(`${c.id}|${col.environment}|${col.stage}`)
          return found ? cellWord(found.status, found.flaky, c.pickle.wip) : 'not-run'
        }
        const requiredCols = (c: CatalogueCase) => judgedColumns.filter((col) => requiredOf(c, col))
        const notWip = (c: CatalogueCase, col: { environment: string; stage: string }): boolean => !c.pickle.wip || (cells.has(`${c.id}|${col.environment}|${col.stage}`) && cellWordOf(c, col) !== 'wip')
        const ranCount = inScope.filter((c) => requiredCols(c).some((col) => attempted.includes(cellWordOf(c, col)))).length
        const existCount = inScope.filter((c) => requiredCols(c).some((col) => notWip(c, col))).length
        const counted = gate.criteria.find((c) => c.id === 'counted')!
        expect(counted.value).toBe(`${ranCount} ran`)
        expect(counted.verdict).toBe(ranCount >= 2 ? 'pass' : existCount < 2 ? 'fail' : 'waiting')
        // environments-tested: each listed environment has a required cell carried out, or the
        // build ran there and the scope requires nothing there; run errors there fail it
        if (listed.length) {
          const everyColumn = [...columns.values()]
          const asked = (e: string) => inScope.some((c) => everyColumn.some((col) => col.environment === e && requiredOf(c, col) && notWip(c, col)))
          const answered = (e: string) => inScope.some((c) => everyColumn.some((col) => col.environment === e && requiredOf(c, col) && attempted.includes(cellWordOf(c, col))))
          const ranIn = (e: string) => built.runs.some(({ run }) => run.environment === e)
          const missing = listed.filter((e) => !(answered(e) || (ranIn(e) && !asked(e))))
          const tested = gate.criteria.find((c) => c.id === 'tested')!
          expect(tested.items.filter((i) => i.status !== 'run error').map((i) => i.environment).sort()).toEqual(missing.sort())
          const errorsThere = project.runErrors.filter((e) => listed.includes(e.environment)).length
          expect(tested.verdict).toBe(errorsThere ? 'fail' : missing.length ? 'waiting' : 'pass')
        }

        // tests-pass over the unit stage: every unit result of the build (a scenario's, or no
        // scenario's), a failure (flaky passes) or a unit run error fails; no unit test carried
        // out (none, or only skipped) waits
        {
          const unit = [...cells.values()].filter((x) => x.stage === 'unit')
          const failingUnit = unit.filter((x) => ['failed', 'blocked'].includes(cellWord(x.status, x.flaky))).length
          const carried = unit.some((x) => cellWord(x.status, x.flaky) !== 'skipped')
          const unitErrors = built.runs.filter(({ run }) => run.stage === 'unit' && run.errors?.length).length
          const tests = gate.criteria.find((c) => c.id === 'tests')!
          expect(tests.value).toMatch(new RegExp(`^\\d+ of ${unit.length} passed`))
          expect(tests.verdict).toBe(failingUnit || unitErrors ? 'fail' : carried ? 'pass' : 'waiting')
        }

        // manual-signoff: each @manual scenario (not wip) on each manual column: failed or blocked
        // fails; passed by a tester signs it off (alice tests every generated manual result)
        if (byHand) {
          const signedCells = inScope.filter((c) => c.pickle.manual && !c.pickle.wip).flatMap((c) => judgedColumns.filter((col) => col.stage === 'manual').map((col) => cellWordOf(c, col)))
          const signed = gate.criteria.find((c) => c.id === 'signed')!
          const bad = signedCells.filter((w) => w === 'failed' || w === 'blocked').length
          const good = signedCells.filter((w) => w === 'passed' || w === 'flaky').length
          expect(signed.value).toBe(`${good} of ${signedCells.length} signed off`)
          expect(signed.verdict).toBe(bad ? 'fail' : good < signedCells.length ? 'waiting' : 'pass')
        }

        // --- the required cells nothing ran, as the reports that list tests get them: each once ---
        const missing = notRunCases(matrix, built.catalogue, 'features')
        expect(missing.map((x) => `${x.id}|${x.environment}|${x.stage}`).sort()).toEqual([...notRunCells].sort())
        expect(missing.every((x) => x.status === 'skipped' && x.notRun && x.error === notRunReason(x.environment, x.stage, 'v1'))).toBe(true)

        // --- JUnit and Testmo carry every merged cell once, and the run errors; JUnit the cells not run ---
        const all = [...cells.values()]
        const failures = all.filter((x) => FAILURES.includes(x.status)).length
        const blocked = all.filter((x) => x.status === 'blocked').length
        const skipped = all.filter((x) => x.status === 'skipped').length
        // (a tester's block is no pass: a JUnit failure, an Allure broken result, Testmo's blocked)
        const xml = resultsToJUnit(results, { build: 'v1', resultsDir: '/r', relativeTo: '/r', notRun: missing })
        expect(/<testsuites tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/.exec(xml)!.slice(1).map(Number)).toEqual([all.length + project.runErrors.length + notRun, failures + blocked, project.runErrors.length, skipped + notRun])
        expect(xml.match(/<skipped message="not run: /g) ?? []).toHaveLength(notRun)
        const map = testMapper()
        const tests = [...results.builds.get('v1')!.values(), ...runErrorCases(results, 'v1')].map(map)
        const count = (status: string) => tests.filter((t) => t.status === status).length
        expect([tests.length, count('failed'), count('skipped'), count('blocked'), count('passed')]).toEqual([all.length + project.runErrors.length, failures + project.runErrors.length, skipped, blocked, all.filter((x) => x.status === 'passed').length])

        // --- Allure: a result per cell and run error (earlier attempts share its historyId: the latest counts) ---
        const latest = allureLatest(results, missing)
        const allure = (status: string) => [...latest.values()].filter((r) => r.status === status).length
        const broken = all.filter((x) => ['pending', 'undefined', 'ambiguous'].includes(x.status)).length
        expect([latest.size, allure('failed'), allure('broken'), allure('skipped'), allure('passed')]).toEqual([all.length + project.runErrors.length + notRun, failures - broken + project.runErrors.length, broken + blocked, skipped + notRun, all.filter((x) => x.status === 'passed').length])

        // --- the commit status: failed by a failed or blocked required cell, a failed result outside the scope, a run error ---
        const scopedIds = new Set(inScope.map((c) => c.id))
        const unscopedFailed = all.filter((x) => !scopedIds.has(x.id) && FAILURES.includes(x.status)).length
        expect(matrix.unscoped.failed).toBe(unscopedFailed)
        // …and by nothing tested: cells required, not one of them passed, failed, flaky or blocked
        const nothingTested = requiredRunnable > 0 && !['passed', 'failed', 'flaky', 'blocked'].some((status) => (cellTotals[status] ?? 0) > 0)
        if (nothingTested) nothingTestedSeen++
        expect(headlineOf(matrix).gaps.startsWith('nothing tested: ')).toBe(nothingTested)
        expect(matrixFailed(matrix)).toBe((headline.failed ?? 0) > 0 || (cellTotals.blocked ?? 0) > 0 || unscopedFailed > 0 || project.runErrors.length > 0 || nothingTested)
      }),
      { numRuns: 150 },
    )
    // (the generator makes builds that tested nothing: the rule above was put to the test)
    expect(nothingTestedSeen).toBeGreaterThan(0)
  })
})
