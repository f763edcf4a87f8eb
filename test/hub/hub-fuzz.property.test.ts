import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Queryable } from '../../hub/store/database.ts'
import { api, startHub, type TestHub, BOTH_STORES } from '../helpers/hub.ts'
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres.ts'

const TABLES = ['tokens', 'sessions', 'builds', 'runs', 'cases', 'blobs', 'assignments', 'outcomes', 'reviews', 'approvals']

/** A digest of every row of every table: a refused request must leave it as it was. */
async function storeDigest(db: Queryable): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of TABLES) {
    const rows = await db.query<{ d: string | null; n: number }>(`select md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as d, count(*)::int as n from ${table} t`)
    out[table] = `${rows[0]!.n}:${rows[0]!.d}`
  }
  return out
}

// Strings that broke hubs before, mixed into whatever fast-check makes.
const NASTY = ['\u0000', 'a\u0000', '\ud800', '\udfff', 'x'.repeat(5000), '99999999999', '-1', '0', '1.5', 'abc', '__proto__', 'constructor', '../../etc/passwd', '<script>alert(1)</script>', '%', '%00', '%ff', '%E0%A4%A', ' ', '']
/** encodeURIComponent, which throws on a lone surrogate: then the bytes Node would send, escaped */
const enc = (s: string): string => {
  try {
    return encodeURIComponent(s)
  } catch {
    return [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
  }
}
const nasty = fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.integer().map(String), fc.constantFrom('v0.5.0-rc1', 'community', 'lab', 'passed'))
/** a path segment: encoded as a client would, or raw (invalid percent-encodings reach the hub as sent) */
const segment = fc.oneof(nasty.map(enc), fc.constantFrom('%00', '%ff', '%', '%E0%A4%A', '%ED%A0%80', '1', '2', '99999999999'))
const deep = (depth: number): unknown => (depth === 0 ? 'bottom' : { a: deep(depth - 1) })
const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.oneof(nasty, fc.constantFrom('__proto__', 'constructor', 'build', 'scenario', 'status', 'steps', 'name', 'role', 'verdict')), tie('value'), { maxKeys: 5 })),
})).value
const body = fc.oneof(
  jsonValue.map((v) => ({ type: 'application/json', text: JSON.stringify(v) ?? 'null' })),
  // what JSON.stringify cannot make: huge numbers, prototype keys as written, deep nesting, broken text
  fc.constantFrom('{"a":1e309}', '{"__proto__":{"role":"qa"}}', '{"constructor":{"prototype":{}}}', JSON.stringify(deep(200)), '{"build":"v0.5.0-rc1","scenario":', '\u0000', '{"status":"passed","build":"\\u0000"}', '[1,2,3]').map((text) => ({ type: 'application/json', text })),
  fc.dictionary(fc.oneof(nasty, fc.constantFrom('_csrf', 'token', 'name', 'scenario', 'tester', 'environment', 'due', 'verdict', 'reason', 'comment')), nasty, { maxKeys: 5 }).map((fields) => ({ type: 'application/x-www-form-urlencoded', text: new URLSearchParams(fields).toString() })),
  fc.tuple(nasty, nasty, nasty).map(([field, value, file]) => ({
    type: 'multipart/form-data; boundary=XyZ',
    text: `--XyZ\r\nContent-Disposition: form-data; name="${field.replace(/["\r\n]/g, '')}"\r\n\r\n${value}\r\n--XyZ\r\nContent-Disposition: form-data; name="evidence"; filename="${file.replace(/["\r\n]/g, '')}"\r\nContent-Type: text/x-log\r\n\r\nlog line\r\n--XyZ--\r\n`,
  })),
  fc.constant(undefined),
)
const header = fc.option(nasty.filter((s) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s)), { nil: undefined })

