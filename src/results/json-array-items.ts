import { closeSync, openSync, readSync } from 'node:fs'

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const CHUNK = 1 << 20

export class JsonArrayError extends Error {
  constructor(
    message: string,
    /** 1-based line of the problem */
    readonly line: number,
  ) {
    super(message)
  }
}

/**
 * The items of a file that is one JSON array (a Cucumber JSON report: one item a feature), parsed
 * one at a time as the file is read: a report of 100,000 scenarios is never one object in memory,
 * and each item costs one `JSON.parse` (a streaming tokenizer in JavaScript costs several times
 * that). The scan only tracks strings and nesting to find where each top-level item ends; an
 * item laid out as godog and Cucumber-JVM write them is found without looking at its every byte
 * (indentedItem), which halves the reading of a large report. `onBytes` sees every byte read (to
 * hash the input in the same pass). An item's line is counted when asked for (a problem to
 * report, rare): the file is read again up to it, rather than every line counted as it goes by.
 */
export function* jsonArrayItems(file: string, onBytes?: (chunk: Buffer) => void, options: { /** bytes a read (tests cut items across reads) */ chunkBytes?: number } = {}): Generator<{ item: unknown; line: number }> {
  const fd = openSync(file, 'r')
  const chunk = options.chunkBytes ?? CHUNK
  try {
    const buffer = Buffer.allocUnsafe(chunk)
    let depth = 0
    let inString = false
    let escaped = false
    let started = false
    let ended = false
    const layout: Layout = { indented: true, missFrom: Infinity }
    // offsets in the file: of the read in the buffer, of the item being scanned
    let base = 0
    let itemAt = 0
    let pieces: Buffer[] = []
    const fail = (message: string, offset: number): JsonArrayError => new JsonArrayError(message, lineAt(file, offset))
    for (let read = readSync(fd, buffer, 0, chunk, null); read > 0; base += read, read = readSync(fd, buffer, 0, chunk, null)) {
      const view = buffer.subarray(0, read)
      layout.missFrom = Infinity
      onBytes?.(view)
      let itemStart = depth >= 2 ? 0 : -1
      for (let i = 0; i < read; i++) {
        const c = buffer[i]!
        if (inString) {
          if (escaped) escaped = false
          else if (c === BACKSLASH) escaped = true
          else if (c === QUOTE) inString = false
          continue
        }
        if (c === QUOTE) {
          inString = true
          if (depth < 1) throw fail('not a JSON array: a string outside it', base + i)
          if (depth === 1) throw fail('an item of the array is not an object', base + i)
        } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          if (ended) throw fail('text after the end of the array', base + i)
          if (depth === 0) {
            if (c !== OPEN_BRACKET) throw fail('not a JSON array (it starts with {)', base + i)
            started = true
          } else if (depth === 1) {
            if (c !== OPEN_BRACE) throw fail('an item of the array is not an object', base + i)
            const item = layout.indented ? indentedItem(view, i, layout) : undefined
            if (item) {
              yield new ArrayItem(item.value, file, base + i)
              i = item.end
              continue
            }
            itemStart = i
            itemAt = base + i
          }
          depth++
        } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          depth--
          if (depth < 0) throw fail('a closing bracket without its opening one', base + i)
          if (depth === 1) {
            pieces.push(buffer.subarray(itemStart, i + 1))
            const text = pieces.length === 1 ? pieces[0]!.toString('utf8') : Buffer.concat(pieces).toString('utf8')
            pieces = []
            itemStart = -1
            let item: unknown
            try {
              item = JSON.parse(text)
            } catch (error) {
              throw fail(`not valid JSON: ${(error as Error).message}`, itemAt)
            }
            yield new ArrayItem(item, file, itemAt)
          } else if (depth === 0) ended = true
        } else if (depth === 1 && c > 0x20 && c !== 0x2c) {
          throw fail('an item of the array is not an object', base + i)
        } else if (depth === 0 && c > 0x20 && !(c === 0xef || c === 0xbb || c === 0xbf)) {
          throw fail(ended ? 'text after the end of the array' : 'not a JSON array', base + i)
        }
      }
      // An item that goes on into the next chunk: its bytes so far, copied (the buffer is reused).
      if (itemStart >= 0 && depth >= 2) pieces.push(Buffer.from(buffer.subarray(itemStart, read)))
    }
    if (!started) throw new JsonArrayError('empty file: no JSON array in it', 1)
    if (!ended || inString) throw fail('the array is cut short (the file ends inside it): the run that wrote it was killed, or the file was copied in part', base)
  } finally {
    closeSync(fd)
  }
}

/** An item and where it starts; its line is counted only when asked for. */
class ArrayItem {
  constructor(
    readonly item: unknown,
    private readonly file: string,
    private readonly offset: number,
  ) {}

  get line(): number {
    return lineAt(this.file, this.offset)
  }
}

/** What the reader learnt of the file's layout. */
interface Layout {
  /** items may be found by their closing line (until one candidate does not parse) */
  indented: boolean
  /** in this read, no closing line follows this offset */
  missFrom: number
}

/**
 * An item laid out as godog and Cucumber-JVM write them — its opening brace first on its line, its
 * closing one alone at the same indentation — found without looking at every byte: the closing
 * line is searched for natively and the text between parsed. It is the item exactly when it
 * parses (a shorter text that parses would close the object); otherwise, and for any other
 * layout or an item going on into the next read, undefined: the byte scan finds its end. A file
 * is laid out one way throughout: after one candidate that does not parse, or a read with no
 * closing line left, the search is not tried again (a file of one-line items would otherwise be
 * searched to the end of the read once per item).
 */
function indentedItem(view: Buffer, start: number, layout: Layout): { value: unknown; end: number } | undefined {
  let k = start - 1
  while (k >= 0 && (view[k] === 0x20 || view[k] === 0x09)) k--
  if (k < 0 || view[k] !== 0x0a || start >= layout.missFrom) return undefined
  const closing = closingLine(view.toString('latin1', k + 1, start))
  const at = view.indexOf(closing, start + 1)
  if (at === -1) {
    layout.missFrom = start
    return undefined
  }
  const end = at + closing.length - 1
  try {
    return { value: JSON.parse(view.toString('utf8', start, end + 1)), end }
  } catch {
    layout.indented = false
    return undefined
  }
}

const CLOSING = new Map<string, Buffer>()

/** `\n<indentation>}`, made once per indentation. */
function closingLine(indentation: string): Buffer {
  let closing = CLOSING.get(indentation)
  if (!closing) CLOSING.set(indentation, (closing = Buffer.from(`\n${indentation}}`, 'latin1')))
  return closing
}

/** The 1-based line of a byte offset of a file, counted by reading the file up to it. */
function lineAt(file: string, offset: number): number {
  const fd = openSync(file, 'r')
  try {
    const buffer = Buffer.allocUnsafe(CHUNK)
    let line = 1
    for (let done = 0; done < offset; ) {
      const read = readSync(fd, buffer, 0, Math.min(CHUNK, offset - done), done)
      if (read === 0) break
      for (let at = buffer.indexOf(0x0a); at !== -1 && at < read; at = buffer.indexOf(0x0a, at + 1)) line++
      done += read
    }
    return line
  } finally {
    closeSync(fd)
  }
}
