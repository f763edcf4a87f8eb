import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '../../src/errors.ts'
import { readRunHeader } from '../../src/results/merge-results.ts'
import { readLines } from '../../src/results/read-lines.ts'
import type { HubRequests } from './hub-client.ts'
import { mediaTypeOf } from '../media-types.ts'

export interface PushOutcome {
  runs: { id: string; cases: number; sent: number; already: boolean }[]
  attachments: number
}

/** Lines per request: a 10,000-case run goes in a few requests, each well under the hub's limit. */
const BATCH_LINES = 2500
const BATCH_BYTES = 16 << 20

/**
 * Uploads a results folder to the hub. Idempotent by run id: a run the hub holds whole is not
 * sent again, one it holds in part continues where the hub says it stopped (so an interrupted
 * push resumes), and attachments the hub has are not sent again.
 */
export async function pushResults(client: HubRequests, dir: string, log: (line: string) => void = () => {}): Promise<PushOutcome> {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.ndjson')).sort()
  } catch {
    throw new UserError('RESULTS_MISSING', `${dir}: results folder not found; write one with bdd-matrix ingest or run`)
  }
  if (files.length === 0) throw new UserError('RESULTS_MISSING', `${dir}: holds no results files; write them with bdd-matrix ingest or run`)
  // every header first: a foreign file stops the push before anything is sent
  const runs = files.map((f) => ({ file: path.join(dir, f), run: readRunHeader(path.join(dir, f)) }))
  const attachments = await pushAttachments(client, dir)
  const out: PushOutcome = { runs: [], attachments }
  for (const { file, run } of runs) {
    const lines: string[] = []
    await readLines(file, (line, n) => {
      if (n > 1 && line) lines.push(line)
    })
    const starting = `starting run ${run.id}`
    const begun = await client.request<{ received: number; complete: boolean }>('PUT', `/runs/${encodeURIComponent(run.id)}`, starting, { data: { run, cases: lines.length } })
    if (begun.data?.complete === true) {
      out.runs.push({ id: run.id, cases: lines.length, sent: 0, already: true })
      continue
    }
    let from = receivedOf(begun.data, starting, 0, lines.length)
    let sent = 0
    // A proxy before the hub may take less than the hub does (nginx takes 1 MB unless told
    // otherwise): a batch it refuses as too large is sent again in halves, down to one case.
    let batchLines = BATCH_LINES
    while (from < lines.length) {
      let to = from
      let bytes = 0
      while (to < lines.length && to - from < batchLines && bytes < BATCH_BYTES) bytes += lines[to++]!.length + 1
      const sending = `sending cases ${from + 1}–${to} of run ${run.id}`
      const answer = await client.request<{ received: number }>('POST', `/runs/${encodeURIComponent(run.id)}/cases?from=${from}`, sending, {
        data: `${lines.slice(from, to).join('\n')}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
        accept: (status) => status === 413,
      })
      if (answer.status === 413) {
        if (to - from === 1) throw tooLarge(sending, bytes)
        batchLines = Math.max(1, Math.floor((to - from) / 2))
        log(`${sending}: refused as too large (HTTP 413); sending ${batchLines} case(s) at a time`)
        continue
      }
      sent += to - from
      // (each answer must move on: one that did not would send the same cases for ever)
      from = receivedOf(answer.data, sending, from + 1, lines.length)
    }
    await client.request('POST', `/runs/${encodeURIComponent(run.id)}/complete`, `completing run ${run.id}`)
    log(`${run.id}: ${lines.length} case(s) pushed`)
    out.runs.push({ id: run.id, cases: lines.length, sent, already: false })
  }
  return out
}

/** How many of a run's `total` cases the hub says it holds, from `atLeast` on; else the answer is not the hub's. */
function receivedOf(data: unknown, doing: string, atLeast: number, total: number): number {
  const received = (data as { received?: unknown } | null | undefined)?.received
  if (Number.isSafeInteger(received) && (received as number) >= atLeast && (received as number) <= total) return received as number
  throw new UserError('HUB_ANSWER', `the results hub answered ${doing} with ${JSON.stringify(data)?.slice(0, 80) ?? 'nothing'}, not how many of the run's ${total} cases it holds (${atLeast} to ${total}); is --server the hub itself (not a proxy)? Then run the same command again (it resumes)`)
}

async function pushAttachments(client: HubRequests, dir: string): Promise<number> {
  const folder = path.join(dir, 'attachments')
  if (!existsSync(folder)) return 0
  const names = readdirSync(folder)
    .filter((f) => /^[0-9a-f]{24}\.[a-z0-9]{1,5}$/.test(f))
    .map((f) => `attachments/${f}`)
  if (names.length === 0) return 0
  const asking = 'asking which attachments the hub lacks'
  const { data } = await client.request<{ missing: unknown }>('POST', '/blobs/missing', asking, { data: { names } })
  const missing = (data as { missing?: unknown } | null | undefined)?.missing
  // only what was asked about is ever read and sent: a server naming other files gets none of them
  const asked = new Set(names)
  if (!Array.isArray(missing) || !missing.every((name) => asked.has(name as string)))
    throw new UserError('HUB_ANSWER', `the results hub answered ${asking} with ${JSON.stringify(data)?.slice(0, 80) ?? 'nothing'}, not a list of the attachments asked about; nothing was sent — is --server the hub itself (not a proxy)?`)
  for (const name of missing as string[]) {
    const body = readFileSync(path.join(dir, name))
    const answer = await client.request('PUT', `/blobs/${name}`, `sending ${name}`, { data: body, headers: { 'content-type': mediaTypeOf(name) }, accept: (status) => status === 413 })
    if (answer.status === 413) throw tooLarge(`sending ${name}`, body.length)
  }
  return missing.length
}

/** A request refused as too large that cannot be made smaller: what limits it, and what to raise. */
function tooLarge(doing: string, bytes: number): UserError {
  return new UserError('HUB_TOO_LARGE', `the results hub, or a proxy before it, refused ${doing} as too large (HTTP 413, ${bytes} bytes) and it cannot be split further; raise the proxy's limit on request bodies (nginx: client_max_body_size) — the hub itself takes cases up to 64 MB a request, and attachments up to its serve --max-evidence-mb`)
}

