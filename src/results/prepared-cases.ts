import { UserError } from '../errors.ts'
import type { Case } from '../model/results.ts'
import { readLines } from './read-lines.ts'
import { caseShapeProblem } from '../model/results-shape.ts'
import { EMPTY, SharedValues, keepsSteps } from './shared-values.ts'

/**
 * The cases of results files this process has just written, parsed while they were written.
 * `run` ingests its messages in a worker thread and then merges the results folder for its
 * reports: merging parsed every line of the file the worker had just written, after the worker
 * was done, while this thread had waited idle for it. Parsing each batch of lines as the worker
 * hands it over takes that work off the path (100,000 scenarios: 0.33 s of 2.8).
 *
 * They are held as the merge would hold them: repeated strings shared, and a plain pass without
 * its step log unless the reports want every case's steps (`keepStepsOfPassed`, as the merge
 * will be asked). A pass that the merge finds flaky (an earlier run of the cell in the same build
 * disagreed) gets its steps back from the file.
 *
 * A file's cases are taken once: the merge makes them its cells and changes them (seen, retries),
 * so a second merge reads the file again.
 */
export class PreparedCases {
  private readonly byFile = new Map<string, Prepared>()

  constructor(private readonly options: { keepStepsOfPassed?: boolean } = {}) {}

  /** A collector for one file being written: `onCaseLines` to hand to the ingest, then `keep` it under the file's path. */
  collect(): { onCaseLines: (lines: string) => void; keep: (file: string) => void } {
    let prepared: Prepared | undefined = { cases: [], stepsLeftOut: new Set() }
    const shared = new SharedValues()
    const keepStepsOfPassed = Boolean(this.options.keepStepsOfPassed)
    return {
      onCaseLines: (lines) => {
        if (!prepared) return
        let start = 0
        for (let end = lines.indexOf('\n'); end !== -1; end = lines.indexOf('\n', start)) {
          let entry: Case
          try {
            entry = JSON.parse(lines.slice(start, end)) as Case
          } catch {
            // not ours to judge: the merge reads the file and says where a line is wrong
            prepared = undefined
            return
          }
          if (caseShapeProblem(entry)) {
            prepared = undefined
            return
          }
          if (!keepsSteps(entry, keepStepsOfPassed) && entry.steps.length) {
            entry.steps = EMPTY
            prepared.stepsLeftOut.add(prepared.cases.length)
          }
          shared.compact(entry)
          prepared.cases.push(entry)
          start = end + 1
        }
      },
      keep: (file) => {
        if (prepared) this.byFile.set(file, prepared)
        prepared = undefined
      },
    }
  }

  /** Whether `file`'s cases were prepared (and not taken yet). */
  has(file: string): boolean {
    return this.byFile.has(file)
  }

  /**
   * Hands `file`'s cases to `onCase` in the order written (line numbers as in the file, the run
   * on line 1), once; after each, puts back the steps of a pass the merge now keeps them for.
   */
  async replay(file: string, onCase: (entry: Case, lineNumber: number) => void, keepStepsOfPassed: boolean): Promise<void> {
    const prepared = this.byFile.get(file)
    if (!prepared) throw new Error(`${file}: no prepared cases (ask has() first)`)
    this.byFile.delete(file)
    const restore = new Map<number, Case>()
    prepared.cases.forEach((entry, i) => {
      onCase(entry, i + 2)
      if (prepared.stepsLeftOut.has(i) && keepsSteps(entry, keepStepsOfPassed)) restore.set(i + 2, entry)
    })
    if (!restore.size) return
    await readLines(file, (line, lineNumber) => {
      const entry = restore.get(lineNumber)
      if (!entry) return
      const written = JSON.parse(line) as Case
      if (written.id !== entry.id) throw new UserError('RESULTS_FILE', `${file}:${lineNumber}: holds case ${written.id} where this run wrote ${entry.id}: the file was changed while the reports were made; make them again (bdd-matrix matrix, junit, allure)`)
      entry.steps = written.steps
    })
  }
}

interface Prepared {
  cases: Case[]
  /** indexes of the cases whose steps were left out */
  stepsLeftOut: Set<number>
}
