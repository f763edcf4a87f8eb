import { describe, expect, it } from 'vitest'
import { writeReports, type ReportInput, type ReportWriter } from '../../src/reports/write-reports.ts'
import { parseScope } from '../../src/catalogue/scope.ts'
import { canonicalResultSet } from '../reporters/canonical-results.ts'

const SCOPE = parseScope('milestone: run-fixture\nfrozen: 2024-09-15\nfeatures:\n  - id: numbers\n    name: Numbers\n    acceptance: counted\n', 'scope.yaml')

/** A writer that keeps what it was handed, as a report writer sees it. */
function spy(needsMatrix: boolean): ReportWriter & { seen: Partial<ReportInput>[] } {
  const seen: Partial<ReportInput>[] = []
  return { seen, ...(needsMatrix ? { needsMatrix: true } : {}), write: (input) => (seen.push({ ...input }), []) }
}

describe('the one report pipeline', () => {
  it('lets the matrix go once the writers that need it are done, unless it is wanted back', async () => {
    const { resultsDir } = await canonicalResultSet()
    const [matrixWriter, junitLike] = [spy(true), spy(false)]
    const outcome = await writeReports({ resultsDir, scope: SCOPE, writers: [matrixWriter, junitLike] })
    expect(matrixWriter.seen[0]!.matrix?.features.map((f) => f.id)).toEqual(['numbers'])
    // JUnit and Allure come after: they are not handed the matrix, and it is not given back
    expect(junitLike.seen[0]!.matrix).toBeUndefined()
    expect(junitLike.seen[0]!.results?.builds.size).toBeGreaterThan(0)
    expect(outcome.matrix).toBeUndefined()

    // the hub keeps it to show: then every writer sees it and it comes back
    const [first, second] = [spy(true), spy(false)]
    const kept = await writeReports({ resultsDir, scope: SCOPE, writers: [first, second], keepMatrix: true })
    expect(second.seen[0]!.matrix).toBe(kept.matrix)
    expect(kept.matrix?.features.map((f) => f.id)).toEqual(['numbers'])
  })
})
