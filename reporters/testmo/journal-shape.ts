import { isListOf, isObject } from '../../src/json-shape.ts'

/**
 * What is wrong with a publish journal read from its file, or undefined when it has the shape
 * the publisher relies on (PublishJournal). A journal is written by the publisher alone; one that
 * was edited, or written by another version, is refused by name rather than half-trusted: a
 * thread that was a number, or an append in flight on a thread it does not list, ended the
 * publish with a TypeError, and a count that was text would have resent tests.
 */
export function journalShapeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object'
  if (typeof value.publication !== 'string') return 'publication: not a string'
  if (value.journalVersion !== undefined && !(Number.isInteger(value.journalVersion) && (value.journalVersion as number) >= 1 && (value.journalVersion as number) <= 6)) return 'journalVersion: not 1 to 6'
  if (value.runId !== undefined && !isId(value.runId)) return 'runId: not a run id'
  if (typeof value.runCompleted !== 'boolean') return 'runCompleted: not true or false'
  if (value.adopted !== undefined && typeof value.adopted !== 'boolean') return 'adopted: not true or false'
  if (value.creatingRun !== undefined && typeof value.creatingRun !== 'boolean') return 'creatingRun: not true or false'
  if (!isObject(value.threads)) return 'threads: not an object of threads'
  const threads = value.threads
  for (const [key, thread] of Object.entries(threads)) {
    const problem = threadProblem(thread)
    if (problem) return `threads[${JSON.stringify(key)}]: ${problem}`
  }
  if (value.inflight !== undefined) {
    const inflight = value.inflight
    if (!isObject(inflight)) return 'inflight: not a request'
    const kind = inflight.kind
    if (kind === 'create-run' || kind === 'complete-run') return undefined
    if (kind !== 'create-thread' && kind !== 'complete-thread' && kind !== 'append') return 'inflight.kind: not a request the publisher makes'
    if (typeof inflight.thread !== 'string') return 'inflight.thread: not a string'
    // (a thread is completed and appended to once it was created, so it is listed)
    if (kind !== 'create-thread' && !Object.hasOwn(threads, inflight.thread)) return `inflight.thread: ${JSON.stringify(inflight.thread)} is not one of the threads`
    if (kind === 'append' && !isBatch(inflight)) return 'inflight: not a batch (from, size)'
  }
  return undefined
}

function threadProblem(thread: unknown): string | undefined {
  if (!isObject(thread)) return 'not a thread'
  if (!isId(thread.id)) return 'id: not a thread id'
  if (!isCount(thread.sent)) return 'sent: not a count'
  if (typeof thread.completed !== 'boolean') return 'completed: not true or false'
  if (thread.order !== undefined && typeof thread.order !== 'string') return 'order: not a string'
  if (thread.elsewhere !== undefined && !isCount(thread.elsewhere)) return 'elsewhere: not a count'
  for (const list of ['landed', 'inflight'] as const) if (thread[list] !== undefined && !isListOf(thread[list], isBatch)) return `${list}: not a list of batches (from, size)`
  return undefined
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0
}

function isBatch(value: unknown): boolean {
  return isObject(value) && isCount(value.from) && isId(value.size)
}
