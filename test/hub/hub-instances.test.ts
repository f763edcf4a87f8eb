import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../hub/store/database.ts'
import { SCHEMA_VERSION } from '../../hub/store/migrations.ts'
import { HubClient } from '../../hub/client/hub-client.ts'
import { pushResults } from '../../hub/client/push-results.ts'
import { writeCanonicalResults } from '../reporters/canonical-results.ts'
import { api, startHub, type TestHub } from '../helpers/hub.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres.ts'

// Several `serve` instances on one PostgreSQL server, the way a team outgrows one hub: whatever
// reaches which instance, each outcome, approval and review is stored once.
describe.skipIf(!postgresAvailable())('hub instances sharing one PostgreSQL', () => {
  let pg: TestPostgres
  let url: string
  const hubs: TestHub[] = []

  beforeAll(async () => {
    pg = await startPostgres()
    url = await pg.createDatabase()
    // three stores opened at once on a new database: the schema is made once
    const dbs = await Promise.all([0, 1, 2].map(() => openDatabase({ url, dir: '' })))
    expect(await dbs[0]!.query('select version from bdd_matrix_schema')).toHaveLength(1)
    expect((await dbs[0]!.query<{ version: number }>('select version from bdd_matrix_schema'))[0]!.version).toBe(SCHEMA_VERSION)
    await Promise.all(dbs.map((db) => db.close()))
    const first = await startHub({ databaseUrl: url })
    hubs.push(first)
    for (let i = 0; i < 2; i++) hubs.push(await startHub({ databaseUrl: url, root: first.root, tokens: first.tokens }))
    expect((await api(first, 'POST', '/builds', first.tokens.qa, { name: 'v0.5.0-rc1' })).status).toBe(201)
  })
  afterAll(async () => {
    for (const hub of hubs.reverse()) await hub.close()
    await pg?.stop()
  })

  it('stores one outcome for one Idempotency-Key sent to every instance at once, and numbers versions without gaps', async () => {
    const [a, b, c] = hubs as [TestHub, TestHub, TestHub]
    const scenario = [...a.service.project.scenarios.values()].find((s) => s.manual)!.id
    const key = randomUUID()
    const body = { build: 'v0.5.0-rc1', scenario, status: 'passed', comment: 'same submission, three doors' }
    const answers = await Promise.all([a, b, c, a, b, c].map((hub) => api(hub, 'POST', '/outcomes', hub.tokens.alice, body, { 'idempotency-key': key })))
    expect(new Set(answers.map((x) => x.body.id)).size).toBe(1)
    expect(answers.filter((x) => x.status === 201)).toHaveLength(1)
    expect(answers.filter((x) => x.status === 200).every((x) => x.headers.get('idempotent-replayed') === 'true')).toBe(true)
    // new submissions racing on every instance: versions 1..n of the person, none lost, none twice
    const racing = await Promise.all(Array.from({ length: 12 }, (_, i) => api(hubs[i % 3]!, 'POST', '/outcomes', a.tokens.bob, { ...body, comment: `bob ${i}` }, { 'idempotency-key': randomUUID() })))
    expect(racing.map((x) => x.status)).toEqual(Array(12).fill(201))
    expect(racing.map((x) => x.body.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
  })

  it('numbers a submission that waited on another\'s lock after it: the write sees what it waited for, no collision', async () => {
    const [holder, waiter] = await Promise.all([openDatabase({ url, dir: '' }), openDatabase({ url, dir: '' })])
    try {
      const tester = (await holder.query<{ id: string; name: string }>("select id, name from tokens where role = 'tester' limit 1"))[0]!
      const cell = ['v0.5.0-rc1', 'local', 'case-lock-order', tester.name]
      const args = (key: string): unknown[] => [['v0.5.0-rc1'], ['local'], ['case-lock-order'], [tester.id], ['passed'], ['[]'], [null], [null], ['{}'], ['[]'], ['[]'], ['h'], [key], ['r'], '2026-01-01T00:00:00.000Z', [tester.name], true]
      const write = 'select * from bdd_matrix_write_outcomes($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)'
      let written: Promise<{ version: number }[]> | undefined
      await holder.transaction(async (tx) => {
        // another hub's write of the same cell, under way: it holds the cell's lock until it commits
        await tx.query('select pg_advisory_xact_lock(4243, hashtext(concat_ws(chr(1), $1::text, $2::text, $3::text, $4::text)))', cell)
        await tx.query(write, args(randomUUID()))
        written = waiter.query<{ version: number }>(write, args(randomUUID()))
        // commit only once the second write waits (on the cell's lock; asked of the server, not
        // timed), asked outside this transaction, which would see one snapshot of the activity
        while ((await holder.query("select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%bdd_matrix_write_outcomes%'")).length === 0) await new Promise((r) => setTimeout(r, 20))
      })
      expect((await written!).map((r) => r.version)).toEqual([2])
    } finally {
      await Promise.all([holder.close(), waiter.close()])
    }
  })

  it('serves a session or a token on any instance; an approval raced on two instances is one', async () => {
    const [a, b] = hubs as [TestHub, TestHub, TestHub]
    const login = await fetch(`${a.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${a.tokens.qa}` })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const page = await fetch(`${b.url}/builds`, { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('v0.5.0-rc1')
    const approvals = await Promise.all(hubs.map((hub) => api(hub, 'POST', '/builds/v0.5.0-rc1/approvals', hub.tokens.qa2, { comment: 'raced' })))
    expect(approvals.map((x) => x.status)).toEqual([201, 201, 201])
    expect((await api(b, 'GET', '/builds/v0.5.0-rc1/approvals', b.tokens.qa)).body).toHaveLength(1)
  })

  it('keeps every review of an outcome reviewed on two instances at once, the latest counting everywhere', async () => {
    const [a, b, c] = hubs as [TestHub, TestHub, TestHub]
    const scenario = [...a.service.project.scenarios.values()].filter((s) => s.manual)[1]!.id
    const outcome = await api(a, 'POST', '/outcomes', a.tokens.alice, { build: 'v0.5.0-rc1', scenario, status: 'failed' }, { 'idempotency-key': randomUUID() })
    const reviews = await Promise.all([api(b, 'POST', `/outcomes/${outcome.body.id}/review`, b.tokens.qa, { verdict: 'accepted' }), api(c, 'POST', `/outcomes/${outcome.body.id}/review`, c.tokens.qa2, { verdict: 'needs-info', reason: 'which machine?' })])
    expect(reviews.map((x) => x.status)).toEqual([200, 200])
    const rows = await a.service.store.db.query<{ verdict: string }>('select verdict from reviews where outcome_id = $1 order by id', [outcome.body.id])
    expect(rows.map((r) => r.verdict).sort()).toEqual(['accepted', 'needs-info'])
    // every instance says the same of it
    const seen = await Promise.all(hubs.map((hub) => api(hub, 'GET', `/outcomes/${outcome.body.id}`, hub.tokens.qa)))
    expect(new Set(seen.map((x) => x.body.review.verdict)).size).toBe(1)
    expect(seen[0]!.body.review.verdict).toBe(rows.at(-1)!.verdict)
  })
  it("shows on every instance's matrix what reached another: a push, an accepted outcome", async () => {
    const [a, b, c] = hubs as [TestHub, TestHub, TestHub]
    const build = 'v0.5.0-rc1'
    const before = await api(a, 'GET', `/builds/${build}/matrix`, a.tokens.qa)
    expect(before.status).toBe(200)
    const results = tempTree()
    await writeCanonicalResults(results)
    await pushResults(new HubClient(b.url, b.tokens.ci), results)
    const after = await api(a, 'GET', `/builds/v0.5.0-rc2/matrix`, a.tokens.qa)
    expect(after.status).toBe(200)
    expect(after.body.totals.passed + after.body.totals.flaky).toBeGreaterThan(0)
    // an outcome accepted through one instance counts in the matrix another instance shows
    const scenario = [...a.service.project.scenarios.values()].find((s) => s.manual)!
    const cellsOf = (m: { features: { scenarios: { id: string; cells: Record<string, { status: string }> }[] }[] }) => m.features.flatMap((f) => f.scenarios).find((s) => s.id === scenario.id)!.cells
    const shown = (await api(a, 'GET', `/builds/${build}/matrix`, a.tokens.qa)).body
    const submitted = await api(c, 'POST', '/outcomes', c.tokens.alice, { build, scenario: scenario.id, status: 'failed', comment: 'broke on my machine' }, { 'idempotency-key': randomUUID() })
    expect((await api(c, 'POST', `/outcomes/${submitted.body.id}/review`, c.tokens.qa2, { verdict: 'accepted' })).status).toBe(200)
    const now = (await api(a, 'GET', `/builds/${build}/matrix`, a.tokens.qa)).body
    expect(Object.values(cellsOf(now)).map((x) => x.status)).toContain('failed')
    expect(JSON.stringify(cellsOf(now))).not.toBe(JSON.stringify(cellsOf(shown)))
  })
})

