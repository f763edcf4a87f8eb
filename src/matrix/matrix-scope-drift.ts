import type { ScopeChangeKind } from '../catalogue/scope-lock.ts'

/**
 * The scope's changes since its freeze, as the matrix carries them: a frozen scenario removed
 * since leaves the matrix's counts, and one edited is counted by its new text, so a matrix that
 * does not say so can look greener than the scope that was frozen.
 */
export type MatrixScopeDrift =
  | { lock: string; frozen: string; changes: { kind: ScopeChangeKind; summary: string }[] }
  /** the lock (or the gate file it freezes) cannot be read: whether the scope drifted is unknown */
  | { lock: string; unreadable: string }

const KIND_WORDS: Record<ScopeChangeKind, string> = {
  'feature-added': 'feature(s) added',
  'feature-removed': 'frozen feature(s) removed',
  'feature-renamed': 'feature(s) renamed',
  'feature-changed': 'feature(s) changed',
  'scenario-added': 'scenario(s) added',
  'scenario-removed': 'frozen scenario(s) removed',
  'scenario-changed': 'scenario(s) changed',
  'scenario-renamed': 'scenario(s) renamed or moved',
  'scenario-retied': 'scenario(s) tied to other features',
  'scenario-requirement': 'scenario(s) required elsewhere by their tags',
  'requirements-unrecorded': 'lock of an older bdd-matrix',
  'gates-changed': 'release criteria changed',
}

/** The headline's line of it; undefined when the scope is as frozen (or never was). */
export function scopeDriftText(drift: MatrixScopeDrift | undefined): string | undefined {
  if (!drift) return undefined
  if ('unreadable' in drift) return `whether the scope changed since its freeze is unknown: ${drift.unreadable}`
  if (!drift.changes.length) return undefined
  const byKind = new Map<ScopeChangeKind, number>()
  for (const change of drift.changes) byKind.set(change.kind, (byKind.get(change.kind) ?? 0) + 1)
  const kinds = [...byKind].map(([kind, n]) => (kind === 'requirements-unrecorded' || kind === 'gates-changed' ? KIND_WORDS[kind] : `${n} ${KIND_WORDS[kind]}`))
  return `the scope changed since its freeze on ${drift.frozen}: ${drift.changes.length} change(s) not accepted (${kinds.join(', ')}); the counts are of the scenarios as they are now, not as frozen — bdd-matrix scope check lists them`
}

/** Changes listed under the headline's line; scope check lists them all. */
const DRIFT_LISTED = 20

/**
 * What a report says of the drift: the line, and under it the changes as scope check words them
 * (the first DRIFT_LISTED, then how many more); undefined when there is nothing to say.
 */
export function scopeDriftNotice(drift: MatrixScopeDrift | undefined): { line: string; items: string[] } | undefined {
  const line = scopeDriftText(drift)
  if (!line) return undefined
  const changes = drift && 'changes' in drift ? drift.changes : []
  const more = changes.length - DRIFT_LISTED
  return { line, items: [...changes.slice(0, DRIFT_LISTED).map((c) => c.summary), ...(more > 0 ? [`and ${more} more: bdd-matrix scope check lists them all`] : [])] }
}
