import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { FaultPlan, type Fault } from './fault-plan.ts'
import { selfSignedCertificate } from './self-signed-certificate.ts'

export interface GitLabNote {
  id: number
  body: string
  created_at: string
  updated_at: string
}

/**
 * The GitLab REST endpoints bdd-matrix uses, as documented: merge-request notes (list with
 * page/per_page and X-Next-Page, create, update) and commit statuses; PRIVATE-TOKEN or Bearer
 * authentication (401 without, 403 for a token without api scope), 404 for unknown projects;
 * a pending or running status posted again in the same state is refused with 400 "Cannot
 * transition status", as GitLab does. State is kept in memory for the test to inspect; faults
 * (an error status, a dropped connection) can be injected.
 */
export class LocalGitLab {
  readonly notes = new Map<string, GitLabNote[]>()
  readonly statuses: { project: string; sha: string; body: Record<string, unknown> }[] = []
  /** the project's issues, filtered as GitLab filters them (state, every label, milestone title) */
  readonly issues: { iid: number; title: string; state: 'opened' | 'closed'; labels: string[]; milestone?: string }[] = []
  readonly requests: { method: string; path: string; headers: Record<string, unknown> }[] = []
  /** job artifacts by ref, job name and path: the latest successful job's, as GET …/jobs/artifacts/:ref/raw/*path?job= serves them */
  readonly artifacts = new Map<string, Buffer>()
  private readonly plan = new FaultPlan()
  /** injected faults, with how often each fired */
  readonly faults = this.plan.faults
  private server?: Server
  private nextId = 1

  constructor(
    private readonly options: { projectId: string; token: string; readOnlyToken?: string; jobToken?: string; /** served over HTTPS with a certificate of its own (a self-managed GitLab with a private CA) */ tls?: boolean },
  ) {}

  /** PEM of its certificate when served over HTTPS: what a runner's tls-ca-file holds */
  certificateFile?: string

  inject(fault: Fault): void {
    this.plan.inject(fault)
  }

  get apiUrl(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${(this.server!.address() as AddressInfo).port}/api/v4`
  }

  async start(): Promise<this> {
    const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const path = new URL(req.url ?? '/', 'http://gitlab').pathname
      const fault = this.plan.take(req.method, path)
      if (fault && fault.when !== 'after') {
        if (fault.kind === 'drop') return void req.socket.destroy()
        if (fault.kind === 'page') {
          res.writeHead(fault.status ?? 200, { 'content-type': 'text/html; charset=utf-8' })
          return void res.end(FaultPlan.PAGE)
        }
        if (fault.kind === 'delay') await FaultPlan.wait(fault, req.socket)
        else {
          res.writeHead(fault.status ?? 500, { 'content-type': 'application/json', ...FaultPlan.headers(fault) })
          return void res.end(JSON.stringify(fault.body ?? { message: `${fault.status ?? 500} injected` }))
        }
      }
      const { status, body, headers, raw } = await this.handle(req)
      if (fault?.when === 'after') return void req.socket.destroy()
      if (raw) {
        res.writeHead(status, { 'content-type': 'application/octet-stream' })
        return void res.end(raw)
      }
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(body))
    }
    // A client killed or gone mid-request (the crash-point tests do it on purpose) ends only that request.
    const listener = (req: IncomingMessage, res: ServerResponse) => void serve(req, res).catch(() => req.socket.destroy())
    if (this.options.tls) {
      const { certificateFile, key, cert } = selfSignedCertificate('gitlab')
      this.certificateFile = certificateFile
      this.server = createHttpsServer({ key, cert }, listener)
    } else this.server = createServer(listener)
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    return this
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve))
  }

  /** Keeps what a job's artifacts hold, for later jobs of later pipelines to download. */
  storeArtifact(ref: string, job: string, path: string, data: Buffer): void {
    this.artifacts.set(`${ref}\u0000${job}\u0000${path}`, data)
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown; headers?: Record<string, string>; raw?: Buffer }> {
    const url = new URL(req.url ?? '/', 'http://gitlab')
    this.requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers })
    // A job's own token may read the project's artifacts (JOB-TOKEN), nothing else here.
    const artifact = /^\/api\/v4\/projects\/([^/]+)\/jobs\/artifacts\/([^/]+)\/raw\/(.+)$/.exec(url.pathname)
    if (artifact && req.method === 'GET') {
      const jobToken = req.headers['job-token']
      const privateToken = req.headers['private-token']
      if (jobToken !== this.options.jobToken && privateToken !== this.options.token) return { status: 401, body: { message: '401 Unauthorized' } }
      if (decodeURIComponent(artifact[1]!) !== this.options.projectId) return { status: 404, body: { message: '404 Project Not Found' } }
      const data = this.artifacts.get(`${decodeURIComponent(artifact[2]!)}\u0000${url.searchParams.get('job') ?? ''}\u0000${decodeURIComponent(artifact[3]!)}`)
      return data ? { status: 200, body: null, raw: data } : { status: 404, body: { message: '404 Not found' } }
    }
    const token = (req.headers['private-token'] as string | undefined) ?? (req.headers.authorization ?? '').replace(/^Bearer /, '')
    if (!token || (token !== this.options.token && token !== this.options.readOnlyToken)) return { status: 401, body: { message: '401 Unauthorized' } }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {}
    const writes = req.method !== 'GET'
    if (writes && token !== this.options.token) return { status: 403, body: { message: '403 Forbidden - insufficient_scope' } }

    const issues = /^\/api\/v4\/projects\/([^/]+)\/issues$/.exec(url.pathname)
    if (issues && req.method === 'GET') {
      if (decodeURIComponent(issues[1]!) !== this.options.projectId) return { status: 404, body: { message: '404 Project Not Found' } }
      const state = url.searchParams.get('state')
      const labels = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean)
      const milestone = url.searchParams.get('milestone')
      const found = this.issues.filter((i) => (!state || state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)) && (!milestone || i.milestone === milestone))
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 20), 100)
      const page = Number(url.searchParams.get('page') ?? 1)
      const next = page * perPage < found.length ? String(page + 1) : ''
      const body = found.slice((page - 1) * perPage, page * perPage).map((i) => ({ iid: i.iid, title: i.title, state: i.state, labels: i.labels, web_url: `https://gitlab.example/issues/${i.iid}`, milestone: i.milestone ? { title: i.milestone } : null }))
      return { status: 200, body, headers: { 'x-next-page': next, 'x-total': String(found.length) } }
    }
    // merge-request notes are kept under their iid, issue notes under "issue-<iid>"
    const notes = /^\/api\/v4\/projects\/([^/]+)\/(merge_requests|issues)\/(\d+)\/notes(?:\/(\d+))?$/.exec(url.pathname)?.filter((_, i) => i !== 2).map((x, i) => (i === 2 && url.pathname.includes('/issues/') ? `issue-${x}` : x)) as RegExpExecArray | undefined
    // GET …/repository/commits/:sha/statuses: the latest status per name (every one with all=true)
    const listed = /^\/api\/v4\/projects\/([^/]+)\/repository\/commits\/([0-9a-f]{7,40})\/statuses$/.exec(url.pathname)
    if (listed && req.method === 'GET') {
      if (decodeURIComponent(listed[1]!) !== this.options.projectId) return { status: 404, body: { message: '404 Project Not Found' } }
      const ref = url.searchParams.get('ref')
      const name = url.searchParams.get('name')
      const all = url.searchParams.get('all') === 'true'
      const matching = this.statuses.filter((s) => s.sha === listed[2] && (!ref || s.body.ref === ref) && (!name || s.body.name === name))
      const shown = all ? matching : matching.filter((s, i) => !matching.slice(i + 1).some((later) => later.body.name === s.body.name && later.body.ref === s.body.ref))
      return { status: 200, body: shown.reverse().map((s, i) => ({ id: i + 1, sha: s.sha, ref: s.body.ref ?? null, status: s.body.state, name: s.body.name ?? 'default', description: s.body.description ?? null, target_url: s.body.target_url ?? null })) }
    }
    const status = /^\/api\/v4\/projects\/([^/]+)\/statuses\/([0-9a-f]{7,40})$/.exec(url.pathname)
    const project = decodeURIComponent((notes ?? status)?.[1] ?? '')
    if (!notes && !status) return { status: 404, body: { error: '404 Not Found' } }
    if (project !== this.options.projectId) return { status: 404, body: { message: '404 Project Not Found' } }

