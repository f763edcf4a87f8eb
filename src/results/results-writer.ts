import { createHash } from 'node:crypto'
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { naming } from '../errors.ts'
import { writeAll } from '../chunked-writer.ts'
import path from 'node:path'
import type { Case, Run } from '../model/results.ts'
import { makeDirectory } from '../files.ts'

/**
 * Writes one results file (`<dir>/<run-id>.ndjson`: the Run, then one Case a line) without
 * holding the cases in memory. The run id is only known at the end (it hashes the input), so
 * cases go to a temporary file that becomes the results file once the header is known.
 * Writes are synchronous and batched: ingest produces a case at a time from a file it reads, and
 * an asynchronous stream would only add trips through the event loop (or memory, unbounded).
 *
 * The header goes first, so a file is either copied behind it at the end or, with `headerRoom`,
 * written after a line of spaces that the header then overwrites in place (JSON allows the
 * spaces left after it). A million scenarios' results are 700 MB: their copy cost 1.8 s on a
 * busy page cache, and 700 MB more for the disk to take.
 */
export class ResultsWriter {
  private readonly temporary: string
  private readonly fd: number
  private readonly headerRoom: number
  private pending: string[] = []
  private pendingLength = 0
  private count = 0
  private closed = false

  /** `onLines`: each batch of case lines (whole lines) once written; `headerRoom`: bytes kept for the header line (headerRoomFor) */
  constructor(
    private readonly dir: string,
    private readonly onLines?: (lines: string) => void,
    options: { headerRoom?: number } = {},
  ) {
    makeDirectory(dir)
    this.temporary = path.join(dir, `.partial-${process.pid}-${Math.random().toString(36).slice(2)}`)
    this.fd = openSync(this.temporary, 'w')
    this.headerRoom = options.headerRoom ?? 0
    // (written here, not handed to onLines: it is no case)
    if (this.headerRoom) writeAll(this.fd, `${' '.repeat(this.headerRoom - 1)}\n`)
  }

  get cases(): number {
    return this.count
  }

  write(entry: Case): void {
    this.count++
    let line = `${JSON.stringify(entry)}\n`
    // JSON.stringify writes a lone UTF-16 surrogate (a producer's emoji cut in two) as an escape,
    // and a pair as itself: such an escape becomes U+FFFD, as a UTF-8 decoder reads those bytes,
    // so that no service the results go to (Testmo, GitLab) refuses them as not text.
    if (line.includes('\\ud')) line = line.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd')
    this.put(line)
  }

  private put(text: string): void {
    this.pending.push(text)
    this.pendingLength += text.length
    if (this.pendingLength >= CHUNK) this.flush()
  }

  /** Finishes the file as `<run.id>.ndjson`; returns its path. */
  close(run: Run): string {
    this.flush()
    const header = JSON.stringify(run)
    const target = path.join(this.dir, `${run.id}.ndjson`)
    if (this.headerRoom && Buffer.byteLength(header) < this.headerRoom) {
      try {
        const bytes = Buffer.from(header)
        for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done, done)
        closeSync(this.fd)
        this.closed = true
        renameSync(this.temporary, target)
      } catch (error) {
        this.discard()
        throw naming(error, target)
      }
      return target
    }
    closeSync(this.fd)
    this.closed = true
    const withHeader = `${this.temporary}.run`
    try {
      const out = openSync(withHeader, 'w')
      const input = openSync(this.temporary, 'r')
      try {
        writeAll(out, `${header}\n`)
        const buffer = Buffer.allocUnsafe(CHUNK)
        // (a header larger than the room kept for it: the cases are copied behind it, the room left out)
        for (let at = this.headerRoom, read = readSync(input, buffer, 0, CHUNK, at); read > 0; at += read, read = readSync(input, buffer, 0, CHUNK, at)) writeAll(out, buffer.subarray(0, read))
      } finally {
        closeSync(input)
        closeSync(out)
      }
      renameSync(withHeader, target)
    } catch (error) {
      rmSync(withHeader, { force: true })
      this.discard()
      throw naming(error, target)
    }
    rmSync(this.temporary, { force: true })
    return target
  }

  /** Removes what was written (nothing is left in the results folder). */
  discard(): void {
    if (!this.closed) closeSync(this.fd)
    this.closed = true
    rmSync(this.temporary, { force: true })
  }

  private flush(): void {
    if (!this.pending.length) return
    const lines = this.pending.join('')
    try {
      writeAll(this.fd, lines)
    } catch (error) {
      // a full disk: the half-written file is not left in the results folder
      this.discard()
      throw naming(error, this.dir)
    }
    this.onLines?.(lines)
    this.pending = []
    this.pendingLength = 0
  }
}

/**
 * Room for the header of the results of `input`: 64 KiB for an input of 64 MiB or more, whose
 * results are worth not copying (the header is a few hundred bytes; one that holds more is
 * written the other way), none for smaller ones. By the input's size alone, so the same input
 * gives the same results file wherever it is ingested.
 */
export function headerRoomFor(input: string): number {
  try {
    return statSync(input).size >= ROOMY_INPUT_BYTES ? HEADER_ROOM : 0
  } catch {
    return 0
  }
}

const ROOMY_INPUT_BYTES = 64 * 1024 * 1024
const HEADER_ROOM = 64 * 1024

// `\udxxx` of a surrogate, after an even number of backslashes (not itself an escaped backslash's text)
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g

/** 64 KiB: below glibc's mmap threshold and V8's large-object size (see read-lines). */
const CHUNK = 1 << 16

/** The extension a stored attachment of a media type is given (others: .bin). */
export const ATTACHMENT_EXTENSIONS: Readonly<Record<string, string>> = {
  'text/plain': 'txt', 'application/json': 'json', 'text/html': 'html', 'text/markdown': 'md', 'image/png': 'png', 'image/jpeg': 'jpg',
  'image/gif': 'gif', 'image/webp': 'webp', 'video/webm': 'webm', 'video/mp4': 'mp4', 'application/zip': 'zip',
}

/** Writes an attachment once, named by its content, so re-ingesting writes nothing new. */
export function writeAttachment(resultsDir: string, body: Buffer, mediaType: string): string {
  // (own keys only: a media type named `constructor` or `toString` is none of them)
  const ext = Object.hasOwn(ATTACHMENT_EXTENSIONS, mediaType) ? ATTACHMENT_EXTENSIONS[mediaType]! : 'bin'
  const name = `attachments/${createHash('sha256').update(body).digest('hex').slice(0, 24)}.${ext}`
  const file = path.join(resultsDir, name)
  if (!existsSync(file)) {
    makeDirectory(path.dirname(file))
    writeFileSync(file, body)
  }
  return name
}
