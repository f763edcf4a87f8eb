import { UserError } from '../errors.ts'
import type { MergedCase, ResultSet } from '../results/merge-results.ts'
import { cellOf } from '../results/cells.ts'
import { caseFails, verifiedNothing } from '../model/status-algebra.ts'
import { testersOf } from '../manual/manual-results.ts'
import { waiverExpired, type GateFile } from './gate-file.ts'
import type { RequiredCells } from '../matrix/required-cells.ts'

export interface DiffEntry {
  scenario: string
  id: string
  column: string
  from?: string
  to?: string
}

export interface BuildDiff {
  from: string
  to: string
  newFailures: DiffEntry[]
  fixed: DiffEntry[]
  stillFailing: DiffEntry[]
  newlyFlaky: DiffEntry[]
  newManualSignoffs: (DiffEntry & { testers: string })[]
  added: DiffEntry[]
  removed: DiffEntry[]
  /**
   * cells whose status changed where the scope requires no result (a wip scenario, an environment
   * not its feature's: RequiredCells): listed apart, in none of the lists above — the gate judges
   * none of them, and a count of new failures must not say otherwise. Absent from evidence
   * written before it was kept.
   */
  information?: DiffEntry[]
  /** scope changes accepted (scope freeze --reason) between the two builds' last runs */
  scopeChanges: { at: string; by: string; reason: string; changes: string[] }[]
  waiversExpired: { criterion: string; issue: string; expiry: string }[]
}

/** What changed from one build to another, cell by cell (scenario × environment/stage). */
export function diffBuilds(inputs: { results: ResultSet; gates?: GateFile; from: string; to: string; today: string; order?: readonly string[]; lockHistory?: { at: string; by: string; reason: string; changes: string[] }[]; required?: RequiredCells }): BuildDiff {
  const { results, from, to } = inputs
  for (const build of [from, to]) if (!results.builds.has(build)) throw new UserError('BUILD_UNKNOWN', `build "${build}" has no results; builds there: ${results.order.slice(-10).join(', ') || 'none'}`)
  const a = results.builds.get(from)!
  const b = results.builds.get(to)!
  const entry = (c: MergedCase, before?: MergedCase): DiffEntry => ({ scenario: c.name, id: c.id, column: `${c.environment}/${c.stage}`, ...(before ? { from: status(before) } : {}), to: status(c) })
  const diff: BuildDiff = { from, to, newFailures: [], fixed: [], stillFailing: [], newlyFlaky: [], newManualSignoffs: [], added: [], removed: [], ...(inputs.required ? { information: [] } : {}), scopeChanges: [], waiversExpired: [] }
  const information = (c: MergedCase): boolean => inputs.required?.information(c) ?? false
  // A skip verified nothing: a cell only skipped did not run (newly run, no longer run), and a
  // failure followed by a skip is not fixed — it was not tried again.
  const ran = (c: MergedCase | undefined): boolean => c !== undefined && !verifiedNothing(c.status)
  for (const c of b.values()) {
    const before = cellOf(a, c.id, c.environment, c.stage)
    if (information(c)) {
      if (!before || status(before) !== status(c)) diff.information!.push(entry(c, before))
      continue
    }
    const bad = caseFails(c)
    const wasBad = before !== undefined && caseFails(before)
    if (ran(c) && !ran(before)) diff.added.push(entry(c, before))
    if (!ran(c) && ran(before)) diff.removed.push(entry(c, before))
    if (bad && !wasBad) diff.newFailures.push(entry(c, before))
    if (bad && wasBad) diff.stillFailing.push(entry(c, before))
    // a scenario that failed and now passed only on a retry is newly flaky, not fixed: it failed again
    if (c.status === 'passed' && wasBad && !c.flaky) diff.fixed.push(entry(c, before))
    if (c.flaky && !before?.flaky) diff.newlyFlaky.push(entry(c, before))
    // a sign-off is a tester's of the scenario as it reads now (not of an earlier text: Case.earlierText)
    const signers = testersOf(c).current
    if (c.source === 'manual' && c.status === 'passed' && before?.status !== 'passed' && signers.length) diff.newManualSignoffs.push({ ...entry(c, before), testers: signers.join(', ') })
  }
  for (const c of a.values()) if (ran(c) && !cellOf(b, c.id, c.environment, c.stage)) (information(c) ? diff.information! : diff.removed).push({ scenario: c.name, id: c.id, column: `${c.environment}/${c.stage}`, from: status(c) })
  const finished = (build: string) => results.runs.filter((r) => r.build === build).reduce((m, r) => (r.finishedAt > m ? r.finishedAt : m), '')
  const [since, until] = [finished(from), finished(to)]
  diff.scopeChanges = (inputs.lockHistory ?? []).filter((h) => h.at > since && h.at <= until)
  const { gates, today } = inputs
  const order = inputs.order ?? results.order
  for (const [index, w] of (gates?.waivers ?? []).entries()) {
    if (gates && waiverExpired(gates, index, to, today, order) && !waiverExpired(gates, index, from, today, order)) diff.waiversExpired.push({ criterion: w.criterion, issue: w.issue, expiry: 'date' in w.expires ? w.expires.date : w.expires.build })
  }
  return diff
}

function status(c: MergedCase): string {
  return c.flaky && c.status === 'passed' ? 'flaky' : c.status
}

export function diffToText(diff: BuildDiff): string {
  const lines = [`${diff.from} → ${diff.to}`]
  const section = (title: string, entries: DiffEntry[]) => {
    lines.push(`${title}: ${entries.length}`)
    for (const e of entries.slice(0, 30)) lines.push(`  ${e.scenario} · ${e.column}${e.from || e.to ? ` (${e.from ?? 'not run'} → ${e.to ?? 'not run'})` : ''}`)
    if (entries.length > 30) lines.push(`  … ${entries.length - 30} more`)
  }
  section('new failures', diff.newFailures)
  section('fixed', diff.fixed)
  section('still failing', diff.stillFailing)
  section('newly flaky', diff.newlyFlaky)
  section('newly signed off by testers', diff.newManualSignoffs)
  section(`newly run (no result in ${diff.from})`, diff.added)
  section(`no longer run (a result in ${diff.from}, none in ${diff.to})`, diff.removed)
  if (diff.information?.length) section('changed where the scope requires no result (information, not counted above)', diff.information)
  lines.push(`scope changes accepted: ${diff.scopeChanges.length}`)
  for (const h of diff.scopeChanges) lines.push(`  ${h.at} by ${h.by}: ${h.reason} (${h.changes.length} change(s))`)
  lines.push(`waivers expired: ${diff.waiversExpired.length}`)
  for (const w of diff.waiversExpired) lines.push(`  ${w.criterion} (${w.issue}) ${w.expiry}`)
  return `${lines.join('\n')}\n`
}

