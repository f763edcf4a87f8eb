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
    const begun = await client.request<{ received: number; complete: boolean }>('PUT', `/runs/${encodeURIComponent(run.id)}`, `starting run ${run.id}`, { data: { run, cases: lines.length } })
    if (begun.data.complete) {
      out.runs.push({ id: run.id, cases: lines.length, sent: 0, already: true })
      continue
    }
    let from = begun.data.received
    let sent = 0
    while (from < lines.length) {
      let to = from
      let bytes = 0
      while (to < lines.length && to - from < BATCH_LINES && bytes < BATCH_BYTES) bytes += lines[to++]!.length + 1
      const answer = await client.request<{ received: number }>('POST', `/runs/${encodeURIComponent(run.id)}/cases?from=${from}`, `sending cases ${from + 1}–${to} of run ${run.id}`, {
        data: `${lines.slice(from, to).join('\n')}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      })
      sent += to - from
      from = answer.data.received
    }
    await client.request('POST', `/runs/${encodeURIComponent(run.id)}/complete`, `completing run ${run.id}`)
    log(`${run.id}: ${lines.length} case(s) pushed`)
    out.runs.push({ id: run.id, cases: lines.length, sent, already: false })
  }
  return out
}

async function pushAttachments(client: HubRequests, dir: string): Promise<number> {
  const folder = path.join(dir, 'attachments')
  if (!existsSync(folder)) return 0
  const names = readdirSync(folder)
    .filter((f) => /^[0-9a-f]{24}\.[a-z0-9]{1,5}$/.test(f))
    .map((f) => `attachments/${f}`)
  if (names.length === 0) return 0
  const { data } = await client.request<{ missing: string[] }>('POST', '/blobs/missing', 'asking which attachments the hub lacks', { data: { names } })
  for (const name of data.missing) {
    await client.request('PUT', `/blobs/${name}`, `sending ${name}`, { data: readFileSync(path.join(dir, name)), headers: { 'content-type': mediaTypeOf(name) } })
  }
  return data.missing.length
}

