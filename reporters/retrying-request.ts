import type { AxiosInstance, AxiosRequestConfig } from 'axios'
import { UserError } from '../src/errors.ts'

export interface RetryPolicy {
  attempts: number
  baseMs: number
  maxMs: number
  /** wait after a 429 without Retry-After */
  defaultRetryAfterMs: number
  timeoutMs: number
}

/** What a publisher tells the request about the service it talks to. */
export interface RequestContext {
  http: AxiosInstance
  retry: RetryPolicy
  /** the service's name in messages: "Testmo", "GitLab" */
  service: string
  /** error code prefix: TESTMO, GITLAB */
  code: string
  /** what to do after giving up on an unreachable service, e.g. "run the same command again to resume" */
  then: string
  /** the error for an answer that is not retried (4xx, or 5xx after the last attempt) */
  refusal: (status: number, data: unknown, doing: string) => UserError
  log?: (line: string) => void
  stats?: { requests: number; retries: number }
  /** aborted when the command fails elsewhere: nothing is left retrying */
  signal?: AbortSignal
  /** the proxy the service is reached through, as messages show it (no password) */
  via?: string
  /** how to make the service's certificate trusted (default: NODE_EXTRA_CA_CERTS) */
  trust?: string
}

// Longer than a job should sit idle (and past what a timer holds: 2^31 ms fires at once).
const LONGEST_WAIT_MS = 15 * 60_000

// Refused before the request left: it cannot have reached the service.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
// The service's certificate is not trusted: no retry will change that.
const UNTRUSTED = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/

export interface Answer {
  status: number
  data: unknown
  headers: Record<string, unknown>
}

export interface RequestOptions {
  /** asked when the outcome is unknown: did the request reach the service? */
  landed?: () => Promise<boolean>
  /** an answer of 300 or more that means the work is done (e.g. "already in that state") */
  accept?: (status: number, data: unknown) => boolean
}

/**
 * One request with retries: 429 waits Retry-After (or the policy's default); 5xx, timeouts and
 * dropped connections back off exponentially (capped). A request whose outcome is unknown (sent,
 * no answer) is retried only after `landed` says it did not reach the service; when it did,
 * resolves to undefined. Bodies given as strings are JSON text sent as they are. An aborted
 * context rejects at once with its reason.
 */
export async function retryingRequest(ctx: RequestContext, config: AxiosRequestConfig, doing: string, options: RequestOptions = {}): Promise<Answer | undefined> {
  const { landed, accept } = options
  const { retry } = ctx
  for (let attempt = 1; ; attempt++) {
    if (ctx.stats) ctx.stats.requests++
    let response: Answer
    try {
      response = await ctx.http.request<unknown>({ ...config, ...(typeof config.data === 'string' ? { transformRequest: [(data: unknown) => data] } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) })
    } catch (error) {
      if (ctx.signal?.aborted) throw ctx.signal.reason
      const code = (error as { code?: string }).code ?? 'connection error'
      const via = ctx.via ? ` through the proxy ${ctx.via}` : ''
      if (UNTRUSTED.test(code))
        throw new UserError(`${ctx.code}_TLS`, `${ctx.service}'s certificate is not trusted while ${doing}${via} (${code}); ${ctx.trust ?? 'if the instance uses your own certificate authority, set NODE_EXTRA_CA_CERTS to its PEM file'}`)
      if (attempt >= retry.attempts) throw new UserError(`${ctx.code}_UNREACHABLE`, `${ctx.service} did not answer while ${doing}${via} (${code}) after ${attempt} attempts; ${ctx.via ? 'check that the proxy runs and lets it through (NO_PROXY names hosts to reach directly), then ' : ''}${ctx.then}`)
      if (ctx.stats) ctx.stats.retries++
      ctx.log?.(`${doing}: ${code}, retrying`)
      await sleep(backoff(retry, attempt), ctx.signal)
      if (landed && !NOT_SENT.has(code) && (await landed())) return undefined
      continue
    }
    const { status, data, headers } = response
    if (status < 300 || accept?.(status, data)) {
      crashPoint()
      // A page (a proxy's or a sign-in page, answered 200) is no answer of the API: taken for
      // one, the write it stands for would count as done. (What is asked for as a file — a blob,
      // a results file — may be HTML of its own.)
      const json = config.responseType === undefined || config.responseType === 'json'
      if (json && status < 300 && /html/i.test(String(headers['content-type'] ?? ''))) throw notTheApi(ctx, doing, 'an HTML page', 'JSON')
      return response
    }
    if ((status === 429 || status >= 500) && attempt < retry.attempts) {
      if (ctx.stats) ctx.stats.retries++
      const wait = status !== 429 ? backoff(retry, attempt) : (retryAfterMs(headers['retry-after']) ?? retry.defaultRetryAfterMs)
      if (wait > LONGEST_WAIT_MS)
        throw new UserError(`${ctx.code}_BUSY`, `${ctx.service} asks to wait ${Math.ceil(wait / 60_000)} min before ${doing} again (HTTP 429, Retry-After: ${String(headers['retry-after'])}), longer than a command waits (${LONGEST_WAIT_MS / 60_000} min); run the same command again after that: what was done stays done`)
      ctx.log?.(`${doing}: HTTP ${status}, retrying in ${Math.round(wait / 1000)} s`)
      await sleep(wait, ctx.signal)
      continue
    }
    // The proxy's answer, not the service's: its user and password are missing or wrong.
    if (status === 407 && ctx.via) throw new UserError(`${ctx.code}_PROXY`, `the proxy ${ctx.via} refused ${doing} (HTTP 407: it asks who you are); give its user and password in the proxy URL: http://<user>:<password>@<host>:<port>`)
    throw ctx.refusal(status, data, doing)
  }
}

