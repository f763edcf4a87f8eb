import { readFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { writeJsonFile } from '../../src/write-json-file.ts'
import { matrixFrom } from '../../src/matrix/matrix-from.ts'
import { loadScope } from '../../src/catalogue/scope.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { canonicalResultSet } from './canonical-results.ts'

describe('writeJsonFile writes what JSON.stringify would, piece by piece', () => {
  const dir = tempTree()
  let n = 0
  const written = (value: unknown, indent?: number): string => {
    const file = path.join(dir, `${n++}.json`)
    writeJsonFile(file, value, indent)
    return readFileSync(file, 'utf8')
  }

  it('for any JSON value, with arrays long enough to be walked at any depth', () => {
    // Arrays of 60–90 items cross the walking threshold; nested in objects and arrays.
    const long = fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 60, maxLength: 90 })
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), long, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 })),
    })).node
    fc.assert(
      fc.property(value, fc.constantFrom(0, 2, 4), (v, indent) => {
        expect(written(v, indent)).toBe(`${JSON.stringify(v, null, indent)}\n`)
      }),
      { numRuns: 300 },
    )
  })

  it('leaves out of objects, and turns to null in arrays, what has no JSON form — as JSON.stringify does', () => {
    const items = Array.from({ length: 70 }, (_, i) => (i % 7 === 0 ? undefined : i % 11 === 0 ? (() => i) : { i, gone: undefined, when: new Date(0) }))
    const value = { items, skipped: undefined, nested: { items } }
    expect(written(value)).toBe(`${JSON.stringify(value, null, 2)}\n`)
  })

  it('for a real matrix', async () => {
    const { results } = await canonicalResultSet({ keepStepsOfPassed: true })
    const scope = loadScope(path.join(PROJECT_ROOT, 'test/fixtures/run-project/features/milestones/run.yaml'))
    const matrix = matrixFrom(results, scope)
    // many scenarios: the same matrix's features repeated past the threshold
    const large = { ...matrix, features: Array.from({ length: 70 }, () => matrix.features).flat() }
    expect(written(large)).toBe(`${JSON.stringify(large, null, 2)}\n`)
  })
})
