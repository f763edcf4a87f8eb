import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { caseShapeProblem, runShapeProblem } from '../../src/model/results-shape.ts'
import { isRunId, runIdPart } from '../../src/model/vocabulary.ts'
import { CaseSchema, RunSchema } from '../../src/model/results.ts'
import { ingestFile } from '../../src/results/ingest-file.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { pathsOf, replacedAt } from '../helpers/json-paths.ts'

type Json = unknown

describe('the results reader\'s check of a case and a run', () => {
  it('accepts exactly what the model\'s schemas accept', async () => {
    // real cases: outline rows, retries, failing steps, attachments, JUnit output
    const cases: Json[] = []
    const runs: Json[] = []
    for (const f of ['flaky.ndjson', 'failing.ndjson', 'go-unit.xml']) {
      const ci = { pipelineId: '7', jobUrl: 'https://gitlab.example/j/1' }
      const outcome = await ingestFile(path.join(PROJECT_ROOT, 'test/fixtures/messages', f), { build: 'v1', environment: 'local', stage: 'acceptance', resultsDir: tempTree(), milestone: 'm', commit: 'abc', shard: '1/2', ci })
      const [run, ...rest] = readFileSync(outcome.path!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Json)
      runs.push(run)
      cases.push(...rest)
    }
    // a manual case with outcomes awaiting review (the results hub)
    cases.push({ ...(cases[0] as object), source: 'manual', tester: 'alice', awaitingReview: [{ tester: 'bob', status: 'failed' }], earlierText: ['alice'], notApplied: ['carol'] })
    // and one with run errors (a failed BeforeAll hook)
    runs.push({ ...(runs[0] as object), errors: [{ where: 'BeforeAll hook', message: 'boom', source: 'steps/hooks.ts:3' }] })
    for (const c of cases) expect(caseShapeProblem(c)).toBeUndefined()
    for (const r of runs) expect(runShapeProblem(r)).toBeUndefined()
    // each value changed in up to three places: the check and the schema agree on every one
    const value = fc.oneof(fc.constant(undefined), fc.constantFrom(null, [], {}, '', 0, 1, -1, 1.5, true, 'passed', 'manual', 'case', [''], [[]], [['a']], { a: 'b' }, Infinity, NaN), fc.jsonValue({ maxDepth: 2 }))
    const agree = (valid: Json[], check: (v: unknown) => string | undefined, schema: { safeParse: (v: unknown) => { success: boolean } }): void =>
      fc.assert(
        fc.property(fc.nat(valid.length - 1), fc.array(fc.tuple(fc.nat(), value), { minLength: 1, maxLength: 3 }), (which, changes) => {
          let changed: Json = valid[which]
          for (const [at, by] of changes) {
            const paths = pathsOf(changed)
            changed = replacedAt(changed, paths[at % paths.length]!, by)
          }
          expect(check(changed) === undefined).toBe(schema.safeParse(changed).success)
        }),
        { numRuns: 2000 },
      )
    agree(cases, caseShapeProblem, CaseSchema)
    agree(runs, runShapeProblem, RunSchema)
  })

  it('makes a run id of any environment name, unchanged for one that is already a part of one', async () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('../../x', '', '.hidden', 'EU West', 'local', 'docker-eu')), (name) => {
        expect(isRunId(`${runIdPart(name)}-acceptance-0123456789abcdef`)).toBe(true)
        if (/^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$/.test(name)) expect(runIdPart(name)).toBe(name)
      }),
      { numRuns: 2000 },
    )
    // ingest names the run by it, and keeps the environment as given
    const outcome = await ingestFile(path.join(PROJECT_ROOT, 'test/fixtures/messages/flaky.ndjson'), { build: 'v1', environment: 'EU West', stage: 'acceptance', resultsDir: tempTree() })
    expect(outcome.run).toMatchObject({ environment: 'EU West', id: expect.stringMatching(/^EU_West-acceptance-[0-9a-f]{16}$/) })
  })
})
