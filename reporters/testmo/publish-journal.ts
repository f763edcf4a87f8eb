import { readFileSync } from 'node:fs'
import type { MergedCase } from '../../src/results/merge-results.ts'
import { testKey } from './test-mapper.ts'

/**
 * What has reached Testmo, so an interrupted publish resumes without sending anything twice. It is
 * a write-ahead journal: before each request whose outcome matters it records what is about to be
 * sent (`inflight`); a publish that finds a request in flight — it was killed, or the answer was
 * lost — reads Testmo's state before it sends anything again. The file is a log of these records,
 * a line each (readJournal).
 */
export interface PublishJournal {
  journalVersion?: 6
  /** identifies the results being published: a journal of other results is refused */
  publication: string
  runId?: number
  /**
   * The run may hold tests of this publication that no thread of the journal lists: it was found
   * in Testmo under the publication's tag (or given, to a --thread job) while no journal of it was
   * here — a retried CI job starts in a fresh workspace. The run's keys are read before a thread
   * is made, and only the tests not in it are sent (version 6 on).
   */
  adopted?: boolean
  inflight?: Inflight
  /** (journal version 1) a create-run request went out whose answer was not seen */
  creatingRun?: boolean
  threads: Record<string, ThreadRecord>
  runCompleted: boolean
}

/** Tests `from` … `from + size - 1` of a thread, in the order the publish sends them. */
export interface Batch {
  from: number
  size: number
}

export interface ThreadRecord {
  id: number
  /** the first `sent` tests are in Testmo */
  sent: number
  /** batches beyond `sent` that are in Testmo (appends answer out of order) */
  landed?: Batch[]
  /** appends sent whose answer is not recorded: settled by reading Testmo before anything is resent */
  inflight?: Batch[]
  completed: boolean
  /** the thread's tests in the order `sent` and the batches count them (orderOf); version 5 on */
  order?: string
  /** how many of the tests counted as in Testmo are in other threads (an adopted run's); version 6 on */
  elsewhere?: number
}

/** The request a journal was written for, whose answer it has not recorded yet (appends are kept by their thread). */
export type Inflight =
  | { kind: 'create-run' }
  | { kind: 'create-thread'; thread: string }
  | { kind: 'complete-thread'; thread: string }
  | { kind: 'complete-run' }
  /** (journal version 2) one append at a time, kept here */
  | { kind: 'append'; thread: string; from: number; size: number }

/**
 * The newest record of a journal file. Each save appends a line (an append is one write, where
 * a whole-file rewrite and rename cost 40× as much a batch). A last line without its newline was
 * cut off mid-write and the record before it stands: what the cut-off one would have added was
 * either not sent yet (a record is written before its request) or is in flight in the one before,
 * settled by reading Testmo. Journals of versions 1–3 are one object over several lines.
 */
export function readJournal(file: string): PublishJournal {
  const text = readFileSync(file, 'utf8')
  if (text.startsWith('{\n')) return JSON.parse(text) as PublishJournal
  const lines = text.split('\n')
  // '' after a complete last line; otherwise the cut-off record
  lines.pop()
  const last = lines.at(-1)
  if (last === undefined) throw new Error('no complete record')
  return JSON.parse(last) as PublishJournal
}

/** Records a batch as in Testmo, folding it (and the batches it joins up with) into `sent`. */
export function recordLanded(thread: ThreadRecord, batch: Batch): void {
  const landed = [...(thread.landed ?? []), batch].sort((x, y) => x.from - y.from)
  while (landed.length && landed[0]!.from <= thread.sent) {
    const first = landed.shift()!
    thread.sent = Math.max(thread.sent, first.from + first.size)
  }
  if (landed.length) thread.landed = landed
  else delete thread.landed
}

/**
 * Counts the thread's tests that are already in the run (in other threads: an adopted run's) as
 * in Testmo, so only the others are sent to it.
 */
export function placeElsewhere(thread: ThreadRecord, cases: MergedCase[], present: Set<string>): void {
  let elsewhere = 0
  for (let i = 0; i < cases.length; ) {
    if (!present.has(testKey(cases[i]!))) {
      i++
      continue
    }
    let end = i
    while (end < cases.length && present.has(testKey(cases[end]!))) end++
    recordLanded(thread, { from: i, size: end - i })
    elsewhere += end - i
    i = end
  }
  if (elsewhere) thread.elsewhere = (thread.elsewhere ?? 0) + elsewhere
}

/** The runs of tests of a thread not in Testmo, in order. */
export function missing(thread: ThreadRecord, total: number): Batch[] {
  const gaps: Batch[] = []
  let at = thread.sent
  for (const batch of thread.landed ?? []) {
    if (batch.from > at) gaps.push({ from: at, size: batch.from - at })
    at = Math.max(at, batch.from + batch.size)
  }
  if (at < total) gaps.push({ from: at, size: total - at })
  return gaps
}
