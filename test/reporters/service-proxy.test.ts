import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { LocalTestmo } from '../servers/testmo-server.ts'
import { LocalGitLab } from '../servers/gitlab-server.ts'
import { ForwardProxy } from '../servers/forward-proxy.ts'
import { serviceProxy } from '../../reporters/service-proxy.ts'
import { publishToGitLab } from '../../reporters/gitlab/gitlab-publisher.ts'
import { HubClient } from '../../hub/client/hub-client.ts'
import { runBinAsync } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { canonicalResultSet } from './canonical-results.ts'

const TOKEN = 'testmo-SECRET-token-proxy'
const PASSWORD = 'proxy-S3CRET-password'
// quick retries; the timeout is a deadline for a hung request, not a window a busy machine must meet
const FAST = { attempts: 2, baseMs: 20, maxMs: 40, defaultRetryAfterMs: 20, timeoutMs: 60_000 }

describe('which proxy a service is reached through', () => {
  const service = new URL('https://nunet.testmo.net/api/v1')
  const via = (env: Record<string, string>, given?: string) => serviceProxy(service, { env, ...(given !== undefined ? { given } : {}) })?.shown

  it('reads HTTPS_PROXY (either case), else ALL_PROXY, and connects directly without one', () => {
    expect(via({})).toBeUndefined()
    expect(via({ HTTPS_PROXY: 'http://proxy.corp:3128' })).toBe('http://proxy.corp:3128')
    expect(via({ https_proxy: 'http://proxy.corp:3128' })).toBe('http://proxy.corp:3128')
    expect(via({ ALL_PROXY: 'http://all.corp:8080' })).toBe('http://all.corp:8080')
    // HTTP_PROXY is for http:// services only
    expect(via({ HTTP_PROXY: 'http://proxy.corp:3128' })).toBeUndefined()
    expect(serviceProxy(new URL('http://hub.corp:8080'), { env: { HTTP_PROXY: 'proxy.corp:3128' } })?.shown).toBe('http://proxy.corp:3128')
  })

  it('skips the proxy for hosts NO_PROXY names (the host, a parent domain, or *), and --proxy goes through it whatever NO_PROXY says', () => {
    const env = { HTTPS_PROXY: 'http://proxy.corp:3128' }
    expect(via({ ...env, NO_PROXY: 'localhost,nunet.testmo.net' })).toBeUndefined()
    expect(via({ ...env, no_proxy: '.testmo.net' })).toBeUndefined()
    expect(via({ ...env, NO_PROXY: '*' })).toBeUndefined()
    expect(via({ ...env, NO_PROXY: 'gitlab.corp' })).toBe('http://proxy.corp:3128')
    expect(via({ ...env, NO_PROXY: '*' }, 'http://other.corp:8080')).toBe('http://other.corp:8080')
    // --proxy '': directly, whatever the environment says
    expect(via(env, '')).toBeUndefined()
  })

  it('never shows the password, and says which setting holds what is no proxy', () => {
    expect(via({ HTTPS_PROXY: `http://ci:${PASSWORD}@proxy.corp:3128` })).toBe('http://ci:***@proxy.corp:3128')
    expect(() => via({ HTTPS_PROXY: `http://ci:${PASSWORD}@proxy corp:3128` })).toThrow(/the proxy in the environment \(HTTPS_PROXY, HTTP_PROXY or ALL_PROXY\) "http:\/\/ci:\*\*\*@proxy corp:3128" is not a URL; set it to http:\/\/<host>:<port>/)
    expect(() => via({}, 'socks5://proxy.corp:1080')).toThrow(/--proxy "socks5:\/\/proxy\.corp:1080" is not an HTTP proxy \(a SOCKS proxy is not spoken\); set it to http:\/\/<host>:<port> \(or https:\/\/… for a proxy spoken to over TLS\)$/)
    // a developer's SOCKS tunnel in ALL_PROXY: what to do to reach the service directly
    expect(() => via({ ALL_PROXY: 'socks5://127.0.0.1:1080' })).toThrow(/the proxy in the environment \(HTTPS_PROXY, HTTP_PROXY or ALL_PROXY\) "socks5:\/\/127\.0\.0\.1:1080" is not an HTTP proxy .*, or add nunet\.testmo\.net to NO_PROXY to reach it directly$/)
    try {
      via({ HTTPS_PROXY: `http://ci:${PASSWORD}@proxy corp:3128` })
    } catch (error) {
      expect(String(error)).not.toContain(PASSWORD)
    }
  })
})

