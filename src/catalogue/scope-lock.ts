import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs'
import path from 'node:path'
import * as z from 'zod/mini'
import '../zod-messages.ts'
import { createTwoFilesPatch } from 'diff'
import { UserError } from '../errors.ts'
import type { Catalogue, CataloguedScenario, CataloguedStep, TagMeaning } from './catalogue-types.ts'
import type { Scope, ScopeFeature } from './scope.ts'

export const LOCK_VERSION = 1

const LockedItemSchema = z.object({ hash: z.string(), content: z.array(z.string()) })
const LockedScenarioSchema = z.extend(LockedItemSchema, { file: z.string(), name: z.string(), features: z.array(z.string()), requirement: z.optional(z.string()) })
const HistoryEntrySchema = z.object({ at: z.string(), by: z.string(), reason: z.string(), changes: z.array(z.string()) })

export const ScopeLockSchema = z.object({
  lockVersion: z.literal(LOCK_VERSION),
  milestone: z.string(),
  features: z.record(z.string(), z.extend(LockedItemSchema, { name: z.string() })),
  scenarios: z.record(z.string(), LockedScenarioSchema),
  /** the release criteria (the gate file, its waivers apart), when it had one */
  gates: z.optional(LockedItemSchema),
  history: z.array(HistoryEntrySchema),
})

export type ScopeLock = z.infer<typeof ScopeLockSchema>
type LockedFeature = ScopeLock['features'][string]
type LockedScenario = ScopeLock['scenarios'][string]

export type ScopeChangeKind = 'feature-added' | 'feature-removed' | 'feature-renamed' | 'feature-changed' | 'scenario-added' | 'scenario-removed' | 'scenario-changed' | 'scenario-renamed' | 'scenario-retied' | 'scenario-requirement' | 'requirements-unrecorded' | 'gates-changed'

export interface ScopeChange {
  kind: ScopeChangeKind
  /** one line a person can read */
  summary: string
  /** unified diff of the normalised content, when content changed */
  diff?: string
}

/** `features/milestones/dms-0.5.yaml` → `features/milestones/dms-0.5.lock.json` */
export function lockPathFor(scopeFile: string): string {
  const ext = path.extname(scopeFile)
  return path.join(path.dirname(scopeFile), `${path.basename(scopeFile, ext)}.lock.json`)
}

/** What of a gate file is frozen: which builds it applies to, its baseline and its criteria (waivers are reviewed apart, and expire). */
export interface LockableGates {
  'applies-to': string
  baseline: string
  criteria: readonly ({ id: string; description?: string | undefined } & object)[]
}

/**
 * The current state of the scope, its tied scenarios and its release criteria (`gates`: the gate
 * file the gate judges with, undefined when there is none), in lock form (history left empty).
 */
export function snapshotScope(scope: Scope, catalogue: Catalogue, gates: LockableGates | undefined): Omit<ScopeLock, 'history'> {
  const features: ScopeLock['features'] = {}
  for (const feature of scope.features) {
    const content = featureContent(feature)
    features[feature.id] = { name: feature.name, hash: hashOf(content), content }
  }
  const scopeIds = new Set(scope.features.map((f) => f.id))
  const scenarios: ScopeLock['scenarios'] = {}
  for (const file of catalogue.files) {
    const seen = new Map<string, number>()
    for (const scenario of file.scenarios) {
      const tied = [...new Set(scenario.pickles.flatMap((p) => p.featureIds))].filter((id) => scopeIds.has(id)).sort()
      if (tied.length === 0) continue
      const base = `${file.uri} › ${scenario.name || `(unnamed, line ${scenario.line})`}`
      const n = (seen.get(base) ?? 0) + 1
      seen.set(base, n)
      const content = scenarioContent(scenario)
      scenarios[n === 1 ? base : `${base} #${n}`] = { file: file.uri, name: scenario.name, features: tied, requirement: requirementOf(scenario), hash: hashOf(content), content }
    }
  }
  const gateContent = gates && gatesContent(gates)
  return { lockVersion: LOCK_VERSION, milestone: scope.milestone, features, scenarios, ...(gateContent ? { gates: { hash: hashOf(gateContent), content: gateContent } } : {}) }
}

