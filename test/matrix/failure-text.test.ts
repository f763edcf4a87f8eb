import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import { loadScope } from '../../src/catalogue/scope.ts'
import { matrixFrom } from '../../src/matrix/matrix-from.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { matrixToMarkdown } from '../../reporters/markdown/matrix-markdown.ts'
import { resultsToJUnit } from '../../reporters/junit/junit-reporter.ts'
import { GATE_PROJECT, writeRuns } from '../gates/gate-fixture.ts'

describe('why a scenario failed reads the same in the matrix as in JUnit, Allure and Testmo', () => {
  it('an undefined, pending or ambiguous scenario says its status and what it means, though the runner gave no error', async () => {
    const dir = writeRuns([{ build: 'b1', environment: 'local', at: '2026-05-01T10:00:00Z', cases: { 'alpha one': 'undefined', 'alpha two': 'pending', 'beta one': 'failed' } }])
    const results = await mergeResults(dir)
    const matrix = matrixFrom(results, loadScope(path.join(GATE_PROJECT, 'features/milestones/gate.yaml')), { build: 'b1', catalogue: buildCatalogue(path.join(GATE_PROJECT, 'features')), uriPrefix: 'features' })
    const cells = Object.fromEntries(matrix.features.flatMap((f) => f.scenarios).map((s) => [s.name, s.cells['local/acceptance']!]))
    expect(cells['alpha one']).toMatchObject({ status: 'failed', error: 'undefined: a step has no step definition' })
    expect(cells['alpha two']).toMatchObject({ status: 'failed', error: 'pending: a step is not implemented yet' })
    // a plain failure without a message has nothing more to say than its status
    expect(cells['beta one']!.error).toBeUndefined()
    const note = matrixToMarkdown(matrix)
    expect(note).toContain('alpha one · local/acceptance — undefined: a step has no step definition')
    expect(note).toContain('alpha two · local/acceptance — pending: a step is not implemented yet')
    const junit = resultsToJUnit(results, { build: 'b1', resultsDir: dir, relativeTo: dir })
    expect(junit).toContain('<failure message="undefined: a step has no step definition" type="undefined">')
  })
})
