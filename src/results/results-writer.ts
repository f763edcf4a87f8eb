import { createHash } from 'node:crypto'
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync, existsSync, type WriteStream } from 'node:fs'
import path from 'node:path'
import type { Case, Run } from '../model/results.ts'

/**
 * Writes one results file (`<dir>/<run-id>.ndjson`: the Run, then one Case a line) without
 * holding the cases in memory. The run id is only known at the end (it hashes the input), so
 * cases go to a temporary file that becomes the results file once the header is known.
 */
export class ResultsWriter {
  private readonly temporary: string
  private readonly stream: WriteStream
  private count = 0

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true })
    this.temporary = path.join(dir, `.partial-${process.pid}-${Math.random().toString(36).slice(2)}`)
    this.stream = createWriteStream(this.temporary)
  }

  get cases(): number {
    return this.count
  }

  write(entry: Case): void {
    this.count++
    this.stream.write(`${JSON.stringify(entry)}\n`)
  }

  /** Finishes the file as `<run.id>.ndjson`; returns its path. */
  async close(run: Run): Promise<string> {
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())))
    const target = path.join(this.dir, `${run.id}.ndjson`)
    const withHeader = `${this.temporary}.run`
    writeFileSync(withHeader, `${JSON.stringify(run)}\n`)
    const { createReadStream } = await import('node:fs')
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(withHeader, { flags: 'a' })
      createReadStream(this.temporary).pipe(out).on('finish', resolve).on('error', reject)
    })
    rmSync(this.temporary, { force: true })
    renameSync(withHeader, target)
    return target
  }

  discard(): void {
    this.stream.destroy()
    rmSync(this.temporary, { force: true })
  }
}

/** Writes an attachment once, named by its content, so re-ingesting writes nothing new. */
export function writeAttachment(resultsDir: string, body: Buffer, mediaType: string): string {
  const ext = { 'text/plain': 'txt', 'application/json': 'json', 'text/html': 'html', 'image/png': 'png', 'image/jpeg': 'jpg' }[mediaType] ?? 'bin'
  const name = `attachments/${createHash('sha256').update(body).digest('hex').slice(0, 24)}.${ext}`
  const file = path.join(resultsDir, name)
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, body)
  }
  return name
}
