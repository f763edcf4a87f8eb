import { readFileSync } from 'node:fs'
import https from 'node:https'
import { rootCertificates } from 'node:tls'
import axios from 'axios'
import { UserError, fsErrorCode } from '../../src/errors.ts'
import { headOf } from '../../src/clip-text.ts'
import { aList, holding, retryingRequest, serviceUrl, withId, type Answer, type RequestContext, type RetryPolicy } from '../retrying-request.ts'
import { axiosProxy, serviceProxy, type ProxySettings } from '../service-proxy.ts'
import { textOf } from '../../src/json-shape.ts'

/** Hidden in the note: how the next pipeline finds the note to update instead of adding one. */
export const NOTE_MARKER = '<!-- bdd-matrix:test-matrix -->'

export interface GitLabTarget {
  /** CI_API_V4_URL, e.g. https://gitlab.com/api/v4 */
  apiUrl: string
  projectId: string
  /** GITLAB_TOKEN: a project or personal access token with api scope */
  token: string
  mergeRequestIid?: string
  sha?: string
  ref?: string
  pipelineId?: string
  /** HTTPS_PROXY/NO_PROXY of the job's environment; none given: connect directly */
  proxy?: ProxySettings
  /** certificates (PEM) trusted beside the public authorities: a self-managed GitLab's own (runnerCertificates) */
  ca?: Buffer[]
}

/**
 * The certificates a GitLab job is given to trust its GitLab by: a runner registered with
 * `tls-ca-file` (a self-managed GitLab with a certificate authority of its own) hands its jobs the
 * file as CI_SERVER_TLS_CA_FILE, and GitLab's own tools trust it. Node reads NODE_EXTRA_CA_CERTS
 * only into its default store, which certificates given explicitly replace, so it is read too.
 */
