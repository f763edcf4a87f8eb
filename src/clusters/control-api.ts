import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FaultOperation, StartedCluster } from './cluster-provider.ts'
import type { ClusterState } from './cluster-state.ts'

/** A node as the control API describes it: its declaration and where to reach it. */
export type ControlNode = ClusterState['nodes'][number]

/** What the API calls an operation, and the provider's fault it is. */
const OPERATIONS: Record<string, FaultOperation[]> = {
  cut: ['isolate'],
  heal: ['heal'],
  pause: ['pause'],
  resume: ['resume'],
  kill: ['kill'],
  stop: ['stop'],
  start: ['start'],
  restart: ['stop', 'start'],
}

/**
 * The cluster control API: what steps written in any language (Go, Python, Java…) need to do
 * what the TypeScript steps do — read the nodes, reset a node to its declared state between
 * scenarios, cut it off the network and heal it, pause, resume, kill, restart it, read its log.
 * The keeper of a kept cluster (`cluster up`, `run --command`) serves it on loopback; every
 * request but the description carries the cluster's token (`Authorization: Bearer`), written in
 * the cluster's state file and in the nodes file `run --command` hands its command.
 */
export const CONTROL_OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'bdd-matrix cluster control API', version: '1', description: 'Control of a cluster kept by bdd-matrix (cluster up, run --command): nodes, resets, network faults, process faults, logs.' },
  components: {
    securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'the control token of the cluster (state file .bdd-matrix/clusters/<name>.json, or the nodes file of run --command)' } },
    schemas: {
      Node: {
        type: 'object',
        required: ['name', 'spec', 'host', 'peerId', 'addrs', 'apiUrl'],
        properties: {
          name: { type: 'string' },
          spec: { type: 'object', description: 'the declaration: role (SP, CP, CH), onboarded, org, resources {cpu, ram, disk}, region, labels', additionalProperties: true },
          host: { type: 'string', description: 'the host (an address) the node runs on' },
          peerId: { type: 'string' },
          addrs: { type: 'array', items: { type: 'string' }, description: 'libp2p multiaddrs to dial the node on' },
          apiUrl: { type: 'string', description: "the node's HTTP API" },
          localAddress: { type: 'string', description: 'the address to send API requests from (the node answers its own host only)' },
        },
      },
      Error: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
    },
  },
  security: [{ token: [] }],
  paths: {
    '/openapi.json': { get: { summary: 'this description', security: [], responses: { '200': { description: 'OpenAPI 3 document' } } } },
    '/v1/health': { get: { summary: 'whether every node process is alive', responses: { '200': { description: 'health', content: { 'application/json': { schema: { type: 'object', properties: { healthy: { type: 'boolean' } } } } } } } } },
    '/v1/nodes': { get: { summary: 'the nodes of the cluster', responses: { '200': { description: 'nodes', content: { 'application/json': { schema: { type: 'object', properties: { nodes: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } } } } } } } },
    '/v1/nodes/{name}': { get: { summary: 'one node, with the status its API reports', parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the node and its status' }, '404': { description: 'no such node', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } } } },
    '/v1/nodes/{name}/reset': { post: { summary: 'back to its declared state: no jobs, data or subscriptions; onboarded as declared', parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the status after the reset' }, '404': { description: 'no such node' } } } },
    '/v1/nodes/{name}/{operation}': {
      post: {
        summary: 'a fault: cut (off the network) and heal; pause and resume; kill, stop, start, restart (the process or container)',
        parameters: [
          { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'operation', in: 'path', required: true, schema: { type: 'string', enum: Object.keys(OPERATIONS) } },
        ],
        responses: { '200': { description: 'done' }, '400': { description: 'not an operation' }, '404': { description: 'no such node' } },
      },
    },
    '/v1/nodes/{name}/logs': { get: { summary: "the last lines of the node's log", parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, { name: 'lines', in: 'query', schema: { type: 'integer', default: 50, minimum: 1, maximum: 100000 } }], responses: { '200': { description: 'the log', content: { 'application/json': { schema: { type: 'object', properties: { text: { type: 'string' } } } } } } } } },
    '/v1/probe': { get: { summary: "the HTTP status of a request to one node's API sent from another's host", parameters: [{ name: 'from', in: 'query', required: true, schema: { type: 'string' } }, { name: 'to', in: 'query', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'the status', content: { 'application/json': { schema: { type: 'object', properties: { status: { type: 'integer' } } } } } } } } },
  },
} as const

/** The control API's request handler over a started cluster. */
export function controlApi(cluster: StartedCluster, token: string, nodes: () => ControlNode[]): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const url = new URL(req.url ?? '/', 'http://keeper')
    if (req.method === 'GET' && url.pathname === '/openapi.json') return answer(200, CONTROL_OPENAPI)
    const given = Buffer.from((req.headers.authorization ?? '').replace(/^Bearer /, ''))
    if (given.length !== Buffer.byteLength(token) || !timingSafeEqual(given, Buffer.from(token))) return answer(401, { message: "not this cluster's token: send Authorization: Bearer <control token>" })
    const q = (key: string): string => url.searchParams.get(key) ?? ''
    const parts = url.pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p))
    const known = (name: string): ControlNode | undefined => nodes().find((n) => n.name === name)
    try {
      if (parts[0] !== 'v1') return answer(404, { message: `no ${req.method} ${url.pathname}; GET /openapi.json describes this API` })
      const [, what, name, operation] = parts
      if (req.method === 'GET' && what === 'health' && !name) return answer(200, { healthy: await cluster.healthy() })
      if (req.method === 'GET' && what === 'probe' && !name) return answer(200, { status: await cluster.probeApi(q('from'), q('to')) })
      if (what === 'nodes') {
        if (!name) return req.method === 'GET' ? answer(200, { nodes: nodes() }) : answer(405, { message: 'GET /v1/nodes' })
        const node = known(name)
        if (!node) return answer(404, { message: `no node ${name} in this cluster; GET /v1/nodes lists them` })
        if (req.method === 'GET' && !operation) return answer(200, { ...node, status: await cluster.node(name).client.status() })
        if (req.method === 'GET' && operation === 'logs') {
          const lines = Number(q('lines') || 50)
          if (!Number.isInteger(lines) || lines < 1 || lines > 100_000) return answer(400, { message: 'lines: a whole number from 1 to 100000' })
          return answer(200, { text: await cluster.logs(name, lines) })
        }
        if (req.method === 'POST' && operation === 'reset') {
          const target = cluster.node(name)
          return answer(200, { status: await target.client.reset(target.spec.onboarded ? target.spec.resources : null) })
        }
        const faults = operation && Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined
        if (req.method === 'POST' && faults && parts.length === 4) {
          for (const fault of faults) await cluster.fault(name, fault)
          return answer(200, {})
        }
        if (req.method === 'POST') return answer(400, { message: `${operation ?? '(none)'} is not an operation; use reset or one of ${Object.keys(OPERATIONS).join(', ')}` })
      }
      return answer(404, { message: `no ${req.method} ${url.pathname}; GET /openapi.json describes this API` })
    } catch (error) {
      return answer(500, { message: (error as Error).message })
    }
  }
}
