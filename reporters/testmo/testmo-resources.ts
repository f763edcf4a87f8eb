import { readFileSync } from 'node:fs'
import * as z from 'zod/mini'
import '../../src/zod-messages.ts'
import { filled } from '../../src/schema-parts.ts'
import { UserError, fsErrorCode } from '../../src/errors.ts'
import { headOf } from '../../src/clip-text.ts'
import { clipField, FIELD_LIMIT, STRING_LIMIT } from './test-mapper.ts'

/**
 * The official CLI's resources file (`testmo automation:resources:add-field / add-link /
 * add-artifact` write it, testmo-resources.json by default): fields, links and artifacts that a
 * pipeline adds to its run. Read as the CLI reads it, so a pipeline that builds one keeps it.
 */
const FIELD_TYPES = { string: 1, text: 2, html: 3, console: 4, url: 5 } as const

const url = z.string().check(z.refine((value) => URL.canParse(value), 'not a URL'))
const ResourcesSchema = z.object({
  fields: z.optional(z.array(z.object({ type: z.enum(['string', 'url', 'text', 'html', 'console']), name: filled(), value: z.string() }))),
  links: z.optional(z.array(z.object({ name: filled(), url, note: z.optional(z.string()) }))),
  artifacts: z.optional(z.array(z.object({ name: filled(), url, note: z.optional(z.string()), mimeType: z.optional(z.string()), size: z.optional(z.number().check(z.int(), z.nonnegative())) }))),
})

export interface TestmoResources {
  fields: { type: number; name: string; value: string }[]
  links: { name: string; url: string; note?: string }[]
  artifacts: { name: string; url: string; note?: string; mime_type?: string; size?: number }[]
}

/** The resources as the API takes them (type numbers, mime_type, the CLI's length limits), or one line saying what is wrong where. */
export function readTestmoResources(file: string, shown = file): TestmoResources {
  const refuse = (what: string) => new UserError('TESTMO_RESOURCES', `${shown}: ${what}; write it with testmo automation:resources:add-field, add-link and add-artifact (or in their JSON shape)`)
  let data: unknown
  try {
    data = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    const code = fsErrorCode(error)
    throw refuse(code === 'ENOENT' ? 'not found' : code ? `cannot be read (${code})` : `not JSON (${(error as Error).message})`)
  }
  const parsed = ResourcesSchema.safeParse(data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw refuse(`not a Testmo resources file (${issue.path.join('.') || 'top level'}: ${issue.message})`)
  }
  const { fields = [], links = [], artifacts = [] } = parsed.data
  return {
    fields: fields.map((f) => ({ type: FIELD_TYPES[f.type], name: headOf(f.name, STRING_LIMIT), value: f.type === 'text' || f.type === 'console' ? clipField(f.value) : headOf(f.value, f.type === 'html' ? FIELD_LIMIT : STRING_LIMIT) })),
    links: links.map((l) => ({ name: headOf(l.name, STRING_LIMIT), url: headOf(l.url, STRING_LIMIT), ...(l.note !== undefined ? { note: headOf(l.note, 80) } : {}) })),
    artifacts: artifacts.map((a) => ({
      name: headOf(a.name, STRING_LIMIT),
      url: headOf(a.url, STRING_LIMIT),
      ...(a.note !== undefined ? { note: headOf(a.note, 80) } : {}),
      ...(a.mimeType !== undefined ? { mime_type: headOf(a.mimeType, STRING_LIMIT) } : {}),
      ...(a.size !== undefined ? { size: a.size } : {}),
    })),
  }
}
