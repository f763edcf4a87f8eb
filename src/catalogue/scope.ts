import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { LineCounter, parseDocument, isMap, isNode, type Document } from 'yaml'
import { UserError, fsErrorCode } from '../errors.ts'

const kebab = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/

/** Where a scope feature stands, in the words of NuNet's scope tables (kebab-cased). */
export const FEATURE_STATUSES = [
  'not-started',
  'in-progress',
  'on-track',
  'with-challenges',
  'close-to-completion',
  'almost-complete',
  'finished',
] as const

export const ScopeFeatureSchema = z
  .object({
    id: z.string().regex(kebab, 'must be lower-kebab-case, e.g. p2p-network'),
    name: z.string().min(1, 'must not be empty'),
    acceptance: z.string().min(1, 'must not be empty: say what has to be true for the feature to be accepted'),
    status: z.enum(FEATURE_STATUSES).optional(),
    environments: z.array(z.string().regex(kebab, 'must be an environment name such as local, docker or feature')).default([]),
  })
  .strict()

export const ScopeSchema = z
  .object({
    milestone: z.string().regex(kebab, 'must be lower-kebab-case with optional dots, e.g. dms-0.5'),
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    frozen: z.iso.date('must be a date written YYYY-MM-DD'),
    features: z.array(ScopeFeatureSchema).min(1, 'must list at least one feature'),
  })
  .strict()
  .superRefine((scope, ctx) => {
    const firstIndex = new Map<string, number>()
    scope.features.forEach((feature, index) => {
      const first = firstIndex.get(feature.id)
      if (first === undefined) firstIndex.set(feature.id, index)
      else
        ctx.addIssue({
          code: 'custom',
          path: ['features', index, 'id'],
          message: `duplicate feature id '${feature.id}' (already used by features[${first}]); ids must be unique`,
        })
    })
  })

export type ScopeFeature = z.infer<typeof ScopeFeatureSchema>
export type Scope = z.infer<typeof ScopeSchema> & { /** path the scope was read from */ file: string }

/**
 * Reads and validates a milestone scope file; every problem is reported with file:line and key.
 * `displayName` is how messages name the file (e.g. relative to the user's working directory).
 */
export function loadScope(file: string, displayName = file): Scope {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = fsErrorCode(error)
    file = displayName
    if (code === 'ENOENT')
      throw new UserError('SCOPE_MISSING', `${file}: scope file not found; pass an existing milestone scope with --scope (e.g. features/milestones/dms-0.5.yaml)`)
    if (code === 'EISDIR') throw new UserError('SCOPE_MISSING', `${file}: is a directory; --scope takes a YAML file such as features/milestones/dms-0.5.yaml`)
    throw new UserError('SCOPE_UNREADABLE', `${file}: cannot read scope file (${code ?? String(error)})`, { cause: error })
  }
  return parseScope(text, displayName)
}

export function parseScope(text: string, file: string): Scope {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false })
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0])
      return `${file}:${pos.line}:${pos.col}: invalid YAML: ${e.message.split('\n')[0]}`
    })
    throw new UserError('SCOPE_INVALID', lines.join('\n'))
  }
  const data: unknown = doc.toJS()
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new UserError('SCOPE_INVALID', `${file}:1:1: a scope file must be a YAML mapping with the keys milestone, frozen and features`)
  const parsed = ScopeSchema.safeParse(data)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => describeIssue(issue, doc, lineCounter, file, data))
    throw new UserError('SCOPE_INVALID', lines.join('\n'))
  }
  return { ...parsed.data, file }
}

type Issue = z.core.$ZodIssue

function describeIssue(issue: Issue, doc: Document, lineCounter: LineCounter, file: string, data: unknown): string {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol')
  let keyPath = path
  let message = issue.message
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? ''
    keyPath = [...path, key]
    const allowed = path.length === 0 ? 'milestone, name, description, frozen, features' : 'id, name, acceptance, status, environments'
    message = `unknown key '${issue.keys.join("', '")}' (allowed: ${allowed})`
  } else if (issue.code === 'invalid_type' && valueAt(data, path) === undefined) {
    message = `missing required key '${String(path[path.length - 1])}'`
  } else if (issue.code === 'invalid_type') {
    message = `${issue.message.replace(/^Invalid input: /, '')}`
  } else if (issue.code === 'invalid_value' && 'values' in issue) {
    message = `must be one of ${issue.values.join(', ')}`
  }
  // Point at the offending value when there is one, at the key (or its parent) otherwise.
  const valueNode = issue.code === 'unrecognized_keys' ? undefined : doc.getIn(path, true)
  const pos = isNode(valueNode) && valueNode.range ? lineCounter.linePos(valueNode.range[0]) : positionOf(doc, lineCounter, keyPath)
  return `${file}:${pos.line}:${pos.col}: ${formatPath(keyPath)}: ${message}`
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let value = data
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string | number, unknown>)[key]
  }
  return value
}

/** Line and column of the deepest YAML node on `path` that exists (the key itself for map entries). */
function positionOf(doc: Document, lineCounter: LineCounter, path: (string | number)[]): { line: number; col: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const parentPath = path.slice(0, depth - 1)
    const last = path[depth - 1]
    const parent = depth === 0 ? doc.contents : doc.getIn(parentPath, true)
    if (depth > 0 && isMap(parent)) {
      const pair = parent.items.find((item) => isNode(item.key) && (item.key as { value?: unknown }).value === last)
      const range = pair && isNode(pair.key) ? pair.key.range : undefined
      if (range) return lineCounter.linePos(range[0])
      continue
    }
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0])
  }
  return { line: 1, col: 1 }
}

function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return '(top level)'
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}
