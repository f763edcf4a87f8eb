import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Cells, cellKey } from '../../src/results/cells.ts'
import type { MergedCase } from '../../src/results/merge-results.ts'

// A build's cells are held by case id, not by key: whatever is set, replaced and deleted, they
// must answer as a Map keyed by cellKey would, and a copy must be a copy.

const ID = fc.constantFrom('a', 'b', 'a\u0000b', '', 'x'.repeat(30), '\u00001')
const ENVIRONMENT = fc.constantFrom('local', 'docker', 'constructor', '__proto__', 'a\u0000b')
const STAGE = fc.constantFrom('acceptance', 'unit', 'manual')
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), id: ID, environment: ENVIRONMENT, stage: STAGE, status: fc.constantFrom('passed', 'failed') }),
  fc.record({ kind: fc.constant('delete' as const), id: ID, environment: ENVIRONMENT, stage: STAGE }),
  fc.record({ kind: fc.constant('copy' as const) }),
)

const caseOf = (id: string, environment: string, stage: string, status: string): MergedCase => ({ id, environment, stage, status }) as unknown as MergedCase

describe('Cells: a map by cell key, held by case id (property-based)', () => {
  it('answers get, has, size and iteration as a Map by cellKey does, through sets, replacements, deletes and copies', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let cells = new Cells()
        let model = new Map<string, MergedCase>()
        const copies: [Cells, Map<string, MergedCase>][] = []
        for (const o of ops) {
          if (o.kind === 'set') {
            const c = caseOf(o.id, o.environment, o.stage, o.status)
            const key = cellKey(o.id, o.environment, o.stage)
            if (o.status === 'failed') cells.set(key, c)
            else cells.put(c)
            model.set(key, c)
          } else if (o.kind === 'delete') {
            const key = cellKey(o.id, o.environment, o.stage)
            expect(cells.delete(key)).toBe(model.delete(key))
          } else {
            copies.push([cells, new Map(model)])
            cells = new Cells(cells)
            model = new Map(model)
          }
        }
        for (const [held, expected] of [[cells, model] as const, ...copies]) {
          expect(held.size).toBe(expected.size)
          const sorted = (entries: Iterable<[string, MergedCase]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          expect(sorted(held)).toEqual(sorted(expected))
          expect(sorted(held.entries())).toEqual(sorted(expected.entries()))
          expect([...held.keys()].sort()).toEqual([...expected.keys()].sort())
          expect([...held.values()]).toHaveLength(expected.size)
          for (const id of ['a', 'b', 'a\u0000b', '', '\u00001', 'x'.repeat(30)])
            for (const environment of ['local', 'docker', 'constructor', '__proto__', 'a\u0000b'])
              for (const stage of ['acceptance', 'unit', 'manual']) {
                const key = cellKey(id, environment, stage)
                expect(held.get(key)).toBe(expected.get(key))
                expect(held.has(key)).toBe(expected.has(key))
                expect(held.cell(id, key.slice(id.length))).toBe(expected.get(key))
              }
          expect(held.get('a')).toBeUndefined()
          expect(held.get('a\u0000')).toBeUndefined()
        }
        // a Map made from the cells, and cells made from that Map, hold the same
        expect(new Cells(new Map(cells)).size).toBe(model.size)
      }),
      { numRuns: 500 },
    )
  })

  it('iterates by id in the order each id was first set, its columns in the order they were', () => {
    const cells = new Cells()
    for (const [id, environment] of [['b', 'local'], ['a', 'local'], ['b', 'docker'], ['c', 'local'], ['a', 'docker']] as const) cells.put(caseOf(id, environment, 'acceptance', 'passed'))
    expect([...cells.values()].map((c) => `${c.id}@${c.environment}`)).toEqual(['b@local', 'b@docker', 'a@local', 'a@docker', 'c@local'])
  })

  it("refuses a key that is not its case's", () => {
    expect(() => new Cells().set('x', caseOf('a', 'local', 'acceptance', 'passed'))).toThrow(/a cell's key is its case's/)
  })
})
