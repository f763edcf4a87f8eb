import { closeSync, openSync, writeSync } from 'node:fs'
import { naming } from './errors.ts'

/** Text gathered before each write. */
const CHUNK = 1 << 16

/**
 * Gathers text for an open file and writes it in pieces of about 64 KB: a report of a million
 * cases is written piece by piece without a syscall a line. `flush` writes what is left.
 */
export class ChunkedWriter {
  private pending = ''

  /** `file`: the open file's path, to name it when a write fails (a full disk) */
  constructor(
    private readonly fd: number,
    private readonly file: string,
  ) {}

  put(text: string): void {
    this.pending += text
    if (this.pending.length >= CHUNK) this.flush()
  }

  flush(): void {
    try {
      if (this.pending) writeAll(this.fd, this.pending)
    } catch (error) {
      throw naming(error, this.file)
    }
    this.pending = ''
  }
}

/** Writes a text made of pieces to `file` (made or emptied), without holding it whole. */
export function writePieces(file: string, pieces: Iterable<string>): void {
  const fd = openSync(file, 'w')
  try {
    const out = new ChunkedWriter(fd, file)
    for (const piece of pieces) out.put(piece)
    out.flush()
  } finally {
    closeSync(fd)
  }
}

/**
 * Writes all of `data` at the file's position. A write can take fewer bytes than it was given
 * (the disk filling up under it) without failing: the rest is written again, and it is the next
 * write that says why — never a file cut short in silence.
 */
export function writeAll(fd: number, data: string | Uint8Array): void {
  let bytes = data
  if (typeof bytes === 'string') {
    const written = writeSync(fd, bytes)
    if (written === Buffer.byteLength(bytes)) return
    bytes = Buffer.from(bytes).subarray(written)
  }
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done)
}
