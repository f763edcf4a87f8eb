import { createReadStream } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'

/**
 * Calls `onLine` for every line of a file (without its `\n` or `\r\n`), synchronously per chunk.
 * Results and message files have a million lines; readline's async iteration costs a promise
 * per line and a regular expression per chunk, which this avoids. `onChunk` sees the raw bytes
 * (to hash the input without a second read). Resolves to the number of lines.
 */
export async function readLines(file: string, onLine: (line: string, lineNumber: number) => void, onChunk?: (chunk: Buffer) => void): Promise<number> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  let lineNumber = 0
  const emit = (line: string): void => {
    lineNumber++
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line, lineNumber)
  }
  // Read a megabyte at a time (fewer trips through the event loop) but decode 64 KiB at a time:
  // a string over 128 KiB would be allocated straight in V8's old space and outlive its use.
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    onChunk?.(chunk)
    for (let offset = 0; offset < chunk.length; offset += 1 << 16) {
      const text = rest + decoder.write(chunk.subarray(offset, offset + (1 << 16)))
      let start = 0
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        emit(text.slice(start, end))
        start = end + 1
      }
      rest = text.slice(start)
    }
  }
  rest += decoder.end()
  if (rest) emit(rest)
  return lineNumber
}
