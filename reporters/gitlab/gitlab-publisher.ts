import axios, { type AxiosInstance } from 'axios'
import { UserError } from '../../src/errors.ts'

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
}

export interface GitLabPublication {
  markdown: string
  state: 'success' | 'failed' | 'running' | 'pending' | 'canceled'
  description: string
  targetUrl?: string
}

export interface GitLabOutcome {
  note?: { id: number; action: 'created' | 'updated' }
  status?: { state: string }
}

const TOKEN_HELP = 'set GITLAB_TOKEN to a project or personal access token with the api scope (CI_JOB_TOKEN cannot write merge-request notes or commit statuses)'

/**
 * Posts the matrix to GitLab: one merge-request note, updated in place on later pipelines
 * (found by a hidden marker), and a commit status named `bdd-matrix`.
 */
export async function publishToGitLab(target: GitLabTarget, publication: GitLabPublication): Promise<GitLabOutcome> {
  if (!target.token) throw new UserError('GITLAB_TOKEN_MISSING', `no GitLab token: ${TOKEN_HELP}`)
  const http = axios.create({ baseURL: target.apiUrl.replace(/\/$/, ''), timeout: 30_000, headers: { 'PRIVATE-TOKEN': target.token }, validateStatus: () => true, proxy: false })
  const project = encodeURIComponent(target.projectId)
  const outcome: GitLabOutcome = {}
  if (target.mergeRequestIid) {
    const notesPath = `/projects/${project}/merge_requests/${target.mergeRequestIid}/notes`
    const body = `${NOTE_MARKER}\n${publication.markdown}`
    const existing = await findMarkedNote(http, notesPath, target)
    const response = existing ? await http.put(`${notesPath}/${existing}`, { body }) : await http.post(notesPath, { body })
    check(response.status, `${existing ? 'updating' : 'adding'} the merge-request note`, target)
    outcome.note = { id: (response.data as { id: number }).id, action: existing ? 'updated' : 'created' }
  }
  if (target.sha) {
    const response = await http.post(`/projects/${project}/statuses/${target.sha}`, {
      state: publication.state,
      name: 'bdd-matrix',
      description: publication.description.slice(0, 255),
      ...(publication.targetUrl ? { target_url: publication.targetUrl } : {}),
      ...(target.ref ? { ref: target.ref } : {}),
      ...(target.pipelineId ? { pipeline_id: Number(target.pipelineId) } : {}),
    })
    check(response.status, 'setting the commit status', target)
    outcome.status = { state: publication.state }
  }
  return outcome
}

async function findMarkedNote(http: AxiosInstance, notesPath: string, target: GitLabTarget): Promise<number | undefined> {
  let page: string | undefined = '1'
  while (page) {
    const response: { status: number; data: unknown; headers: Record<string, unknown> } = await http.get(notesPath, { params: { per_page: 100, page, sort: 'asc' } })
    check(response.status, 'reading the merge-request notes', target)
    const found = (response.data as { id: number; body: string }[]).find((n) => n.body.startsWith(NOTE_MARKER))
    if (found) return found.id
    page = (response.headers['x-next-page'] as string | undefined) || undefined
  }
  return undefined
}

/** One line per failure, naming what to fix; the token never appears in it. */
function check(status: number, doing: string, target?: GitLabTarget): void {
  if (status < 300) return
  if (status === 401 || status === 403) throw new UserError('GITLAB_AUTH', `GitLab refused ${doing} (HTTP ${status}): ${TOKEN_HELP}`)
  if (status === 404) throw new UserError('GITLAB_NOT_FOUND', `GitLab answered 404 while ${doing}: check CI_PROJECT_ID${target?.mergeRequestIid ? ', CI_MERGE_REQUEST_IID' : ''}${target?.sha ? ' and CI_COMMIT_SHA' : ''} (project ${target?.projectId ?? '?'})`)
  throw new UserError('GITLAB_FAILED', `GitLab answered HTTP ${status} while ${doing}`)
}
