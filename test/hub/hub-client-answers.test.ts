import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { HubClient } from '../../hub/client/hub-client.ts'
import { pushResults } from '../../hub/client/push-results.ts'
import { pullResults } from '../../hub/client/pull-results.ts'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { writeCanonicalResults } from '../reporters/canonical-results.ts'
import { tempTree } from '../helpers/temp-tree.ts'

// What stands at --server may not be the hub (a proxy, an old or foreign service): a push or pull
// must stop on an answer it cannot go on from, never loop on one, take it for progress, or write
// where it names.
describe('push and pull against a server that answers unlike the hub', () => {
  let server: Server | undefined
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

  const serving = async (answer: (method: string, url: string) => { type: string; body: string }): Promise<string> => {
    let requests = 0
    server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        // a push that loops would go on for ever: the server stops answering after a few hundred
        if (++requests > 500) return void res.destroy()
        const { type, body } = answer(req.method ?? '', req.url ?? '')
        res.writeHead(200, { 'content-type': type })
        res.end(body)
      })
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  const json = (value: unknown) => ({ type: 'application/json', body: JSON.stringify(value) })
  const NO_RETRY = { attempts: 1, baseMs: 10, maxMs: 10, defaultRetryAfterMs: 10, timeoutMs: 120_000 }

  it('stops when the count of cases held does not move on, instead of sending the same cases for ever', async () => {
    const results = tempTree()
    await writeCanonicalResults(results)
    const url = await serving((method, path) => (path.startsWith('/api/v1/blobs/missing') ? json({ missing: [] }) : method === 'PUT' ? json({ received: 0, complete: false }) : json({ received: 0 })))
    await expect(pushResults(new HubClient(url, 'token', { retry: NO_RETRY }), results)).rejects.toThrow(/^the results hub answered sending cases 1–\d+ of run \S+ with \{"received":0\}, not how many of the run's \d+ cases it holds \(1 to \d+\); is --server the hub itself \(not a proxy\)\? Then run the same command again \(it resumes\)$/)
  })

  it('stops on a sign-in page answered in the hub\'s place', async () => {
    const results = tempTree()
    await writeCanonicalResults(results)
    const url = await serving(() => ({ type: 'text/html', body: '<!DOCTYPE html><html><body>Sign in</body></html>' }))
    await expect(pushResults(new HubClient(url, 'token', { retry: NO_RETRY }), results)).rejects.toThrow(/^the results hub answered starting run \S+ with an HTML page, not the JSON its API gives/)
  })

  it('pulls no run whose id would name a path: nothing is written outside the folder, or at all', async () => {
    const url = await serving((_, path) => (path === '/api/v1/builds' ? json([{ name: 'v1' }]) : path.startsWith('/api/v1/runs?') ? json([{ id: '../../escaped', build: 'v1' }]) : json([])))
    const root = tempTree()
    const out = path.join(root, 'pulled')
    await expect(pullResults(new HubClient(url, 'token', { retry: NO_RETRY }), out)).rejects.toThrow(/^the results hub answered listing the runs of v1 with a run named "\.\.\/\.\.\/escaped", which would name a path, not a file \(run ids are letters, digits and \. _ \+ - only, from a letter or digit, at most 200\); nothing of it is written/)
    expect(readdirSync(root)).toEqual(['pulled'])
    expect(readdirSync(out)).toEqual([])
  })

  it('takes a build whose name is no text for none, instead of failing on it (an object whose toString is no function)', async () => {
    const url = await serving((_, path) => (path === '/api/v1/builds' ? json([{ name: { toString: {} } }, { name: 'v1' }]) : json([])))
    await expect(pullResults(new HubClient(url, 'token', { retry: NO_RETRY }), tempTree(), { builds: ['v2'] })).rejects.toThrow(/^--build "v2": the hub has no such build; builds there: v1$/)
  })

  it('stops on a list that is no list', async () => {
    const url = await serving(() => json({ builds: ['v1'] }))
    await expect(pullResults(new HubClient(url, 'token', { retry: NO_RETRY }), tempTree())).rejects.toThrow(/^the results hub answered listing builds with \{"builds":\["v1"\]\}, not a list/)
  })

  it('sends no file but the attachments it asked about, whatever the server asks for', async () => {
    // (the file a server asks for beside the results folder: there, and readable)
    const results = path.join(tempTree({ 'results/attachments/0123456789abcdef01234567.txt': 'node log', 'secret.txt': 'not for the hub' }), 'results')
    await writeCanonicalResults(results)
    const received: string[] = []
    const url = await serving((method, path) => {
      if (method === 'PUT' && path.startsWith('/api/v1/blobs/')) received.push(path)
      return path === '/api/v1/blobs/missing' ? json({ missing: ['attachments/0123456789abcdef01234567.txt', '../secret.txt'] }) : json({})
    })
    await expect(pushResults(new HubClient(url, 'token', { retry: NO_RETRY }), results)).rejects.toThrow(/^the results hub answered asking which attachments the hub lacks with .*, not a list of the attachments asked about; nothing was sent/)
    expect(received).toEqual([])
  })
})
