import { writeFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { resultsToJUnit } from '../../reporters/junit/junit-reporter.ts'
import { MODEL_VERSION, type Case, type Status } from '../../src/model/results.ts'
import { errorHeadline } from '../../src/model/error-headline.ts'
import { failureMessage } from '../../src/model/status-algebra.ts'
import { caseIdOf } from '../../src/model/vocabulary.ts'
import { eachCell } from '../../src/results/cells.ts'
import { ingestFile } from '../../src/results/ingest-file.ts'
import { mergeResults, type MergedCase } from '../../src/results/merge-results.ts'
import { ResultsWriter } from '../../src/results/results-writer.ts'
import { tempDir } from '../helpers/temp-tree.ts'

const STATUSES: Status[] = ['passed', 'failed', 'pending', 'undefined', 'ambiguous', 'skipped', 'blocked']

// Our JUnit (GitLab's test report) is itself a report teams ingest again — into another pipeline's
// results, or a hub. Every status reads back as it was written: a tester's block no plain failure,
// an undefined step no failure of the code, and the message each output shows the same.
describe('bdd-matrix JUnit read back by ingest (property-based)', () => {
  it('gives every case its status and its message again', async () => {
    const error = fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('blocked: twice', 'undefined', 'expected 5\n  at step 3')), { nil: undefined })
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ status: fc.constantFrom(...STATUSES), error }), { minLength: 1, maxLength: 8 }), async (given) => {
        const dir = tempDir('junit-round-trip')
        const writer = new ResultsWriter(path.join(dir, 'results'))
        given.forEach(({ status, error }, i) => {
          const name = `scenario ${i}`
          const c: Case = { kind: 'case', id: caseIdOf({ uri: 'features/a.feature', scenario: name }), uri: 'features/a.feature', feature: 'A', scenario: name, name, featureIds: [], tags: [], status, flaky: false, attempts: 1, durationMs: 5, steps: [], attachments: [], nodes: [], source: status === 'blocked' ? 'manual' : 'automated', ...(error ? { error } : {}) }
          writer.write(c)
        })
        writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: 'r1', milestone: 'm', build: 'b1', stage: 'acceptance', environment: 'local', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:00Z', source: { format: 'cucumber-messages' } })
        const merged = await mergeResults(path.join(dir, 'results'))
        const file = path.join(dir, 'junit.xml')
        writeFileSync(file, resultsToJUnit(merged, { build: 'b1', resultsDir: path.join(dir, 'results'), relativeTo: dir }))
        const outcome = await ingestFile(file, { build: 'b1', environment: 'local', stage: 'acceptance', resultsDir: path.join(dir, 'again') })
        expect(outcome.problems).toEqual([])
        const back = new Map<string, MergedCase>()
        eachCell((await mergeResults(path.join(dir, 'again'))).builds.get('b1'), (c) => back.set(c.scenario, c))
        given.forEach(({ status, error }, i) => {
          const read = back.get(`scenario ${i} [local]`)!
          expect(read.status).toBe(status)
          if (status !== 'passed' && status !== 'skipped') expect(errorHeadline(failureMessage(read.status, read.error))).toBe(errorHeadline(failureMessage(status, error)))
        })
      }),
      { numRuns: 60 },
    )
  })
})
