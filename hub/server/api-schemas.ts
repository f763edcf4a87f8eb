import { z } from 'zod'
import { MANUAL_STATUSES } from '../../src/manual/manual-results.ts'
import { HttpError } from './http-error.ts'

// PostgreSQL text cannot hold NUL: refused here as the client's mistake, not failed on as the hub's.
const noNul = (s: string): boolean => !s.includes('\u0000')
const text = (max: number) => z.string().trim().min(1).max(max).refine(noNul, 'must not contain NUL characters')
const name = text(200)

export const BuildBody = z.strictObject({ name: text(100).regex(/^[A-Za-z0-9._+-]+$/, 'letters, digits and . _ + - only') })

export const TokenBody = z.strictObject({ name: text(100).regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only'), role: z.enum(['qa', 'ci', 'tester']) })

export const AssignBody = z.strictObject({
  build: name,
  environment: name.optional(),
  scenarios: z.array(text(64)).min(1).max(5000).optional(),
  /** every manual scenario of the catalogue (not wip) */
  allManual: z.literal(true).optional(),
  tester: name.optional(),
  due: z.iso.date().optional(),
})

export const ReviewBody = z.strictObject({ verdict: z.enum(['accepted', 'rejected', 'needs-info']), reason: text(4000).optional() })

const status = z.enum(MANUAL_STATUSES)
const evidenceFile = z.string().regex(/^attachments\/[0-9a-f]{24}\.[a-z0-9]{1,5}$/, 'a file POST /api/v1/evidence answered')

export const OutcomeBody = z.strictObject({
  build: name,
  scenario: text(64),
  environment: name.optional(),
  status,
  steps: z.array(z.strictObject({ index: z.number().int().min(0).max(10_000), status, comment: text(4000).optional() })).max(1000).optional(),
  comment: text(20_000).optional(),
  elapsedMs: z.number().int().min(0).max(7 * 24 * 3600_000).optional(),
  /** OS, machine, node version, region … free fields */
  details: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'a field name: letters, digits, _ and -'), z.string().max(500).refine(noNul, 'must not contain NUL characters')).optional(),
  defects: z.array(z.url({ protocol: /^https?$/ }).max(2000)).max(50).optional(),
  /** evidence uploaded first (POST /api/v1/evidence): the names it answered */
  evidence: z.array(z.union([evidenceFile, z.strictObject({ file: evidenceFile, name: text(200) })])).max(20).optional(),
  /** the scenario's contentHash as the tester saw it (default: the current one) */
  contentHash: z.string().regex(/^[0-9a-f]{16}$/).optional(),
})

export const BlobNames = z.strictObject({ names: z.array(z.string().regex(/^attachments\/[0-9a-f]{24}\.[a-z0-9]{1,5}$/)).max(100_000) })

/** Parses a body with a schema; the first problem becomes a 422 naming the field path. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object')
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const field = issue.path.map(String).join('.')
  const what = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message
  throw new HttpError(422, `${field ? `${field}: ` : ''}${what}`, field || (issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined))
}
