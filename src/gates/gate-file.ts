import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import * as z from 'zod/mini'
import '../zod-messages.ts'
import { filled } from '../schema-parts.ts'
import { UserError, fsErrorCode } from '../errors.ts'
import { locate, parseLocatedYaml } from '../located-yaml.ts'
import { buildBefore } from '../results/merge-results.ts'

const id = z.string().check(z.regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, 'must be lower-kebab-case, e.g. acceptance-green'))
const severity = z.enum(['blocking', 'informing'])
const stage = z.enum(['unit', 'functional', 'acceptance', 'manual'])
/**
 * Which scenarios a criterion judges: a Cucumber tag expression and the stages whose columns count.
 * The scope requires its scenarios on acceptance and manual columns only: a criterion over unit or
 * functional columns would judge nothing and pass without a word, so those stages are refused and
 * their tests judged by `tests-pass`.
 */
const select = z.optional(
  z.strictObject({
    tags: z.optional(filled()),
    stages: z.optional(
      z
        .array(stage)
        .check(
          z.minLength(1),
          z.refine((stages) => stages.every((s) => s === 'acceptance' || s === 'manual'), { message: "unit and functional hold tests, not the scope's scenarios (the scope requires those on acceptance and manual columns only): a criterion over them would judge nothing and pass; judge their tests with kind: tests-pass" }),
        ),
    ),
  }),
)
const base = { id, severity, description: z.optional(z.string()) }
const positive = z.number().check(z.int(), z.gte(1))

export const CriterionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...base, kind: z.literal('lint') }),
  z.strictObject({ ...base, kind: z.literal('scope-frozen') }),
  z.strictObject({ ...base, kind: z.literal('environments-tested') }),
  z.strictObject({ ...base, kind: z.literal('min-count'), select, min: positive }),
  z.strictObject({ ...base, kind: z.literal('scenarios-pass'), select, 'consecutive-green': z.optional(positive) }),
  z.strictObject({ ...base, kind: z.literal('scope-coverage'), 'min-passing': z._default(positive, 1) }),
  z.strictObject({ ...base, kind: z.literal('no-new-failures'), select }),
  z.strictObject({ ...base, kind: z.literal('flaky-rate'), max: z.number().check(z.gte(0), z.lte(1)), window: z._default(positive, 5) }),
  z.strictObject({ ...base, kind: z.literal('manual-signoff'), select, testers: z._default(positive, 1) }),
  z.strictObject({ ...base, kind: z.literal('open-issues'), labels: z._default(z.array(filled()), []), milestone: z.optional(z.string()), max: z._default(z.number().check(z.int(), z.gte(0)), 0) }),
  z.strictObject({
    ...base,
    kind: z.literal('approvals'),
    min: positive,
    // the approvers counted: a list of names, or names by organisation (for `organisations`)
    from: z.optional(z.union([z.array(filled()), z.record(filled(), z.array(filled()).check(z.minLength(1, 'list who approves for this organisation')))])),
    organisations: z.optional(positive),
  }),
  z.strictObject({ ...base, kind: z.literal('tests-pass'), stages: z._default(z.array(stage).check(z.minLength(1)), ['unit', 'functional']) }),
])

export const WAIVER_CATEGORIES = ['inconsistent-test', 'unstable-infra', 'prerequisite-fail', 'known-issue', 'out-of-scope'] as const

export const WaiverSchema = z
  .strictObject({
    criterion: id,
    scenario: z.optional(filled()),
    feature: z.optional(filled()),
    environment: z.optional(filled()),
    category: z.enum(WAIVER_CATEGORIES),
    issue: z.url(),
    reason: filled(),
    'requested-by': filled(),
    'approved-by': filled(),
    expires: z.union([z.strictObject({ build: filled() }), z.strictObject({ date: z.iso.date('must be a date written YYYY-MM-DD') })]),
  })
  .check(
    z.superRefine((w, ctx) => {
      // one person however the name is typed ("Alice" and "alice ")
      if (samePerson(w['requested-by'], w['approved-by'])) ctx.addIssue({ code: 'custom', path: ['approved-by'], message: `a waiver is approved by someone other than who requested it (both are ${w['approved-by'].trim()})` })
    }),
  )

export const GateFileSchema = z
  .strictObject({
    milestone: filled(),
    'applies-to': filled(),
    baseline: z._default(filled(), 'previous-rc'),
    criteria: z.array(CriterionSchema).check(z.minLength(1, 'list at least one criterion')),
    waivers: z._default(z.array(WaiverSchema), []),
  })
  .check(
    z.superRefine((g, ctx) => {
      const seen = new Set<string>()
      g.criteria.forEach((c, i) => {
        if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['criteria', i, 'id'], message: `duplicate criterion id '${c.id}'` })
        seen.add(c.id)
      })
      g.criteria.forEach((c, i) => {
        if (c.kind === 'approvals') approversProblems(c).forEach(({ path, message }) => ctx.addIssue({ code: 'custom', path: ['criteria', i, ...path], message }))
      })
      g.waivers.forEach((w, i) => {
        if (!seen.has(w.criterion)) ctx.addIssue({ code: 'custom', path: ['waivers', i, 'criterion'], message: `no criterion '${w.criterion}' in this file (criteria: ${[...seen].join(', ')})` })
      })
    }),
  )

type ApprovalsCriterion = Extract<z.infer<typeof CriterionSchema>, { kind: 'approvals' }>

