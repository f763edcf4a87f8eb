import { closeSync, openSync, readSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'

/**
 * Calls `onLine` for every line of a file (without its `\n` or `\r\n`). Results and message
 * files have a million lines; readline's async iteration costs a promise per line and a regular
 * expression per chunk, which this avoids. `onChunk` sees the raw bytes (to hash the input without
 * a second read). Resolves to the number of lines.
 *
 * Reads are synchronous into one reused 64 KiB buffer: an asynchronous stream left the process
 * waiting on a trip through the thread pool for every chunk (a tenth of ingest's time), and a
 * 64 KiB string stays below V8's large-object size, so it dies young. Every megabyte it yields to
 * the event loop, so signals and network exchanges still progress while a large file is read.
 */
export async function readLines(file: string, onLine: (line: string, lineNumber: number) => void, onChunk?: (chunk: Buffer) => void): Promise<number> {
  const decoder = new StringDecoder('utf8')
  const buffer = Buffer.allocUnsafe(CHUNK)
  // The start of a line that goes on past its chunk, a piece a chunk: joined once its end is read.
  // (Appending each chunk to one string made V8 copy the line so far on every search: a line of a
  // video attached as base64, 80 MB, took 40 s.)
  let parts: string[] = []
  let lineNumber = 0
  const emit = (line: string): void => {
    lineNumber++
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line, lineNumber)
  }
  const fd = openSync(file, 'r')
  try {
    for (let chunks = 1; ; chunks++) {
      const read = readSync(fd, buffer, 0, CHUNK, null)
      if (read === 0) break
      const chunk = buffer.subarray(0, read)
      onChunk?.(chunk)
      // (a byte order mark, as Windows tools write one, is no part of the first line)
      const text = chunks === 1 ? decoder.write(chunk).replace(/^\uFEFF/, '') : decoder.write(chunk)
      let start = 0
      let end = text.indexOf('\n')
      if (end !== -1 && parts.length) {
        parts.push(text.slice(0, end))
        emit(parts.join(''))
        parts = []
        start = end + 1
        end = text.indexOf('\n', start)
      }
      for (; end !== -1; end = text.indexOf('\n', start)) {
        emit(text.slice(start, end))
        start = end + 1
      }
      if (start < text.length) parts.push(text.slice(start))
      if (chunks % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve))
    }
  } finally {
    closeSync(fd)
  }
  const rest = parts.join('') + decoder.end()
  if (rest) emit(rest)
  return lineNumber
}

/** The first line of a file (without its line end), read without reading the rest; '' when empty. */
export function firstLine(file: string): string {
  const decoder = new StringDecoder('utf8')
  const buffer = Buffer.allocUnsafe(CHUNK)
  const parts: string[] = []
  const fd = openSync(file, 'r')
  try {
    for (let read = readSync(fd, buffer, 0, CHUNK, null); read > 0; read = readSync(fd, buffer, 0, CHUNK, null)) {
      const text = decoder.write(buffer.subarray(0, read))
      const end = text.indexOf('\n')
      if (end !== -1) return bare(parts.join('') + text.slice(0, end))
      parts.push(text)
    }
  } finally {
    closeSync(fd)
  }
  return bare(parts.join('') + decoder.end())
}

/** A first line without its `\r` (of CRLF) or a byte order mark before it. */
const bare = (line: string): string => line.replace(/\r$/, '').replace(/^\uFEFF/, '')

const CHUNK = 1 << 16
const YIELD_EVERY = 16
