// What bench:ingest measures: ingest → merge → matrix (JSON) + JUnit of one messages file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ingestCucumberMessages } from '../../src/results/ingest-cucumber-messages.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { matrixFrom } from '../../src/matrix/matrix-from.ts'
import { parseScope } from '../../src/catalogue/scope.ts'
import { resultsToJUnit } from '../../reporters/junit/junit-reporter.ts'

const out = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-ingest-'))
try {
  await ingestCucumberMessages(process.argv[2]!, { build: 'v0.5.0-rc1', environment: 'local', stage: 'acceptance', resultsDir: out })
  const results = await mergeResults(out)
  const scope = parseScope(`milestone: bench\nfrozen: 2024-09-15\nfeatures:\n${['alpha', 'beta', 'gamma'].map((id) => `  - id: ${id}\n    name: ${id}\n    acceptance: generated\n`).join('')}`, 'bench.yaml')
  const matrix = matrixFrom(results, scope)
  writeFileSync(path.join(out, 'matrix.json'), JSON.stringify(matrix))
  writeFileSync(path.join(out, 'junit.xml'), resultsToJUnit(results, { resultsDir: out, relativeTo: out }))
  process.stdout.write(`${matrix.totals.passed + matrix.totals.failed + matrix.totals.flaky}\n`)
} finally {
  rmSync(out, { recursive: true, force: true })
}