export function runnerCertificates(env: Record<string, string | undefined>): Buffer[] | undefined {
  const file = env.CI_SERVER_TLS_CA_FILE
  if (!file) return undefined
  const read = (path: string, setting: string): Buffer => {
    let pem: Buffer
    try {
      pem = readFileSync(path)
    } catch (error) {
      throw new UserError('GITLAB_CA', `${setting} (${path}) cannot be read (${fsErrorCode(error) ?? (error as Error).message}); it names the PEM file of the certificate authority GitLab's certificate is signed by — fix the runner's tls-ca-file, or unset it`)
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UserError('GITLAB_CA', `${setting} (${path}) holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the certificate authority's certificate in PEM`)
    return pem
  }
  const extra = env.NODE_EXTRA_CA_CERTS
  return [read(file, 'CI_SERVER_TLS_CA_FILE'), ...(extra ? [read(extra, 'NODE_EXTRA_CA_CERTS')] : [])]
}

/**
 * The merge requests a job's note goes to: its pipeline's own (CI_MERGE_REQUEST_IID, a
 * merge-request pipeline), else — a branch pipeline — the open merge requests of its branch,
 * which GitLab lists as CI_OPEN_MERGE_REQUESTS (`<project path>!<iid>`, up to four). Those of
 * another project (a fork's merge request) are `elsewhere`: the job's token and project are this
 * project's.
 */
export function jobMergeRequests(env: Record<string, string | undefined>): { iids: string[]; fromBranch: boolean; elsewhere: string[] } {
  if (env.CI_MERGE_REQUEST_IID) return { iids: [env.CI_MERGE_REQUEST_IID], fromBranch: false, elsewhere: [] }
  const listed = (env.CI_OPEN_MERGE_REQUESTS ?? '').split(',').map((entry) => entry.trim()).filter(Boolean)
  const iids: string[] = []
  const elsewhere: string[] = []
  for (const entry of listed) {
    const at = entry.lastIndexOf('!')
    const iid = entry.slice(at + 1)
    if (at > 0 && /^\d+$/.test(iid) && entry.slice(0, at) === env.CI_PROJECT_PATH) iids.push(iid)
    else elsewhere.push(entry)
  }
  return { iids, fromBranch: true, elsewhere }
}

export interface GitLabPublication {
  markdown: string
  state: 'success' | 'failed' | 'running' | 'pending' | 'canceled'
  description: string
  targetUrl?: string
  /** the release gate's own commit status, `bdd-matrix/gate` */
  gate?: { state: 'success' | 'failed' | 'pending'; description: string }
}

export interface GitLabOutcome {
  note?: { id: number; action: 'created' | 'updated' }
  status?: { state: string }
  gateStatus?: { state: string }
}

const TOKEN_HELP = 'set GITLAB_TOKEN to a project or personal access token with the api scope (CI_JOB_TOKEN cannot write merge-request notes or commit statuses)'

/** GitLab answers 429 with Retry-After; without one, half a minute. */
export const GITLAB_RETRY: RetryPolicy = { attempts: 5, baseMs: 500, maxMs: 8_000, defaultRetryAfterMs: 30_000, timeoutMs: 30_000 }

/**
 * Posts the matrix to GitLab: one merge-request note, updated in place on later pipelines
 * (found by a hidden marker), and a commit status named `bdd-matrix`. Transient failures are
 * retried; a note whose creation was not answered is looked for before it is added again.
 */
export async function publishToGitLab(target: GitLabTarget, publication: GitLabPublication, options: { retry?: RetryPolicy; log?: (line: string) => void } = {}): Promise<GitLabOutcome> {
  const ctx = gitlabContext(target, options)
  const project = encodeURIComponent(target.projectId)
  const outcome: GitLabOutcome = {}
  if (target.mergeRequestIid) {
    const notesPath = `/projects/${project}/merge_requests/${target.mergeRequestIid}/notes`
    const body = `${NOTE_MARKER}\n${publication.markdown}`
    const existing = await findMarkedNote(ctx, notesPath)
    if (existing) {
      await retryingRequest(ctx, { method: 'put', url: `${notesPath}/${existing}`, data: { body } }, 'updating the merge-request note')
      outcome.note = { id: existing, action: 'updated' }
    } else {
      let landed: number | undefined
      const answer = await retryingRequest(ctx, { method: 'post', url: notesPath, data: { body } }, 'adding the merge-request note', { landed: async () => (landed = await findMarkedNote(ctx, notesPath)) !== undefined })
      outcome.note = { id: answer ? holding(ctx, answer.data, 'adding the merge-request note', 'note id', withId).id : landed!, action: 'created' }
    }
  }
  if (target.sha) {
    const status = {
      state: publication.state,
      name: 'bdd-matrix',
      description: headOf(publication.description, 255),
      ...(publication.targetUrl ? { target_url: publication.targetUrl } : {}),
      ...(target.ref ? { ref: target.ref } : {}),
      ...(target.pipelineId ? { pipeline_id: Number(target.pipelineId) } : {}),
    }
    await setStatus(ctx, project, target.sha, status, 'setting the commit status')
    outcome.status = { state: publication.state }
    if (publication.gate) {
      const gate = { ...status, name: 'bdd-matrix/gate', state: publication.gate.state, description: headOf(publication.gate.description, 255) }
      await setStatus(ctx, project, target.sha, gate, 'setting the gate\'s commit status')
      outcome.gateStatus = { state: publication.gate.state }
    }
  }
  return outcome
}

/**
 * Sets a commit status once. GitLab adds a new status each time a finished one is posted again, so
 * a publish run again (after a kill, or a lost answer) first reads the latest status of that name
 * and ref, and posts only when it differs.
 */
async function setStatus(ctx: RequestContext, project: string, sha: string, status: { state: string; name: string; description: string; target_url?: string; ref?: string }, doing: string): Promise<void> {
  const query = new URLSearchParams({ name: status.name, ...(status.ref ? { ref: status.ref } : {}) })
  const reading = `reading the commit status ${status.name}`
  const answer = await retryingRequest(ctx, { method: 'get', url: `/projects/${project}/repository/commits/${sha}/statuses?${query}` }, reading)
  const latest = (answer ? holding(ctx, answer.data, reading, 'list of statuses', aList) : []) as ({ name?: unknown; status?: unknown; description?: unknown; target_url?: unknown } | null)[]
  const same = latest.find((s) => s?.name === status.name)
  if (same && same.status === status.state && (same.description ?? '') === status.description && (same.target_url ?? undefined) === status.target_url) return
  // GitLab refuses to move a pending or running status to the state it is in: it is set.
  const alreadySet = (code: number, data: unknown) => code === 400 && /Cannot transition status/.test(textOf((data as { message?: unknown } | undefined)?.message))
  await retryingRequest(ctx, { method: 'post', url: `/projects/${project}/statuses/${sha}`, data: status }, doing, { accept: alreadySet })
}

function gitlabContext(target: GitLabTarget, options: { retry?: RetryPolicy; log?: (line: string) => void }): RequestContext {
  if (!target.token) throw new UserError('GITLAB_TOKEN_MISSING', `no GitLab token: ${TOKEN_HELP}`)
  const api = serviceUrl(target.apiUrl, 'CI_API_V4_URL (or --api-url)', { example: 'https://gitlab.example.com/api/v4' })
  const retry = options.retry ?? GITLAB_RETRY
  const proxy = serviceProxy(api, target.proxy)
  return {
    http: axios.create({
      baseURL: api.href.replace(/\/$/, ''),
      timeout: retry.timeoutMs,
      headers: { 'PRIVATE-TOKEN': target.token },
      validateStatus: () => true,
      proxy: axiosProxy(proxy),
      maxRedirects: 0,
      // kept alive, as Node's global agent keeps its connections
      ...(target.ca ? { httpsAgent: new https.Agent({ keepAlive: true, ca: [...rootCertificates, ...target.ca.map(String)] }) } : {}),
    }),
    retry,
    service: 'GitLab',
    code: 'GITLAB',
    then: `check CI_API_V4_URL (${api.origin}) and run the job again`,
    refusal: (status, data, doing) => refusal(status, data, doing, target),
    ...(options.log ? { log: options.log } : {}),
    ...(proxy ? { via: proxy.shown } : {}),
    trust: target.ca
      ? 'CI_SERVER_TLS_CA_FILE (the runner\'s tls-ca-file) is trusted, yet GitLab\'s certificate is not signed by it: check that the file holds the authority that signed it'
      : 'if GitLab uses a certificate authority of its own, register the runner with tls-ca-file (its jobs get CI_SERVER_TLS_CA_FILE, which is trusted) or set NODE_EXTRA_CA_CERTS to its PEM file',
  }
}

/** The marker of a scope feature's note on its GitLab issue: found and updated on the next run. */
export const featureMarker = (featureId: string): string => `<!-- bdd-matrix:feature:${featureId} -->`

/**
 * One note per scope feature on the GitLab issue that tracks it (`issue:` in the scope): its
 * scenarios and their status per environment for the build, updated in place on later runs.
 */
export async function publishFeatureNotes(target: GitLabTarget, notes: { featureId: string; issue: number | string; markdown: string }[], options: { retry?: RetryPolicy; log?: (line: string) => void } = {}): Promise<{ featureId: string; issue: string; action: 'created' | 'updated' }[]> {
  const ctx = gitlabContext(target, options)
  const out: { featureId: string; issue: string; action: 'created' | 'updated' }[] = []
  for (const note of notes) {
    const url = typeof note.issue === 'string' ? /^https?:\/\/[^/]+\/(.+)\/-\/issues\/(\d+)$/.exec(note.issue) : null
    const project = url ? url[1]! : target.projectId
    const iid = url ? url[2]! : String(note.issue)
    const notesPath = `/projects/${encodeURIComponent(project)}/issues/${iid}/notes`
    const marker = featureMarker(note.featureId)
    const body = `${marker}\n${note.markdown}`
    const existing = await findMarkedNote(ctx, notesPath, marker)
    if (existing) await retryingRequest(ctx, { method: 'put', url: `${notesPath}/${existing}`, data: { body } }, `updating the note of ${note.featureId} on issue ${iid}`)
    else await retryingRequest(ctx, { method: 'post', url: notesPath, data: { body } }, `adding the note of ${note.featureId} on issue ${iid}`, { landed: async () => (await findMarkedNote(ctx, notesPath, marker)) !== undefined })
    out.push({ featureId: note.featureId, issue: url ? note.issue as string : `#${iid}`, action: existing ? 'updated' : 'created' })
  }
  return out
}

/** The project's open issues with every label given (and the milestone, when named), for a release gate. */
export async function openIssues(target: GitLabTarget, filter: { labels: string[]; milestone?: string }, options: { retry?: RetryPolicy } = {}): Promise<{ count: number; items: { title: string; url: string }[] }> {
  const ctx = gitlabContext(target, options)
  const items: { title: string; url: string }[] = []
  let page: string | undefined = '1'
  while (page) {
    const params = { state: 'opened', per_page: 100, page, ...(filter.labels.length ? { labels: filter.labels.join(',') } : {}), ...(filter.milestone ? { milestone: filter.milestone } : {}) }
    const answer: Answer = (await retryingRequest(ctx, { method: 'get', url: `/projects/${encodeURIComponent(target.projectId)}/issues`, params }, 'reading open issues'))!
    for (const issue of holding(ctx, answer.data, 'reading open issues', 'list of issues', aList) as ({ title?: unknown; web_url?: unknown } | null)[]) items.push({ title: String(issue?.title ?? ''), url: String(issue?.web_url ?? '') })
    page = (answer.headers['x-next-page'] as string | undefined) || undefined
  }
  return { count: items.length, items }
}

async function findMarkedNote(ctx: RequestContext, notesPath: string, marker = NOTE_MARKER): Promise<number | undefined> {
  let page: string | undefined = '1'
  while (page) {
    const answer: Answer = (await retryingRequest(ctx, { method: 'get', url: notesPath, params: { per_page: 100, page, sort: 'asc' } }, 'reading the notes'))!
    const notes = holding(ctx, answer.data, 'reading the notes', 'list of notes', aList) as ({ id?: unknown; body?: unknown } | null)[]
    const found = notes.find((n) => typeof n?.body === 'string' && n.body.startsWith(marker))
    if (found) return holding(ctx, found, 'reading the notes', 'note id', withId).id
    page = (answer.headers['x-next-page'] as string | undefined) || undefined
  }
  return undefined
}

/** One line per failure, naming what to fix; the token never appears in it. */
function refusal(status: number, data: unknown, doing: string, target: GitLabTarget): UserError {
  if (status === 401 || status === 403) return new UserError('GITLAB_AUTH', `GitLab refused ${doing} (HTTP ${status}): ${TOKEN_HELP}`)
  if (status === 404) return new UserError('GITLAB_NOT_FOUND', `GitLab answered 404 while ${doing}: check CI_PROJECT_ID${target.mergeRequestIid ? ', CI_MERGE_REQUEST_IID' : ''}${target.sha ? ' and CI_COMMIT_SHA' : ''} (project ${target.projectId})`)
  const answer = data && typeof data === 'object' ? (data as { message?: unknown; error?: unknown }) : undefined
  const why = reasonOf(answer?.message) || reasonOf(answer?.error)
  return new UserError('GITLAB_FAILED', `GitLab answered HTTP ${status} while ${doing}${why ? `: ${why}` : ''}`)
}

/**
 * GitLab's reason for a refusal, on one line: a text (`{"message": "..."}`, or `{"error": "..."}`
 * for a parameter), or its model's validation errors by field (`{"message": {"note": ["is too
 * long (maximum is 1000000 characters)"]}}`), which would otherwise read as nothing.
 */
function reasonOf(value: unknown): string {
  let text = ''
  if (typeof value === 'string') text = value
  else if (value && typeof value === 'object' && !Array.isArray(value))
    text = Object.entries(value)
      .map(([field, errors]) => `${field} ${(Array.isArray(errors) ? errors : [errors]).filter((e) => typeof e === 'string').join(', ')}`.trim())
      .join('; ')
  text = text.replace(/\s+/g, ' ').trim()
  return text.length > REASON_LIMIT ? `${headOf(text, REASON_LIMIT)}…` : text
}

const REASON_LIMIT = 300
