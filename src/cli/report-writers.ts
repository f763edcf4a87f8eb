import { rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { GateReport } from '../gates/evaluate-gates.ts'
import type { ReportWriter } from '../reports/write-reports.ts'
import { writeJsonFile } from '../write-json-file.ts'
import { makeDirectory } from '../files.ts'

// The CLI is the composition root: the reporters (adapters) are wrapped here as the core's
// ReportWriters, loaded only when a command asks for them.

/** matrix.html, matrix.md and matrix.json in `outDir`. */
export function matrixWriter(outDir: string, options: { gate?: GateReport; onStaleGate?: () => void } = {}): ReportWriter {
  return {
    needsMatrix: true,
    async write({ matrix, resultsDir, gate }) {
      const { judgedOtherResults } = await import('../matrix/matrix-digest.ts')
      const gateStale = options.gate !== undefined && judgedOtherResults(options.gate, matrix!)
      if (gateStale) options.onStaleGate?.()
      const { matrixToMarkdown } = await import('../../reporters/markdown/matrix-markdown.ts')
      const { writeMatrixHtml } = await import('../../reporters/html/matrix-html.ts')
      makeDirectory(outDir)
      const files = [path.join(outDir, 'matrix.html'), path.join(outDir, 'matrix.md'), path.join(outDir, 'matrix.json')]
      // The gate's evidence given (--gate) heads the matrix whole; else the gate judged here gives its verdict line.
      const shown = { ...(options.gate ? { gate: options.gate, gateStale } : {}), ...(gate ? { gateVerdict: gate } : {}) }
      writeMatrixHtml(files[0]!, matrix!, { resultsDir, ...shown })
      writeFileSync(files[1]!, matrixToMarkdown(matrix!, shown))
      writeJsonFile(files[2]!, matrix)
      return files
    },
  }
}

/**
 * The cells the scope requires that nothing ran, in a report that lists tests: `with` what ran (a
 * build's report), `only` (the report job's JUnit for GitLab, beside the reports of the jobs that
 * ran the tests), `none` (one run's report: a shard or another job runs the rest).
 */
export type NotRunCells = 'with' | 'only' | 'none'

/** JUnit XML for GitLab; attachment paths are written relative to `relativeTo`. */
export function junitWriter(file: string, relativeTo: string, notRunCells: NotRunCells = 'with'): ReportWriter {
  return {
    needsNotRun: notRunCells !== 'none',
    async write({ results, build, resultsDir, notRun }) {
      const { writeJUnit } = await import('../../reporters/junit/junit-reporter.ts')
      const reported = notRunCells === 'only' ? { ...results, runs: [], builds: new Map() } : results
      writeJUnit(reported, file, { ...(build ? { build } : {}), resultsDir, relativeTo, notRun })
      return [file]
    },
  }
}

/** Allure results in `outDir` (emptied first); counts what it wrote in `written`. */
export function allureWriter(outDir: string, env: Record<string, string | undefined>, options: { milestone?: string; reportUrl?: string; written?: { count: number }; notRunCells?: Exclude<NotRunCells, 'only'> } = {}): ReportWriter {
  return {
    needsStepsOfPassed: true,
    needsNotRun: options.notRunCells !== 'none',
    async write({ results, build, resultsDir, notRun }) {
      const { writeAllureResults } = await import('../../reporters/allure/allure-reporter.ts')
      rmSync(outDir, { recursive: true, force: true })
      const count = writeAllureResults(results, { resultsDir, outDir, env, notRun, ...(build ? { build } : {}), ...(options.milestone ? { milestone: options.milestone } : {}), ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}) })
      if (options.written) options.written.count = count
      return [outDir]
    },
  }
}
