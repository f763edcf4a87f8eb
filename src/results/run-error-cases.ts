import { caseIdOf } from '../model/vocabulary.ts'
import type { MergedCase, ResultSet } from './merge-results.ts'

/** The feature name run errors are reported under: they belong to no feature file. */
export const RUN_ERROR_FEATURE = '(test run)'

/**
 * A build's run errors (failures outside any scenario: a global hook, the runner itself) as
 * failed cases, one per error, so every output carries them the same way: JUnit as an error test
 * case, Testmo and Allure as a failed test of the run's environment. They are never matrix rows
 * (no feature is theirs); the matrix shows them in its banner.
 */
export function runErrorCases(results: ResultSet, build: string | undefined): MergedCase[] {
  const out: MergedCase[] = []
  for (const run of results.runs) {
    if (run.build !== build) continue
    ;(run.errors ?? []).forEach((error, i) => {
      const name = `${error.where} [${run.id}]`
      out.push({
        kind: 'case',
        id: caseIdOf({ uri: RUN_ERROR_FEATURE, scenario: `${run.id}\u0000${error.where}`, occurrence: i + 1 }),
        uri: run.source.file ?? RUN_ERROR_FEATURE,
        feature: RUN_ERROR_FEATURE,
        scenario: name,
        name,
        featureIds: [],
        tags: [],
        status: 'failed',
        flaky: false,
        attempts: 1,
        durationMs: 0,
        steps: [],
        error: `${error.message}\n\n(run ${run.id} on ${run.environment}/${run.stage} failed outside any scenario: ${error.where}${error.source ? ` at ${error.source}` : ''})`,
        attachments: [],
        nodes: [],
        source: 'automated',
        environment: run.environment,
        stage: run.stage,
        build: run.build,
        runId: run.id,
        seen: ['failed'],
        runError: true,
      })
    })
  }
  return out
}
