// bench:serve — the results hub under load, on each store: N concurrent testers submitting
// outcomes (autocannon, in this process; the hub is `bdd-matrix serve` in its own), then every
// acknowledged submission looked for in the store; and a push of a 10,000-case run. One in 100
// submissions is malformed (a NUL in a defect link, an environment the scope does not declare, a
// status that is none): each must be refused with a 4xx and no valid one beside it may fail.
// Before that, the embedded store's start-up: the first CLI command on a new store and a later one
// (time and peak memory), against a store made from nothing (initdb) and PGlite's own open.
// Goals: ≥ 1,000 submissions/s, p99 ≤ 50 ms, 0 lost, 0 valid failed, 0 5xx; push of 10k cases
// ≤ 2 s; a new store's first command ≤ 3 s and ≤ 400 MB, later ones ≤ 1 s.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon'
import { HubClient } from '../hub/client/hub-client.ts'
import { pushResults } from '../hub/client/push-results.ts'
import { ResultsWriter } from '../src/results/results-writer.ts'
import { MODEL_VERSION, type Case } from '../src/model/results.ts'
import { postgresAvailable, startPostgres } from '../test/helpers/postgres.ts'
import { serveBin } from '../test/helpers/serve-bin.ts'
import { measureNode } from './support/measure.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(ROOT, 'bin/bdd-matrix.js')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const CASES = 10_000

/** Wall time and peak memory of one process, in MB. */
function measured(args: string[], cwd: string): { seconds: number; mb: number } {
  const m = measureNode(args, { cwd, repeat: 1 })
  return { seconds: m.seconds, mb: m.peakRssBytes / (1 << 20) }
}