// Every route of the hub, on both stores: whatever arrives, the answer is never a 5xx and a refused
// request changes nothing in the store.
describe.each(BOTH_STORES)('fuzzing every route of the hub on $store', ({ postgres }) => {
  let hub: TestHub
  let pg: TestPostgres | undefined
  const skip = postgres && !postgresAvailable()
  const sessions: Record<string, { cookie: string; csrf: string }> = {}

  beforeAll(async () => {
    if (skip) return
    if (postgres) pg = await startPostgres()
    hub = await startHub({ ...(pg ? { databaseUrl: await pg.createDatabase() } : {}), maxEvidenceBytes: 64 * 1024 })
    expect((await api(hub, 'POST', '/builds', hub.tokens.qa, { name: 'v0.5.0-rc1' })).status).toBe(201)
    const [word] = [...hub.service.project.scenarios.values()].filter((s) => s.manual)
    expect((await api(hub, 'POST', '/assignments', hub.tokens.qa, { build: 'v0.5.0-rc1', scenarios: [word!.id] })).status).toBe(201)
    for (const who of ['qa', 'alice'] as const) {
      const login = await fetch(`${hub.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${hub.tokens[who]}` })
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!
      const page = await (await fetch(`${hub.url}/builds`, { headers: { cookie } })).text()
      sessions[who] = { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]! }
    }
  })
  afterAll(async () => {
    await hub?.close()
    await pg?.stop()
  })

  const send = async (method: string, url: string, request: { body?: { type: string; text: string }; headers?: Record<string, string> }) => {
    try {
      const response = await fetch(`${hub.url}${url}`, { method, redirect: 'manual', headers: { ...(request.body ? { 'content-type': request.body.type } : {}), ...request.headers }, ...(request.body && method !== 'GET' ? { body: request.body.text } : {}) })
      return { status: response.status, text: await response.text() }
    } catch (error) {
      // a request fetch itself will not send (a header value it refuses) is no request at all
      if (error instanceof TypeError && /header|ByteString|Invalid/i.test(`${error.message} ${String((error as { cause?: Error }).cause?.message)}`)) return undefined
      throw error
    }
  }

  it.skipIf(skip)('answers the requests that gave 500s with 4xx and changes nothing', async () => {
    const cookie = sessions.qa!.cookie
    const csrf = sessions.qa!.csrf
    const form = (fields: string) => ({ body: { type: 'application/x-www-form-urlencoded', text: `_csrf=${encodeURIComponent(csrf)}&${fields}` }, headers: { cookie } })
    const before = await storeDigest(hub.service.store.db)
    const cases: [string, string, Parameters<typeof send>[2]][] = [
      ['GET', '/api/v1/builds/%00/matrix', { headers: { authorization: `Bearer ${hub.tokens.alice}` } }],
      ['GET', '/api/v1/runs?build=%00', { headers: { authorization: `Bearer ${hub.tokens.alice}` } }],
      ['GET', '/api/v1/assignments?build=%00', { headers: { authorization: `Bearer ${hub.tokens.alice}` } }],
      ['GET', '/api/v1/outcomes?build=%00', { headers: { authorization: `Bearer ${hub.tokens.alice}` } }],
      ['GET', '/builds/%00/matrix', { headers: { cookie } }],
      ['GET', '/builds/v0.5.0-rc1/scenarios/%00', { headers: { cookie } }],
      ['POST', '/api/v1/outcomes', { body: { type: 'application/json', text: JSON.stringify({ build: 'v0.5.0-rc1', scenario: 'x', status: 'passed', defects: ['https://example.org/\u0000'] }) }, headers: { authorization: `Bearer ${hub.tokens.alice}`, 'idempotency-key': 'fuzz-0000-1' } }],
      ['POST', '/builds/v0.5.0-rc1/assign', form('scenario=x&environment=a%00')],
      ['POST', '/builds/v0.5.0-rc1/approve', form('comment=a%00')],
      ['POST', '/assignments/abc/claim', form('')],
      ['POST', '/assignments/99999999999/claim', form('')],
      ['POST', '/outcomes/abc/review', form('verdict=accepted')],
      ['POST', '/api/v1/assignments/abc/claim', { headers: { authorization: `Bearer ${hub.tokens.alice}` } }],
      ['GET', '/api/v1/outcomes/99999999999', { headers: { authorization: `Bearer ${hub.tokens.alice}` } }],
      ['GET', '/api/v1/scenarios/%ff', { headers: { authorization: `Bearer ${hub.tokens.alice}` } }],
    ]
    for (const [method, url, request] of cases) {
      const answer = (await send(method, url, request))!
      expect(answer.status, `${method} ${url}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
      expect(answer.status, `${method} ${url}: ${answer.text.slice(0, 200)}`).toBeLessThan(500)
    }
    // a NUL in an uploaded file's name on the web form
    const [word] = [...hub.service.project.scenarios.values()].filter((s) => s.manual)
    const multipart = `--B\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${sessions.alice!.csrf}\r\n--B\r\nContent-Disposition: form-data; name="status"\r\n\r\npassed\r\n--B\r\nContent-Disposition: form-data; name="key"\r\n\r\nkey-of-the-form-1\r\n--B\r\nContent-Disposition: form-data; name="evidence"; filename="node\u0000.log"\r\nContent-Type: text/x-log\r\n\r\nline\r\n--B--\r\n`
    const upload = (await send('POST', `/builds/v0.5.0-rc1/scenarios/${word!.id}`, { body: { type: 'multipart/form-data; boundary=B', text: multipart }, headers: { cookie: sessions.alice!.cookie } }))!
    expect(upload.status).toBe(422)
    // the form is shown again, with what was typed
    expect(upload.text).toContain('Not submitted')
    expect(upload.text).toMatch(/value="passed" required checked/)
    expect(await storeDigest(hub.service.store.db)).toEqual(before)
  })

  it.skipIf(skip)('never answers ≥ 500 and never stores what it refuses, whatever reaches any route (fast-check)', async () => {
    const routes = hub.app.hubRoutes.filter((r) => r.url !== '/logout')
    expect(routes.length).toBeGreaterThan(40)
    const seen = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(segment, { minLength: 3, maxLength: 3 }),
        fc.array(fc.tuple(nasty, nasty), { maxLength: 3 }),
        body,
        fc.constantFrom('qa', 'alice', 'ci', 'none', 'qa-page', 'alice-page'),
        fc.boolean(),
        fc.record({ 'idempotency-key': header, 'x-file-name': header, origin: header }),
        async (route, segments, query, requestBody, who, rightCsrf, extra) => {
          let i = 0
          const url = route.url.replace(/:[a-z]+|\*/g, () => segments[i++ % segments.length]!) + (query.length ? `?${query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` : '')
          const headers: Record<string, string> = {}
          for (const [name, value] of Object.entries(extra)) if (value !== undefined) headers[name] = value
          if (who === 'qa' || who === 'alice' || who === 'ci') headers.authorization = `Bearer ${hub.tokens[who]}`
          let sentBody = requestBody
          if (who.endsWith('-page')) {
            const session = sessions[who.replace('-page', '')]!
            headers.cookie = session.cookie
            // with the session's CSRF token half of the time, so forms reach their handlers
            if (rightCsrf && sentBody?.type === 'application/x-www-form-urlencoded') sentBody = { ...sentBody, text: `_csrf=${encodeURIComponent(session.csrf)}&${sentBody.text}` }
          }
          const before = await storeDigest(hub.service.store.db)
          const answer = await send(route.method, url, { ...(sentBody ? { body: sentBody } : {}), headers })
          if (!answer) return
          seen.set(String(answer.status), (seen.get(String(answer.status)) ?? 0) + 1)
          expect(answer.status, `${route.method} ${url} → ${answer.text.slice(0, 300)}`).toBeLessThan(500)
          if (answer.status >= 400) expect(await storeDigest(hub.service.store.db), `${route.method} ${url} was refused (${answer.status}) yet changed the store`).toEqual(before)
        },
      ),
      { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? 20261202) },
    )
    // the fuzz reached past the checks, not only into refusals
    expect([...seen.keys()].some((s) => s.startsWith('2') || s.startsWith('3'))).toBe(true)
    expect(seen.get('422') ?? 0).toBeGreaterThan(0)
  })
})
