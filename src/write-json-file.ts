import { closeSync, openSync } from 'node:fs'
import { ChunkedWriter } from './chunked-writer.ts'

/** Below this many items an array is written by one JSON.stringify (fast; its text is small). */
const WHOLE_BELOW = 64

/**
 * Writes `value` as `JSON.stringify(value, null, indent)` would, plus a newline, piece by piece:
 * a matrix of a million scenarios is a JSON text of hundreds of megabytes, near the longest
 * string V8 makes, and the whole of it would sit in memory beside the matrix. Large arrays are
 * walked item by item (and the objects holding them, key by key); everything else is stringified
 * whole and indented to its depth.
 */
export function writeJsonFile(file: string, value: unknown, indent = 2): void {
  const fd = openSync(file, 'w')
  const out = new ChunkedWriter(fd)
  const put = (text: string): void => out.put(text)
  const unit = ' '.repeat(indent)
  // indent 0 is compact: no line breaks, no space after a colon
  const nl = indent ? '\n' : ''
  const colon = indent ? ': ' : ':'
  const whole = (v: unknown, pad: string): string | undefined => {
    const text = JSON.stringify(v, null, indent)
    return text === undefined || !pad || !text.includes('\n') ? text : text.replace(/\n/g, `\n${pad}`)
  }
  // Whether a value holds an array large enough to walk (then it is walked, not stringified).
  const large = (v: unknown, depth: number): boolean => {
    if (depth > 4 || v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false
    if (Array.isArray(v)) return v.length >= WHOLE_BELOW || v.some((item) => large(item, depth + 1))
    return Object.values(v).some((item) => large(item, depth + 1))
  }
  const write = (v: unknown, pad: string): void => {
    if (!large(v, 0)) {
      put(whole(v, pad) ?? 'null')
      return
    }
    const inner = pad + unit
    if (Array.isArray(v)) {
      put('[')
      v.forEach((item, i) => {
        put(`${i ? ',' : ''}${nl}${inner}`)
        // as JSON.stringify does: what has no JSON form is null in an array
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') put('null')
        else write(item, inner)
      })
      put(`${nl}${pad}]`)
      return
    }
    put('{')
    let first = true
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
      // …and is left out of an object
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue
      put(`${first ? '' : ','}${nl}${inner}${JSON.stringify(key)}${colon}`)
      write(item, inner)
      first = false
    }
    put(first ? '}' : `${nl}${pad}}`)
  }
  try {
    write(value, '')
    put('\n')
    out.flush()
  } finally {
    closeSync(fd)
  }
}
