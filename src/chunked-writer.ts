import { closeSync, openSync, writeSync } from 'node:fs'

/** Text gathered before each write. */
const CHUNK = 1 << 16

/**
 * Gathers text for an open file and writes it in pieces of about 64 KB: a report of a million
 * cases is written piece by piece without a syscall a line. `flush` writes what is left.
 */
export class ChunkedWriter {
  private pending = ''

  constructor(private readonly fd: number) {}

  put(text: string): void {
    this.pending += text
    if (this.pending.length >= CHUNK) this.flush()
  }

  flush(): void {
    if (this.pending) writeSync(this.fd, this.pending)
    this.pending = ''
  }
}

/** Writes a text made of pieces to `file` (made or emptied), without holding it whole. */
export function writePieces(file: string, pieces: Iterable<string>): void {
  const fd = openSync(file, 'w')
  try {
    const out = new ChunkedWriter(fd)
    for (const piece of pieces) out.put(piece)
    out.flush()
  } finally {
    closeSync(fd)
  }
}