describe('publishing through a proxy (a local forward proxy on loopback)', () => {
  let testmo: LocalTestmo
  let gitlab: LocalGitLab
  let proxy: ForwardProxy
  let resultsDir: string
  let cases: number
  const outputs: string[] = []
  beforeAll(async () => {
    testmo = await new LocalTestmo({ token: TOKEN, projects: [3] }).start()
    gitlab = await new LocalGitLab({ projectId: '42', token: TOKEN }).start()
    proxy = await new ForwardProxy({ user: 'ci', password: PASSWORD }).start()
    const canonical = await canonicalResultSet({ keepStepsOfPassed: true })
    resultsDir = canonical.resultsDir
    cases = canonical.results.builds.get('v0.5.0-rc2')!.size
  })
  afterAll(async () => {
    await Promise.all([testmo.stop(), gitlab.stop(), proxy.stop()])
    expect(outputs.join('\n')).not.toContain(PASSWORD)
    expect(outputs.join('\n')).not.toContain(TOKEN)
  })
  const withPassword = (password: string) => proxy.url.replace('http://', `http://ci:${password}@`)
  // Testmo by name, as its instances are (a tunnel to an address would name it in TLS, which Node warns of)
  const testmoUrl = () => testmo.url.replace('127.0.0.1', 'localhost')
  const testmoHost = () => new URL(testmoUrl()).host

  const publish = async (args: string[], env: Record<string, string>) => {
    const result = await runBinAsync(['publish', 'testmo', '--results', resultsDir, '--build', 'v0.5.0-rc2', '--project-id', '3', ...args], {
      cwd: tempTree(),
      // (outside a CI job, whatever runs these tests: the requests counted are a publish's own)
      env: { CI: '', TESTMO_URL: testmoUrl(), TESTMO_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: testmo.certificateFile, ...env },
    })
    outputs.push(result.stdout, result.stderr)
    return result
  }

  it('publish testmo tunnels through HTTPS_PROXY with its user and password, and every result lands', async () => {
    const before = proxy.tunnels.length
    const result = await publish([], { HTTPS_PROXY: withPassword(PASSWORD) })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const run = [...testmo.runs.values()].at(-1)!
    expect(run.completed).toBe(true)
    expect(testmo.testsOf(run.id)).toHaveLength(cases)
    const tunnels = proxy.tunnels.slice(before)
    expect(tunnels.length).toBeGreaterThan(0)
    expect(new Set(tunnels)).toEqual(new Set([testmoHost()]))
  })

  it('reaches Testmo directly when NO_PROXY names it, and through --proxy whatever NO_PROXY says', async () => {
    const before = proxy.tunnels.length
    const direct = await publish([], { HTTPS_PROXY: withPassword(PASSWORD), NO_PROXY: 'gitlab.corp,localhost' })
    expect(direct.code).toBe(0)
    expect(proxy.tunnels.length).toBe(before)
    const given = await publish(['--proxy', withPassword(PASSWORD), '--journal', 'journal-given.json'], { NO_PROXY: '*' })
    expect(given.stderr).toBe('')
    expect(given.code).toBe(0)
    expect(proxy.tunnels.length).toBeGreaterThan(before)
  })

  it('speaks TLS to an https:// proxy, and tunnels through it', async () => {
    const tlsProxy = await new ForwardProxy({ user: 'ci', password: PASSWORD }, { tls: true }).start()
    try {
      // the proxy's certificate and Testmo's, both trusted as a company's authorities would be
      const trusted = path.join(tempTree(), 'authorities.pem')
      writeFileSync(trusted, `${readFileSync(testmo.certificateFile, 'utf8')}${readFileSync(tlsProxy.certificateFile!, 'utf8')}`)
      const result = await publish(['--journal', 'journal-tls-proxy.json'], { HTTPS_PROXY: tlsProxy.url.replace('https://', `https://ci:${PASSWORD}@`), NODE_EXTRA_CA_CERTS: trusted })
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(tlsProxy.tunnels.length).toBeGreaterThan(0)
      expect(new Set(tlsProxy.tunnels)).toEqual(new Set([testmoHost()]))
    } finally {
      await tlsProxy.stop()
    }
  })

  it('a proxy that refuses the user and password is one line naming the proxy, never its password', async () => {
    const refusedBefore = proxy.refused
    const result = await publish(['--journal', 'journal-refused.json'], { HTTPS_PROXY: withPassword('wrong-password') })
    expect(result.code).toBe(2)
    expect(proxy.refused).toBeGreaterThan(refusedBefore)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(new RegExp(`the proxy http://ci:\\*\\*\\*@127\\.0\\.0\\.1:\\d+ refused creating the automation run \\(HTTP 407: it asks who you are\\); give its user and password in the proxy URL`))
    expect(result.stderr).not.toContain('wrong-password')
  })

  it('publish gitlab forwards through HTTP_PROXY (a GitLab on plain HTTP): one note, one status', async () => {
    const before = proxy.forwarded.length
    const outcome = await publishToGitLab(
      { apiUrl: gitlab.apiUrl, projectId: '42', token: TOKEN, mergeRequestIid: '7', sha: 'a'.repeat(40), proxy: { env: { HTTP_PROXY: withPassword(PASSWORD) } } },
      { markdown: '## matrix', state: 'success', description: 'all passed' },
      { retry: FAST },
    )
    expect(outcome.note?.action).toBe('created')
    expect(outcome.status?.state).toBe('success')
    const forwarded = proxy.forwarded.slice(before)
    expect(forwarded.some((url) => url.startsWith(`${gitlab.apiUrl}/projects/42/merge_requests/7/notes`))).toBe(true)
    expect(forwarded.some((url) => url.startsWith(`${gitlab.apiUrl}/projects/42/statuses/`))).toBe(true)
  })

  describe('the hub client', () => {
    let hub: Server
    let hubUrl: string
    beforeAll(async () => {
      hub = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'))
      await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve))
      hubUrl = `http://127.0.0.1:${(hub.address() as { port: number }).port}`
    })
    afterAll(() => new Promise<void>((resolve) => hub.close(() => resolve())))

    it('goes through HTTP_PROXY, and a proxy that is down is named, with what to check', async () => {
      const through = new HubClient(hubUrl, 'hub-token', { retry: FAST, proxy: { env: { HTTP_PROXY: withPassword(PASSWORD) } } })
      const before = proxy.forwarded.length
      expect((await through.request<{ ok: boolean }>('GET', '/builds', 'listing the builds')).data).toEqual({ ok: true })
      expect(proxy.forwarded.slice(before)).toEqual([`${hubUrl}/api/v1/builds`])

      const closed = await new ForwardProxy().start()
      const down = closed.url
      await closed.stop()
      const unreachable = new HubClient(hubUrl, 'hub-token', { retry: FAST, proxy: { env: { HTTP_PROXY: down } } })
      await expect(unreachable.request('GET', '/builds', 'listing the builds')).rejects.toThrow(
        new RegExp(`the results hub did not answer while listing the builds through the proxy ${down.replace(/\./g, '\\.')} \\(ECONNREFUSED\\) after 2 attempts; check that the proxy runs and lets it through \\(NO_PROXY names hosts to reach directly\\)`),
      )
    })
  })
})
