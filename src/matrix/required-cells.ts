import { CellSet, columnOf } from '../results/cells.ts'
import type { Matrix } from './matrix-from.ts'

/**
 * The cells of a matrix the scope requires, and what a result elsewhere is. A scenario under two
 * features is required in a column when either requires it there. A result of a scenario of the
 * matrix, on a column of the stages where the scope requires its scenarios (acceptance, manual),
 * in a cell no feature requires, is information: shown, counted by no headline and judged by no
 * blocking criterion — so a diff lists what changed there apart, as the gate does. Tests of the
 * unit and functional stages are not the scope's scenarios, and are judged by tests-pass.
 */
export class RequiredCells {
  private readonly cells = new CellSet()
  private readonly scenarios = new Set<string>()

  constructor(matrix: Matrix) {
    for (const feature of matrix.features)
      for (const s of feature.scenarios) {
        this.scenarios.add(s.id)
        for (const column of matrix.columns) if (s.cells[column.key]!.required) this.cells.add(s.id, columnOf(column))
      }
  }

  has(id: string, column: string): boolean {
    return this.cells.has(id, column)
  }

  /** whether a result in this cell is information only (see above) */
  information(c: { id: string; environment: string; stage: string }): boolean {
    return (c.stage === 'acceptance' || c.stage === 'manual') && this.scenarios.has(c.id) && !this.cells.has(c.id, columnOf(c))
  }
}