/** The answer's data when it holds what the caller needs (`wanted`), else one line saying what came instead. */
export function holding<T>(ctx: RequestContext, data: unknown, doing: string, wanted: string, holds: (data: unknown) => data is T): T {
  if (holds(data)) return data
  const what = typeof data === 'string' ? (/^\s*</.test(data) ? 'an HTML page' : data.trim() ? 'text' : 'nothing') : data === null || data === undefined ? 'nothing' : `JSON without ${wanted}`
  throw notTheApi(ctx, doing, what, wanted)
}

/** An object with a positive whole `id`, as the APIs answer a create. */
export function withId(data: unknown): data is { id: number } {
  return typeof data === 'object' && data !== null && Number.isSafeInteger((data as { id?: unknown }).id) && (data as { id: number }).id > 0
}

export function aList(data: unknown): data is unknown[] {
  return Array.isArray(data)
}

function notTheApi(ctx: RequestContext, doing: string, what: string, wanted: string): UserError {
  return new UserError(`${ctx.code}_ANSWER`, `${ctx.service} answered ${doing} with ${what}, not the ${wanted} its API gives: is the URL the ${ctx.service} instance's own API (not a proxy or a sign-in page)? Then ${ctx.then}`)
}

/**
 * The crash-point tests' hook (test/helpers/crash-points.ts): with BDD_MATRIX_CRASH_AFTER_ANSWER=n
 * the process kills itself (SIGKILL) on receiving its n-th answer, before its caller records it —
 * the moment a journal is most easily wrong. Unset, it costs one comparison.
 */
const crashAfter = Number(process.env.BDD_MATRIX_CRASH_AFTER_ANSWER ?? 0)
let answers = 0
function crashPoint(): void {
  if (crashAfter > 0 && ++answers === crashAfter) process.kill(process.pid, 'SIGKILL')
}

/**
 * A Retry-After header in either of HTTP's forms (RFC 9110 §10.2.3): seconds, or the date to wait
 * until (a date past is no wait); undefined when absent or neither.
 */
export function retryAfterMs(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || !header.trim()) return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(header)) return Number(header) * 1000
  const until = Date.parse(header)
  return Number.isNaN(until) || !/[a-z]/i.test(header) ? undefined : Math.max(0, until - now)
}

/** Capped exponential: base, 2×base, 4×base … up to the policy's maximum. */
function backoff(retry: RetryPolicy, attempt: number): number {
  return Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1))
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop)
      resolve()
    }, ms)
    const stop = (): void => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', stop, { once: true })
  })
}

/** The base URL of a service, or one line saying which setting holds something that is not one. */
export function serviceUrl(value: string, setting: string, options: { https?: boolean; example: string }): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UserError('BAD_URL', `${setting} "${value}" is not a URL; set it to ${options.example}`)
  }
  if (options.https ? url.protocol !== 'https:' : !/^https?:$/.test(url.protocol))
    throw new UserError('BAD_URL', `${setting} "${value}" must use ${options.https ? 'HTTPS' : 'http or https'}; set it to ${options.example}`)
  return url
}