{
  const scratch = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-startup-'))
  try {
    const fmt = (m: { seconds: number; mb: number }): string => `${m.seconds.toFixed(2)} s, ${Math.round(m.mb)} MB`
    const first = measured([BIN, 'token', 'create', '--role', 'qa', '--name', 'lead'], scratch)
    const later = measured([BIN, 'token', 'create', '--role', 'tester', '--name', 'alice'], scratch)
    const fromNothing = measured([path.join(ROOT, 'bench/support/open-new-store.mjs'), path.join(scratch, 'initdb')], scratch)
    const floor = measured([path.join(ROOT, 'bench/support/open-new-store.mjs'), path.join(scratch, '.bdd-matrix/db')], scratch)
    console.log(`embedded store start-up: first command on a new store ${fmt(first)} (goal ≤ 3 s, ≤ 400 MB: ${(first.seconds / 3).toFixed(2)}×, ${(first.mb / 400).toFixed(2)}×); a later command ${fmt(later)} (goal ≤ 1 s: ${later.seconds.toFixed(2)}×)`)
    console.log(`  peers: a store made from nothing (PGlite initdb, no template) ${fmt(fromNothing)} — the first command takes ${(first.seconds / fromNothing.seconds).toFixed(2)}× its time, ${(first.mb / fromNothing.mb).toFixed(2)}× its memory; PGlite opening an existing store (the floor) ${fmt(floor)} — a later command is ${(later.seconds / floor.seconds).toFixed(2)}× the floor`)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

const pg = postgresAvailable() ? await startPostgres() : undefined
const stores: { name: string; env: Record<string, string> }[] = [{ name: 'embedded (PGlite)', env: { DATABASE_URL: '' } }]
if (pg) stores.push({ name: 'PostgreSQL 15 (loopback)', env: { DATABASE_URL: await pg.createDatabase() } })
else console.log('PostgreSQL not installed: measuring the embedded store only')

try {
  for (const store of stores) {
    const project = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-serve-'))
    cpSync(path.join(ROOT, 'features'), path.join(project, 'features'), { recursive: true })
    const token = (role: string, name: string): string => spawnSync(process.execPath, [BIN, 'token', 'create', '--role', role, '--name', name], { cwd: project, env: { ...process.env, ...store.env }, encoding: 'utf8' }).stdout.trim()
    const qa = token('qa', 'lead')
    const ci = token('ci', 'pipeline')
    const testers = Array.from({ length: 8 }, (_, i) => token('tester', `tester-${i}`))
    const { child, url } = await serveBin(project, { env: store.env, stderr: 'inherit' })
    try {
      const headers = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' })
      await fetch(`${url}/api/v1/builds`, { method: 'POST', headers: headers(qa), body: JSON.stringify({ name: 'v0.5.0-rc1' }) })
      const scenarios = ((await (await fetch(`${url}/api/v1/scenarios?manual=true`, { headers: headers(qa) })).json()) as { id: string }[]).map((s) => s.id)
      let n = 0
      const acknowledged: string[] = []
      const tally = { malformed: 0, malformedRefused: 0, validFailed: 0, fiveHundreds: 0 }
      // every 100th submission is malformed, in turn one of these
      const malformations = [
        (body: Record<string, unknown>) => ({ ...body, defects: ['https://example.org/\u0000'] }),
        (body: Record<string, unknown>) => ({ ...body, environment: 'anywhere' }),
        (body: Record<string, unknown>) => ({ ...body, status: 'maybe' }),
      ]
      const load = (seconds: number, target = url, connections = CONNECTIONS) => autocannon({
        url: `${target}/api/v1/outcomes`,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            setupRequest: (request: { headers: Record<string, string>; body: string }, context: { malformed?: boolean }) => {
              const key = randomUUID()
              const i = n++
              request.headers = { ...headers(testers[i % testers.length]!), 'idempotency-key': key }
              const body = { build: 'v0.5.0-rc1', scenario: scenarios[i % scenarios.length], status: i % 7 ? 'passed' : 'failed', steps: [{ index: 0, status: 'passed' }], comment: `bench ${i}`, details: { os: 'Debian 12' } }
              context.malformed = i % 100 === 99
              request.body = JSON.stringify(context.malformed ? malformations[Math.floor(i / 100) % malformations.length]!(body) : body)
              return request
            },
            onResponse: (status: number, body: string, context: { malformed?: boolean }) => {
              if (status >= 500) tally.fiveHundreds++
              if (context.malformed) {
                tally.malformed++
                if (status >= 400 && status < 500) tally.malformedRefused++
              } else if (status === 201) acknowledged.push((JSON.parse(body) as { id: number }).id.toString())
              else tally.validFailed++
            },
          },
        ],
      })
      // One second of warm-up (JIT, the store's caches), counted for "lost" but not for the rate.
      await load(1)
      const warm = acknowledged.length
      const result = await load(SECONDS)
      const measuredCount = acknowledged.length - warm
      const stored = new Set(((await (await fetch(`${url}/api/v1/outcomes?build=v0.5.0-rc1`, { headers: headers(qa) })).json()) as { id: number }[]).map((o) => String(o.id)))
      const lost = acknowledged.filter((id) => !stored.has(id)).length
      const rate = measuredCount / SECONDS
      console.log(`${store.name}: ${CONNECTIONS} connections for ${SECONDS} s: ${Math.round(rate)} submissions/s (goal ≥ 1000: ${(rate / 1000).toFixed(2)}×), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms (goal ≤ 50), non-2xx ${result.non2xx}, errors ${result.errors}, acknowledged ${acknowledged.length} (1 s warm-up included), lost ${lost}`)
      console.log(`${store.name}: malformed ${tally.malformed} (1 in 100), refused with 4xx ${tally.malformedRefused}; valid submissions failed ${tally.validFailed} (goal 0); 5xx ${tally.fiveHundreds} (goal 0)`)

      // Three instances on the one PostgreSQL server, the same load spread across them.
      if (store.env.DATABASE_URL) {
        const others = [await serveBin(project, { env: store.env, stderr: 'inherit' }), await serveBin(project, { env: store.env, stderr: 'inherit' })]
        try {
          const urls = [url, ...others.map((o) => o.url)]
          await Promise.all(urls.map((u) => load(1, u, Math.ceil(CONNECTIONS / 3))))
          const before = acknowledged.length
          const spread = await Promise.all(urls.map((u) => load(SECONDS, u, Math.ceil(CONNECTIONS / 3))))
          const together = (acknowledged.length - before) / SECONDS
          const stored3 = new Set(((await (await fetch(`${url}/api/v1/outcomes?build=v0.5.0-rc1`, { headers: headers(qa) })).json()) as { id: number }[]).map((o) => String(o.id)))
          console.log(`${store.name}: 3 instances, ${CONNECTIONS} connections spread over them: ${Math.round(together)} submissions/s = ${(together / rate).toFixed(2)}× one instance (goal ≥ 2×), p99 ${Math.max(...spread.map((r: { latency: { p99: number } }) => r.latency.p99))} ms, lost ${acknowledged.filter((id) => !stored3.has(id)).length}, 5xx ${tally.fiveHundreds}`)
        } finally {
          for (const o of others) {
            o.child.kill('SIGTERM')
            await new Promise((r) => o.child.once('exit', r))
          }
        }
      }

      // push of a 10,000-case run
      const results = path.join(project, 'results')
      const writer = new ResultsWriter(results)
      for (let i = 0; i < CASES; i++) {
        const c: Case = { kind: 'case', id: `case${i}`, uri: `features/area-${i % 40}.feature`, feature: `Area ${i % 40}`, scenario: `scenario ${i}`, name: `scenario ${i}`, featureIds: ['p2p-network'], tags: ['@feature:p2p-network'], status: i % 50 ? 'passed' : 'failed', flaky: false, attempts: 1, durationMs: 12, steps: [{ keyword: 'Given', text: `step of ${i}`, status: 'passed', durationMs: 12 }], attachments: [], nodes: [], source: 'automated' }
        writer.write(c)
      }
      writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: 'bench-10k', build: 'v0.5.0-rc1', stage: 'acceptance', environment: 'local', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), source: { format: 'cucumber-messages' } })
      const started = process.hrtime.bigint()
      const pushed = await pushResults(new HubClient(url, ci), results)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      console.log(`${store.name}: push of ${pushed.runs[0]!.cases} cases in ${seconds.toFixed(2)} s (goal ≤ 2 s: ${(seconds / 2).toFixed(2)}×)`)
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(project, { recursive: true, force: true })
    }
  }
} finally {
  await pg?.stop()
}