/**
 * A gate file as lines, independent of its layout: what a criterion judges and how (its
 * description is prose and is left out). Relaxed after the freeze — a threshold raised, a
 * criterion made informing or removed, `applies-to` narrowed — a NO-GO became a GO unseen.
 */
function gatesContent(gates: LockableGates): string[] {
  const sorted = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(sorted) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)])) : value
  return [
    `applies-to: ${gates['applies-to']}`,
    `baseline: ${gates.baseline}`,
    ...gates.criteria.map(({ id, description: _description, ...rest }) => `criterion ${id}: ${JSON.stringify(sorted(rest))}`),
  ]
}

/** Every difference between a lock and the current snapshot, features first. */
export function diffScope(lock: Omit<ScopeLock, 'history'>, current: Omit<ScopeLock, 'history'>): ScopeChange[] {
  // A lock that does not say where its scenarios are required cannot show one made @wip since.
  const unrecorded = Object.values(lock.scenarios).some((s) => s.requirement === undefined)
    ? [{ kind: 'requirements-unrecorded' as const, summary: 'the lock does not record where its scenarios are required (their @wip, @manual and @env tags: a lock of an older bdd-matrix), so a scenario made @wip since the freeze — required nowhere, its failures counted nowhere — would not show until they are recorded as they are now' }]
    : []
  return [...diffFeatures(lock.features, current.features), ...diffScenarios(lock.scenarios, current.scenarios), ...unrecorded, ...diffGates(lock.gates, current.gates)]
}

function diffGates(before: ScopeLock['gates'], after: ScopeLock['gates']): ScopeChange[] {
  if (before?.hash === after?.hash) return []
  const summary = !before
    ? 'release criteria not in the lock (the gate file came after the freeze, or the lock is of an older bdd-matrix)'
    : !after
      ? 'release criteria removed since the freeze: the gate file the lock records is gone'
      : 'release criteria changed since the freeze (the gate file: applies-to, baseline or a criterion)'
  return [{ kind: 'gates-changed', summary, ...contentDiff('release criteria', before?.content ?? [], after?.content ?? []) }]
}

/**
 * Where a scenario is required, by the tags that decide it: `@wip` (nowhere), `@manual` (by
 * testers), `@env:<name>` (there only); "as its feature" without them. An outline whose rows differ
 * says each row's. Kept apart from the content (tags do not change what a scenario asks for), and
 * frozen with it: tagged @wip after the freeze, a failing scenario left every count.
 */
function requirementOf(scenario: CataloguedScenario): string {
  const each = scenario.pickles.map(requirementOfTags)
  if (new Set(each).size <= 1) return each[0] ?? requirementOfTags(scenario)
  return each.map((requirement, i) => `row ${i + 1}: ${requirement}`).join('; ')
}

function requirementOfTags(tags: TagMeaning): string {
  const parts = [...(tags.wip ? ['@wip'] : []), ...(tags.manual ? ['@manual'] : []), ...[...(tags.environments ?? [])].sort().map((e) => `@env:${e}`)]
  return parts.length ? parts.join(' ') : 'as its feature'
}

// Ids and keys are looked up as own keys only (`in` and a plain lookup see what every object
// inherits: a feature `constructor` added after the freeze went unseen).
const own = <T>(record: Record<string, T>, key: string): T | undefined => (Object.hasOwn(record, key) ? record[key] : undefined)

function diffFeatures(before: Record<string, LockedFeature>, after: Record<string, LockedFeature>): ScopeChange[] {
  const changes: ScopeChange[] = []
  const removed = Object.keys(before).filter((id) => !Object.hasOwn(after, id))
  const added = Object.keys(after).filter((id) => !Object.hasOwn(before, id))
  for (const id of removed) {
    const old = before[id]!
    // Same name under a new id: the id was renamed.
    const renamedTo = added.find((newId) => after[newId]!.name === old.name)
    if (renamedTo) {
      added.splice(added.indexOf(renamedTo), 1)
      changes.push({ kind: 'feature-renamed', summary: `feature id renamed: ${id} → ${renamedTo} ("${old.name}")`, ...contentDiff(`feature ${id}`, old.content, after[renamedTo]!.content) })
    } else changes.push({ kind: 'feature-removed', summary: `feature removed: ${id} ("${old.name}")` })
  }
  for (const id of added) changes.push({ kind: 'feature-added', summary: `feature added: ${id} ("${after[id]!.name}")` })
  for (const [id, old] of Object.entries(before)) {
    const now = own(after, id)
    if (!now || now.hash === old.hash) continue
    if (now.name !== old.name) changes.push({ kind: 'feature-renamed', summary: `feature renamed: ${id} "${old.name}" → "${now.name}"`, ...contentDiff(`feature ${id}`, old.content, now.content) })
    else changes.push({ kind: 'feature-changed', summary: `feature changed: ${id} ("${now.name}")`, ...contentDiff(`feature ${id}`, old.content, now.content) })
  }
  return changes
}

