import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import type { IngestContext, IngestOutcome } from './ingest-types.ts'
import type { PreparedCases } from './prepared-cases.ts'
import { isUtf16Xml } from './xml-text.ts'

export type ResultsFormat = 'junit' | 'cucumber-messages' | 'cucumber-json' | 'go-test-json' | 'unknown'

/**
 * What a results file is, by its content (its name may say nothing): XML is JUnit, a line of
 * JSON envelopes is Cucumber Messages (a line of go test's events is `go test -json`), a JSON
 * array is a Cucumber JSON report (behave's too).
 */
export function detectFormat(file: string, bytes = readHead(file, 4096)): ResultsFormat {
  if (isUtf16Xml(bytes)) return 'junit'
  const head = bytes.toString('utf8').replace(/^\uFEFF/, '').trimStart()
  if (head.startsWith('<')) return 'junit'
  if (head.startsWith('[')) return 'cucumber-json'
  if (isGoTestJson(head)) return 'go-test-json'
  if (head.startsWith('{')) return 'cucumber-messages'
  return head === '' ? 'cucumber-messages' : /\.xml$/i.test(file) ? 'junit' : 'unknown'
}

/**
 * Whether a file that starts so is `go test -json` output: its first line an event (an object
 * with an Action: test2json writes Time first when it knows it, then Action), or a package that
 * did not build, a plain line before Go 1.24.
 */
export function isGoTestJson(head: string): boolean {
  if (/^FAIL\s+\S+\s+\[(build|setup) failed\]\r?(\n|$)/.test(head)) return true
  const line = head.slice(0, head.indexOf('\n') === -1 ? undefined : head.indexOf('\n'))
  try {
    const event = JSON.parse(line) as unknown
    return typeof event === 'object' && event !== null && typeof (event as { Action?: unknown }).Action === 'string'
  } catch {
    // a first line longer than the head read
    return /^\{("Time":"[^"]*",)?"Action":"/.test(line)
  }
}

/** Ingests one file, recognised by its content. */
export async function ingestFile(file: string, ctx: IngestContext): Promise<IngestOutcome> {
  const head = readHead(file, 4096)
  const format = detectFormat(file, head)
  const notResults = format === 'unknown' || format === 'junit' ? packedOrPage(head) : undefined
  if (notResults) return { cases: 0, problems: [{ file, line: 1, message: notResults }] }
  if (format === 'junit') return (await import('./ingest-junit.ts')).ingestJUnit(file, ctx)
  if (format === 'cucumber-messages') return (await import('./ingest-cucumber-messages.ts')).ingestCucumberMessages(file, ctx)
  if (format === 'cucumber-json') return (await import('./ingest-cucumber-json.ts')).ingestCucumberJson(file, ctx)
  if (format === 'go-test-json') return (await import('./ingest-go-test-json.ts')).ingestGoTestJson(file, ctx)
  return { cases: 0, problems: [{ file, line: 1, message: 'not a results format bdd-matrix reads: expected JUnit XML (starts with <), Cucumber Messages NDJSON (one JSON envelope per line), a Cucumber JSON report (a JSON array of features, from godog, Cucumber-JVM, cucumber-js, pytest-bdd or behave) or go test -json output' }] }
}

/**
 * What a file that is no results format most often is, said with what to give instead: a job's
 * artifacts as GitLab downloads them (a zip), a compressed report, Cucumber's HTML report.
 */
function packedOrPage(head: Buffer): string | undefined {
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'a zip archive (GitLab\'s artifacts.zip?), not a results format: extract it, then ingest the folder'
  if (head[0] === 0x1f && head[1] === 0x8b) return 'a gzip-compressed file, not a results format: decompress it first (gunzip)'
  if (/^\s*(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html[\s>])/i.test(head.toString('utf8').replace(/^\uFEFF/, ''))) return "an HTML page (Cucumber's HTML report?), not a results format: give the messages it is made from (cucumber-js --format message:FILE), Cucumber JSON or JUnit XML"
  return undefined
}

function readHead(file: string, bytes: number): Buffer {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (error) {
    if ((error as { code?: string }).code === 'EISDIR') return Buffer.alloc(0)
    throw error
  }
  try {
    const buffer = Buffer.alloc(bytes)
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0))
  } finally {
    closeSync(fd)
  }
}

