import { writeFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { JsonArrayError, jsonArrayItems } from '../../src/results/json-array-items.ts'
import { tempTree } from '../helpers/temp-tree.ts'

// A Cucumber JSON report is read a feature at a time; whatever the writer's layout (godog and
// Cucumber-JVM indent, others write one line), each item must come out as JSON.parse gives it,
// with the line it starts on, wherever the reads cut the file.
const dir = tempTree()
let files = 0

function written(text: string): string {
  const file = path.join(dir, `report-${++files}.json`)
  writeFileSync(file, text)
  return file
}

const value = fc.jsonValue({ maxDepth: 3 })
// strings that look like the layout: braces at line starts, quotes, escapes, newlines (escaped in JSON)
const tricky = fc.constantFrom('}', '{', '\n  }', '\n}', '"', '\\', '\\"}', ']', '[', '\u00e9\u{1F600}', '\t}')
const item = fc.dictionary(fc.oneof(fc.string(), tricky), fc.oneof(value, tricky, fc.array(fc.oneof(value, tricky), { maxLength: 3 })), { maxKeys: 5 })
const layout = fc.constantFrom<string | number | undefined>(undefined, 0, 1, 2, 4, '\t', ' \t')

/** The line of each item's opening brace, by a plain scan of the text. */
function itemLines(text: string): number[] {
  const lines: number[] = []
  let depth = 0
  let inString = false
  let line = 1
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '\n') line++
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') {
      if (depth === 1) lines.push(line)
      depth++
    } else if (c === '}' || c === ']') depth--
  }
  return lines
}

describe('jsonArrayItems reads a JSON array of objects item by item (fast-check)', () => {
  it('yields each item as JSON.parse would, and the line it starts on, for any layout and read size', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), layout, fc.integer({ min: 1, max: 64 }), fc.boolean(), (items, indent, chunkBytes, crlf) => {
        let text = JSON.stringify(items, null, indent as string | number | undefined)
        if (crlf) text = text.replace(/\n/g, '\r\n')
        const file = written(`${text}\n`)
        const read = [...jsonArrayItems(file, undefined, { chunkBytes })]
        expect(read.map((r) => r.item)).toEqual(JSON.parse(text))
        expect(read.map((r) => r.line)).toEqual(itemLines(text))
      }),
      { numRuns: 400 },
    )
  })

  it('yields the same when each item has a layout of its own (a pretty-printed item among one-line ones)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(item, layout, fc.constantFrom('', '  ', '\t')), { maxLength: 6 }), fc.integer({ min: 1, max: 96 }), (entries, chunkBytes) => {
        const text = `[\n${entries.map(([it, indent, margin]) => margin + JSON.stringify(it, null, indent as string | number | undefined).replace(/\n/g, `\n${margin}`)).join(',\n')}\n]`
        const read = [...jsonArrayItems(written(text), undefined, { chunkBytes })]
        // as JSON.parse gives it, not the value written: JSON text has no -0 (JSON.stringify(-0) is "0")
        expect(read.map((r) => r.item)).toEqual(JSON.parse(text))
        expect(read.map((r) => r.line)).toEqual(itemLines(text))
      }),
      { numRuns: 300 },
    )
  })

  it('refuses a report cut short, whatever the read size', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 4 }), layout, fc.integer({ min: 1, max: 64 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (items, indent, chunkBytes, at) => {
        const text = JSON.stringify(items, null, indent as string | number | undefined)
        const cut = text.slice(0, Math.max(1, Math.floor(text.length * at)))
        const file = written(cut)
        expect(() => [...jsonArrayItems(file, undefined, { chunkBytes })]).toThrow(JsonArrayError)
      }),
      { numRuns: 200 },
    )
  })
})
