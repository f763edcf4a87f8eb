import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { indexOfId, joinIds } from '../../src/results/step-ids.ts'
import { StepPairs, pairAt, stepCount, stepsText } from '../../src/results/step-pairs.ts'

// What ingest holds of each announced scenario until it has run: its steps' ids and their
// keywords and texts, in compact forms that must answer exactly as the plain lists would.
describe('a scenario plan held compactly (property-based)', () => {
  // UUIDs as cucumber-js writes them, the Compatibility Kit's numbers, and any other string
  // another tool could write: spaces, empty, one id inside another, repeats
  const id = fc.oneof(fc.uuid(), fc.nat({ max: 50 }).map(String), fc.string({ maxLength: 6 }), fc.constantFrom('', ' ', 'a b', ' a', 'a ', '1 2'))

  it('finds a step id where the list has it, and nowhere else', () => {
    fc.assert(
      fc.property(fc.array(id, { maxLength: 12 }), fc.array(id, { maxLength: 6 }), (ids, others) => {
        const held = joinIds(ids)
        for (const probe of [...ids, ...others, ...ids.map((i) => `${i} `), ...ids.map((i) => i.slice(1))]) expect(indexOfId(held, probe)).toBe(ids.indexOf(probe))
      }),
      { numRuns: 2000 },
    )
  })

  it('gives back each step its keyword and text (none for a hook), for any number of steps and of distinct steps', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.tuple(fc.constantFrom('Given', 'When', 'Then', 'And', '*', 'Soit'), fc.string()), { nil: undefined }), { maxLength: 40 }), fc.nat({ max: 70_000 }), (steps, before) => {
        const pairs = new StepPairs()
        // numbers beyond one UTF-16 unit: other steps announced before this scenario
        for (let i = 0; i < before; i++) pairs.numberOf('Given', `earlier step ${i}`)
        const held = stepsText(steps.map((s) => (s ? pairs.numberOf(s[0], s[1]) : 0)))
        expect(stepCount(held)).toBe(steps.length)
        steps.forEach((s, at) => {
          expect(pairs.keyword(pairAt(held, at))).toBe(s?.[0])
          expect(pairs.text(pairAt(held, at))).toBe(s?.[1])
        })
      }),
      { numRuns: 60 },
    )
  })

  it('holds a scenario of more steps than a call takes arguments', () => {
    const pairs = new StepPairs()
    const numbers = Array.from({ length: 50_000 }, (_, i) => pairs.numberOf('Given', `step ${i % 70_000}`))
    const held = stepsText(numbers)
    expect(stepCount(held)).toBe(50_000)
    expect(numbers.every((n, at) => pairAt(held, at) === n)).toBe(true)
  })
})
