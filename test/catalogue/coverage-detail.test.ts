import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import { coverageFrom, coverageOf } from '../../src/catalogue/coverage.ts'
import { parseScope } from '../../src/catalogue/scope.ts'
import { loadScope } from '../../src/catalogue/scope.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'

// `catalogue` counts coverage from a light catalogue (no steps, rows or names): it must count
// exactly what the full catalogue counts, on every kind of Gherkin there is.
const SHARED = path.resolve(PROJECT_ROOT, '../shared')
const scope = parseScope(
  ['milestone: any', 'frozen: 2024-09-15', 'features:', ...['alpha', 'beta', 'gamma', 'deployment', 'p2p-network', 'actor-model'].map((id) => `  - { id: ${id}, name: ${id}, acceptance: x }`), ''].join('\n'),
  'any.yaml',
)

describe('coverage from the light catalogue', () => {
  it('counts the fixture suite as the full catalogue does', () => {
    const suite = path.join(PROJECT_ROOT, 'test/fixtures/catalogue/suite')
    const own = loadScope(path.join(suite, 'scope.yaml'))
    expect(coverageOf(suite, own)).toEqual(coverageFrom(buildCatalogue(suite), own))
    expect(coverageOf(suite, own).pickles).toBe(14)
  })

  it('counts the project\'s own features as the full catalogue does', () => {
    const features = path.join(PROJECT_ROOT, 'features')
    expect(coverageOf(features, scope)).toEqual(coverageFrom(buildCatalogue(features), scope))
  })

  for (const dir of ['corpus/nunet-dms-acceptance', 'conformance/gherkin/good', 'conformance/gherkin/bad'])
    it.skipIf(!existsSync(path.join(SHARED, dir)))(`counts ${dir} as the full catalogue does`, () => {
      const full = path.join(SHARED, dir)
      const light = coverageOf(full, scope)
      expect(light).toEqual(coverageFrom(buildCatalogue(full), scope))
      expect(light.pickles + light.errors.length).toBeGreaterThan(0)
    })
})
