// The floor for bench:ingest: split the file into lines and JSON.parse each one, nothing else.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'

let envelopes = 0
for await (const line of createInterface({ input: createReadStream(process.argv[2]), crlfDelay: Infinity })) {
  if (line) {
    JSON.parse(line)
    envelopes++
  }
}
process.stdout.write(`${envelopes}\n`)
