import { readFileSync, readdirSync } from 'node:fs'
import { isUtf8 } from 'node:buffer'
import path from 'node:path'
import { fsErrorCode } from '../errors.ts'
import type { CatalogueError } from './catalogue-types.ts'

/** All `.feature` files under `dir`, as paths relative to it with `/` separators, sorted. */
export function findFeatureFiles(dir: string): string[] {
  const found: string[] = []
  const walk = (relative: string): void => {
    const entries = readdirSync(path.join(dir, relative), { withFileTypes: true })
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
      const child = relative ? `${relative}/${entry.name}` : entry.name
      if (entry.isDirectory()) walk(child)
      else if (entry.name.endsWith('.feature')) found.push(child)
    }
  }
  walk('')
  return found.sort()
}

export type FeatureSource = { uri: string; text: string } | { uri: string; error: CatalogueError }

/**
 * Reads one feature file as UTF-8 text, turning unreadable, binary and mis-encoded files into a
 * located error instead of feeding garbage to the parser.
 */
export function readFeatureSource(dir: string, uri: string): FeatureSource {
  const file = path.join(dir, uri)
  let text: string
  try {
    // Fast path: Node decodes UTF-8 natively; bytes are only examined when the text hints at
    // a problem (U+FFFD is what invalid sequences decode to, NUL marks binary files).
    text = readFileSync(file, 'utf8')
  } catch (error) {
    return { uri, error: { file: uri, line: 1, column: 1, message: unreadable(error) } }
  }
  if (text.includes('\uFFFD') || text.includes('\0')) {
    const problem = examineBytes(readFileSync(file), uri)
    if (problem) return { uri, error: problem }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  return { uri, text }
}

function unreadable(error: unknown): string {
  const code = fsErrorCode(error)
  if (code === 'EACCES') return 'file permission denied; make it readable (chmod a+r)'
  if (code === 'EISDIR') return 'is a directory, not a file'
  return `file cannot be read (${code ?? String(error)})`
}

function examineBytes(bytes: Buffer, uri: string): CatalogueError | undefined {
  const nul = bytes.indexOf(0)
  if (nul !== -1)
    return { file: uri, ...positionOfByte(bytes, nul), message: 'binary file (contains NUL bytes), not Gherkin text; remove it or rename it so it does not end in .feature' }
  if (!isUtf8(bytes)) return { file: uri, ...positionOfByte(bytes, firstInvalidUtf8Byte(bytes)), message: 'not valid UTF-8 text; save the file as UTF-8 (Gherkin files must be UTF-8)' }
  return undefined
}

/** Byte offset of the first invalid UTF-8 sequence; validity of prefixes is monotonic, so bisect. */
function firstInvalidUtf8Byte(bytes: Buffer): number {
  const decodes = (length: number, stream: boolean): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream })
      return true
    } catch {
      return false
    }
  }
  let low = 0
  let high = bytes.length
  while (low < high) {
    const mid = (low + high + 1) >> 1
    if (decodes(mid, true)) low = mid
    else high = mid - 1
  }
  // The longest streamable prefix may end inside a sequence that never completes: it starts
  // at most 3 bytes earlier, where the prefix last decodes completely.
  for (let start = low; start > Math.max(0, low - 4); start--) if (decodes(start, false)) return start
  return Math.max(0, low - 3)
}

function positionOfByte(bytes: Buffer, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}
