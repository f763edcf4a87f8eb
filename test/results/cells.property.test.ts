import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CellSet, Cells, cellKey, cellOf, columnOf, eachCell } from '../../src/results/cells.ts'
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
  // a cell that is there (a delete by chance seldom finds one)
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
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
          } else if (o.kind === 'drop') {
            if (!model.size) continue
            const key = [...model.keys()][o.at % model.size]!
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
          // values and keys in the order of the entries
          expect([...held.values()]).toEqual([...held].map(([, c]) => c))
          expect([...held.keys()]).toEqual([...held].map(([key]) => key))
          expect(new Set(held.values())).toEqual(new Set(expected.values()))
          const seen: [string, MergedCase][] = []
          held.forEach((c, key, map) => {
            expect(map).toBe(held)
            seen.push([key, c])
          })
          expect(sorted(seen)).toEqual(sorted(expected))
          // each cell with its column, in the order of the entries, from Cells and from any map
          for (const map of [held, expected]) {
            const visited: [string, MergedCase][] = []
            eachCell(map, (c, column) => {
              expect(column).toBe(columnOf(c))
              visited.push([c.id + column, c])
            })
            expect(visited).toEqual([...map])
          }
          for (const id of new Set([...expected.values()].map((c) => c.id))) expect(held.several(id)).toBe([...expected.values()].filter((c) => c.id === id).length > 1)
          for (const id of ['a', 'b', 'a\u0000b', '', '\u00001', 'x'.repeat(30)])
            for (const environment of ['local', 'docker', 'constructor', '__proto__', 'a\u0000b'])
              for (const stage of ['acceptance', 'unit', 'manual']) {
                const key = cellKey(id, environment, stage)
                expect(held.get(key)).toBe(expected.get(key))
                expect(held.has(key)).toBe(expected.has(key))
                expect(held.cell(id, key.slice(id.length))).toBe(expected.get(key))
                // the gate's and the diff's lookup, in Cells and in any other map by cellKey
                expect(cellOf(held, id, environment, stage)).toBe(expected.get(key))
                expect(cellOf(expected, id, environment, stage)).toBe(expected.get(key))
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

  it('CellSet holds cells by column and id as a Set of their keys would', () => {
    const cell = fc.tuple(ID, ENVIRONMENT, STAGE)
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 30 }), fc.array(cell, { maxLength: 30 }), (added, asked) => {
        const set = new CellSet()
        const model = new Set<string>()
        for (const [id, environment, stage] of added) {
          set.add(id, columnOf({ environment, stage }))
          model.add(cellKey(id, environment, stage))
        }
        for (const [id, environment, stage] of [...added, ...asked]) expect(set.has(id, columnOf({ environment, stage }))).toBe(model.has(cellKey(id, environment, stage)))
      }),
      { numRuns: 300 },
    )
  })
})
