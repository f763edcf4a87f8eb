import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, request, type Server } from 'node:http'
import { HubClient } from '../../hub/client/hub-client.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'

/**
 * A reverse proxy as a team puts one in front of several tools: the public host serves the hub
 * under /bdd-matrix, the hub is asked by its upstream address (Host rewritten), and the public
 * name and scheme are passed on as X-Forwarded-Host and X-Forwarded-Proto, as nginx and most
 * load balancers do.
 */
function reverseProxy(upstream: URL, publicHost: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host, 'x-forwarded-host': publicHost, 'x-forwarded-proto': 'https' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    forwarded.on('error', () => res.writeHead(502).end())
    req.pipe(forwarded)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })))
}

describe('the hub under a path, behind a reverse proxy that ends TLS', () => {
  const PUBLIC = 'ci.example.org'
  let hub: TestHub
  let proxy: { server: Server; url: string }
  beforeAll(async () => {
    hub = await startHub({ basePath: '/bdd-matrix' })
    proxy = await reverseProxy(new URL(hub.url), PUBLIC)
  })
  afterAll(async () => {
    await new Promise((resolve) => proxy.server.close(resolve))
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
