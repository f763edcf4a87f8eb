// The floor for bench:catalogue: read every .feature file and parse + compile it with
// @cucumber/gherkin, nothing else.
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { AstBuilder, GherkinClassicTokenMatcher, Parser, compile } from '@cucumber/gherkin'
import { IdGenerator } from '@cucumber/messages'

const dir = process.argv[2]
let pickles = 0
for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.feature')) continue
  const file = path.join(entry.parentPath, entry.name)
  const newId = IdGenerator.incrementing()
  const parser = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher())
  const document = parser.parse(readFileSync(file, 'utf8'))
  pickles += compile(document, file, newId).length
}
process.stdout.write(`${pickles}\n`)
