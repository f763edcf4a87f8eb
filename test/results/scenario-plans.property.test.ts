import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PackedPlans, idKey, type PlanExtra, type PlanParts } from '../../src/results/packed-plans.ts'
import { StepPairs } from '../../src/results/step-pairs.ts'

// What ingest holds of each announced scenario until it has run, packed into one string: opened,
// it must answer exactly as the plain parts it was made of would.
describe('a scenario plan held packed (property-based)', () => {
  // UUIDs as cucumber-js writes them, the Compatibility Kit's numbers, and any other string
  // another tool could write: spaces, empty, one id inside another, repeats
  const id = fc.oneof(fc.uuid(), fc.nat({ max: 50 }).map(String), fc.string({ maxLength: 6 }), fc.constantFrom('', ' ', 'a b', ' a', 'a ', '1 2'))
  const pair = fc.oneof(fc.nat({ max: 300 }), fc.nat({ max: 0xffffffff }))
  const steps = fc.array(fc.tuple(id, pair), { maxLength: 24 })
  // names of any characters (one byte or two a character, lone surrogates), and long ones
  const name = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 20 }).map((s) => s.repeat(700)))
  const line = fc.option(fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })), { nil: undefined })
  const extra: fc.Arbitrary<PlanExtra> = fc.record(
    {
      scenario: fc.record({ name: fc.string(), rule: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: ['name'] }),
      row: fc.record({ id: fc.string(), examples: fc.string(), index: fc.nat(), values: fc.constant({}), name: fc.string(), occurrence: fc.integer({ min: 1, max: 3 }) }),
      stepArguments: fc.constant(new Map([['s', { docString: 'text' }]])),
    },
    { requiredKeys: [] },
  )
  // keys of every id (the real one), and keys that many ids share: two ids of a scenario that
  // share a key must still be told apart
  const keyOf = fc.constantFrom(idKey, (id: string) => id.length % 3, (id: string) => (id.charCodeAt(0) || 0) * 0x10000000 + 0xffff)

  const partsOf = (plans: PackedPlans, uri: string, s: [string, number][], n: string, l: number | undefined, e: PlanExtra | undefined): PlanParts => ({
    head: { uri, feature: `Feature of ${uri}`, tags: ['@a', `@${uri}`] },
    ...(e ? { extra: e } : {}),
    ...(l !== undefined ? { line: l } : {}),
    name: n,
    pairs: s.map(([, p]) => p),
    ids: s.map(([i]) => i),
  })

  it('opens as what it was made of: head, line, name, each step\'s pair, and each step found by its id where the list has it, and nowhere else', () => {
    fc.assert(
      fc.property(keyOf, fc.array(fc.tuple(steps, name, line, fc.option(extra, { nil: undefined }), fc.constantFrom('a.feature', 'b.feature')), { minLength: 1, maxLength: 5 }), fc.array(id, { maxLength: 6 }), (key, scenarios, others) => {
        const plans = new PackedPlans(key)
        const held = scenarios.map(([s, n, l, e, uri]) => plans.pack(partsOf(plans, uri, s, n, l, e)))
        scenarios.forEach(([s, n, l, e, uri], k) => {
          const plan = plans.open(held[k]!)
          expect([plan.uri, plan.feature, plan.tags]).toEqual([uri, `Feature of ${uri}`, ['@a', `@${uri}`]])
          expect(plan.line).toBe(l)
          expect(plan.name).toBe(n)
          expect([plan.scenario, plan.row, plan.stepArguments]).toEqual([e?.scenario, e?.row, e?.stepArguments])
          expect(plan.stepCount).toBe(s.length)
          s.forEach(([, p], at) => expect(plan.pairAt(at)).toBe(p))
          const ids = s.map(([i]) => i)
          for (const probe of ids) expect(plan.indexOfId(probe)).toBe(ids.indexOf(probe))
          // an id of no step of its own is found nowhere, unless its key is a step's (idKey: one chance in 2^48)
          for (const probe of [...others, ...ids.map((i) => `${i} `), ...ids.map((i) => i.slice(1))])
            if (!ids.includes(probe) && !ids.some((i) => key(i) === key(probe))) expect(plan.indexOfId(probe)).toBe(-1)
        })
      }),
      { numRuns: 1500 },
    )
  })

  it('keeps its head, line, name and extra when its steps change (a test case in place of its pickle), and lets the extra go when forgotten', () => {
    fc.assert(
      fc.property(keyOf, steps, steps, name, line, fc.option(extra, { nil: undefined }), (key, before, after, n, l, e) => {
        const plans = new PackedPlans(key)
        const pickle = plans.pack(partsOf(plans, 'a.feature', before, n, l, e))
        const testCase = plans.repack(
          pickle,
          after.map(([, p]) => p),
          after.map(([i]) => i),
        )
        const plan = plans.open(testCase)
        expect([plan.uri, plan.line, plan.name, plan.scenario, plan.row]).toEqual(['a.feature', l, n, e?.scenario, e?.row])
        expect(plan.stepCount).toBe(after.length)
        const ids = after.map(([i]) => i)
        ids.forEach((i, at) => {
          expect(plan.indexOfId(i)).toBe(ids.indexOf(i))
          expect(plan.pairAt(at)).toBe(after[at]![1])
        })
        plans.forget(testCase)
        expect(plans.extraOf(testCase)).toBeUndefined()
      }),
      { numRuns: 800 },
    )
  })

  it('tells apart heads whose parts would read as one another\'s when run together (a file, feature or tag holding a separator)', () => {
    const plans = new PackedPlans()
    const heads = [
      { uri: 'a\u0000b', feature: 'c', tags: [] },
      { uri: 'a', feature: 'b\u0000c', tags: [] },
      { uri: 'a', feature: 'b', tags: ['c\u0000d'] },
      { uri: 'a', feature: 'b', tags: ['c', 'd'] },
      { uri: 'a', feature: 'b', tags: ['c', 'd'], project: '' },
    ]
    const held = heads.map((head) => plans.pack({ head, name: 's', pairs: [], ids: [] }))
    held.forEach((h, i) => {
      const plan = plans.open(h)
      expect([plan.uri, plan.feature, plan.tags, plan.project]).toEqual([heads[i]!.uri, heads[i]!.feature, heads[i]!.tags, heads[i]!.project])
    })
  })

  it('is one byte a character where its name is (a name cut from it is, and so the JSON of its case)', () => {
    const plans = new PackedPlans()
    const held = plans.pack({ head: { uri: 'a.feature', feature: 'A', tags: [] }, line: 70_000, name: 'scenario 1-2', pairs: [70_000, 0, 1], ids: ['00000000-0000-4000-8000-000000000001', 'x', '2'] })
    // a string of two bytes a character takes twice its length in a heap snapshot; Buffer tells by
    // encoding: every character of a one-byte string fits latin1 and round-trips through it
    expect(Buffer.from(held, 'latin1').toString('latin1')).toBe(held)
    expect(plans.open(held).name).toBe('scenario 1-2')
  })

  it('gives back each step its keyword and text (none for a hook), for any number of steps and of distinct steps', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.tuple(fc.constantFrom('Given', 'When', 'Then', 'And', '*', 'Soit'), fc.string()), { nil: undefined }), { maxLength: 40 }), fc.nat({ max: 70_000 }), (written, before) => {
        const pairs = new StepPairs()
        // numbers beyond one UTF-16 unit: other steps announced before this scenario
        for (let i = 0; i < before; i++) pairs.numberOf('Given', `earlier step ${i}`)
        const plans = new PackedPlans()
        const plan = plans.open(plans.pack({ head: { uri: 'a', feature: 'A', tags: [] }, name: 's', pairs: written.map((s) => (s ? pairs.numberOf(s[0], s[1]) : 0)), ids: written.map((_, i) => `step-${i}`) }))
        expect(plan.stepCount).toBe(written.length)
        written.forEach((s, at) => {
          expect(pairs.keyword(plan.pairAt(at))).toBe(s?.[0])
          expect(pairs.text(plan.pairAt(at))).toBe(s?.[1])
        })
      }),
      { numRuns: 60 },
    )
  })

  it('holds a scenario of more steps than a call takes arguments', () => {
    const plans = new PackedPlans()
    const ids = Array.from({ length: 12_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)
    const plan = plans.open(plans.pack({ head: { uri: 'a', feature: 'A', tags: [] }, name: 'long', pairs: ids.map((_, i) => i * 3), ids }))
    expect(plan.stepCount).toBe(12_000)
    expect(ids.every((i, at) => plan.indexOfId(i) === at && plan.pairAt(at) === at * 3)).toBe(true)
    expect(plan.name).toBe('long')
  })
})
