import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { HubService, Principal } from '../hub-service.ts'
import { installInputHygiene } from './input-hygiene.ts'
import { errorBody, HttpError } from './http-error.ts'
import { UserError } from '../../src/errors.ts'
import { addApiRoutes } from './api-routes.ts'
import { addPageRoutes } from './page-routes.ts'

export interface HubServerOptions {
  service: HubService
  /** one line per refused or failed request (never a header or a body: tokens stay out) */
  log?: (line: string) => void
  /** the path the hub is served under (`/bdd-matrix` behind a proxy shared with other tools); '' for the root */
  basePath?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal
  }
  interface FastifyInstance {
    /** every route of the hub (method and URL pattern), for GET /api/v1 and the route fuzz */
    hubRoutes: { method: string; url: string }[]
  }
}

/** The results hub over HTTP: the JSON API under /api/v1 and the web pages. */
export async function createHubServer(options: HubServerOptions): Promise<FastifyInstance> {
  const { service } = options
  // Fastify's own logger would print request details; the hub logs one line of its own.
  // A request id names each request in the log and in a failure's answer, so a 500 can be found.
  const app = Fastify({ logger: false, bodyLimit: 1 << 20, trustProxy: false, return503OnClosing: true, genReqId: () => randomUUID().slice(0, 8) })
  const routes: { method: string; url: string }[] = []
  app.decorate('hubRoutes', routes)
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method)) if (method !== 'HEAD') routes.push({ method, url: route.url })
  })
  installInputHygiene(app)
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: 64 << 20 }, (_req, body, done) => done(null, body))

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
    if (error instanceof HttpError) return sendError(reply, error.status, error.message, error.field)
    const status = error.statusCode ?? 500
    if (status === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 413, `the body is larger than this address takes (evidence: ${service.limits.maxEvidenceBytes} bytes; JSON: 1 MiB)`)
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, 415, `send a body of a type this address takes (${String(request.headers['content-type'])} is not one)`)
    if (status >= 400 && status < 500) return sendError(reply, status, firstSentence(error.message))
    logFailure(options.log, request.id, `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`, error)
    return sendError(reply, 500, `the hub failed on this request (request ${request.id}); its log says why`)
  })
  const base = options.basePath ?? ''
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, `no ${request.method} ${request.url.split('?')[0]} on this hub; the API is under ${base}/api/v1 (GET ${base}/api/v1 lists it)`))
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'same-origin')
    return payload
  })

  trackHandlers(app)
  // the matrices warmed in the background are made from the store too
  app.addHook('onClose', () => service.quiesce())
  if (base) underBasePath(app, base)
  await app.register(
    async (hub) => {
      await addApiRoutes(hub, service)
      await addPageRoutes(hub, service, options.log)
    },
    { prefix: base },
  )
  return app
}

/**
 * A hub served under a path: the pages are written for the root, and their root-absolute links
 * and forms, their redirects and the session cookie's path are moved under it here, in one place.
 * (The matrix page's own links are relative; user text in a page is escaped, so no `href="/`
 * comes from it.)
 */
function underBasePath(app: FastifyInstance, base: string): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const location = reply.getHeader('location')
    if (typeof location === 'string' && location.startsWith('/') && !location.startsWith('//')) reply.header('location', `${base}${location}`)
    const cookie = reply.getHeader('set-cookie')
    if (typeof cookie === 'string') reply.header('set-cookie', cookie.replace(/; Path=\//, `; Path=${base}/`))
    if (typeof payload === 'string' && String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload.replace(/ (href|action|src)="\/(?!\/)/g, ` $1="${base}/`)
    return payload
  })
}

/** A base path as given (`bdd-matrix`, `/bdd-matrix/`) made `/bdd-matrix`; '' for the root; one line for what is no path. */
export function normalBasePath(value: string): string {
  const trimmed = value.trim().replace(/^\/+|\/+$/g, '')
  if (!/^([\w.~-]+(\/[\w.~-]+)*)?$/.test(trimmed)) throw new UserError('BAD_OPTION', `--base-path "${value}": give a path of letters, digits and . _ ~ - between slashes, e.g. /bdd-matrix`)
  return trimmed ? `/${trimmed}` : ''
}

/**
 * Closing the hub waits for every handler that started to finish: a client that went away leaves
 * its handler running (a submission in the group commit, say), and the store must not be closed
 * under it. A request whose handler never started is forgotten when its connection closes.
 */
function trackHandlers(app: FastifyInstance): void {
  const running = new Map<FastifyRequest, 'waiting' | 'running'>()
  let drained: (() => void) | undefined
  const done = (request: FastifyRequest) => {
    running.delete(request)
    if (!running.size) drained?.()
  }
  app.addHook('onRequest', async (request, reply) => {
    running.set(request, 'waiting')
    reply.raw.once('close', () => {
      if (running.get(request) === 'waiting') done(request)
    })
  })
  app.addHook('preHandler', async (request) => {
    running.set(request, 'running')
  })
  app.addHook('onSend', async (request, _reply, payload) => {
    done(request)
    return payload
  })
  app.addHook('onClose', async () => {
    if (running.size) await new Promise<void>((resolve) => (drained = resolve))
  })
}

export function sendError(reply: FastifyReply, status: number, message: string, field?: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(status, message, field))
}

/** One log line per failure, with the request id the answer showed (never a header or a body). */
export function logFailure(log: ((line: string) => void) | undefined, requestId: string, what: string, error: Error): void {
  ;(log ?? ((line: string) => process.stderr.write(`${line}\n`)))(`request ${requestId} failed: ${what}: ${error.message.split('\n')[0]}`)
}

function firstSentence(message: string): string {
  return message.split('\n')[0]!.slice(0, 300)
}
