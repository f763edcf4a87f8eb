import { SCHEMA_VERSION } from '../../hub/store/migrations.ts'
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runBin } from '../helpers/run-bin.ts'
import { serveBin } from '../helpers/serve-bin.ts'
import { hubProject } from '../helpers/hub.ts'
import { postgresAvailable, startPostgres } from '../helpers/postgres.ts'

async function serve(root: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const started = serveBin(root, { args, env })
  started.then(({ child }) => children.push(child)).catch(() => {})
  return started
}

const children: ChildProcess[] = []
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
})

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()))
}

const bin = (root: string, args: string[], env: Record<string, string> = {}) => runBin(args, { cwd: root, env: { DATABASE_URL: '', ...env } })

describe('bdd-matrix serve, token, push and manual from the command line', () => {
  it('manages tokens: printed once, listed without secrets, one active token a name, rotated and revoked by name', async () => {
    const root = hubProject()
    const created = bin(root, ['token', 'create', '--role', 'qa', '--name', 'lead'])
    expect(created.code).toBe(0)
    const token = created.stdout.trim()
    expect(token).toMatch(/^bdmx_[A-Za-z0-9_-]{32}$/)
    expect(created.stderr).not.toContain(token)
    const again = bin(root, ['token', 'create', '--role', 'tester', '--name', 'lead'])
    expect(again).toMatchObject({ code: 2, stderr: expect.stringMatching(/^bdd-matrix: "lead" has a token; give them a new one with bdd-matrix token rotate lead/) })
    // rotate: a new secret for the same person, the old one revoked
    const rotated = bin(root, ['token', 'rotate', 'lead'])
    expect(rotated.code).toBe(0)
    expect(rotated.stdout.trim()).toMatch(/^bdmx_[A-Za-z0-9_-]{32}$/)
    expect(rotated.stdout.trim()).not.toBe(token)
    expect(rotated.stderr).toMatch(/^token t_[0-9a-f]{10} \(qa\) for lead replaces t_[0-9a-f]{10}, which no longer works/)
    expect(bin(root, ['token', 'rotate', 'nobody'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/no active token "nobody"/) })
    expect(bin(root, ['token', 'create', '--role', 'admin', '--name', 'x']).stderr).toMatch(/--role "admin": use qa, ci or tester/)
    const listed = bin(root, ['token', 'list'])
    expect(listed.stdout).toMatch(/t_[0-9a-f]{10}\s+qa\s+lead/)
    expect(listed.stdout).not.toContain(token)
    expect(bin(root, ['token', 'revoke', 'lead']).stdout).toMatch(/revoked t_[0-9a-f]{10} \(lead\)/)
    expect(bin(root, ['token', 'list']).stdout).toMatch(/lead\s+created \S+\s+revoked/)
    // a revoked name may be given again: the same person
    expect(bin(root, ['token', 'create', '--role', 'qa', '--name', 'lead']).code).toBe(0)
    expect(bin(root, ['token', 'revoke', 'nobody'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/no token "nobody"/) })
  })

  it('says in one line what is wrong: a taken port, an unreachable DATABASE_URL, a newer schema, a store in use', async () => {
    const root = hubProject()
    const holder = createServer()
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
    const port = (holder.address() as { port: number }).port
    const taken = bin(root, ['serve', '--port', String(port)])
    holder.close()
    expect(taken.code).toBe(2)
    expect(taken.stderr).toBe(`bdd-matrix: port ${port} on 127.0.0.1 is in use; stop what holds it or choose another with --port\n`)
    const unreachable = bin(root, ['serve'], { DATABASE_URL: 'postgres://hub:secret@127.0.0.1:1/hub' })
    expect(unreachable.code).toBe(2)
    expect(unreachable.stderr).toMatch(/^bdd-matrix: the database at postgres:\/\/hub:\*\*\*@127\.0\.0\.1:1\/hub cannot be used: no server answers \(ECONNREFUSED\); start PostgreSQL there, or correct DATABASE_URL/)
    expect(unreachable.stderr).not.toContain('secret')
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1)

    // the embedded store belongs to one process
    const { child } = await serve(root)
    const inUse = bin(root, ['token', 'create', '--role', 'qa', '--name', 'x'])
    expect(inUse.code).toBe(2)
    expect(inUse.stderr).toMatch(new RegExp(`is in use by process ${child.pid} \\(bdd-matrix serve\\?\\); stop it first, or do this through the server`))
    child.kill('SIGTERM')
    await exited(child)
    // a store written by a newer bdd-matrix
    const { openStore } = await import('../../hub/open-hub.ts')
    const store = await openStore({ root })
    await store.db.query('update bdd_matrix_schema set version = 99')
    await store.db.close()
    const newer = bin(root, ['serve'])
    expect(newer.code).toBe(2)
    expect(newer.stderr).toMatch(new RegExp(`has schema version 99; this bdd-matrix knows up to ${SCHEMA_VERSION}: upgrade bdd-matrix, or point it at another database\n$`))

  })

  it('lets a tester work from a terminal: manual list shows assignments, manual submit sends an outcome with evidence', async () => {
    const root = hubProject()
    const qa = bin(root, ['token', 'create', '--role', 'qa', '--name', 'lead']).stdout.trim()
    const tester = bin(root, ['token', 'create', '--role', 'tester', '--name', 'alice']).stdout.trim()
    const hub = await serve(root)
    try {
      const headers = { authorization: `Bearer ${qa}`, 'content-type': 'application/json' }
      expect((await fetch(`${hub.url}/api/v1/builds`, { method: 'POST', headers, body: JSON.stringify({ name: 'v0.5.0-rc1' }) })).status).toBe(201)
      expect((await fetch(`${hub.url}/api/v1/assignments`, { method: 'POST', headers, body: JSON.stringify({ build: 'v0.5.0-rc1', allManual: true, tester: 'alice', due: '2026-12-24' }) })).status).toBe(201)
      const env = { BDD_MATRIX_SERVER: hub.url, BDD_MATRIX_TOKEN: tester }
      // an open assignment, claimed from the terminal as manual list says
      const [manual] = (await (await fetch(`${hub.url}/api/v1/scenarios?manual=true`, { headers })).json()) as { id: string }[]
      const open = (await (await fetch(`${hub.url}/api/v1/assignments`, { method: 'POST', headers, body: JSON.stringify({ build: 'v0.5.0-rc1', scenarios: [manual!.id], environment: 'lab' }) })).json()) as { id: number; caseId: string }[]
      expect(bin(root, ['manual', 'list', '--build', 'v0.5.0-rc1'], env).stdout).toContain(`#${open[0]!.id}  v0.5.0-rc1  lab  ${open[0]!.caseId}  a tester counts the letters of a word (features/letters.feature:4)  open: bdd-matrix manual claim ${open[0]!.id}`)
      const claimed = bin(root, ['manual', 'claim', String(open[0]!.id)], env)
      expect(claimed.stdout).toMatch(new RegExp(`^claimed #${open[0]!.id}: ${open[0]!.caseId} on v0\\.5\\.0-rc1 \\(lab\\) until \\S+\\nwhen done: bdd-matrix manual submit --build v0\\.5\\.0-rc1 --scenario ${open[0]!.caseId} --env lab --status`))
      expect(bin(root, ['manual', 'claim', 'abc'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^bdd-matrix: "abc": give the assignment's number/) })
      expect(bin(root, ['manual', 'claim', '99999'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/\(HTTP 404\): no assignment 99999\n$/) })
      const list = bin(root, ['manual', 'list', '--build', 'v0.5.0-rc1'], env)
      expect(list.code).toBe(0)
      // the @manual scenarios any tester may carry out on an open build: with the id manual submit takes
      expect(list.stdout).toContain(`@manual scenarios, for any tester, on v0.5.0-rc1 (bdd-matrix manual submit --build B --scenario ID --status passed|failed|blocked|skipped):\n  ${manual!.id}  a tester counts the letters of a word (features/letters.feature:4)\n`)
      expect(bin(root, ['manual', 'list', '--build', 'v0.6.0-rc1'], env).stdout).toMatch(/^no assignments\n2 @manual scenario\(s\), but build v0\.6\.0-rc1 is not open for manual testing yet \(QA opens one on the hub's Builds page\)\n$/)
      const first = /^#\d+  v0\.5\.0-rc1  community  ([0-9a-f]{20})  a tester counts the letters of a word \(features\/letters\.feature:4\)  assigned to alice  due 2026-12-24$/m.exec(list.stdout)
      expect(first, list.stdout).not.toBeNull()
      writeFileSync(path.join(root, 'node.log'), 'peers: 3\n')
      const submit = bin(root, ['manual', 'submit', '--build', 'v0.5.0-rc1', '--scenario', first![1]!, '--status', 'failed', '--step', '1=passed', '--step', '3=failed', '--comment', 'counted 2', '--minutes', '4', '--detail', 'os=Ubuntu-24.04', '--defect', 'https://gitlab.com/nunet/device-management-service/-/issues/9', '--evidence', 'node.log'], env)
      expect(submit.stdout).toMatch(/^outcome \d+ submitted \(version 1\); QA reviews it before it counts\n$/)
      const outcomes = (await (await fetch(`${hub.url}/api/v1/outcomes?build=v0.5.0-rc1`, { headers })).json()) as Record<string, unknown>[]
      expect(outcomes).toEqual([expect.objectContaining({ status: 'failed', steps: [{ index: 0, status: 'passed' }, { index: 2, status: 'failed' }], comment: 'counted 2', elapsedMs: 240_000, details: { os: 'Ubuntu-24.04' }, evidence: [expect.objectContaining({ name: 'node.log', mediaType: 'text/plain', size: 9 })] })])
      // manual list says where each of the tester's own outcomes stands, and which to carry out again
      const [, second] = (await (await fetch(`${hub.url}/api/v1/scenarios?manual=true`, { headers })).json()) as { id: string; name: string }[]
      const older = await fetch(`${hub.url}/api/v1/outcomes`, { method: 'POST', headers: { authorization: `Bearer ${tester}`, 'content-type': 'application/json', 'idempotency-key': 'seen-before-an-edit' }, body: JSON.stringify({ build: 'v0.5.0-rc1', scenario: second!.id, status: 'passed', contentHash: '0000000000000000' }) })
      expect(older.status).toBe(201)
      expect((await fetch(`${hub.url}/api/v1/outcomes/${outcomes[0]!.id}/review`, { method: 'POST', headers, body: JSON.stringify({ verdict: 'needs-info', reason: 'which word?' }) })).status).toBe(200)
      const noted = bin(root, ['manual', 'list', '--build', 'v0.5.0-rc1'], env).stdout
      expect(noted).toContain(`assigned to alice  due 2026-12-24\n      yours on v0.5.0-rc1 (community): failed, QA asks for more information: which word?; submit it again with it\n`)
      expect(noted).toContain(`  ${second!.id}  ${second!.name} (features/letters.feature:`)
      expect(noted).toContain(`\n      yours on v0.5.0-rc1 (community): passed, of an earlier text of the scenario: it signs nothing off; carry it out again and submit (bdd-matrix manual submit --build v0.5.0-rc1 --scenario ${second!.id} --env community --status …)\n`)
      // (alice's assignment in the lab: her community outcome is no outcome of it)
      const lines = noted.split('\n')
      const lab = lines.findIndex((line) => line.startsWith(`#${open[0]!.id}  v0.5.0-rc1  lab  `))
      expect(lab, noted).toBeGreaterThanOrEqual(0)
      expect(lines[lab + 1]).not.toMatch(/^ {6}yours/)
      // refusals come back in one line
      const wrongStep = bin(root, ['manual', 'submit', '--build', 'v0.5.0-rc1', '--scenario', first![1]!, '--status', 'passed', '--step', '9=passed'], env)
      expect(wrongStep).toMatchObject({ code: 2, stderr: 'bdd-matrix: the results hub refused submitting the outcome of ' + first![1] + ' (HTTP 422): steps.0.index: the scenario has 3 steps (0 to 2)\n' })
      expect(bin(root, ['manual', 'submit', '--build', 'v0.5.0-rc1', '--scenario', first![1]!, '--status', 'passed', '--step', 'two'], env).stderr).toBe('bdd-matrix: --step "two": write STEP=STATUS, steps counted from 1, e.g. 2=failed\n')
      expect(bin(root, ['manual', 'list'], { BDD_MATRIX_SERVER: hub.url })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^bdd-matrix: no hub token: set BDD_MATRIX_TOKEN/) })
    } finally {
      hub.child.kill('SIGTERM')
      await exited(hub.child)
    }
  })

  it.each(postgresAvailable() ? ['embedded', 'postgresql'] : ['embedded'])('stops on SIGTERM under load (%s store) without failing a request: each is answered 201 and kept, or refused 503, or cut off unanswered', async (store) => {
    const root = hubProject()
    const pg = store === 'postgresql' ? await startPostgres() : undefined
    const env: Record<string, string> = pg ? { DATABASE_URL: await pg.createDatabase() } : {}
    const tester = bin(root, ['token', 'create', '--role', 'tester', '--name', 'alice'], env).stdout.trim()
    const qa = bin(root, ['token', 'create', '--role', 'qa', '--name', 'lead'], env).stdout.trim()
    let hub = await serve(root, [], env)
    let log = ''
    hub.child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
    const post = (url: string, route: string, token: string, body: unknown, key?: string) =>
      fetch(`${url}/api/v1${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) })
    expect((await post(hub.url, '/builds', qa, { name: 'v0.5.0-rc1' })).status).toBe(201)
    const scenarios = (await (await fetch(`${hub.url}/api/v1/scenarios?manual=true`, { headers: { authorization: `Bearer ${tester}` } })).json()) as { id: string }[]
    const acknowledged = new Set<number>()
    const statuses = new Map<number, number>()
    let sent = 0
    let stopping!: () => void
    const enough = new Promise<void>((resolve) => (stopping = resolve))
    const client = async (): Promise<void> => {
      while (hub.child.exitCode === null && hub.child.signalCode === null && sent < 5000) {
        sent++
        try {
          const answer = await post(hub.url, '/outcomes', tester, { build: 'v0.5.0-rc1', scenario: scenarios[sent % scenarios.length]!.id, status: 'passed', comment: `submission ${sent}` }, randomUUID())
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
          if (answer.status === 201) acknowledged.add(((await answer.json()) as { id: number }).id)
          if (acknowledged.size >= 40) stopping()
        } catch {
          // the connection closed as the hub stopped: not acknowledged
        }
      }
    }
    // Clients that give up on their requests: the hub goes on with them after their connection closed.
    let impatient = true
    const quitter = async (): Promise<void> => {
      while (impatient) {
        const giveUp = new AbortController()
        setTimeout(() => giveUp.abort(), 1 + (sent % 5))
        sent++
        await fetch(`${hub.url}/api/v1/outcomes`, { method: 'POST', signal: giveUp.signal, headers: { authorization: `Bearer ${tester}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify({ build: 'v0.5.0-rc1', scenario: scenarios[sent % scenarios.length]!.id, status: 'failed', comment: `given up ${sent}` }) }).catch(() => {})
      }
    }
    const load = Promise.all([...Array.from({ length: 16 }, client), ...Array.from({ length: 16 }, quitter)])
    await enough
    hub.child.kill('SIGTERM')
    // The last of them give up as the hub stops.
    setTimeout(() => (impatient = false), 20)
    await load
    await exited(hub.child)
    expect(hub.child.exitCode, log).toBe(0)
    expect([...statuses.keys()].filter((status) => status !== 201 && status !== 503), JSON.stringify([...statuses])).toEqual([])
    expect(log).not.toMatch(/failed/)
    hub = await serve(root, [], env)
    const stored = new Set(((await (await fetch(`${hub.url}/api/v1/outcomes?build=v0.5.0-rc1`, { headers: { authorization: `Bearer ${tester}` } })).json()) as { id: number }[]).map((o) => o.id))
    for (const id of acknowledged) expect(stored.has(id), String(id)).toBe(true)
    hub.child.kill('SIGTERM')
    await exited(hub.child)
    await pg?.stop()
  })

  it('keeps every acknowledged submission, once, through a SIGKILL under load; the store reopens without repair', async () => {
    const root = hubProject()
    const qa = bin(root, ['token', 'create', '--role', 'qa', '--name', 'lead']).stdout.trim()
    const tester = bin(root, ['token', 'create', '--role', 'tester', '--name', 'alice']).stdout.trim()
    let hub = await serve(root)
    const post = (url: string, route: string, token: string, body: unknown, key?: string) =>
      fetch(`${url}/api/v1${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) })
    expect((await post(hub.url, '/builds', qa, { name: 'v0.5.0-rc1' })).status).toBe(201)
    const scenarios = (await (await fetch(`${hub.url}/api/v1/scenarios?manual=true`, { headers: { authorization: `Bearer ${tester}` } })).json()) as { id: string }[]
    const acknowledged = new Map<string, number>()
    let sent = 0
    // Load by count, not by time: 8 concurrent clients keep submitting; once 40 submissions are
    // acknowledged the server is killed with others in flight, however busy the machine is.
    const KILL_AFTER = 40
    let killed!: () => void
    const enough = new Promise<void>((resolve) => (killed = resolve))
    const client = async (): Promise<void> => {
      while (hub.child.exitCode === null && hub.child.signalCode === null && sent < 5000) {
        const key = randomUUID()
        sent++
        try {
          const answer = await post(hub.url, '/outcomes', tester, { build: 'v0.5.0-rc1', scenario: scenarios[sent % scenarios.length]!.id, status: sent % 3 ? 'passed' : 'failed', comment: `submission ${sent}` }, key)
          if (answer.status === 201) acknowledged.set(key, ((await answer.json()) as { id: number }).id)
          if (acknowledged.size >= KILL_AFTER) killed()
        } catch {
          // the server died under this request: its outcome is unknown, it was not acknowledged
        }
      }
    }
    const load = Promise.all(Array.from({ length: 8 }, client))
    await enough
    hub.child.kill('SIGKILL')
    await load
    await exited(hub.child)
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER)
    // requests were in flight when it died: the kill really came under load
    expect(sent).toBeGreaterThan(acknowledged.size)

    hub = await serve(root)
    for (const key of acknowledged.keys()) {
      // the same key again: the stored outcome answers, nothing is added
      const again = await post(hub.url, '/outcomes', tester, {}, key)
      expect(again.status, key).not.toBe(201)
    }
    const stored = (await (await fetch(`${hub.url}/api/v1/outcomes?build=v0.5.0-rc1`, { headers: { authorization: `Bearer ${tester}` } })).json()) as { id: number; comment: string }[]
    const ids = new Set(stored.map((o) => o.id))
    for (const id of acknowledged.values()) expect(ids.has(id)).toBe(true)
    // none twice: each submission's text is stored once
    const comments = stored.map((o) => o.comment)
    expect(new Set(comments).size).toBe(comments.length)
    hub.child.kill('SIGTERM')
    await exited(hub.child)
    expect(path.isAbsolute(root)).toBe(true)
  })
})
