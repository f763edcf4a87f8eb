import { expect } from 'vitest'
import type { Matrix } from '../../src/matrix/matrix-from.ts'

const nonZero = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([, n]) => n > 0))

/** The matrix's headline and cell totals are the recounted ones, and the headline counts every scenario of the matrix once. */
export function expectHeadline(matrix: Matrix, recount: { headline: Record<string, number>; cellTotals: Record<string, number> }): void {
  expect(nonZero(matrix.totals)).toEqual(nonZero(recount.headline))
  expect(nonZero(matrix.cellTotals)).toEqual(nonZero(recount.cellTotals))
  // (the HTML page's scenario total is the headline's sum)
  expect(Object.values(matrix.totals).reduce((n, count) => n + count, 0)).toBe(new Set(matrix.features.flatMap((f) => f.scenarios.map((s) => s.id))).size)
}