function diffScenarios(before: Record<string, LockedScenario>, after: Record<string, LockedScenario>): ScopeChange[] {
  const changes: ScopeChange[] = []
  const removed = Object.keys(before).filter((key) => !Object.hasOwn(after, key))
  const added = Object.keys(after).filter((key) => !Object.hasOwn(before, key))
  for (const key of removed) {
    const old = before[key]!
    // Same steps under a new name or in a new file: a rename or move, not a loss.
    const sameBody = added.find((k) => bodyHash(after[k]!) === bodyHash(old))
    if (sameBody) {
      added.splice(added.indexOf(sameBody), 1)
      changes.push({ kind: 'scenario-renamed', summary: `scenario renamed or moved: ${key} → ${sameBody}`, ...contentDiff(key, old.content, after[sameBody]!.content) })
    } else changes.push({ kind: 'scenario-removed', summary: `scenario removed: ${key} [${old.features.join(', ')}]`, ...contentDiff(key, old.content, []) })
  }
  for (const key of added) {
    const now = after[key]!
    changes.push({ kind: 'scenario-added', summary: `scenario added: ${key} [${now.features.join(', ')}]`, ...contentDiff(key, [], now.content) })
  }
  for (const [key, old] of Object.entries(before)) {
    const now = own(after, key)
    if (!now) continue
    if (now.hash !== old.hash) changes.push({ kind: 'scenario-changed', summary: `scenario changed: ${key}`, ...contentDiff(key, old.content, now.content) })
    if (now.features.join() !== old.features.join())
      changes.push({ kind: 'scenario-retied', summary: `scenario now tied to [${now.features.join(', ')}] instead of [${old.features.join(', ')}]: ${key}` })
    if (old.requirement !== undefined && now.requirement !== old.requirement)
      changes.push({ kind: 'scenario-requirement', summary: `scenario's tags change where it is required: ${key}: ${requiredAs(old.requirement)} → ${requiredAs(now.requirement)}` })
  }
  return changes
}

const requiredAs = (requirement: string | undefined): string => (requirement === 'as its feature' ? 'where its feature is' : requirement === '@wip' ? '@wip (required nowhere)' : String(requirement))

function bodyHash(scenario: LockedScenario): string {
  return hashOf(scenario.content.slice(1))
}

function contentDiff(label: string, before: string[], after: string[]): { diff: string } {
  const patch = createTwoFilesPatch(`${label} (frozen)`, `${label} (now)`, lines(before), lines(after), undefined, undefined, { context: 2 })
  const body = patch.split('\n')
  return { diff: body.slice(body.findIndex((l) => l.startsWith('@@'))).join('\n').trimEnd() }
}

const lines = (content: string[]): string => (content.length ? `${content.join('\n')}\n` : '')

function hashOf(content: string[]): string {
  return `sha256:${createHash('sha256').update(content.join('\n')).digest('hex')}`
}

const squash = (text: string): string => text.replace(/\s+/g, ' ').trim()

function featureContent(feature: ScopeFeature): string[] {
  return [`id: ${feature.id}`, `name: ${squash(feature.name)}`, `acceptance: ${squash(feature.acceptance)}`, `environments: ${[...feature.environments].sort().join(', ')}`]
}

/**
 * What a scenario asks for, independent of layout: name, Background and own steps, tables,
 * doc strings and Examples. Whitespace, comments, tags and line numbers do not appear.
 */
