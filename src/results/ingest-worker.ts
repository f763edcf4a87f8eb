import { parentPort, workerData } from 'node:worker_threads'
import { ingestFile } from './ingest-file.ts'
import type { IngestContext } from './ingest-types.ts'
import { collectGarbage } from '../collect-garbage.ts'
import { sizeYoungGenerationFor } from '../young-generation.ts'

// The worker side of ingestFileInWorker: one file, one answer, then the thread ends.
const { file, ctx, caseLines, hashedThere, bytes } = workerData as { file: string; ctx: IngestContext; caseLines: boolean; hashedThere: boolean; bytes: number }
// (only `ingest` and `run` start it, whose young generation the bin keeps small: this thread's start undid that)
sizeYoungGenerationFor(bytes)
// the case lines as written, for the thread that started it to parse meanwhile (PreparedCases)
if (caseLines) ctx.onCaseLines = (lines) => parentPort!.postMessage({ lines })
// V8's own full collection, of this thread's heap (ingest-types.ts says why)
ctx.collectGarbage = collectGarbage
// the input's hash, from the thread that started it (which hashes the file meanwhile)
// (listening keeps the thread alive until the hash came, then the thread may end)
if (hashedThere) {
  const hashed = new Promise<string>((resolve, reject) => {
    const listener = (message: { inputHash?: string; hashError?: string }): void => {
      if (message.inputHash === undefined && message.hashError === undefined) return
      parentPort!.off('message', listener)
      if (message.inputHash !== undefined) resolve(message.inputHash)
      else reject(new Error(message.hashError))
    }
    parentPort!.on('message', listener)
  })
  hashed.catch(() => undefined) // asked for only at the end; an ingest that fails first never awaits it
  ctx.inputHash = () => hashed
}
try {
  parentPort!.postMessage({ outcome: await ingestFile(file, ctx) })
} catch (error) {
  // (a file-system failure keeps what names it: which file, doing what)
  const { code, syscall, path } = error as { code?: string; syscall?: string; path?: string }
  parentPort!.postMessage({ error: { code, syscall, path, message: (error as Error).message } })
}
