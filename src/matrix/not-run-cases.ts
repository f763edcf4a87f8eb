import type { Catalogue } from '../catalogue/catalogue-types.ts'
import { caseFieldsOf, catalogueCases } from '../catalogue/catalogue-cases.ts'
import type { MergedCase } from '../results/merge-results.ts'
import type { Matrix } from './matrix-from.ts'

/**
 * The build's required cells without a result — the matrix's gaps, "not run" — as skipped cases,
 * one per scenario × column however many features hold the scenario, so the reports that list
 * tests (JUnit, Allure) count what the scope required and nothing ran, as the matrix does: a
 * report of only what ran looks greener than the build (a job that never started leaves no
 * trace in it). Wip cells are not gaps and are left out, as the matrix's count leaves them.
 * Named, filed and tagged as a result of the scenario would be, so a test's history in GitLab and
 * Allure runs on when it runs; never merged back into results (they are no observation).
 */
export function notRunCases(matrix: Matrix, catalogue: Catalogue, uriPrefix = ''): MergedCase[] {
  const wanted = new Map<string, Set<string>>()
  for (const feature of matrix.features)
    for (const scenario of feature.scenarios)
      for (const column of matrix.columns) {
        const cell = scenario.cells[column.key]
        if (!cell?.required || cell.status !== 'not-run') continue
        const keys = wanted.get(scenario.id) ?? wanted.set(scenario.id, new Set()).get(scenario.id)!
        keys.add(column.key)
      }
  if (!wanted.size) return []
  const columns = new Map(matrix.columns.map((c) => [c.key, c]))
  const out: MergedCase[] = []
  for (const c of catalogueCases(catalogue, uriPrefix)) {
    const keys = wanted.get(c.id)
    if (!keys) continue
    wanted.delete(c.id)
    for (const key of keys) {
      const { environment, stage } = columns.get(key)!
      out.push({
        kind: 'case',
        ...caseFieldsOf(c),
        status: 'skipped',
        flaky: false,
        attempts: 0,
        durationMs: 0,
        steps: [],
        error: notRunReason(environment, stage, matrix.build),
        attachments: [],
        nodes: [],
        source: stage === 'manual' ? 'manual' : 'automated',
        environment,
        stage: stage as MergedCase['stage'],
        build: matrix.build,
        runId: '',
        seen: [],
        notRun: true,
      })
    }
  }
  return out
}

/** Why a required cell is reported though nothing ran there: the words every report gives it. */
export function notRunReason(environment: string, stage: string, build: string): string {
  return `not run: the milestone scope requires this scenario on ${environment}/${stage}, and build ${build} has no result of it there`
}
