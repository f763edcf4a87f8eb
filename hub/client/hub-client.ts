import axios from 'axios'
import { UserError } from '../../src/errors.ts'
import { axiosProxy, serviceProxy, type ProxySettings } from '../../reporters/service-proxy.ts'
import { retryingRequest, serviceUrl, type Answer, type RequestContext, type RetryPolicy } from '../../reporters/retrying-request.ts'

export const HUB_RETRY: RetryPolicy = { attempts: 6, baseMs: 300, maxMs: 8_000, defaultRetryAfterMs: 5_000, timeoutMs: 60_000 }

export interface RequestOptions {
  data?: unknown
  headers?: Record<string, string>
  accept?: (status: number) => boolean
  responseType?: 'json' | 'text' | 'arraybuffer'
}

/** What push, pull and the manual commands need of a hub connection. */
export interface HubRequests {
  request<T>(method: string, url: string, doing: string, options?: RequestOptions): Promise<{ status: number; data: T }>
}

/** The results hub's API as a command line uses it: retried on 429, 5xx and dropped connections. */
export class HubClient implements HubRequests {
  private readonly ctx: RequestContext
  readonly stats = { requests: 0, retries: 0 }

  constructor(server: string, token: string | undefined, options: { retry?: RetryPolicy; log?: (line: string) => void; /** HTTP(S)_PROXY and NO_PROXY of the command's environment */ proxy?: ProxySettings } = {}) {
    if (!token) throw new UserError('HUB_TOKEN_MISSING', 'no hub token: set BDD_MATRIX_TOKEN to a token from bdd-matrix token create (ci to push, tester to submit, qa to administer)')
    const base = serviceUrl(server, 'the hub address (--server or BDD_MATRIX_SERVER)', { example: 'http://127.0.0.1:8080' })
    const retry = options.retry ?? HUB_RETRY
    const proxy = serviceProxy(base, options.proxy)
    this.ctx = {
      http: axios.create({ baseURL: `${base.href.replace(/\/$/, '')}/api/v1`, timeout: retry.timeoutMs, headers: { authorization: `Bearer ${token.trim()}` }, validateStatus: () => true, proxy: axiosProxy(proxy), maxRedirects: 0, maxBodyLength: Infinity, maxContentLength: Infinity }),
      retry,
      service: 'the results hub',
      code: 'HUB',
      then: `check that bdd-matrix serve runs at ${base.origin} and run the same command again (it resumes)`,
      refusal: hubRefusal,
      stats: this.stats,
      ...(options.log ? { log: options.log } : {}),
      ...(proxy ? { via: proxy.shown } : {}),
    }
  }

  async request<T>(method: string, url: string, doing: string, options: RequestOptions = {}): Promise<{ status: number; data: T; headers: Answer['headers'] }> {
    const answer = await retryingRequest(
      this.ctx,
      // A POST without a body still says it is JSON (axios would call it a form).
      { method, url, ...(options.data !== undefined ? { data: options.data } : method === 'POST' || method === 'PUT' ? { data: '{}', headers: { 'content-type': 'application/json' } } : {}), ...(options.headers ? { headers: options.headers } : {}), ...(options.responseType ? { responseType: options.responseType } : {}) },
      doing,
      options.accept ? { accept: (status) => options.accept!(status) } : {},
    )
    return { status: answer!.status, data: answer!.data as T, headers: answer!.headers }
  }
}

/** The one line a command stops with when the hub refuses a request. */
export function hubRefusal(status: number, data: unknown, doing: string): UserError {
  const message = (data as { message?: string } | undefined)?.message ?? `HTTP ${status}`
  return new UserError(status === 401 ? 'HUB_TOKEN' : 'HUB_REFUSED', `the results hub refused ${doing} (HTTP ${status}): ${message}`)
}
