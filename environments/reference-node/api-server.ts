import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { BadRequest, type ReferenceNode } from './reference-node.ts'
import { InsufficientResources, NotFound } from './deployments.ts'
import { RpcError } from './p2p-node.ts'

type Handler = (body: Record<string, unknown>, params: string[], query: URLSearchParams) => unknown

/**
 * The node's HTTP API. Like DMS on 127.0.0.1:9999 it is for the machine the node runs on:
 * requests from any other source address are refused with 403.
 */
export function startApi(node: ReferenceNode, options: { host: string; port: number; allowFrom: string[]; prefix?: string }): Promise<Server> {
  const routes: [string, RegExp, Handler][] = [
    ['GET', /^\/status$/, () => node.status()],
    ['POST', /^\/onboard$/, (b) => node.onboard(b as { cpu: number; ram: string; disk: string })],
    ['POST', /^\/offboard$/, () => node.offboard()],
    ['GET', /^\/peers$/, () => node.p2p.peers()],
    ['POST', /^\/peers\/connect$/, async (b) => ({ peerId: await node.p2p.connect(String(b.addr)) })],
    ['POST', /^\/peers\/disconnect$/, async (b) => (await node.p2p.disconnect(String(b.peerId)), {})],
    ['POST', /^\/peers\/ping$/, async (b) => ({ rttMs: await node.p2p.ping(String(b.peerId)) })],
    ['POST', /^\/pubsub\/subscribe$/, (b) => (node.p2p.subscribe(String(b.topic)), {})],
    ['POST', /^\/pubsub\/publish$/, async (b) => ({ recipients: await node.p2p.publish(String(b.topic), String(b.data)) })],
    ['GET', /^\/pubsub\/received$/, (_b, _p, q) => node.p2p.receivedOn(q.get('topic') ?? undefined)],
    ['GET', /^\/pubsub\/subscribers$/, (_b, _p, q) => node.p2p.subscribers(q.get('topic') ?? '')],
    ['POST', /^\/invoke$/, async (b) => ({ result: await node.p2p.invoke(String(b.peerId), String(b.behaviour), b.payload ?? {}) })],
    ['POST', /^\/messages$/, async (b) => ({ result: await node.p2p.invoke(String(b.peerId), '/dms/node/message', { text: b.text }) })],
    ['GET', /^\/messages$/, () => node.inbox],
    ['PUT', /^\/kv\/(.+)$/, (b, [key]) => (node.kv.put(decodeURIComponent(key!), b.value), {})],
    ['GET', /^\/kv\/(.+)$/, (_b, [key]) => {
      const value = node.kv.get(decodeURIComponent(key!))
      if (value === undefined) throw new NotFound(`no key ${decodeURIComponent(key!)}`)
      return { value }
    }],
    ['GET', /^\/kv$/, (_b, _p, q) => node.kv.search(q.get('prefix') ?? '')],
    ['GET', /^\/resources$/, () => ({ onboarded: node.deployments.onboarded, free: node.deployments.free() })],
    ['POST', /^\/deployments$/, (b) => node.deploy(String(b.ensemble ?? ''), b.target ? String(b.target) : undefined)],
    ['GET', /^\/deployments\/([^/]+)$/, (_b, [id]) => node.deployment(id!, 'status')],
    ['GET', /^\/deployments\/([^/]+)\/(output|logs)$/, (_b, [id, op]) => node.deployment(id!, op as 'output' | 'logs')],
    ['POST', /^\/deployments\/([^/]+)\/cancel$/, (_b, [id]) => node.deployment(id!, 'cancel')],
    ['POST', /^\/admin\/isolate$/, async () => (await node.p2p.isolate(), {})],
    ['POST', /^\/admin\/heal$/, async () => (await node.p2p.heal(), {})],
    ['POST', /^\/admin\/reset$/, (b) => node.reset((b.onboard as { cpu: number; ram: string; disk: string } | null) ?? null)],
  ]
  const allowed = new Set(options.allowFrom)

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const source = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')
    if (!allowed.has(source)) return send(res, 403, { error: `local access only: requests from ${source} are refused` })
    const url = new URL(req.url ?? '/', 'http://node')
    // Another build can serve the same API under a prefix (/v2/status …).
    const prefix = options.prefix ?? ''
    const pathname = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : ''
    const route = routes.find(([method, pattern]) => method === req.method && pattern.test(pathname))
    if (!route) return send(res, 404, { error: `no route ${req.method} ${url.pathname}` })
    try {
      const body = await readJson(req)
      const params = route[1].exec(pathname)!.slice(1)
      send(res, 200, (await route[2](body, params, url.searchParams)) ?? {})
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const status = error instanceof InsufficientResources || /^insufficient resources|not onboarded/.test(message) ? 409 : error instanceof NotFound ? 404 : error instanceof BadRequest || error instanceof SyntaxError || /^invalid ensemble|not a size/.test(message) ? 400 : error instanceof RpcError ? 502 : 500
      send(res, status, { error: message })
    }
  }

  const server = createServer((req, res) => void handle(req, res))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve(server))
  })
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return text ? (JSON.parse(text) as Record<string, unknown>) : {}
}