/** Inputs from this size up are ingested in a worker (about 25,000 scenarios of Cucumber Messages). */
export const WORKER_THRESHOLD_BYTES = 64 * 1024 * 1024

/**
 * Inputs up to this size have their cases prepared (about 400,000 scenarios of messages). The
 * prepared cases are held while the worker holds its own peak: beyond this, that memory (and the
 * collections it costs this thread, competing with the worker for the cores) outweighs reading
 * the file again — a million scenarios took 2 s longer and 100–230 MB more with cases prepared.
 */
export const PREPARE_MAX_BYTES = 1024 * 1024 * 1024

const WORKER = new URL('./ingest-worker.js', import.meta.url)

/**
 * Ingests a large file in a worker thread. Cucumber announces every scenario before running any,
 * so ingesting 100,000 of them holds tens of megabytes that the main heap would keep until its
 * next full collection, on top of what merging and reporting need next; a worker's heap is handed
 * back whole when it ends. Starting one costs about 0.05 s, so small files stay in-process, and
 * so does everything run from TypeScript sources (tests, tsx), which have no compiled worker.
 *
 * `prepared`: the cases the worker writes are parsed here as it hands them over, for a merge in
 * this process that follows (`run`'s reports); only a worker's, as this thread is idle then, and
 * of an input up to PREPARE_MAX_BYTES.
 */
export function ingestLargeFileInWorker(file: string, ctx: IngestContext, options: { thresholdBytes?: number; prepared?: PreparedCases } = {}): Promise<IngestOutcome> {
  const size = sizeOf(file)
  if (import.meta.url.endsWith('.ts') || size < (options.thresholdBytes ?? WORKER_THRESHOLD_BYTES)) return ingestFile(file, ctx)
  const collector = size <= PREPARE_MAX_BYTES ? options.prepared?.collect() : undefined
  return new Promise((resolve, reject) => {
    // Its garbage is one envelope at a time: a bigger nursery only adds to the RSS (100,000
    // scenarios: 8 MB peaks 8 MB below 16 MB in the same time; 4 MB saves 7 more but costs time).
    // Up to a gigabyte the worker keeps its nursery at its first size (young-generation.ts);
    // past it, this bounds it.
    const { onCaseLines: _, inputHash: __, collectGarbage: ___, ...cloneable } = ctx
    // This thread hashes the input for the run id while the worker reads it (the worker's one
    // core is the ingest's bound: 0.1 s of 100,000 scenarios' messages, 3 s of a million).
    const hashedThere = !ctx.runId
    const worker = new Worker(WORKER, { workerData: { file, ctx: cloneable, caseLines: Boolean(collector), hashedThere, bytes: size }, resourceLimits: { maxYoungGenerationSizeMb: 8 } })
    if (hashedThere)
      hashFile(file).then(
        (inputHash) => worker.postMessage({ inputHash }),
        (error: Error) => worker.postMessage({ hashError: error.message }),
      )
    let answer: { outcome?: IngestOutcome; error?: { code?: string; syscall?: string; path?: string; message: string } } | undefined
    let failure: Error | undefined
    worker.on('message', (message: { lines: string } | NonNullable<typeof answer>) => {
      if ('lines' in message) collector?.onCaseLines(message.lines)
      else answer = message
    })
    worker.once('error', (error) => (failure = error))
    // Settle on exit, not on the answer: the worker's heap is only handed back once it has ended
    // (and every message it sent has been handled).
    worker.once('exit', (code) => {
      if (answer?.outcome?.path) collector?.keep(path.resolve(answer.outcome.path))
      if (answer?.outcome) resolve(answer.outcome)
      else if (answer?.error) reject(Object.assign(new Error(answer.error.message), answer.error))
      else reject(failure ?? new Error(`ingest worker for ${file} stopped (exit ${code})`))
    })
  })
}

/** sha256 of a file, read into one reused buffer (a stream's fresh chunks of 262 MB raised the peak by 30 MB). */
async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256')
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.allocUnsafe(1 << 16)
    for (let read = (await handle.read(buffer, 0, buffer.length, null)).bytesRead; read > 0; read = (await handle.read(buffer, 0, buffer.length, null)).bytesRead) hash.update(buffer.subarray(0, read))
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0 // the ingester reports a missing file as it always does
  }
}