/**
 * What makes an approvals criterion one that cannot be judged as written: `organisations` counts
 * the organisations of the approvers `from` lists by organisation, so it needs that list, as many
 * organisations in it and as many approvals; a person listed under two would count for either.
 */
function approversProblems(c: ApprovalsCriterion): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = []
  if (c.from && !Array.isArray(c.from)) {
    const seenIn = new Map<string, string>()
    for (const [organisation, names] of Object.entries(c.from))
      for (const name of names) {
        const other = [...seenIn].find(([n]) => samePerson(n, name))?.[1]
        if (other !== undefined) problems.push({ path: ['from', organisation], message: `${name.trim()} is listed under both ${other} and ${organisation}: an approval counts for one organisation; list them once` })
        else seenIn.set(name, organisation)
      }
  }
  if (c.organisations === undefined) return problems
  if (!c.from || Array.isArray(c.from)) return [...problems, { path: ['organisations'], message: `organisations: ${c.organisations} counts the organisations of the approvers: list them under from by organisation, as from: { nunet: [alice], mojaloop: [bob] }` }]
  const listed = Object.keys(c.from)
  if (c.organisations > listed.length) problems.push({ path: ['organisations'], message: `organisations: ${c.organisations} asks for approvals from ${c.organisations} organisations, and from lists ${listed.length} (${listed.join(', ')}): the criterion could never pass` })
  if (c.min < c.organisations) problems.push({ path: ['min'], message: `organisations: ${c.organisations} needs at least ${c.organisations} approvals: raise min to ${c.organisations}` })
  return problems
}

/**
 * The approvers an approvals criterion counts (all when `names` is undefined), each one's
 * organisation where `from` names it, and `from` as the gate shows it ("dana, erin (nunet)").
 */
export function approversOf(c: ApprovalsCriterion): { names: string[] | undefined; organisationOf: (by: string) => string | undefined; shown: string[] | undefined } {
  if (!c.from) return { names: undefined, organisationOf: () => undefined, shown: undefined }
  if (Array.isArray(c.from)) return { names: c.from, organisationOf: () => undefined, shown: c.from }
  const byOrganisation = Object.entries(c.from)
  return {
    names: byOrganisation.flatMap(([, names]) => names),
    organisationOf: (by) => byOrganisation.find(([, names]) => names.some((n) => samePerson(n, by)))?.[0],
    shown: byOrganisation.map(([organisation, names]) => `${names.join(', ')} (${organisation})`),
  }
}

export type GateFile = z.infer<typeof GateFileSchema> & { file: string; text: string }
export type Criterion = z.infer<typeof CriterionSchema>
export type Waiver = z.infer<typeof WaiverSchema>

/** `features/milestones/dms-0.5.yaml` → `features/milestones/dms-0.5.gates.yaml` */
export function gatePathFor(scopeFile: string): string {
  return scopeFile.replace(/\.ya?ml$/, '.gates.yaml')
}

/** The gate file beside the scope, when there is one (a scope freeze records its criteria). */
export function gatesBeside(scopeFile: string, cwd: string): GateFile | undefined {
  const file = gatePathFor(scopeFile)
  return existsSync(file) ? loadGateFile(file, path.relative(cwd, file)) : undefined
}

export function loadGateFile(file: string, displayName = file): GateFile {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = fsErrorCode(error)
    throw new UserError('GATES_MISSING', code === 'ENOENT' ? `${displayName}: no gate file; draft the release criteria there with bdd-matrix gate init --out ${displayName} (README, "Release gates"), or pass another with --gates FILE` : `${displayName}: cannot read the gate file (${code ?? String(error)})`)
  }
  const data = parseLocatedYaml(text, displayName, GateFileSchema, {
    code: 'GATES_INVALID',
    notMapping: 'a gate file must be a YAML mapping with the keys milestone, applies-to, baseline, criteria and waivers',
    allowedKeys: (path) => (path.length === 0 ? 'milestone, applies-to, baseline, criteria, waivers' : path[0] === 'waivers' ? 'criterion, scenario, feature, environment, category, issue, reason, requested-by, approved-by, expires' : 'id, kind, severity, description and the fields of its kind'),
  })
  return { ...data, file: displayName, text }
}

/**
 * Whether waiver `index` of the gate file has expired for a build: past its date, or the build
 * comes after its last build (buildBefore, in the results' `order`). A last build that cannot be
 * put before or after the build is refused: judged either way, the waiver would decide by chance.
 */
export function waiverExpired(gates: Pick<GateFile, 'waivers' | 'file' | 'text'>, index: number, build: string, today: string, order: readonly string[]): boolean {
  const waiver = gates.waivers[index]!
  if ('date' in waiver.expires) return waiver.expires.date < today
  const after = buildBefore(waiver.expires.build, build, order)
  if (after === undefined)
    throw new UserError('GATES_WAIVER', `${locate(gates.text, gates.file, ['waivers', index, 'expires', 'build'])}: waiver ${index + 1} lasts until build "${waiver.expires.build}", which cannot be put before or after build "${build}" (they are not both versions, and not both in the results); give it an end date, expires: { date: YYYY-MM-DD }, or a version`)
  return after
}

/** `v0.5.0-rc*` → matches v0.5.0-rc1, v0.5.0-rc1-p1; `*` any run of characters, `?` one. */
export function buildPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`)
}

/** Whether two names people typed are one person's: compared without case and outer spaces. */
export function samePerson(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase()
}
