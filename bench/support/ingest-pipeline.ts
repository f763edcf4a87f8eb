// What bench:ingest measures: ingest → merge → matrix (JSON) + JUnit of one results file, the
// calls `bdd-matrix run` makes after its run, bundled as the CLI is (bundledPipeline below): the
// ingest in the worker beside it, its cases parsed here meanwhile for the merge.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ingestLargeFileInWorker } from '../../src/results/ingest-file.ts'
import { mergeResults, type ResultSet } from '../../src/results/merge-results.ts'
import { PreparedCases } from '../../src/results/prepared-cases.ts'
import { matrixFrom } from '../../src/matrix/matrix-from.ts'
import { parseScope, type Scope } from '../../src/catalogue/scope.ts'
import { writeJUnit } from '../../reporters/junit/junit-reporter.ts'
import { writeJsonFile } from '../../src/write-json-file.ts'

const out = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-ingest-'))
try {
  const prepared = new PreparedCases()
  await ingestLargeFileInWorker(process.argv[2]!, { build: 'v0.5.0-rc1', environment: 'local', stage: 'acceptance', resultsDir: out }, { prepared })
  const results = await mergeResults(out, { prepared })
  const scope = parseScope(`milestone: bench\nfrozen: 2024-09-15\nfeatures:\n${['alpha', 'beta', 'gamma'].map((id) => `  - id: ${id}\n    name: ${id}\n    acceptance: generated\n`).join('')}`, 'bench.yaml')
  const totals = writeMatrix(results, scope)
  writeJUnit(results, path.join(out, 'junit.xml'), { resultsDir: out, relativeTo: out })
  process.stdout.write(`${totals.passed + totals.failed + totals.flaky}\n`)
} finally {
  rmSync(out, { recursive: true, force: true })
}

function writeMatrix(results: ResultSet, scope: Scope) {
  const matrix = matrixFrom(results, scope)
  // as the CLI writes matrix.json
  writeJsonFile(path.join(out, 'matrix.json'), matrix)
  return matrix.totals
}
