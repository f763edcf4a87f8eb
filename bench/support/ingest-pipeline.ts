// What bench:ingest measures: ingest → merge → matrix + JUnit of one results file as `bdd-matrix
// run` does them after its run, bundled as the CLI is (bundledPipeline below): the ingest in the
// worker beside it, its cases parsed here meanwhile for the merge, then the one report pipeline
// (writeReports) with the CLI's matrix writer (matrix.html, matrix.md, matrix.json) and JUnit
// writer. `run` also writes Allure results (a file a case, and every case's steps kept for them):
// not measured here.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ingestLargeFileInWorker } from '../../src/results/ingest-file.ts'
import { PreparedCases } from '../../src/results/prepared-cases.ts'
import { parseScope } from '../../src/catalogue/scope.ts'
import { writeReports } from '../../src/reports/write-reports.ts'
import { junitWriter, matrixWriter } from '../../src/cli/report-writers.ts'

const out = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-ingest-'))
try {
  const prepared = new PreparedCases()
  await ingestLargeFileInWorker(process.argv[2]!, { build: 'v0.5.0-rc1', environment: 'local', stage: 'acceptance', resultsDir: out }, { prepared })
  const scope = parseScope(`milestone: bench\nfrozen: 2024-09-15\nfeatures:\n${['alpha', 'beta', 'gamma'].map((id) => `  - id: ${id}\n    name: ${id}\n    acceptance: generated\n`).join('')}`, 'bench.yaml')
  const { results } = await writeReports({ resultsDir: out, prepared, scope, writers: [matrixWriter(out), junitWriter(path.join(out, 'junit.xml'), out)] })
  process.stdout.write(`${[...results.builds.values()].reduce((n, cells) => n + cells.size, 0)}\n`)
} finally {
  rmSync(out, { recursive: true, force: true })
}
