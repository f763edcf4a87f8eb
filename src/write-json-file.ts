import { closeSync, openSync } from 'node:fs'
import { ChunkedWriter } from './chunked-writer.ts'

/** Below this many items an array is written by one JSON.stringify (fast; its text is small). */
const WHOLE_BELOW = 64
/** Items of a walked array stringified together (each call costs; each batch's text stays small). */
const BATCH = 32

/**
 * Writes `value` as `JSON.stringify(value, null, indent)` would, plus a newline, piece by piece:
 * a matrix of a million scenarios is a JSON text of hundreds of megabytes, near the longest
 * string V8 makes, and the whole of it would sit in memory beside the matrix. Large arrays are
 * walked item by item (and the objects holding them, key by key); everything else is stringified
 * whole and indented to its depth.
 */
export function writeJsonFile(file: string, value: unknown, indent = 2): void {
  const fd = openSync(file, 'w')
  const out = new ChunkedWriter(fd, file)
  const put = (text: string): void => out.put(text)
  const unit = ' '.repeat(indent)
  // indent 0 is compact: no line breaks, no space after a colon
  const nl = indent ? '\n' : ''
  const colon = indent ? ': ' : ':'
  const whole = (v: unknown, pad: string): string | undefined => {
    const text = JSON.stringify(v, null, indent)
    return text === undefined || !pad || !text.includes('\n') ? text : text.replace(/\n/g, `\n${pad}`)
  }
  // Items of the array at `pad`, several at once and indented by JSON.stringify itself: the batch
  // is nested in as many arrays as `pad` is deep, and the text of the wrapping cut off (adding
  // the padding afterwards cost as much again as the stringify, 0.09 s for 100,000 scenarios).
  const cuts = new Map<string, [number, number]>()
  const nested = (value: unknown, pad: string): string => {
    for (let depth = pad.length / (indent || 1); depth > 0; depth--) value = [value]
    return JSON.stringify(value, null, indent)
  }
  const items = (batch: unknown[], pad: string): string => {
    let cut = cuts.get(pad)
    if (!cut) {
      const shape = nested([0], pad)
      cuts.set(pad, (cut = [shape.indexOf('0'), shape.length - shape.indexOf('0') - 1]))
    }
    const text = nested(batch, pad)
    return text.slice(cut[0], text.length - cut[1])
  }
  // Whether a value holds an array large enough to walk (then it is walked, not stringified).
  // (asked of every item of a walked array: loops, not lists of values made to be searched)
  const large = (v: unknown, depth: number): boolean => {
    if (depth > 4 || v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false
    if (Array.isArray(v)) {
      if (v.length >= WHOLE_BELOW) return true
      for (const item of v) if (large(item, depth + 1)) return true
      return false
    }
    for (const key in v) if (Object.hasOwn(v, key) && large((v as Record<string, unknown>)[key], depth + 1)) return true
    return false
  }
  const write = (v: unknown, pad: string): void => {
    if (!large(v, 0)) {
      put(whole(v, pad) ?? 'null')
      return
    }
    const inner = pad + unit
    if (Array.isArray(v)) {
      put('[')
      // runs of small items go in batches; what has no JSON form becomes null, as in JSON.stringify
      let batch: unknown[] = []
      const flush = (): void => {
        if (batch.length) put(items(batch, pad))
        batch = []
      }
      v.forEach((item, i) => {
        if (batch.length === 0) put(`${i ? ',' : ''}${nl}${inner}`)
        if (!large(item, 0)) {
          batch.push(item)
          if (batch.length === BATCH) flush()
          return
        }
        if (batch.length) {
          flush()
          put(`,${nl}${inner}`)
        }
        write(item, inner)
      })
      flush()
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