    if (notes) {
      const key = notes[2]!
      const list = this.notes.get(key) ?? []
      this.notes.set(key, list)
      if (req.method === 'GET' && !notes[3]) {
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 20), 100)
        const page = Number(url.searchParams.get('page') ?? 1)
        const slice = list.slice((page - 1) * perPage, page * perPage)
        const next = page * perPage < list.length ? String(page + 1) : ''
        return { status: 200, body: slice, headers: { 'x-next-page': next, 'x-page': String(page), 'x-per-page': String(perPage), 'x-total': String(list.length) } }
      }
      if (typeof body.body !== 'string' || !body.body) return { status: 400, body: { error: 'body is missing' } }
      const now = new Date().toISOString()
      if (req.method === 'POST' && !notes[3]) {
        const note = { id: this.nextId++, body: body.body, created_at: now, updated_at: now }
        list.push(note)
        return { status: 201, body: note }
      }
      if (req.method === 'PUT' && notes[3]) {
        const note = list.find((n) => n.id === Number(notes[3]))
        if (!note) return { status: 404, body: { message: '404 Not found' } }
        note.body = body.body
        note.updated_at = now
        return { status: 200, body: note }
      }
      return { status: 405, body: { message: 'method not allowed' } }
    }
    if (req.method !== 'POST') return { status: 405, body: {} }
    if (!['pending', 'running', 'success', 'failed', 'canceled'].includes(String(body.state))) return { status: 400, body: { error: 'state does not have a valid value' } }
    const current = this.statuses.findLast((s) => s.sha === status![2] && s.body.name === body.name && s.body.ref === body.ref)
    if (current && ['pending', 'running'].includes(String(current.body.state)) && current.body.state === body.state)
      return { status: 400, body: { message: `Cannot transition status via :${body.state === 'running' ? 'run' : 'enqueue'} from :${String(current.body.state)} (Reason(s): Status cannot transition via "${body.state === 'running' ? 'run' : 'enqueue'}")` } }
    // As GitLab's CreateCommitStatusService: a pending or running status of that name and ref moves
    // to the new state in place; a finished one is followed by a new status.
    if (current && ['pending', 'running'].includes(String(current.body.state))) Object.assign(current.body, body)
    else this.statuses.push({ project, sha: status![2]!, body })
    return { status: 201, body: { id: this.statuses.length, sha: status![2], status: body.state, name: body.name ?? 'default', target_url: body.target_url ?? null } }
  }
}
