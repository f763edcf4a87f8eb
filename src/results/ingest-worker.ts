import { parentPort, workerData } from 'node:worker_threads'
import { ingestFile } from './ingest-file.ts'
import type { IngestContext } from './ingest-types.ts'

// The worker side of ingestFileInWorker: one file, one answer, then the thread ends.
const { file, ctx, caseLines } = workerData as { file: string; ctx: IngestContext; caseLines: boolean }
// the case lines as written, for the thread that started it to parse meanwhile (PreparedCases)
if (caseLines) ctx.onCaseLines = (lines) => parentPort!.postMessage({ lines })
try {
  parentPort!.postMessage({ outcome: await ingestFile(file, ctx) })
} catch (error) {
  parentPort!.postMessage({ error: { code: (error as { code?: string }).code, message: (error as Error).message } })
}
