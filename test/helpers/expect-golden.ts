import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { PROJECT_ROOT } from './run-bin.ts'

const GOLDEN = path.join(PROJECT_ROOT, 'test/fixtures/golden')

/** Compares with test/fixtures/golden/<name>; UPDATE_GOLDEN=1 npm test rewrites it on purpose. */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name)
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true })
    writeFileSync(file, actual)
  }
  expect(actual, `${name} differs from its golden file; if the change is intended, run UPDATE_GOLDEN=1 npm test and review the diff`).toBe(readFileSync(file, 'utf8'))
}
