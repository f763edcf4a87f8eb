import { readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { FaultPlan, type Fault } from './fault-plan.ts'
import { selfSignedCertificate } from './self-signed-certificate.ts'

export type { Fault } from './fault-plan.ts'

export interface TestmoTest {
  key: string
  name: string
  status: string
  folder: string
  elapsed?: number
  file?: string
  line?: number
  fields?: { type: number; name: string; value?: string }[]
  artifacts?: { name: string; url: string }[]
}

interface Thread {
  id: number
  runId: number
  completed: boolean
  fields: unknown[]
  artifacts: unknown[]
  elapsedComputed?: number
  tests: TestmoTest[]
  batches: number[]
}

interface Run {
  id: number
  projectId: number
  body: Record<string, unknown>
  completed: boolean
  measureElapsed?: boolean
  appends: Record<string, unknown>[]
  threads: number[]
}

const FIELD_TYPES = [1, 2, 3, 4, 5]
const DEFAULT_STATUSES = ['passed', 'failed', 'failure', 'error', 'skipped', 'blocked', 'retest']

/**
 * A Testmo-compatible server for tests, after the API as the official CLI uses it
 * (shared/reference/testmo-api.md): HTTPS on 127.0.0.1 with a self-signed certificate, Bearer
 * tokens, the six automation POST routes, run and test reads, body validation, state, a request
 * log with the token redacted, and faults injected by method and path.
 */
export class LocalTestmo {
  readonly runs = new Map<number, Run>()
  readonly threads = new Map<number, Thread>()
  readonly log: { method: string; path: string; query: string; status: number; body: unknown; authorization?: string }[] = []
  private readonly plan = new FaultPlan()
  /** injected faults, with how often each fired */
  readonly faults = this.plan.faults
  readonly projects: Set<number>
  private server?: Server
  private certDir = ''
  private ids = { run: 0, thread: 0 }

  constructor(private readonly options: { token: string; projects?: number[]; statuses?: string[]; /** added to every answer, like a WAN round trip */ latencyMs?: number }) {
    this.projects = new Set(options.projects ?? [1])
  }

  /** the certificate's key and certificate, for a proxy that stands in front of this server */
  get tls(): { key: Buffer; cert: Buffer } {
    return { key: readFileSync(path.join(this.certDir, 'key.pem')), cert: readFileSync(this.certificateFile) }
  }

  /** PEM of the self-signed certificate, for NODE_EXTRA_CA_CERTS and axios' https agent. */
  get certificateFile(): string {
    return path.join(this.certDir, 'cert.pem')
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server!.address() as AddressInfo).port}`
  }

  inject(fault: Fault): void {
    this.plan.inject(fault)
  }

  async start(): Promise<this> {
    const { dir, key, cert } = selfSignedCertificate('testmo')
    this.certDir = dir
    this.server = createServer({ key, cert }, (req, res) =>
      // A client killed or gone mid-request (the crash-point tests do it on purpose) ends only that request.
      this.handle(req, res).catch(() => req.socket.destroy()),
    )
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    return this
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
    rmSync(this.certDir, { recursive: true, force: true })
  }

  testsOf(runId: number): TestmoTest[] {
    return (this.runs.get(runId)?.threads ?? []).flatMap((t) => this.threads.get(t)!.tests)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://testmo')
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString()
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs))
    const fault = this.plan.take(req.method, url.pathname)
    // Parsed once, for the log and for the route (a 2,000-test append is most of a megabyte).
    const parsed = safeJson(raw)
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      this.log.push({ method: req.method ?? '', path: url.pathname, query: url.search, status, body: parsed, authorization: req.headers.authorization ? 'Bearer [redacted]' : undefined })
      res.writeHead(status, { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers })
      res.end(body !== undefined ? JSON.stringify(body) : undefined)
    }
    if (fault && fault.when !== 'after') {
      if (fault.kind === 'drop') return void req.socket.destroy()
      if (fault.kind === 'page') {
        res.writeHead(fault.status ?? 200, { 'content-type': 'text/html; charset=utf-8' })
        return void res.end(FaultPlan.PAGE)
      }
      if (fault.kind === 'delay') await FaultPlan.wait(fault, req.socket)
      else return send(fault.status ?? 500, { message: fault.status === 429 ? 'Too many requests' : 'Server error' }, FaultPlan.headers(fault))
    }
    if (req.headers.authorization !== `Bearer ${this.options.token}`) return send(401, { message: 'Unauthenticated.' })
    if (typeof parsed === 'string') return send(400, { message: 'Malformed JSON' })
    const body = (parsed ?? {}) as Record<string, unknown>
    const [status, response] = this.route(req.method ?? '', url, body)
    if (fault?.when === 'after') return void req.socket.destroy()
    send(status, response)
  }

  private runResult(run: Run): { id: number; project_id: number; name: unknown; status: number; tags: unknown; total_count: number; success_count: number; failure_count: number; thread_count: number } {
    const tests = this.testsOf(run.id)
    const failures = tests.filter((t) => !['passed', 'skipped'].includes(t.status)).length
    return { id: run.id, project_id: run.projectId, name: run.body.name, status: run.completed ? (failures ? 3 : 2) : 4, tags: run.body.tags ?? [], total_count: tests.length, success_count: tests.filter((t) => t.status === 'passed').length, failure_count: failures, thread_count: run.threads.length }
  }

  private route(method: string, url: URL, body: Record<string, unknown>): [number, unknown?] {
    const p = url.pathname
    let m: RegExpExecArray | null
    if (p === '/api/v1/user' && method === 'GET') return [200, { result: { id: 1, name: 'Local Testmo user', email: 'user@testmo.invalid' } }]
    if ((m = /^\/api\/v1\/projects\/(\d+)\/automation\/runs$/.exec(p)) && method === 'GET') {
      // getAutomationRunPage: newest first, filtered by tags (any of a comma-separated list) and status.
      if (!this.projects.has(Number(m[1]))) return [404, { message: 'Project not found.' }]
      const perPage = Number(url.searchParams.get('per_page') ?? 100)
      if (![15, 25, 50, 100].includes(perPage)) return [422, { message: 'The given data was invalid.', errors: { per_page: ['The selected per page is invalid.'] } }]
      const tags = url.searchParams.get('tags')?.split(',').filter(Boolean)
      const statuses = url.searchParams.get('status')?.split(',').map(Number)
      const runs = [...this.runs.values()]
        .filter((r) => r.projectId === Number(m![1]))
        .filter((r) => !tags || tags.some((t) => ((r.body.tags as string[] | undefined) ?? []).includes(t)))
        .map((r) => this.runResult(r))
        .filter((r) => !statuses || statuses.includes(r.status))
        .sort((a, b) => b.id - a.id)
      const page = Number(url.searchParams.get('page') ?? 1)
      const last = Math.max(1, Math.ceil(runs.length / perPage))
      return [200, { page, prev_page: page > 1 ? page - 1 : null, next_page: page < last ? page + 1 : null, last_page: last, per_page: perPage, total: runs.length, result: runs.slice((page - 1) * perPage, page * perPage), expands: {} }]
    }
    if ((m = /^\/api\/v1\/projects\/(\d+)\/automation\/runs$/.exec(p))) {
      if (method !== 'POST') return [405, { message: 'Method not allowed' }]
      if (!this.projects.has(Number(m[1]))) return [404, { message: 'Project not found.' }]
      const errors = validateRun(body)
      if (errors) return [422, { message: 'The given data was invalid.', errors }]
      const id = ++this.ids.run
      this.runs.set(id, { id, projectId: Number(m[1]), body, completed: false, appends: [], threads: [] })
      return [201, { id }]
    }
    if ((m = /^\/api\/v1\/automation\/runs\/(\d+)$/.exec(p)) && method === 'GET') {
      const run = this.runs.get(Number(m[1]))
      if (!run) return [404, { message: 'Run not found.' }]
      return [200, { result: this.runResult(run), expands: {} }]
    }
    if ((m = /^\/api\/v1\/automation\/runs\/(\d+)\/tests$/.exec(p)) && method === 'GET') {
      const run = this.runs.get(Number(m[1]))
      if (!run) return [404, { message: 'Run not found.' }]
      const threadId = url.searchParams.get('thread_id')
      const tests = threadId ? (this.threads.get(Number(threadId))?.tests ?? []) : this.testsOf(run.id)
      const perPage = Math.min(Math.max(Number(url.searchParams.get('per_page') ?? 100), 100), 1000)
      const page = Number(url.searchParams.get('page') ?? 1)
      const last = Math.max(1, Math.ceil(tests.length / perPage))
      return [200, { page, per_page: perPage, total: tests.length, last_page: last, next_page: page < last ? page + 1 : null, result: tests.slice((page - 1) * perPage, page * perPage) }]
    }
    if (method !== 'POST') return [405, { message: 'Method not allowed' }]
    if ((m = /^\/api\/v1\/automation\/runs\/(\d+)\/(append|threads|complete)$/.exec(p))) {
      const run = this.runs.get(Number(m[1]))
      if (!run) return [404, { message: 'Run not found.' }]
      if (run.completed) return [422, { message: 'The automation run is already completed.' }]
      if (m[2] === 'append') {
        const errors = validateResources(body, true)
        if (errors) return [422, { message: 'The given data was invalid.', errors }]
        run.appends.push(body)
        return [204]
      }
      if (m[2] === 'threads') {
        const errors = validateResources(body, false) ?? validateInts(body, ['elapsed_computed', 'elapsed_observed'])
        if (errors) return [422, { message: 'The given data was invalid.', errors }]
        const id = ++this.ids.thread
        this.threads.set(id, { id, runId: run.id, completed: false, fields: (body.fields as unknown[]) ?? [], artifacts: (body.artifacts as unknown[]) ?? [], ...(typeof body.elapsed_computed === 'number' ? { elapsedComputed: body.elapsed_computed } : {}), tests: [], batches: [] })
        run.threads.push(id)
        return [201, { id }]
      }
      run.completed = true
      run.measureElapsed = body.measure_elapsed === true
      for (const t of run.threads) this.threads.get(t)!.completed = true
      return [204]
    }
    if ((m = /^\/api\/v1\/automation\/runs\/threads\/(\d+)\/(append|complete)$/.exec(p))) {
      const thread = this.threads.get(Number(m[1]))
      if (!thread) return [404, { message: 'Thread not found.' }]
      if (thread.completed) return [422, { message: 'The automation run thread is already completed.' }]
      if (m[2] === 'complete') {
        thread.completed = true
        return [204]
      }
      const tests = (body.tests as TestmoTest[] | undefined) ?? []
      const errors = validateTests(tests, this.options.statuses ?? DEFAULT_STATUSES)
      if (errors) return [422, { message: 'The given data was invalid.', errors }]
      thread.tests.push(...tests)
      thread.batches.push(tests.length)
      return [204]
    }
    return [404, { message: 'Not found.' }]
  }
}

type Errors = Record<string, string[]> | undefined

function validateRun(body: Record<string, unknown>): Errors {
  const errors: Record<string, string[]> = {}
  if (typeof body.name !== 'string' || !body.name) errors.name = ['The name field is required.']
  if (typeof body.source !== 'string' || !body.source) errors.source = ['The source field is required.']
  if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string'))) errors.tags = ['The tags must be strings.']
  return Object.keys(errors).length ? errors : validateResources(body, true)
}

function validateResources(body: Record<string, unknown>, links: boolean): Errors {
  const errors: Record<string, string[]> = {}
  ;((body.fields as Record<string, unknown>[] | undefined) ?? []).forEach((f, i) => {
    if (!FIELD_TYPES.includes(f.type as number)) errors[`fields.${i}.type`] = ['The type must be 1 to 5.']
    if (typeof f.name !== 'string' || !f.name) errors[`fields.${i}.name`] = ['The name field is required.']
  })
  for (const key of links ? ['links', 'artifacts'] : ['artifacts'])
    ((body[key] as Record<string, unknown>[] | undefined) ?? []).forEach((l, i) => {
      if (typeof l.name !== 'string' || typeof l.url !== 'string') errors[`${key}.${i}`] = ['name and url are required.']
    })
  return Object.keys(errors).length ? errors : undefined
}

function validateInts(body: Record<string, unknown>, keys: string[]): Errors {
  for (const key of keys) if (body[key] !== undefined && !(Number.isInteger(body[key]) && (body[key] as number) >= 0)) return { [key]: ['must be an integer ≥ 0'] }
  return undefined
}

function validateTests(tests: TestmoTest[], statuses: string[]): Errors {
  const errors: Record<string, string[]> = {}
  tests.forEach((t, i) => {
    if (!/^[a-z0-9]{1,64}$/.test(t.key ?? '')) errors[`tests.${i}.key`] = ['The key must be 1-64 lowercase alphanumeric characters.']
    if (typeof t.name !== 'string' || !t.name) errors[`tests.${i}.name`] = ['The name field is required.']
    if (typeof t.folder !== 'string' || !t.folder) errors[`tests.${i}.folder`] = ['The folder field is required.']
    if (!statuses.includes(t.status)) errors[`tests.${i}.status`] = [`Unknown status alias "${t.status}".`]
    for (const k of ['elapsed', 'line', 'assertions'] as const) if ((t as unknown as Record<string, unknown>)[k] !== undefined && !(Number.isInteger((t as unknown as Record<string, unknown>)[k]) && ((t as unknown as Record<string, number>)[k] ?? 0) >= 0)) errors[`tests.${i}.${k}`] = ['must be an integer ≥ 0']
    ;(t.fields ?? []).forEach((f, j) => {
      if (!FIELD_TYPES.includes(f.type)) errors[`tests.${i}.fields.${j}.type`] = ['The type must be 1 to 5.']
    })
  })
  return Object.keys(errors).length ? errors : undefined
}

function safeJson(raw: string): unknown {
  try {
    return raw ? JSON.parse(raw) : undefined
  } catch {
    return raw
  }
}
