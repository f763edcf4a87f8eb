import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildBefore, orderBuilds } from '../../src/results/merge-results.ts'

// Build names as teams write them: versions with and without the v, release candidates and their
// patches (numbers written with leading zeros too), other pre-releases, and names that are no
// version (commit hashes, "dev", a version with build metadata).
const version = fc
  .tuple(fc.boolean(), fc.nat(3), fc.nat(3), fc.nat(3), fc.option(fc.constantFrom('rc1', 'rc01', 'rc2', 'rc10', 'rc1-p1', 'rc1-p2', 'RC1', 'beta', 'alpha.1'), { nil: undefined }))
  .map(([v, a, b, c, pre]) => `${v ? 'v' : ''}${a}.${b}.${c}${pre ? `-${pre}` : ''}`)
const other = fc.oneof(fc.stringMatching(/^[0-9a-f]{7}$/), fc.constantFrom('dev', 'main', 'v0.5.0+build.7'))
const names = fc.uniqueArray(fc.oneof(version, version, other), { minLength: 2, maxLength: 8 })
const finished = (list: string[]) => new Map(list.map((name, i) => [name, `2026-01-${String(10 + ((i * 7) % 20)).padStart(2, '0')}T00:00:00Z`]))

describe('the order of builds (orderBuilds, buildBefore)', () => {
  it('is one order, whatever order the builds are found in', () => {
    fc.assert(
      fc.property(names, fc.func(fc.integer()), (list, key) => {
        const runs = finished(list)
        const shuffled = [...list].sort((a, b) => key(a) - key(b))
        expect(orderBuilds(shuffled, runs)).toEqual(orderBuilds(list, runs))
      }),
      { numRuns: 300 },
    )
  })

  it('puts exactly one of two builds before the other, as the order has them', () => {
    fc.assert(
      fc.property(names, (list) => {
        const order = orderBuilds(list, finished(list))
        for (const a of list)
          for (const b of list) {
            if (a === b) continue
            const ab = buildBefore(a, b, order)
            const ba = buildBefore(b, a, order)
            expect(ab !== undefined && ba !== undefined && ab !== ba, `${a} / ${b}`).toBe(true)
            // where every build is a version, the order is the version order
            if (order.every((n) => /^v?\d+\.\d+\.\d+(-.+)?$/.test(n))) expect(ab, `${a} before ${b}`).toBe(order.indexOf(a) < order.indexOf(b))
          }
      }),
      { numRuns: 300 },
    )
  })

  it('places a release candidate before its patches, the next candidate and the release', () => {
    expect(orderBuilds(['v0.5.0', 'v0.5.0-rc2', 'v0.5.0-rc1-p1', 'v0.5.0-rc1'], new Map())).toEqual(['v0.5.0-rc1', 'v0.5.0-rc1-p1', 'v0.5.0-rc2', 'v0.5.0'])
    expect(buildBefore('f00d5ee', 'a1b2c3d', ['f00d5ee', 'a1b2c3d'])).toBe(true)
    expect(buildBefore('v0.5.0-rc3', 'a1b2c3d', ['f00d5ee', 'a1b2c3d'])).toBeUndefined()
  })
})
