// The peer for a JUnit report in bench:ingest: read the file and parse it whole with
// fast-xml-parser as its documentation shows (what a tool built on the library pays).
import { readFileSync } from 'node:fs'
import { XMLParser } from 'fast-xml-parser'

const report = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(process.argv[2], 'utf8'))
process.stdout.write(`${Object.keys(report).length}\n`)
