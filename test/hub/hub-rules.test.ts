import { randomUUID } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, startHub, type TestHub, BOTH_STORES } from '../helpers/hub.ts'
import { HubClient } from '../../hub/client/hub-client.ts'
import { pullResults } from '../../hub/client/pull-results.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres.ts'

// The hub's rules of who a tester is, what counts and what may be submitted, on both stores.
describe.each(BOTH_STORES)('hub rules on $store', ({ postgres }) => {
  let hub: TestHub
  let pg: TestPostgres | undefined
  const skip = postgres && !postgresAvailable()
  const build = 'v0.5.0-rc1'

  beforeAll(async () => {
    if (skip) return
    if (postgres) pg = await startPostgres()
    hub = await startHub({ ...(pg ? { databaseUrl: await pg.createDatabase() } : {}) })
    expect((await api(hub, 'POST', '/builds', hub.tokens.qa, { name: build })).status).toBe(201)
  })
  afterAll(async () => {
    await hub?.close()
    await pg?.stop()
  })

  const scenarioIds = () => {
    const all = [...hub.service.project.scenarios.values()]
    return { manual: all.filter((s) => s.manual).map((s) => s.id), automated: all.filter((s) => !s.manual && !s.wip).map((s) => s.id) }
  }
  const submit = (token: string, body: Record<string, unknown>) => api(hub, 'POST', '/outcomes', token, { build, status: 'passed', ...body }, { 'idempotency-key': randomUUID() })
  const review = (id: number, verdict: string, reason?: string) => api(hub, 'POST', `/outcomes/${id}/review`, hub.tokens.qa, { verdict, ...(reason ? { reason } : {}) })
  const counted = async (caseId: string) => (await hub.service.accepted(build)).filter((o) => o.caseId === caseId)

  it.skipIf(skip)('takes outcomes only for @manual or assigned scenarios, open builds and declared environments (422 naming the field)', async () => {
    const { manual, automated } = scenarioIds()
    const automatedOne = await submit(hub.tokens.alice, { scenario: automated[0] })
    expect(automatedOne).toMatchObject({ status: 422, body: { field: 'scenario', message: expect.stringMatching(/automated.*@manual/) } })
    // a build CI pushed is not open for manual testing until QA opens it
    await hub.service.store.ensureBuild('dev')
    expect(await submit(hub.tokens.alice, { build: 'dev', scenario: manual[0] })).toMatchObject({ status: 422, body: { field: 'build' } })
    const elsewhere = await submit(hub.tokens.alice, { scenario: manual[0], environment: 'anywhere' })
    expect(elsewhere).toMatchObject({ status: 422, body: { field: 'environment', message: expect.stringContaining('community, lab') } })
    expect((await api(hub, 'POST', '/assignments', hub.tokens.qa, { build, scenarios: [manual[0]], environment: 'anywhere' })).body.field).toBe('environment')
    // QA may assign an automated scenario for manual testing: then it is taken
    expect((await api(hub, 'POST', '/assignments', hub.tokens.qa, { build, scenarios: [automated[0]], environment: 'lab' })).status).toBe(201)
    expect((await submit(hub.tokens.alice, { scenario: automated[0], environment: 'lab' })).status).toBe(201)
    // assigning opens a build for manual testing
    await hub.service.store.ensureBuild('v0.5.0-rc9')
    expect((await api(hub, 'POST', '/assignments', hub.tokens.qa, { build: 'v0.5.0-rc9', scenarios: [manual[0]] })).status).toBe(201)
    expect((await submit(hub.tokens.alice, { build: 'v0.5.0-rc9', scenario: manual[0] })).status).toBe(201)
    const before = await hub.service.store.counts()
    expect(before.outcomes).toBe(2)
  })

  it.skipIf(skip)("counts a tester's latest accepted version: pending or rejected newer versions never erase it", async () => {
    const [word] = scenarioIds().manual
    const v1 = await submit(hub.tokens.bob, { scenario: word, environment: 'lab' })
    expect((await review(v1.body.id, 'accepted')).status).toBe(200)
    expect((await counted(word!)).map((o) => [o.testerName, o.status, o.environment])).toEqual([['bob', 'passed', 'lab']])
    // a second, failed version awaits review: the accepted pass still counts, and the queue says what it would replace
    const v2 = await submit(hub.tokens.bob, { scenario: word, environment: 'lab', status: 'failed', comment: 'flaked once' })
    expect(v2.body.version).toBe(2)
    expect((await counted(word!)).map((o) => o.status)).toEqual(['passed'])
    const queue = await api(hub, 'GET', `/builds/${build}/review-queue`, hub.tokens.qa)
    expect(queue.body.pending.find((o: { id: number }) => o.id === v2.body.id)).toMatchObject({ supersedes: { id: v1.body.id, version: 1, status: 'passed' } })
    // rejected: the pass still counts; the live matrix agrees
    expect((await review(v2.body.id, 'rejected', 'could not reproduce')).status).toBe(200)
    expect((await counted(word!)).map((o) => o.status)).toEqual(['passed'])
    const matrix = await api(hub, 'GET', `/builds/${build}/matrix`, hub.tokens.qa)
    const cell = matrix.body.features.flatMap((f: { scenarios: { id: string; cells: Record<string, { status: string }> }[] }) => f.scenarios).find((s: { id: string }) => s.id === word).cells['lab/manual']
    expect(cell.status).toBe('passed')
    // needs-info on a newer version: still the pass
    const v3 = await submit(hub.tokens.bob, { scenario: word, environment: 'lab', status: 'failed' })
    expect((await review(v3.body.id, 'needs-info', 'which step?')).status).toBe(200)
    expect((await counted(word!)).map((o) => o.status)).toEqual(['passed'])
    // a newer version accepted replaces it
    const v4 = await submit(hub.tokens.bob, { scenario: word, environment: 'lab', status: 'failed', comment: 'step 2 fails on the Pi' })
    expect((await review(v4.body.id, 'accepted')).status).toBe(200)
    expect((await counted(word!)).map((o) => [o.status, o.comment])).toEqual([['failed', 'step 2 fails on the Pi']])
  })

  it.skipIf(skip)('knows a tester as a person across tokens: revoke and rotate keep their outcomes, versions, claims and sign-off', async () => {
    const [, markup] = scenarioIds().manual
    const first = await api(hub, 'POST', '/tokens', hub.tokens.qa, { name: 'carol', role: 'tester' })
    expect(first.status).toBe(201)
    const taken = await api(hub, 'POST', '/tokens', hub.tokens.qa, { name: 'carol', role: 'tester' })
    expect(taken).toMatchObject({ status: 409, body: { message: expect.stringContaining('token rotate carol') } })
    const assignment = (await api(hub, 'POST', '/assignments', hub.tokens.qa, { build, scenarios: [markup] })).body[0]
    expect((await api(hub, 'POST', `/assignments/${assignment.id}/claim`, first.body.token)).status).toBe(200)
    const v1 = await submit(first.body.token, { scenario: markup })
    expect((await review(v1.body.id, 'accepted')).status).toBe(200)

    // carol lost her token: QA rotates it; the old one stops working, the new one is carol
    const rotated = await api(hub, 'POST', `/tokens/carol/rotate`, hub.tokens.qa)
    expect(rotated).toMatchObject({ status: 201, body: { name: 'carol', role: 'tester', revoked: first.body.id } })
    expect((await api(hub, 'GET', '/me', first.body.token)).status).toBe(401)
    const carol = rotated.body.token as string
    expect((await api(hub, 'GET', `/outcomes?build=${build}`, carol)).body.map((o: { id: number }) => o.id)).toEqual([v1.body.id])
    expect((await api(hub, 'GET', `/outcomes/${v1.body.id}`, carol)).status).toBe(200)
    expect((await api(hub, 'GET', `/assignments?build=${build}`, carol)).body.find((a: { id: number }) => a.id === assignment.id)).toMatchObject({ testerName: 'carol' })
    expect((await api(hub, 'POST', `/assignments/${assignment.id}/claim`, carol)).status).toBe(200)
    const v2 = await submit(carol, { scenario: markup, comment: 'again with my new token' })
    expect(v2.body.version).toBe(2)
    expect((await review(v2.body.id, 'accepted')).status).toBe(200)

    // revoked, then a token of the same name: still carol
    expect((await api(hub, 'DELETE', '/tokens/carol', hub.tokens.qa)).status).toBe(200)
    const again = await api(hub, 'POST', '/tokens', hub.tokens.qa, { name: 'carol', role: 'tester' })
    expect(again.status).toBe(201)
    expect((await api(hub, 'GET', `/outcomes?build=${build}`, again.body.token)).body).toHaveLength(2)
    // one person, one counted outcome: sign-off sees one tester
    expect((await counted(markup!)).map((o) => o.testerName)).toEqual(['carol'])
    const results = await hub.service.manualResults(build)
    const community = results.find((r) => r.run.environment === 'community')!
    // one outcome line for carol (her comment follows on a line of its own)
    expect(community.cases.find((c) => c.id === markup)!.output!.match(/^carol: (passed|failed|blocked|skipped)/gm)).toEqual(['carol: passed'])
  })

  it.skipIf(skip)('fails only the submission the store refuses when submissions are written together', async () => {
    const [word] = scenarioIds().manual
    const store = hub.service.store
    const alice = (await store.tokenByName('alice'))!
    const bob = (await store.tokenByName('bob'))!
    const before = await store.counts()
    const input = { build, environment: 'community', caseId: word!, status: 'passed' as const, steps: [], details: {}, defects: [], evidence: [], contentHash: '0123456789abcdef' }
    // Past the edge's checks, straight at the store: a NUL PostgreSQL cannot hold, among good ones.
    const answers = await Promise.allSettled([
      store.submitOutcome(alice.id, randomUUID(), { ...input, comment: 'good one', testerName: 'alice' }),
      store.submitOutcome(bob.id, randomUUID(), { ...input, comment: 'bad \u0000 one', testerName: 'bob' }),
      store.submitOutcome(alice.id, randomUUID(), { ...input, comment: 'good two', testerName: 'alice' }),
      store.submitOutcome(bob.id, randomUUID(), { ...input, comment: 'good three', testerName: 'bob' }),
    ])
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    expect((await store.counts()).outcomes - before.outcomes).toBe(3)
    // over HTTP, concurrently: the bad one 422, the good ones stored
    const http = await Promise.all([
      submit(hub.tokens.alice, { scenario: word, comment: 'http good' }),
      submit(hub.tokens.bob, { scenario: word, defects: ['https://example.org/\u0000'] }),
      submit(hub.tokens.bob, { scenario: word, comment: 'http good too' }),
    ])
    expect(http.map((a) => a.status)).toEqual([201, 422, 201])
    expect((await store.counts()).outcomes - before.outcomes).toBe(5)
  })

  it.skipIf(skip)("counts testers side by side by the worst of what they carried out: one who could not apply it (skipped) takes back no other's result", async () => {
    const other = 'v0.5.0-rc7'
    expect((await api(hub, 'POST', '/builds', hub.tokens.qa, { name: other })).status).toBe(201)
    const [word] = scenarioIds().manual
    const given = async (token: string, status: string) => {
      const outcome = await api(hub, 'POST', '/outcomes', token, { build: other, scenario: word, status }, { 'idempotency-key': randomUUID() })
      expect(outcome.status).toBe(201)
      expect((await review(outcome.body.id, 'accepted')).status).toBe(200)
    }
    const cell = async () => (await hub.service.manualResults(other)).flatMap((r) => r.cases).find((c) => c.id === word)!
    await given(hub.tokens.alice, 'passed')
    await given(hub.tokens.bob, 'skipped')
    // (bob is named in the cell's lines, not among who tested it: his is no sign-off)
    expect(await cell()).toMatchObject({ status: 'passed', tester: 'alice', notApplied: ['bob'], output: expect.stringContaining('bob: skipped') })
    // …yet bob's is an accepted outcome: a pull counts it
    expect(await pullResults(new HubClient(hub.url, hub.tokens.qa, { retry: { attempts: 2, baseMs: 10, maxMs: 20, defaultRetryAfterMs: 10, timeoutMs: 10_000 } }), tempTree(), { builds: [other] })).toMatchObject({ manualCases: 1, manualOutcomes: 2 })
    writeFileSync(path.join(hub.root, 'features/milestones/run.gates.yaml'), 'milestone: run-fixture\napplies-to: v0.5.0-rc*\ncriteria:\n  - { id: signed-off, kind: manual-signoff, severity: blocking, testers: 2 }\n')
    const gate = await api(hub, 'GET', `/builds/${other}/gate`, hub.tokens.qa)
    expect(gate.body.criteria[0].items).toContainEqual(expect.objectContaining({ scenarioId: word, environment: 'community/manual', status: 'passed', note: '1 of 2 tester(s) signed off' }))
    rmSync(path.join(hub.root, 'features/milestones/run.gates.yaml'))
    await given(hub.tokens.qa2, 'failed')
    expect(await cell()).toMatchObject({ status: 'failed', tester: 'alice, qa2' })
  })
})
