import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stop as stopEsbuild } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error a build script (plain JavaScript)
import { bundleCli as untyped } from '../../scripts/bundle-cli.mjs'

const bundleCli = untyped as (entries: Record<string, string>, outdir: string, options?: { axios?: boolean }) => Promise<void>

// Inside the repository: the bundle loads what it leaves out from node_modules, as dist/cli/ does.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const dir = path.join(ROOT, 'dist', `.axios-lazy-deps-test-${process.pid}`)

// What a bundled axios has loaded from node_modules, asked before and after each kind of request.
const ENTRY = `import axios from 'axios'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const loaded = () => [...new Set(Object.keys(require.cache).map((k) => /node_modules[\\\\/](follow-redirects|proxy-from-env|form-data|https-proxy-agent)[\\\\/]/.exec(k)?.[1]).filter(Boolean))].sort()
const onImport = loaded()
const url = process.argv[2]
const direct = await axios.get(url + '/target', { proxy: false, maxRedirects: 0, validateStatus: () => true })
const afterDirect = loaded()
const followed = await axios.get(url + '/redirect')
console.log(JSON.stringify({ onImport, direct: direct.status, afterDirect, followed: [followed.status, followed.data], afterFollow: loaded() }))
`

let server: http.Server
let url: string

beforeAll(async () => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'entry.mjs'), ENTRY)
  await bundleCli({ entry: path.join(dir, 'entry.mjs') }, path.join(dir, 'out'))
  // esbuild's service process would outlive the suite
  await stopEsbuild()
  server = http.createServer((req, res) => {
    if (req.url === '/redirect') res.writeHead(302, { location: '/target' }).end()
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('target reached')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}, 60_000)

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe('the CLI bundle of axios (scripts/axios-lazy-deps.mjs)', () => {
  it('loads none of the packages a JSON client without proxy or redirects never uses, and each one when a request needs it', async () => {
    // A process of its own (require's cache is the process's), run asynchronously: this process serves it.
    const env = { ...process.env, HTTP_PROXY: '', http_proxy: '', NO_PROXY: '' }
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(dir, 'out', 'entry.js'), url], { env, encoding: 'utf8', timeout: 60_000 })
    const out = JSON.parse(stdout) as Record<string, unknown>
    expect(out.onImport).toEqual([])
    // The publishers' requests: proxy: false, maxRedirects: 0 — a 200 without loading anything.
    expect(out.direct).toBe(200)
    expect(out.afterDirect).toEqual([])
    // axios's defaults follow redirects and read the proxy environment: both load on that first use.
    expect(out.followed).toEqual([200, 'target reached'])
    expect(out.afterFollow).toEqual(['follow-redirects', 'proxy-from-env'])
  })
})
