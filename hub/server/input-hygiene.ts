import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HttpError } from './http-error.ts'

/**
 * Every string that reaches the hub — from the address (path and query), a header it reads, a
 * JSON or form body, a multipart part or a file's name — is checked here, once, before any route
 * handler or the store sees it: no NUL (PostgreSQL text cannot hold one), no lone UTF-16
 * surrogate, no invalid percent-encoding, nothing longer than the hub ever needs, no object key
 * that would reach a prototype, no nesting deeper than a submission has; ids in the address must be
 * integers the store can hold. A refusal is 400 (the address) or 422 (a body field) naming where.
 */

/** The longest string a body field may hold (a comment is 20,000; evidence is not a string). */
const MAX_TEXT = 100_000
/** The longest path segment or query value (build names, run ids, case ids are far shorter). */
const MAX_ADDRESS_PART = 1_000
const MAX_DEPTH = 12
/** ids the store counts: a positive 32-bit integer */
const MAX_ID = 2_147_483_647
/** headers a handler reads as text */
const READ_HEADERS = ['idempotency-key', 'x-file-name', 'content-type', 'origin']
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Route parameters that are integer ids, by route (as Fastify names routes). */
const INTEGER_PARAMS: Record<string, string[]> = {
  '/api/v1/assignments/:id/claim': ['id'],
  '/api/v1/outcomes/:id': ['id'],
  '/api/v1/outcomes/:id/review': ['id'],
  '/assignments/:id/claim': ['id'],
  '/outcomes/:id/review': ['id'],
}

/** What is wrong with a string, or undefined when nothing is. */
export function textProblem(value: string, max = MAX_TEXT): string | undefined {
  if (value.includes('\u0000')) return 'holds a NUL character'
  if (LONE_SURROGATE.test(value)) return 'holds a lone UTF-16 surrogate (not valid text)'
  if (value.length > max) return `is longer than ${max} characters`
  return undefined
}

/** Refuses a text field with 422 naming it: for values read outside the hooks (multipart parts). */
export function checkText(field: string, value: string, max = MAX_TEXT): void {
  const problem = textProblem(value, max)
  if (problem) throw new HttpError(422, `${field}: ${problem}`, field)
}

/** Every string and key of a parsed body, at any depth. */
export function checkValue(field: string, value: unknown, depth = 0): void {
  if (depth > MAX_DEPTH) throw new HttpError(422, `${field || 'body'}: nested deeper than ${MAX_DEPTH} levels`, field || 'body')
  if (typeof value === 'string') return checkText(field || 'body', value)
  if (typeof value === 'number' && !Number.isFinite(value)) throw new HttpError(422, `${field}: not a finite number`, field)
  if (Array.isArray(value)) {
    if (value.length > 100_000) throw new HttpError(422, `${field}: more than 100,000 items`, field)
    value.forEach((item, i) => checkValue(field ? `${field}.${i}` : String(i), item, depth + 1))
    return
  }
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value)) {
      const path = field ? `${field}.${key}` : key
      if (FORBIDDEN_KEYS.has(key)) throw new HttpError(422, `${path}: not a field name the hub takes`, path)
      const problem = textProblem(key, 200)
      if (problem) throw new HttpError(422, `${field || 'body'}: a field name ${problem}`, field || 'body')
      checkValue(path, item, depth + 1)
    }
  }
}

/** The address: each path segment and query value decoded as the router will, then checked. */
function checkAddress(request: FastifyRequest): void {
  const raw = request.raw.url ?? '/'
  if (raw.length > 16_384) throw new HttpError(414, 'the address is longer than 16 KiB')
  const [pathPart, query = ''] = raw.split('?', 2) as [string, string?]
  for (const segment of pathPart.split('/')) {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      throw new HttpError(400, `the address holds an invalid percent-encoding (${segment.slice(0, 40)}): escape it as UTF-8`)
    }
    const problem = textProblem(decoded, MAX_ADDRESS_PART)
    if (problem) throw new HttpError(400, `a part of the address ${problem}`)
  }
  if (!query) return
  for (const pair of query.split('&')) {
    const [name = '', value = ''] = pair.split('=', 2)
    let decodedName: string
    let decodedValue: string
    try {
      decodedName = decodeURIComponent(name.replace(/\+/g, ' '))
      decodedValue = decodeURIComponent(value.replace(/\+/g, ' '))
    } catch {
      throw new HttpError(400, `the query holds an invalid percent-encoding (${pair.slice(0, 40)}): escape it as UTF-8`)
    }
    const problem = textProblem(decodedName, 100) ?? textProblem(decodedValue, MAX_ADDRESS_PART)
    if (problem) throw new HttpError(400, `query parameter ${textProblem(decodedName, 100) ? '(a name)' : decodedName}: ${problem}`, decodedName)
  }
}

function checkHeaders(request: FastifyRequest): void {
  for (const name of READ_HEADERS) {
    const value = request.headers[name]
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      const problem = textProblem(v, 2_000)
      if (problem) throw new HttpError(400, `header ${name} ${problem}`, name)
    }
  }
}

function checkIntegerParams(request: FastifyRequest): void {
  const names = INTEGER_PARAMS[request.routeOptions.url ?? ''] ?? []
  const params = request.params as Record<string, string>
  for (const name of names) {
    const value = params[name] ?? ''
    if (!/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > MAX_ID) throw new HttpError(404, `${value.slice(0, 40)}: not an id (ids are whole numbers from 1)`, name)
  }
}

/**
 * Installs the checks: the address and headers as a request arrives, integer ids once the route is
 * known, bodies once parsed — all before any handler runs.
 */
export function installInputHygiene(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    checkAddress(request)
    checkHeaders(request)
  })
  app.addHook('preValidation', async (request) => {
    checkIntegerParams(request)
    // Raw bodies (evidence, attachments, NDJSON) are files or checked line by line where they are read.
    if (request.body !== undefined && typeof request.body !== 'string' && !Buffer.isBuffer(request.body)) checkValue('', request.body)
  })
}