function scenarioContent(scenario: CataloguedScenario): string[] {
  const out = [`${scenario.outline ? 'Scenario Outline' : 'Scenario'}: ${squash(scenario.name)}`]
  const addSteps = (steps: CataloguedStep[], indent: string): void => {
    for (const step of steps) {
      out.push(`${indent}${step.keyword} ${squash(step.text)}`)
      for (const row of step.dataTable ?? []) out.push(`${indent}  | ${row.map(squash).join(' | ')} |`)
      if (step.docString) {
        out.push(`${indent}  """${step.docString.mediaType ?? ''}`)
        for (const line of step.docString.content.split('\n')) out.push(`${indent}  ${line.trimEnd()}`)
        out.push(`${indent}  """`)
      }
    }
  }
  if (scenario.background.length) {
    out.push('  Background:')
    addSteps(scenario.background, '    ')
  }
  addSteps(scenario.steps, '  ')
  for (const examples of scenario.examples) {
    out.push(`  Examples: ${squash(examples.name)}`)
    for (const row of [examples.header, ...examples.rows.map((r) => r.cells)]) out.push(`    | ${row.map(squash).join(' | ')} |`)
  }
  return out
}

export function readLock(lockPath: string, scope: Scope): ScopeLock | undefined {
  if (!existsSync(lockPath)) return undefined
  let data: unknown
  try {
    data = JSON.parse(readFileSync(lockPath, 'utf8'))
  } catch (error) {
    throw new UserError('LOCK_INVALID', `${lockPath}: not a valid lock file (${(error as Error).message}); restore it from version control or delete it and freeze again`)
  }
  const parsed = ScopeLockSchema.safeParse(data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new UserError('LOCK_INVALID', `${lockPath}: not a bdd-matrix lock file (${issue.path.join('.') || 'top level'}: ${issue.message}); restore it from version control or delete it and freeze again`)
  }
  if (parsed.data.milestone !== scope.milestone)
    throw new UserError(
      'LOCK_MILESTONE_MISMATCH',
      `${lockPath}: lock belongs to milestone '${parsed.data.milestone}', but ${scope.file} is milestone '${scope.milestone}'; use the lock of this milestone or freeze this scope into its own lock`,
    )
  return parsed.data
}

export interface FreezeRequest {
  scope: Scope
  catalogue: Catalogue
  /** the gate file beside the scope, when there is one */
  gates: LockableGates | undefined
  lockPath: string
  reason?: string
  by: string
  now: Date
}

export type FreezeOutcome = { status: 'created' | 'updated'; changes: ScopeChange[] } | { status: 'unchanged' }

/** Writes (or re-writes) the lock. Changing a frozen scope needs a reason, kept in the lock's history. */
export function freezeScope(request: FreezeRequest): FreezeOutcome {
  const { scope, catalogue, gates, lockPath, reason, by, now } = request
  if (catalogue.errors.length > 0) {
    const first = catalogue.errors[0]!
    throw new UserError(
      'FREEZE_SYNTAX_ERRORS',
      `cannot freeze while ${catalogue.errors.length} syntax error(s) hide scenarios (first: ${path.join(catalogue.featuresDir, first.file)}:${first.line}:${first.column}: ${first.message}); fix them first (bdd-matrix lint)`,
    )
  }
  const previous = readLock(lockPath, scope)
  const snapshot = snapshotScope(scope, catalogue, gates)
  if (!previous) {
    writeLock(lockPath, { ...snapshot, history: [{ at: now.toISOString(), by, reason: reason ?? 'initial freeze', changes: [] }] })
    return { status: 'created', changes: [] }
  }
  const changes = diffScope(previous, snapshot)
  if (changes.length === 0) return { status: 'unchanged' }
  if (!reason?.trim())
    throw new UserError(
      'FREEZE_NEEDS_REASON',
      `${lockPath}: the frozen scope changed (${changes.length} change(s); see bdd-matrix scope check); to accept, freeze again with --reason "why the scope changed"`,
    )
  writeLock(lockPath, { ...snapshot, history: [...previous.history, { at: now.toISOString(), by, reason: reason.trim(), changes: changes.map((c) => c.summary) }] })
  return { status: 'updated', changes }
}

function writeLock(lockPath: string, lock: ScopeLock): void {
  const temporary = `${lockPath}.tmp-${process.pid}`
  writeFileSync(temporary, `${JSON.stringify(lock, null, 2)}\n`)
  renameSync(temporary, lockPath)
}
