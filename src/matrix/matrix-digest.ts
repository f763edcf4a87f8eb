import { createHash } from 'node:crypto'
import type { CellStatus, Matrix } from './matrix-from.ts'

// the statuses of a cell that has a result
const RESULT: ReadonlySet<CellStatus> = new Set(['passed', 'failed', 'blocked', 'flaky', 'skipped'])

/**
 * What a build's results say, as one hash: the status of each required cell that has a result
 * (scenario × column), the runs that failed outside any scenario and the failures outside the
 * scope — what a release gate judges, and nothing it does not (history, information cells, names).
 * Cells without a result are left out: which columns a matrix shows depends on the other builds
 * beside it (a hub's window, a folder's), while a result is the build's own. A gate's evidence
 * keeps the hash of the matrix it judged (GateReport.judged); a matrix or an MR note headed by
 * that verdict compares it with its own, so a verdict judged before more results came in never
 * heads them as if it were theirs. Read from a Matrix or from its JSON (matrix.json), alike.
 */
export function matrixDigest(matrix: Pick<Matrix, 'build' | 'columns' | 'features' | 'runErrors' | 'unscoped'>): string {
  const hash = createHash('sha256').update(`${matrix.build}\n`)
  for (const feature of matrix.features)
    for (const s of feature.scenarios) {
      let line = ''
      for (const column of matrix.columns) {
        const cell = s.cells[column.key]
        if (cell?.required && RESULT.has(cell.status)) line += `\t${column.key}=${cell.status}`
      }
      if (line) hash.update(`${feature.id}\t${s.id}${line}\n`)
    }
  for (const e of matrix.runErrors) hash.update(`run error\t${e.runId}\t${e.where}\n`)
  hash.update(`outside the scope: ${matrix.unscoped.failed} failed`)
  return hash.digest('hex').slice(0, 32)
}

/** Whether a gate's verdict was judged on another matrix than this one (unknown for evidence older than the hash: false). */
export function judgedOtherResults(gate: { judged?: string }, matrix: Parameters<typeof matrixDigest>[0]): boolean {
  return gate.judged !== undefined && gate.judged !== matrixDigest(matrix)
}

/** What a matrix or note headed by such a verdict says of it. */
export const STALE_VERDICT = 'this verdict was judged on other results than this matrix shows (results came in or changed after bdd-matrix gate ran): run the gate again before relying on it'
