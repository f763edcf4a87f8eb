import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { historyIndex, type HistoryIndex } from '../../src/matrix/matrix-from.ts'
import { Cells } from '../../src/results/cells.ts'
import type { MergedCase, ResultSet } from '../../src/results/merge-results.ts'
import { STATUSES } from '../../src/model/results.ts'

// The hub keeps a history index while its builds' stamps hold; after a push to one of them it
// reads that build again on top of the index it kept. Whatever changed, the index so made must
// say what one made from nothing says of every cell.

const BUILDS = ['b0', 'b1', 'b2', 'b3']
const cellArb = fc.record({ id: fc.constantFrom('a', 'b', 'c', '__proto__'), environment: fc.constantFrom('local', 'docker', 'constructor'), stage: fc.constantFrom('acceptance', 'unit'), status: fc.constantFrom(...STATUSES), flaky: fc.boolean() })
const buildArb = fc.array(cellArb, { maxLength: 12 })

const resultsOf = (builds: Record<string, readonly { id: string; environment: string; stage: string; status: string; flaky: boolean }[]>): ResultSet => ({
  runs: [],
  skipped: [],
  order: BUILDS,
  builds: new Map(
    BUILDS.map((b) => {
      const cells = new Cells()
      for (const c of builds[b] ?? []) cells.put({ ...c } as unknown as MergedCase)
      return [b, cells]
    }),
  ),
})

/** Each cell's strip by case id and column; a strip of nothing but null is no strip (the matrix reads both alike). */
function strips(index: HistoryIndex): Map<string, string> {
  const nothing = String.fromCharCode(...index.builds.map(() => '0'.charCodeAt(0)))
  const all = new Map<string, string>()
  for (const [id, byPlace] of index.codes)
    for (const [column, place] of index.columns) {
      const strip = byPlace[place]
      if (strip !== undefined && strip !== nothing) all.set(`${id}${column}`, strip)
    }
  return all
}

describe('a history index read again where its builds changed (property-based)', () => {
  it('equals the index made from nothing, whichever builds changed and however', () => {
    fc.assert(
      fc.property(fc.tuple(buildArb, buildArb, buildArb, buildArb), fc.subarray([0, 1, 2, 3]), fc.tuple(buildArb, buildArb, buildArb, buildArb), (before, changed, after) => {
        const first = Object.fromEntries(BUILDS.map((b, i) => [b, before[i]!]))
        const then = { ...first, ...Object.fromEntries(changed.map((i) => [BUILDS[i]!, after[i]!])) }
        const kept = historyIndex(resultsOf(first), BUILDS)
        const results = resultsOf(then)
        const again = historyIndex(results, BUILDS, { index: kept, changed })
        expect(strips(again)).toEqual(strips(historyIndex(results, BUILDS)))
        // what was kept is not changed by reading on top of it
        expect(strips(kept)).toEqual(strips(historyIndex(resultsOf(first), BUILDS)))
      }),
      { numRuns: 500 },
    )
  })

  it('refuses an index of other builds', () => {
    const kept = historyIndex(resultsOf({}), ['b0', 'b1'])
    expect(() => historyIndex(resultsOf({}), BUILDS, { index: kept, changed: [0] })).toThrow(/an index of other builds/)
  })
})
