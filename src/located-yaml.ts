import type { ZodMiniType, core } from 'zod/mini'
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml'
import { UserError } from './errors.ts'

/**
 * A YAML file read against a zod schema, every problem located: `file:line:col: key.path: what`,
 * pointing at the value at fault (or its key). Duplicate keys are errors. All problems are
 * reported at once, one line each, in a UserError of the given code.
 */
export function parseLocatedYaml<T>(text: string, file: string, schema: ZodMiniType<T>, options: { code: string; notMapping: string; allowedKeys?: (path: (string | number)[]) => string }): T {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false })
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0])
      return `${file}:${pos.line}:${pos.col}: invalid YAML: ${e.message.split('\n')[0]}`
    })
    throw new UserError(options.code, lines.join('\n'))
  }
  const data: unknown = doc.toJS()
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new UserError(options.code, `${file}:1:1: ${options.notMapping}`)
  const parsed = schema.safeParse(data)
  if (!parsed.success) throw new UserError(options.code, parsed.error.issues.map((issue) => describeIssue(issue, doc, lineCounter, file, data, options.allowedKeys)).join('\n'))
  return parsed.data
}

/** Where a key path sits in a YAML text: for messages about values that passed the schema. */
export function locate(text: string, file: string, path: (string | number)[]): string {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter })
  const node = doc.getIn(path, true)
  const pos = isNode(node) && node.range ? lineCounter.linePos(node.range[0]) : positionOf(doc, lineCounter, path)
  return `${file}:${pos.line}:${pos.col}`
}

type Issue = core.$ZodIssue

function describeIssue(issue: Issue, doc: Document, lineCounter: LineCounter, file: string, data: unknown, allowedKeys?: (path: (string | number)[]) => string): string {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol')
  let keyPath = path
  let message = issue.message
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? ''
    keyPath = [...path, key]
    message = `unknown key '${issue.keys.join("', '")}'${allowedKeys ? ` (allowed: ${allowedKeys(path)})` : ''}`
  } else if (issue.code !== 'custom' && path.length && valueAt(data, path) === undefined) {
    // whatever the schema says of the value (a type, one of some values, one of some shapes), it
    // is not there (a rule of the file's own, `custom`, says best what it wants instead)
    message = `missing required key '${String(path[path.length - 1])}'${issue.code === 'invalid_value' && 'values' in issue ? ` (one of ${issue.values.join(', ')})` : ''}`
  } else if (issue.code === 'invalid_type' && issue.expected === 'int') {
    message = `must be a whole number, not ${String(valueAt(data, path))}`
  } else if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number') {
    const [bound, words] = issue.code === 'too_small' ? [issue.minimum, issue.inclusive ? 'at least' : 'above'] : [issue.maximum, issue.inclusive ? 'at most' : 'below']
    message = `must be ${words} ${String(bound)}, not ${String(valueAt(data, path))}`
  } else if (issue.code === 'invalid_type') {
    message = `${issue.message.replace(/^Invalid input: /, '')}`
    // YAML reads an unquoted 0.10 as the number 0.1, 0010 as 10, true as a boolean: said, with the fix
    const node = doc.getIn(path, true)
    if (issue.expected === 'string' && isScalar(node) && typeof node.source === 'string' && node.value !== null && typeof node.value !== 'string')
      message += ` (YAML reads ${node.source} as the ${typeof node.value} ${String(node.value)}: write it in quotes, '${node.source}')`
  } else if (issue.code === 'invalid_value' && 'values' in issue) {
    message = `must be one of ${issue.values.join(', ')}`
  } else if (issue.code === 'too_small' && issue.origin === 'array') {
    message = `needs at least ${String(issue.minimum)} item(s)`
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
