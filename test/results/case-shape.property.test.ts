import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { caseShapeProblem } from '../../src/model/case-shape.ts'
import { CaseSchema } from '../../src/model/results.ts'
import { ingestFile } from '../../src/results/ingest-file.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { pathsOf, replacedAt } from '../helpers/json-paths.ts'

type Json = unknown

describe('the results reader\'s check of a case', () => {
  it('accepts exactly what the model\'s schema accepts', async () => {
    // real cases: outline rows, retries, failing steps, attachments, JUnit output
    const cases: Json[] = []
    for (const f of ['flaky.ndjson', 'failing.ndjson', 'go-unit.xml']) {
      const outcome = await ingestFile(path.join(PROJECT_ROOT, 'test/fixtures/messages', f), { build: 'v1', environment: 'local', stage: 'acceptance', resultsDir: tempTree() })
      cases.push(...readFileSync(outcome.path!, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as Json))
    }
    for (const c of cases) expect(caseShapeProblem(c)).toBeUndefined()
    const value = fc.oneof(fc.constant(undefined), fc.constantFrom(null, [], {}, '', 0, 1, -1, 1.5, true, 'passed', 'manual', 'case', [''], [[]], [['a']], { a: 'b' }, Infinity, NaN), fc.jsonValue({ maxDepth: 2 }))
    fc.assert(
      fc.property(fc.nat(cases.length - 1), fc.array(fc.tuple(fc.nat(), value), { minLength: 1, maxLength: 3 }), (which, changes) => {
        let c: Json = cases[which]
        for (const [at, by] of changes) {
          const paths = pathsOf(c)
          c = replacedAt(c, paths[at % paths.length]!, by)
        }
        expect(caseShapeProblem(c) === undefined).toBe(CaseSchema.safeParse(c).success)
      }),
      { numRuns: 2000 },
    )
  })
})
