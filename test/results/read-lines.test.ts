import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { firstLine, readLines } from '../../src/results/read-lines.ts'
import { tempTree } from '../helpers/temp-tree.ts'

const linesOf = async (file: string): Promise<{ lines: string[]; count: number; bytes: number }> => {
  const lines: string[] = []
  let bytes = 0
  const count = await readLines(file, (line, n) => lines.push(`${n}:${line}`), (chunk) => (bytes += chunk.length))
  return { lines, count, bytes }
}

describe('readLines', () => {
  it('splits lines across chunk boundaries, keeps multi-byte characters whole, drops \\r of CRLF', async () => {
    // Lines of varied length with 2-, 3- and 4-byte characters, so that chunk boundaries (64 KiB)
    // fall inside characters and inside CRLF pairs.
    const expected = Array.from({ length: 20_000 }, (_, i) => `${i} ${'é€😀'.repeat(i % 7)}${'x'.repeat(i % 13)}`)
    const text = expected.map((l, i) => `${l}${i % 3 === 0 ? '\r\n' : '\n'}`).join('')
    const dir = tempTree({ 'lines.ndjson': text })
    const { lines, count, bytes } = await linesOf(path.join(dir, 'lines.ndjson'))
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 * 65_536)
    expect(count).toBe(expected.length)
    expect(lines).toEqual(expected.map((l, i) => `${i + 1}:${l}`))
    expect(bytes).toBe(Buffer.byteLength(text))
  })

  it('reads lines of any length, many reads long or none, as a split of the whole text does (an attachment\'s line is megabytes)', async () => {
    const dir = tempTree()
    const file = path.join(dir, 'lines.ndjson')
    // lengths around a read (64 KiB) and several reads long; a line end of either kind, or none last
    const line = fc.record({ length: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 65_530, max: 65_540 }), fc.integer({ min: 100_000, max: 400_000 })), char: fc.constantFrom('x', 'é', '€', '😀'), end: fc.constantFrom('\n', '\r\n') })
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 6 }), fc.boolean(), async (specs, lastEnds) => {
        const lines = specs.map(({ length, char }, i) => `${i}:${char.repeat(Math.ceil(length / char.length / 2))}`)
        const text = lines.map((l, i) => (i < lines.length - 1 || lastEnds ? `${l}${specs[i]!.end}` : l)).join('')
        writeFileSync(file, text)
        const { lines: read, count } = await linesOf(file)
        expect(count).toBe(lines.length)
        expect(read).toEqual(lines.map((l, i) => `${i + 1}:${l}`))
      }),
      { numRuns: 40 },
    )
  })

  it('leaves a byte order mark out of the first line (Windows tools write one)', async () => {
    const dir = tempTree({ 'bom.ndjson': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":2}\n')]), 'one.txt': Buffer.from([0xef, 0xbb, 0xbf, 0x78]) })
    expect((await linesOf(path.join(dir, 'bom.ndjson'))).lines).toEqual(['1:{"a":1}', '2:{"b":2}'])
    expect(firstLine(path.join(dir, 'bom.ndjson'))).toBe('{"a":1}')
    expect(firstLine(path.join(dir, 'one.txt'))).toBe('x')
  })

  it('reads a last line without a newline, an empty file, and reports a missing file', async () => {
    const dir = tempTree({ 'a.txt': 'one\ntwo', 'empty.txt': '' })
    expect((await linesOf(path.join(dir, 'a.txt'))).lines).toEqual(['1:one', '2:two'])
    expect((await linesOf(path.join(dir, 'empty.txt'))).count).toBe(0)
    await expect(readLines(path.join(dir, 'missing.txt'), () => undefined)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('firstLine reads one line, however long, without its line end', () => {
    const long = `{"kind":"run","x":"${'é'.repeat(70_000)}"}`
    const dir = tempTree({ 'long.ndjson': `${long}\r\nsecond\n`, 'one.txt': 'only', 'empty.txt': '', 'crlf.txt': 'a\r\nb' })
    expect(firstLine(path.join(dir, 'long.ndjson'))).toBe(long)
    expect(firstLine(path.join(dir, 'one.txt'))).toBe('only')
    expect(firstLine(path.join(dir, 'empty.txt'))).toBe('')
    expect(firstLine(path.join(dir, 'crlf.txt'))).toBe('a')
  })
})
