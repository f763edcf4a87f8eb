import { parentPort, workerData } from 'node:worker_threads'
import { ingestFile } from './ingest-file.ts'
import type { IngestContext } from './ingest-types.ts'

// The worker side of ingestFileInWorker: one file, one answer, then the thread ends.
const { file, ctx } = workerData as { file: string; ctx: IngestContext }
try {
  parentPort!.postMessage({ outcome: await ingestFile(file, ctx) })
} catch (error) {
  parentPort!.postMessage({ error: { code: (error as { code?: string }).code, message: (error as Error).message } })
}
