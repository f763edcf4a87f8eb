// The floor for a Cucumber JSON report in bench:ingest: read the file and JSON.parse it whole.
import { readFileSync } from 'node:fs'

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'))
process.stdout.write(`${report.reduce((n, feature) => n + feature.elements.length, 0)}\n`)
