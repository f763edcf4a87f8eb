import { readFileSync } from 'node:fs'
import { UserError, fsErrorCode } from '../errors.ts'
import type { GateReport } from './evaluate-gates.ts'
import { CRITERION_VERDICTS, GATE_VERDICTS } from './verdicts.ts'
import { isListOf, isObject, isOptionalString, type Json } from '../json-shape.ts'

/** The gate report inside an evidence file written by `bdd-matrix gate`; of `build` when one is named. */
export function readGateEvidence(file: string, shown = file, build?: string): GateReport {
  let data: { evidenceVersion?: unknown; report?: GateReport } | null
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data
  } catch (error) {
    const code = fsErrorCode(error)
    throw new UserError('GATE_EVIDENCE', `${shown}: ${code === 'ENOENT' ? 'not found' : code ? `cannot be read (${code})` : 'not JSON'}; pass the gate-<build>.json that bdd-matrix gate wrote`)
  }
  const report = data && typeof data === 'object' && data.evidenceVersion === 1 ? data.report : undefined
  const problem = !report || typeof report !== 'object' ? 'no report of evidence version 1' : reportProblem(report)
  if (problem || !report) throw new UserError('GATE_EVIDENCE', `${shown}: not a gate evidence file (${problem}); pass the gate-<build>.json that bdd-matrix gate wrote`)
  if (build && report.build !== build) throw new UserError('GATE_EVIDENCE', `${shown}: the gate of ${report.build}, not of ${build}; pass gate-${build}.json`)
  return report
}

/**
 * What in a report read back stops it deciding anything, or being shown: the verdicts it gives
 * must be ones this bdd-matrix knows (an evidence file edited by hand, or of a newer version, would
 * otherwise read as a pass wherever a verdict is not the ones that fail), and every part the
 * matrix, the MR note, the commit status and `hub prune` read must be of the shape `gate` writes
 * (a baseline or a criterion's items that were no object or list ended them with a TypeError).
 * Checked by hand, not by a schema library: a publish that reads evidence loads nothing more.
 */
function reportProblem(report: GateReport): string | undefined {
  const r = report as unknown as Json
  if (typeof r.build !== 'string') return 'build: not a name'
  if (!(GATE_VERDICTS as readonly unknown[]).includes(r.verdict)) return `verdict: ${JSON.stringify(r.verdict)} is not one of ${GATE_VERDICTS.join(', ')}`
  if (!Array.isArray(r.criteria)) return 'criteria: not a list'
  const criterion = r.criteria.find((c: unknown) => !isObject(c) || typeof c.id !== 'string' || !(CRITERION_VERDICTS as readonly unknown[]).includes(c.verdict))
  if (criterion !== undefined) return `a criterion not of the gate's shape (id and verdict: one of ${CRITERION_VERDICTS.join(', ')}): ${JSON.stringify(criterion).slice(0, 80)}`
  if (typeof r.milestone !== 'string') return 'milestone: not a name'
  if (!isObject(r.baseline) || typeof r.baseline.rule !== 'string' || !(r.baseline.build === undefined || typeof r.baseline.build === 'string')) return 'baseline: not a rule and a build'
  for (const [i, c] of (r.criteria as Json[]).entries()) {
    const text = ['kind', 'severity', 'value', 'threshold', 'why'].find((key) => typeof c[key] !== 'string')
    if (text) return `criteria[${i}].${text}: not text`
    if (!isListOf(c.items, isItem) || !(c.information === undefined || isListOf(c.information, isItem))) return `criteria[${i}]: items not a list of what the criterion saw (what, status)`
  }
  if (!isObject(r.waivers) || !['used', 'unused', 'expired'].every((key) => isListOf((r.waivers as Json)[key], isWaiverUse))) return 'waivers: not the lists of waivers used, unused and expired'
  if (!(r.changes === undefined || isListOf(r.changes, isChange))) return 'changes: not a list of what changed against a build'
  if (!(r.judged === undefined || typeof r.judged === 'string')) return 'judged: not the hash of a matrix'
  return undefined
}

function isItem(item: unknown): boolean {
  return isObject(item) && typeof item.what === 'string' && typeof item.status === 'string' && ['scenario', 'scenarioId', 'feature', 'environment', 'note'].every((key) => isOptionalString(item[key])) && (item.waiver === undefined || Number.isSafeInteger(item.waiver))
}

function isWaiverUse(w: unknown): boolean {
  return isObject(w) && Number.isSafeInteger(w.index) && ['criterion', 'category', 'issue', 'approvedBy', 'expiry'].every((key) => typeof w[key] === 'string') && isOptionalString(w.matched)
}

function isEntry(e: unknown): boolean {
  return isObject(e) && ['scenario', 'id', 'column'].every((key) => typeof e[key] === 'string') && isOptionalString(e.from) && isOptionalString(e.to) && isOptionalString(e.testers)
}

function isChange(change: unknown): boolean {
  if (!isObject(change) || typeof change.against !== 'string' || !isObject(change.diff)) return false
  const diff = change.diff
  return (
    typeof diff.from === 'string' &&
    typeof diff.to === 'string' &&
    ['newFailures', 'fixed', 'stillFailing', 'newlyFlaky', 'newManualSignoffs', 'added', 'removed'].every((key) => isListOf(diff[key], isEntry)) &&
    (diff.information === undefined || isListOf(diff.information, isEntry)) &&
    isListOf(diff.scopeChanges, (c) => isObject(c) && ['at', 'by', 'reason'].every((key) => typeof c[key] === 'string') && isListOf(c.changes, (x) => typeof x === 'string')) &&
    isListOf(diff.waiversExpired, (w) => isObject(w) && ['criterion', 'issue', 'expiry'].every((key) => typeof w[key] === 'string'))
  )
}

/** The commit status a verdict gives: GitLab's states. */
export function gateState(report: GateReport): 'success' | 'failed' | 'pending' {
  const states: Record<GateReport['verdict'], 'success' | 'failed' | 'pending'> = { go: 'success', 'go-with-waivers': 'success', incomplete: 'pending', 'no-go': 'failed' }
  return states[report.verdict] ?? 'failed'
}

export function gateSummary(report: GateReport): string {
  const count = (v: string) => report.criteria.filter((c) => c.verdict === v).length
  return `${report.build}: ${report.verdict} (${count('pass')} pass, ${count('pass-waived')} waived, ${count('waiting')} waiting, ${count('fail')} fail)`
}
