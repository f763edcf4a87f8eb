// What bench:ingest measures: ingest → merge → matrix (JSON) + JUnit of one messages file,
// with the compiled code the CLI ships (dist/) and the same calls its commands make.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ingestLargeFileInWorker } from '../../dist/src/results/ingest-file.js'
import { mergeResults } from '../../dist/src/results/merge-results.js'
import { PreparedCases } from '../../dist/src/results/prepared-cases.js'
import { matrixFrom } from '../../dist/src/matrix/matrix-from.js'
import { parseScope } from '../../dist/src/catalogue/scope.js'
import { writeJUnit } from '../../dist/reporters/junit/junit-reporter.js'
import { writeJsonFile } from '../../dist/src/write-json-file.js'

const out = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-ingest-'))
try {
  // as `run` does: the worker's cases parsed on this thread while it ingests
  const prepared = new PreparedCases()
  await ingestLargeFileInWorker(process.argv[2], { build: 'v0.5.0-rc1', environment: 'local', stage: 'acceptance', resultsDir: out }, { prepared })
  const results = await mergeResults(out, { prepared })
  const scope = parseScope(`milestone: bench\nfrozen: 2024-09-15\nfeatures:\n${['alpha', 'beta', 'gamma'].map((id) => `  - id: ${id}\n    name: ${id}\n    acceptance: generated\n`).join('')}`, 'bench.yaml')
  const totals = writeMatrix(results, scope)
  writeJUnit(results, path.join(out, 'junit.xml'), { resultsDir: out, relativeTo: out })
  process.stdout.write(`${totals.passed + totals.failed + totals.flaky}\n`)
} finally {
  rmSync(out, { recursive: true, force: true })
}

function writeMatrix(results, scope) {
  const matrix = matrixFrom(results, scope)
  // as the CLI writes matrix.json
  writeJsonFile(path.join(out, 'matrix.json'), matrix)
  return matrix.totals
}
