// bench:history — the results hub after a year of history: 200 builds × 5,000 scenarios × 4
// environments (4 million case results, 1 % failing, 1 % skipped, 1 % flaky, two accepted manual
// outcomes a build) loaded into each store by bench/support/hub-history.ts, then against
// `bdd-matrix serve`: the matrix (API and page) the first time after start, after a push to its
// build (the usual cold view) and again (cached), the gate, a pull of one build, a push of a 10,000-case run, and submissions/s with p99
// against the same on an empty store. Figures are taken at half the history and at all of it:
// doubling the builds must not double any of them. The hub's peak memory is printed.
// Goals (PostgreSQL): matrix p95 ≤ 300 ms, gate ≤ 2 s, pull of a build ≤ 2 s, push ≤ 1 s,
// submissions/s and p99 as on an empty store (ratio ≥ 0.8 and ≤ 1.25). Embedded: reported.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon'
import { HubClient } from '../hub/client/hub-client.ts'
import { pushResults } from '../hub/client/push-results.ts'
import { hubCatalogue } from '../hub/hub-catalogue.ts'
import { openStore } from '../hub/store/open-store.ts'
import { MODEL_VERSION, type Case } from '../src/model/results.ts'
import { ResultsWriter } from '../src/results/results-writer.ts'
import { postgresAvailable, startPostgres } from '../test/helpers/postgres.ts'
import { serveBin } from '../test/helpers/serve-bin.ts'
import { buildName, loadHistory, writeScaleProject } from './support/hub-history.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(ROOT, 'bin/bdd-matrix.js')
const BUILDS = Number(process.env.BENCH_BUILDS ?? 200)
const SCENARIOS = Number(process.env.BENCH_SCENARIOS ?? 5000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = 16

const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!
const ms = (x: number): string => `${Math.round(x)} ms`
const verdict = (value: number, goal: number): string => `${(value / goal).toFixed(2)}× the goal${value <= goal ? '' : ' — MISSED'}`

interface Figures {
  matrixFirst: number
  matrixCold: number
  matrixWarm: number
  page: number
  featurePage: number
  gate: number
  pull: number
  push: number
  rate: number
  p99: number
  rssMb: number
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now()
  const value = await work()
  return [performance.now() - started, value]
}

/** Valid submissions by 8 testers on `build` for SECONDS (after one second of warm-up): rate and p99. */
async function submissions(url: string, testers: string[], build: string, manual: string[]): Promise<{ rate: number; p99: number; failed: number }> {
  let n = 0
  let failed = 0
  const run = (seconds: number) =>
    autocannon({
      url: `${url}/api/v1/outcomes`,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          setupRequest: (request: { headers: Record<string, string>; body: string }) => {
            const i = n++
            request.headers = { authorization: `Bearer ${testers[i % testers.length]}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() }
            request.body = JSON.stringify({ build, scenario: manual[i % manual.length], environment: 'community', status: i % 7 ? 'passed' : 'failed', steps: [{ index: 0, status: 'passed' }], comment: `bench ${i}` })
            return request
          },
          onResponse: (status: number) => {
            if (status !== 201) failed++
          },
        },
      ],
    })
  await run(1)
  const result = await run(SECONDS)
  return { rate: result.requests.total / SECONDS, p99: result.latency.p99, failed }
}

/** Everything measured against a running hub over the store as it is now. */
async function measure(project: string, env: Record<string, string>, tokens: { qa: string; ci: string; testers: string[] }, loaded: number, label: string): Promise<Figures> {
  // (a run id is letters, digits and . _ + - only: the hub refuses others)
  const slug = label.replace(/[^A-Za-z0-9._+-]+/g, '-')
  const { child, url } = await serveBin(project, { env, stderr: 'inherit' })
  try {
    const auth = { authorization: `Bearer ${tokens.qa}` }
    const get = async (route: string, headers: Record<string, string> = auth): Promise<number> => {
      const [t, response] = await timed(() => fetch(`${url}${route}`, { headers }))
      const body = await response.text()
      if (response.status !== 200) throw new Error(`${route}: ${response.status} ${body.slice(0, 300)}`)
      return t
    }
    // A run of two unit tests pushed to a build: its views are stale, the rest of the hub is not.
    let tiny = 0
    const touch = async (build: string): Promise<void> => {
      const dir = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-touch-'))
      const w = new ResultsWriter(dir)
      for (let i = 0; i < 2; i++) w.write({ kind: 'case', id: `touch${i}`, uri: 'pkg/touch_test.go', feature: 'pkg', scenario: `TestTouch${i}`, name: `TestTouch${i}`, featureIds: [], tags: [], status: 'passed', flaky: false, attempts: 1, durationMs: 1, steps: [], attachments: [], nodes: [], source: 'automated' } satisfies Case)
      w.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `touch-${slug}-${tiny++}`, build, milestone: 'scale', stage: 'unit', environment: 'local', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), source: { format: 'junit' } })
      await pushResults(new HubClient(url, tokens.ci), dir)
      rmSync(dir, { recursive: true, force: true })
    }
    const recent = Array.from({ length: Math.min(10, loaded) }, (_, i) => buildName(loaded - 1 - i))
    // the first view after the hub started: the build and its history merged from the store
    const first = await get(`/api/v1/builds/${recent[0]}/matrix`)
    // a view after a push to a build viewed before, the usual case: the new run merged on top
    for (const b of recent.slice(1, 3)) await get(`/api/v1/builds/${b}/matrix`)
    const cold: number[] = []
    for (let i = 0; i < 6; i++) {
      const b = recent[i % Math.min(3, recent.length)]!
      await touch(b)
      cold.push(await get(`/api/v1/builds/${b}/matrix`))
    }
    // viewed once more first: a push to an older build made the newer ones' history stale
    for (const b of recent.slice(0, 3)) await get(`/api/v1/builds/${b}/matrix`)
    const warm: number[] = []
    for (let i = 0; i < 4; i++) for (const b of recent.slice(0, 3)) warm.push(await get(`/api/v1/builds/${b}/matrix`))
    const login = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url }, body: `token=${encodeURIComponent(tokens.qa)}` })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    // The page of a large matrix lists the features; each feature's scenarios are a page of their own.
    const pages: number[] = []
    const featurePages: number[] = []
    for (let i = 0; i < 4; i++) {
      const b = recent[i % Math.min(3, recent.length)]!
      await touch(b)
      pages.push(await get(`/builds/${b}/matrix`, { cookie }))
      featurePages.push(await get(`/builds/${b}/matrix?feature=feature-${i}`, { cookie }))
    }
    const gates: number[] = []
    for (const b of recent.slice(0, 3)) gates.push(await get(`/api/v1/builds/${b}/gate`))

    const out = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-pull-'))
    const [pull, pulled] = await timed(async () => spawnSync(process.execPath, [BIN, 'pull', '--server', url, '--build', recent[0]!, '--out', out], { env: { ...process.env, BDD_MATRIX_TOKEN: tokens.qa }, encoding: 'utf8' }))
    if (pulled.status !== 0) throw new Error(`pull failed: ${pulled.stderr}`)
    rmSync(out, { recursive: true, force: true })

    const results = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-push-'))
    const writer = new ResultsWriter(results)
    for (let i = 0; i < 10_000; i++) writer.write({ kind: 'case', id: `unit${i}`, uri: `pkg/${i % 40}_test.go`, feature: `pkg ${i % 40}`, scenario: `Test${i}`, name: `Test${i}`, featureIds: [], tags: [], status: i % 50 ? 'passed' : 'failed', flaky: false, attempts: 1, durationMs: 3, steps: [], attachments: [], nodes: [], source: 'automated' } satisfies Case)
    writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `push-${slug}-${randomUUID()}`, build: buildName(0), milestone: 'scale', stage: 'unit', environment: 'local', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), source: { format: 'junit' } })
    const [push] = await timed(() => pushResults(new HubClient(url, tokens.ci), results))
    rmSync(results, { recursive: true, force: true })

    const manual = [...hubCatalogue(project).scenarios.values()].filter((s) => s.manual).map((s) => s.id)
    // the oldest build takes the pushes and submissions: the views measured are of recent ones
    const load = await submissions(url, tokens.testers, buildName(0), manual)
    if (load.failed) console.log(`  ${label}: ${load.failed} submissions failed`)
    const rssMb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024
    return { matrixFirst: first, matrixCold: p95(cold), matrixWarm: p95(warm), page: p95(pages), featurePage: p95(featurePages), gate: Math.max(...gates), pull, push, rate: load.rate, p99: load.p99, rssMb }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
  }
}

const pg = postgresAvailable() ? await startPostgres() : undefined
const stores: { name: string; databaseUrl?: string; goals: boolean }[] = []
if (pg) stores.push({ name: 'PostgreSQL 15 (loopback)', databaseUrl: await pg.createDatabase(), goals: true })
else console.log('PostgreSQL not installed: measuring the embedded store only')
// BENCH_STORES=postgres (or embedded) measures one store only
if (process.env.BENCH_STORES !== 'postgres') stores.push({ name: 'embedded (PGlite)', goals: false })
if (process.env.BENCH_STORES === 'embedded' && pg) stores.shift()

try {
  for (const store of stores) {
    const project = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-history-'))
    const env: Record<string, string> = { DATABASE_URL: store.databaseUrl ?? '' }
    try {
      writeScaleProject(project, SCENARIOS)
      const open = () => openStore({ root: project, ...(store.databaseUrl ? { databaseUrl: store.databaseUrl } : {}) })
      let s = await open()
      const tokens = { qa: (await s.createToken('lead', 'qa')).token, ci: (await s.createToken('pipeline', 'ci')).token, testers: [] as string[] }
      for (let i = 0; i < 8; i++) tokens.testers.push((await s.createToken(`tester-${i}`, 'tester')).token)
      await loadHistory(s, project, 0, 1)
      await s.db.close()
      console.log(`bench:history — ${store.name}: ${SCENARIOS} scenarios × 4 environments a build`)
      const empty = await measure(project, env, tokens, 1, 'one build')
      console.log(`  one build in the store: submissions ${Math.round(empty.rate)}/s, p99 ${empty.p99} ms; matrix ${ms(empty.matrixCold)} after a push`)

      const half = Math.floor(BUILDS / 2)
      const figures: { builds: number; f: Figures }[] = []
      for (const [from, to] of [[1, half], [half, BUILDS]] as const) {
        s = await open()
        const [t] = await timed(() => loadHistory(s, project, from, to - from))
        const counts = await s.counts()
        // a store a year old has been vacuumed and analysed; right after a bulk load the
        // database would do it while the figures are taken
        await s.db.query('vacuum analyze')
        await s.db.close()
        console.log(`  loaded builds ${from + 1}–${to} in ${(t / 1000).toFixed(0)} s: ${counts.runs} runs, ${counts.cases} case results, ${counts.outcomes} manual outcomes`)
        const f = await measure(project, env, tokens, to, `${to} builds`)
        figures.push({ builds: to, f })
        console.log(`  ${to} builds: matrix API ${ms(f.matrixFirst)} first after start, p95 ${ms(f.matrixCold)} after a push to the build, ${ms(f.matrixWarm)} cached; matrix page p95 ${ms(f.page)} after a push, a feature's page ${ms(f.featurePage)}; gate ${ms(f.gate)}; pull of a build ${ms(f.pull)}; push of 10k cases ${ms(f.push)}; submissions ${Math.round(f.rate)}/s p99 ${f.p99} ms; hub peak ${Math.round(f.rssMb)} MB`)
      }
      const [a, b] = figures as [{ builds: number; f: Figures }, { builds: number; f: Figures }]
      const all = b.f
      console.log(`  goals at ${b.builds} builds${store.goals ? '' : ' (reported; the goals are PostgreSQL\'s)'}:`)
      console.log(`    matrix API p95 after a push ${ms(all.matrixCold)}: ${verdict(all.matrixCold, 300)}; cached ${ms(all.matrixWarm)}: ${verdict(all.matrixWarm, 300)}; page after a push ${ms(all.page)}: ${verdict(all.page, 300)}; a feature's page ${ms(all.featurePage)}; first view after start ${ms(all.matrixFirst)}`)
      console.log(`    gate ${ms(all.gate)}: ${verdict(all.gate, 2000)}; pull of one build ${ms(all.pull)}: ${verdict(all.pull, 2000)}; push of 10k cases ${ms(all.push)}: ${verdict(all.push, 1000)}`)
      const rate = all.rate / empty.rate
      const p99 = all.p99 / Math.max(1, empty.p99)
      console.log(`    submissions ${(rate).toFixed(2)}× the one-build store's rate (goal ≥ 0.8${rate >= 0.8 ? '' : ' — MISSED'}), p99 ${p99.toFixed(2)}× (goal ≤ 1.25${p99 <= 1.25 ? '' : ' — MISSED'})`)
      const growth = (key: keyof Figures) => (b.f[key] / Math.max(1, a.f[key])).toFixed(2)
      console.log(`    doubling the builds (${a.builds} → ${b.builds}): matrix first ${growth('matrixFirst')}×, after a push ${growth('matrixCold')}×, page ${growth('page')}×, gate ${growth('gate')}×, pull ${growth('pull')}×, push ${growth('push')}×, hub memory ${growth('rssMb')}× (goal ≤ 2 each)`)
      if (store.databaseUrl && (all.matrixCold > 300 || all.gate > 2000)) {
        s = await open()
        const runs = (await s.db.query<{ id: string }>('select id from runs where build = $1', [buildName(BUILDS - 2)])).map((r) => r.id)
        const plan = await s.db.query<{ 'QUERY PLAN': string }>('explain analyze select run_id, case_id, status, flaky from cases where run_id = any($1::text[]) order by run_id, seq', [runs])
        console.log(`    the history query's plan:\n${plan.map((r) => `      ${r['QUERY PLAN']}`).join('\n')}`)
        await s.db.close()
      }
    } finally {
      rmSync(project, { recursive: true, force: true })
    }
  }
} finally {
  await pg?.stop()
}
