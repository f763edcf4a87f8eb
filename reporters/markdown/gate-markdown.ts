import type { GateReport } from '../../src/gates/evaluate-gates.ts'

const ICON: Record<string, string> = { pass: '✅', 'pass-waived': '🟡', waiting: '⏳', fail: '❌' }
const HEAD: Record<string, string> = { go: '✅ GO', 'go-with-waivers': '🟡 GO with waivers', incomplete: '⏳ INCOMPLETE (waiting for results)', 'no-go': '❌ NO-GO' }
const MAX_ITEMS = 15

/** The gate report as Markdown: the head of the MR note and of the release's evidence. */
export function gateToMarkdown(report: GateReport): string {
  const out = [`### Release gate · \`${report.build}\` · ${HEAD[report.verdict]}`, '']
  if (report.baseline.build) out.push(`Baseline: \`${report.baseline.build}\` (${report.baseline.rule})`, '')
  out.push('| | Criterion | Severity | Value | Threshold | Why |', '|---|---|---|---|---|---|')
  for (const c of report.criteria) out.push(`| ${ICON[c.verdict]} | \`${c.id}\` ${c.kind} | ${c.severity} | ${cell(c.value)} | ${cell(c.threshold)} | ${cell(c.why)} |`)
  out.push('')
  for (const c of report.criteria.filter((x) => x.items.length && x.verdict !== 'pass')) {
    out.push(`<details><summary>${ICON[c.verdict]} ${c.id}: ${c.items.length} item(s)</summary>`, '')
    for (const i of c.items.slice(0, MAX_ITEMS)) out.push(`- ${i.status}: ${i.what.replace(/\n/g, ' ')}${i.note ? ` (${i.note})` : ''}${i.waiver !== undefined ? ` — waived (waiver ${i.waiver + 1})` : ''}`)
    if (c.items.length > MAX_ITEMS) out.push(`- … and ${c.items.length - MAX_ITEMS} more`)
    out.push('', '</details>', '')
  }
  for (const { against, diff } of report.changes ?? []) {
    const n = (list: unknown[]) => list.length
    out.push(`**Since \`${diff.from}\` (${against}):** ${n(diff.newFailures)} new failure(s), ${n(diff.fixed)} fixed, ${n(diff.stillFailing)} still failing, ${n(diff.newlyFlaky)} newly flaky, ${n(diff.newManualSignoffs)} newly signed off, ${n(diff.added)} added, ${n(diff.removed)} removed, ${n(diff.scopeChanges)} scope change(s) accepted, ${n(diff.waiversExpired)} waiver(s) expired`, '')
    for (const e of diff.newFailures.slice(0, MAX_ITEMS)) out.push(`- new failure: ${e.scenario} · ${e.column} (${e.from ?? 'not run'} → ${e.to})`)
    for (const e of diff.fixed.slice(0, MAX_ITEMS)) out.push(`- fixed: ${e.scenario} · ${e.column}`)
    if (diff.newFailures.length || diff.fixed.length) out.push('')
  }
  if (report.waivers.expired.length) out.push(`Expired waivers: ${report.waivers.expired.map((w) => `${w.criterion} (${w.issue}, ${w.expiry})`).join('; ')}`, '')
  if (report.waivers.unused.length) out.push(`Unused waivers: ${report.waivers.unused.map((w) => `${w.criterion} (${w.issue})`).join('; ')}`, '')
  return `${out.join('\n').trimEnd()}\n`
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
