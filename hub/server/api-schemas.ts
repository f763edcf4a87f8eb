import * as z from 'zod/mini'
import '../../src/zod-messages.ts'
import { MANUAL_STATUSES } from '../../src/manual/manual-results.ts'
import { HttpError } from './http-error.ts'

// PostgreSQL text cannot hold NUL: refused here as the client's mistake, not failed on as the hub's.
const noNul = (s: string): boolean => !s.includes('\u0000')
const text = (max: number, ...more: z.core.$ZodCheck<string>[]) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max), z.refine(noNul, 'must not contain NUL characters'), ...more)
const name = text(200)

export const BuildBody = z.strictObject({ name: text(100, z.regex(/^[A-Za-z0-9._+-]+$/, 'letters, digits and . _ + - only')) })

export const TokenBody = z.strictObject({ name: text(100, z.regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only')), role: z.enum(['qa', 'ci', 'tester']) })

export const AssignBody = z.strictObject({
  build: name,
  environment: z.optional(name),
  scenarios: z.optional(z.array(text(64)).check(z.minLength(1), z.maxLength(5000))),
  /** every manual scenario of the catalogue (not wip) */
  allManual: z.optional(z.literal(true)),
  tester: z.optional(name),
  due: z.optional(z.iso.date()),
})

export const ReviewBody = z.strictObject({ verdict: z.enum(['accepted', 'rejected', 'needs-info']), reason: z.optional(text(4000)) })

const status = z.enum(MANUAL_STATUSES)
const evidenceFile = z.string().check(z.regex(/^attachments\/[0-9a-f]{24}\.[a-z0-9]{1,5}$/, 'a file POST /api/v1/evidence answered'))
const whole = (min: number, max: number) => z.number().check(z.int(), z.gte(min), z.lte(max))

export const OutcomeBody = z.strictObject({
  build: name,
  scenario: text(64),
  environment: z.optional(name),
  status,
  steps: z.optional(z.array(z.strictObject({ index: whole(0, 10_000), status, comment: z.optional(text(4000)) })).check(z.maxLength(1000))),
  comment: z.optional(text(20_000)),
  elapsedMs: z.optional(whole(0, 7 * 24 * 3600_000)),
  /** OS, machine, node version, region … free fields */
  details: z.optional(z.record(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'a field name: letters, digits, _ and -')), z.string().check(z.maxLength(500), z.refine(noNul, 'must not contain NUL characters')))),
  defects: z.optional(z.array(z.url({ protocol: /^https?$/ }).check(z.maxLength(2000))).check(z.maxLength(50))),
  /** evidence uploaded first (POST /api/v1/evidence): the names it answered */
  evidence: z.optional(z.array(z.union([evidenceFile, z.strictObject({ file: evidenceFile, name: text(200) })])).check(z.maxLength(20))),
  /** the scenario's contentHash as the tester saw it (default: the current one) */
  contentHash: z.optional(z.string().check(z.regex(/^[0-9a-f]{16}$/))),
})

export const BlobNames = z.strictObject({ names: z.array(z.string().check(z.regex(/^attachments\/[0-9a-f]{24}\.[a-z0-9]{1,5}$/))).check(z.maxLength(100_000)) })

/** Parses a body with a schema; the first problem becomes a 422 naming the field path. */
export function parseBody<T>(schema: z.ZodMiniType<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object')
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const field = issue.path.map(String).join('.')
  const what = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message
  throw new HttpError(422, `${field ? `${field}: ` : ''}${what}`, field || (issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined))
}
