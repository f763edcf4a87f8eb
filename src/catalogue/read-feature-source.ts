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
  let bytes: Buffer
  try {
    bytes = readFileSync(path.join(dir, uri))
  } catch (error) {
    const code = fsErrorCode(error)
    const why = code === 'EACCES' ? 'permission denied; make it readable (chmod a+r)' : `cannot be read (${code ?? String(error)})`
    return { uri, error: { file: uri, line: 1, column: 1, message: `file ${why}` } }
  }
  const nul = bytes.indexOf(0)
  if (nul !== -1) {
    const at = positionOfByte(bytes, nul)
    return { uri, error: { file: uri, ...at, message: 'binary file (contains NUL bytes), not Gherkin text; remove it or rename it so it does not end in .feature' } }
  }
  if (!isUtf8(bytes)) {
    const at = positionOfByte(bytes, firstInvalidUtf8Byte(bytes))
    return { uri, error: { file: uri, ...at, message: 'not valid UTF-8 text; save the file as UTF-8 (Gherkin files must be UTF-8)' } }
  }
  let text = bytes.toString('utf8')
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  return { uri, text }
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
