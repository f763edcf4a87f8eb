import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HubClient } from '../../hub/client/hub-client.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startReverseProxy } from '../servers/reverse-proxy.ts'
import { pushResults } from '../../hub/client/push-results.ts'
import { pullResults } from '../../hub/client/pull-results.ts'
import { ResultsWriter } from '../../src/results/results-writer.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { MODEL_VERSION } from '../../src/model/results.ts'
import { tempTree } from '../helpers/temp-tree.ts'

describe('the hub under a path, behind a reverse proxy that ends TLS', () => {
  const PUBLIC = 'ci.example.org'
  let hub: TestHub
  let proxy: Awaited<ReturnType<typeof startReverseProxy>>
  beforeAll(async () => {
    hub = await startHub({ basePath: '/bdd-matrix' })
    proxy = await startReverseProxy(new URL(hub.url), { publicHost: PUBLIC })
  })
  afterAll(async () => {
    await proxy.close()
    await hub.close()
  })
  const page = (path: string, init: RequestInit = {}) => fetch(`${proxy.url}/bdd-matrix${path}`, { redirect: 'manual', ...init })
  // every root-absolute link, form and resource of a page, which must all be under the hub's path
  const outside = (html: string) => [...html.matchAll(/ (?:href|action|src)="(\/[^"]*)"/g)].map((m) => m[1]!).filter((link) => !link.startsWith('/bdd-matrix/'))

  it('serves its pages, links, forms, redirects and session cookie under its path, and nothing at the root', async () => {
    const login = await page('/login')
    expect(login.status).toBe(200)
    const form = await login.text()
    expect(form).toContain('action="/bdd-matrix/login"')
    expect(form).toContain('href="/bdd-matrix/hub.css"')
    expect(outside(form)).toEqual([])
    expect((await page('/hub.css')).headers.get('content-type')).toMatch(/^text\/css/)
    expect((await fetch(`${proxy.url}/login`)).status).toBe(404)

    // the browser's page is https://ci.example.org/bdd-matrix/login: its form posts with that Origin
    const loggedIn = await page('/login', { method: 'POST', headers: { origin: `https://${PUBLIC}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${hub.tokens.qa}` })
    expect(loggedIn.status).toBe(303)
    expect(loggedIn.headers.get('location')).toBe('/bdd-matrix/builds')
    const cookie = loggedIn.headers.get('set-cookie')!
    expect(cookie).toMatch(/; Path=\/bdd-matrix\/;/)
    // the browser came over https: the session is never sent in the clear
    expect(cookie).toMatch(/; Secure$/)
    const builds = await page('/builds', { headers: { cookie: cookie.split(';')[0]! } })
    expect(builds.status).toBe(200)
    const html = await builds.text()
    expect(html).toContain('href="/bdd-matrix/assignments"')
    expect(outside(html)).toEqual([])
  })

  it('still refuses a form posted from another site', async () => {
    const refused = await page('/login', { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${hub.tokens.qa}` })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('set-cookie')).toBeNull()
  })

  it('answers the command line at its address with the path: push, pull and the rest use it as given', async () => {
    const client = new HubClient(`${proxy.url}/bdd-matrix`, hub.tokens.qa)
    const listed = await client.request<unknown[]>('GET', '/tokens', 'listing tokens')
    expect(listed.status).toBe(200)
    expect(Array.isArray(listed.data)).toBe(true)
  })
})

describe('pushing through a proxy that takes smaller bodies than the hub (nginx takes 1 MB unless told otherwise)', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startHub()
  })
  afterAll(() => hub.close())

  /** A results folder of `count` cases, one of them with an error of `errorBytes`. */
  const resultsOf = (count: number, errorBytes = 0): string => {
    const dir = tempTree()
    const writer = new ResultsWriter(dir)
    for (let i = 0; i < count; i++) {
      const error = i === 0 && errorBytes ? 'x'.repeat(errorBytes) : undefined
      writer.write({ kind: 'case', id: `case-${i}`, uri: 'features/numbers.feature', feature: 'Numbers', scenario: `scenario ${i}`, name: `scenario ${i}`, featureIds: ['numbers'], tags: ['@feature:numbers'], status: error ? 'failed' : 'passed', flaky: false, attempts: 1, durationMs: 3, steps: [{ keyword: 'Given', text: `step of ${i}`, status: 'passed', durationMs: 3 }], ...(error ? { error } : {}), attachments: [], nodes: [], source: 'automated' })
    }
    writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `proxy-run-${count}-${errorBytes}`, build: 'v0.5.0-rc1', stage: 'acceptance', environment: 'local', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:10:00.000Z', source: { format: 'cucumber-messages' } })
    return dir
  }

  it('sends a batch the proxy refuses as too large again in halves: every case once', async () => {
    const proxy = await startReverseProxy(new URL(hub.url), { publicHost: 'ci.example.org', maxBodyBytes: 64 * 1024 })
    try {
      const logged: string[] = []
      const pushed = await pushResults(new HubClient(proxy.url, hub.tokens.ci), resultsOf(600), (line) => logged.push(line))
      expect(pushed.runs).toEqual([{ id: 'proxy-run-600-0', cases: 600, sent: 600, already: false }])
      expect(proxy.refused()).toBeGreaterThan(0)
      expect(logged.some((line) => /refused as too large \(HTTP 413\); sending \d+ case\(s\) at a time/.test(line))).toBe(true)
      const pulled = tempTree()
      await pullResults(new HubClient(hub.url, hub.tokens.qa), pulled)
      const cells = (await mergeResults(pulled)).builds.get('v0.5.0-rc1')!
      expect(cells.size).toBe(600)
    } finally {
      await proxy.close()
    }
  })

  it('a single case larger than the proxy takes is one line saying what to raise', async () => {
    const proxy = await startReverseProxy(new URL(hub.url), { publicHost: 'ci.example.org', maxBodyBytes: 4 * 1024 })
    try {
      await expect(pushResults(new HubClient(proxy.url, hub.tokens.ci), resultsOf(3, 8 * 1024))).rejects.toThrow(
        /^the results hub, or a proxy before it, refused sending cases 1–1 of run proxy-run-3-8192 as too large \(HTTP 413, \d+ bytes\) and it cannot be split further; raise the proxy's limit on request bodies \(nginx: client_max_body_size\)/,
      )
    } finally {
      await proxy.close()
    }
  })
})
