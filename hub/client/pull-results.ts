import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { writeFileAtomically, makeDirectory } from '../../src/files.ts'
import { manualRunPrefix } from '../../src/manual/manual-results.ts'
import path from 'node:path'
import { UserError } from '../../src/errors.ts'
import type { Case, Run } from '../../src/model/results.ts'
import { RUN_ID_RULE } from '../../src/model/vocabulary.ts'
import type { HubRequests } from './hub-client.ts'
import { testersOf } from '../../src/manual/manual-results.ts'

export interface PullOutcome {
  runs: number
  manualRuns: number
  /** scenario cells with accepted manual outcomes */
  manualCases: number
  /** accepted outcomes behind them: testers who agree share a cell, each outcome counted */
  manualOutcomes: number
  attachments: number
}

/**
 * Writes a hub's results into a results folder: the pushed runs as they were pushed, and the
 * accepted manual outcomes of each build as its manual runs (stage manual), so every file-based
 * report includes them. Manual runs are rewritten on each pull (reviews change them); a manual
 * run of a pulled build that no longer has accepted outcomes is removed.
 */
export async function pullResults(client: HubRequests, out: string, options: { builds?: string[] } = {}): Promise<PullOutcome> {
  const { data: known } = await client.request<unknown>('GET', '/builds', 'listing builds')
  // (a name that is no text names no build: another server's answer may hold any JSON there)
  const names = listIn(known, 'listing builds').map((b) => (b as { name?: unknown } | null)?.name).filter((name): name is string => typeof name === 'string' && name !== '')
  for (const build of options.builds ?? []) if (!names.includes(build)) throw new UserError('BUILD_UNKNOWN', `--build "${build}": the hub has no such build; builds there: ${names.slice(-10).join(', ') || 'none'}`)
  const builds = options.builds?.length ? options.builds : names
  makeDirectory(out)
  const outcome: PullOutcome = { runs: 0, manualRuns: 0, manualCases: 0, manualOutcomes: 0, attachments: 0 }
  const wanted = new Set<string>()
  for (const build of builds) {
    const listing = `listing the runs of ${build}`
    const { data: runs } = await client.request<unknown>('GET', `/runs?build=${encodeURIComponent(build)}`, listing)
    for (const run of listIn(runs, listing) as Run[]) {
      // a run's id names its file here: one that would name a path is not the hub's
      if (!namesAFile(run?.id)) throw new UserError('HUB_ANSWER', `the results hub answered ${listing} with a run named ${JSON.stringify(run?.id)?.slice(0, 80)}, which would name a path, not a file (run ids are ${RUN_ID_RULE}); nothing of it is written — is --server the hub itself?`)
      const file = path.join(out, `${run.id}.ndjson`)
      if (!existsSync(file)) {
        const { data } = await client.request<string>('GET', `/runs/${encodeURIComponent(run.id)}/results`, `reading run ${run.id}`, { responseType: 'text' })
        writeFileAtomically(file, data)
      }
      collectAttachments(file, wanted)
      outcome.runs++
    }
    const reading = `reading the manual results of ${build}`
    const { data: answer } = await client.request<unknown>('GET', `/builds/${encodeURIComponent(build)}/manual-results`, reading)
    const manual = listIn(answer, reading) as { run: Run; cases: Case[] }[]
    const unnamed = manual.find((m) => !namesAFile(m?.run?.id) || !Array.isArray(m?.cases))
    if (unnamed) throw new UserError('HUB_ANSWER', `the results hub answered ${reading} with ${JSON.stringify(unnamed)?.slice(0, 80)}, not a manual run (a run with an id — ${RUN_ID_RULE} — and its cases); nothing of it is written — is --server the hub itself?`)
    const prefix = manualRunPrefix(build)
    const written = new Set<string>()
    for (const { run, cases } of manual) {
      writeFileAtomically(path.join(out, `${run.id}.ndjson`), [run, ...cases].map((x) => JSON.stringify(x)).join('\n') + '\n')
      written.add(`${run.id}.ndjson`)
      for (const c of cases) for (const a of c.attachments) wanted.add(a.path)
      outcome.manualRuns++
      outcome.manualCases += cases.length
      // every accepted outcome: those of who tested it, and of who could not apply it
      for (const c of cases) outcome.manualOutcomes += testersOf(c).all.length + (c.notApplied?.length ?? 0) || 1
    }
    for (const f of readdirSync(out)) if (f.startsWith(prefix) && f.endsWith('.ndjson') && !written.has(f)) rmSync(path.join(out, f))
  }
  for (const name of wanted) {
    const file = path.join(out, name)
    if (existsSync(file) || !/^attachments\/[0-9a-f]{24}\.[a-z0-9]{1,5}$/.test(name)) continue
    const { data } = await client.request<ArrayBuffer>('GET', `/blobs/${name}`, `reading ${name}`, { responseType: 'arraybuffer' })
    makeDirectory(path.dirname(file))
    writeFileAtomically(file, Buffer.from(data))
    outcome.attachments++
  }
  return outcome
}

/**
 * Whether a run id names a file in the folder: the hub has taken only run ids (isRunId) since
 * they were ruled so; one stored before with a space in it is still pulled, one with a path in
 * it never.
 */
function namesAFile(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= 200 && !id.startsWith('.') && !/[/\\\0]/.test(id)
}

/** An answer that is a list, or one line saying it is not the hub's. */
function listIn(data: unknown, doing: string): unknown[] {
  if (Array.isArray(data)) return data
  throw new UserError('HUB_ANSWER', `the results hub answered ${doing} with ${JSON.stringify(data)?.slice(0, 80) ?? 'nothing'}, not a list; is --server the hub itself (not a proxy)?`)
}

function collectAttachments(file: string, into: Set<string>): void {
  for (const match of readFileSync(file, 'utf8').matchAll(/"path":"(attachments\/[0-9a-f]{24}\.[a-z0-9]{1,5})"/g)) into.add(match[1]!)
}
