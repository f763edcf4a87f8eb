import { readFileSync } from 'node:fs'
import * as z from 'zod/mini'
import '../zod-messages.ts'
import { filled, positiveInt } from '../schema-parts.ts'
import { UserError, fsErrorCode } from '../errors.ts'
import { parseLocatedYaml } from '../located-yaml.ts'

export { scopeFilesIn } from './scope-files.ts'

/** How scope ids (milestones, features, environments) are written: lower-kebab, dots allowed. */
export const KEBAB_ID = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/

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

const kebab = (message: string) => z.string().check(z.regex(KEBAB_ID, message))

export const ScopeFeatureSchema = z.strictObject({
  id: kebab('must be lower-kebab-case, e.g. p2p-network'),
  name: filled('must not be empty'),
  acceptance: filled('must not be empty: say what has to be true for the feature to be accepted'),
  status: z.optional(z.enum(FEATURE_STATUSES)),
  environments: z._default(z.array(kebab('must be an environment name such as local, docker or feature')), []),
  /** the GitLab issue that tracks the feature: its iid in the project, or its URL */
  issue: z.optional(z.union([positiveInt(), z.url().check(z.regex(/\/-\/issues\/\d+$/, 'must be a GitLab issue URL ending in /-/issues/<number>'))])),
})

/**
 * A kind of machine community testers carry manual scenarios out on: what it is and how to prepare
 * it, shown to the tester beside the steps. Manual outcomes are taken for these environments only.
 */
export const ManualEnvironmentSchema = z.strictObject({
  id: kebab('must be an environment name such as community or raspberry-pi'),
  name: z.optional(filled('must not be empty')),
  description: filled('must not be empty: say what machine it is (hardware, operating system)'),
  prepare: z.optional(filled('must not be empty: say how to prepare the machine, or leave the key out')),
})

export const ScopeSchema = z
  .strictObject({
    milestone: kebab('must be lower-kebab-case with optional dots, e.g. dms-0.5'),
    name: z.optional(filled()),
    description: z.optional(z.string()),
    frozen: z.iso.date('must be a date written YYYY-MM-DD'),
    features: z.array(ScopeFeatureSchema).check(z.minLength(1, 'must list at least one feature')),
    'manual-environments': z.optional(z.array(ManualEnvironmentSchema).check(z.minLength(1, 'must list at least one environment, or leave the key out'))),
  })
  .check(
    z.superRefine((scope, ctx) => {
      const seen = new Set<string>()
      scope['manual-environments']?.forEach((environment, index) => {
        if (seen.has(environment.id)) ctx.addIssue({ code: 'custom', path: ['manual-environments', index, 'id'], message: `duplicate environment id '${environment.id}'` })
        seen.add(environment.id)
      })
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
    }),
  )

export type ScopeFeature = z.infer<typeof ScopeFeatureSchema>
export type ManualEnvironment = z.infer<typeof ManualEnvironmentSchema>
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
  const data = parseLocatedYaml(text, file, ScopeSchema, {
    code: 'SCOPE_INVALID',
    notMapping: 'a scope file must be a YAML mapping with the keys milestone, frozen and features',
    allowedKeys: (path) => (path.length === 0 ? 'milestone, name, description, frozen, features, manual-environments' : path[0] === 'manual-environments' ? 'id, name, description, prepare' : 'id, name, acceptance, status, environments, issue'),
  })
  return { ...data, file }
}
