import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { GateReport } from '../gates/evaluate-gates.ts'
import type { ReportWriter } from '../reports/write-reports.ts'
import { writeJsonFile } from '../write-json-file.ts'

// The CLI is the composition root: the reporters (adapters) are wrapped here as the core's
// ReportWriters, loaded only when a command asks for them.

/** matrix.html, matrix.md and matrix.json in `outDir`. */
export function matrixWriter(outDir: string, options: { gate?: GateReport } = {}): ReportWriter {
  return {
    needsMatrix: true,
    async write({ matrix, resultsDir, gate }) {
      const { matrixToMarkdown } = await import('../../reporters/markdown/matrix-markdown.ts')
      const { writeMatrixHtml } = await import('../../reporters/html/matrix-html.ts')
      mkdirSync(outDir, { recursive: true })
      const files = [path.join(outDir, 'matrix.html'), path.join(outDir, 'matrix.md'), path.join(outDir, 'matrix.json')]
      // The gate's evidence given (--gate) heads the matrix whole; else the gate judged here gives its verdict line.
      const shown = { ...options, ...(gate ? { gateVerdict: gate } : {}) }
      writeMatrixHtml(files[0]!, matrix!, { resultsDir, ...shown })
      writeFileSync(files[1]!, matrixToMarkdown(matrix!, shown))
      writeJsonFile(files[2]!, matrix)
      return files
    },
  }
}

/** JUnit XML for GitLab; attachment paths are written relative to `relativeTo`. */
export function junitWriter(file: string, relativeTo: string): ReportWriter {
  return {
    async write({ results, build, resultsDir }) {
      const { writeJUnit } = await import('../../reporters/junit/junit-reporter.ts')
      writeJUnit(results, file, { ...(build ? { build } : {}), resultsDir, relativeTo })
      return [file]
    },
  }
}

/** Allure results in `outDir` (emptied first); counts what it wrote in `written`. */
export function allureWriter(outDir: string, env: Record<string, string | undefined>, options: { milestone?: string; reportUrl?: string; written?: { count: number } } = {}): ReportWriter {
  return {
    needsStepsOfPassed: true,
    async write({ results, build, resultsDir }) {
      const { writeAllureResults } = await import('../../reporters/allure/allure-reporter.ts')
      rmSync(outDir, { recursive: true, force: true })
      const count = writeAllureResults(results, { resultsDir, outDir, env, ...(build ? { build } : {}), ...(options.milestone ? { milestone: options.milestone } : {}), ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}) })
      if (options.written) options.written.count = count
      return [outDir]
    },
  }
}
