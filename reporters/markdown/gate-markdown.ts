import type { GateReport } from '../../src/gates/evaluate-gates.ts'
import { gateSummary } from '../../src/gates/gate-summary.ts'
import { diffSummary } from '../../src/gates/diff-summary.ts'
import { mdCode, mdText } from './markdown-text.ts'

const ICON: Record<string, string> = { pass: '✅', 'pass-waived': '🟡', waiting: '⏳', fail: '❌' }
const HEAD: Record<string, string> = { go: '✅ GO', 'go-with-waivers': '🟡 GO with waivers', incomplete: '⏳ INCOMPLETE (waiting for results)', 'no-go': '❌ NO-GO' }
const MAX_ITEMS = 15

/** The gate report as Markdown: the head of the MR note and of the release's evidence. */
export function gateToMarkdown(report: GateReport): string {
  const out = [`### Release gate · ${mdCode(report.build)} · ${HEAD[report.verdict]}`, '']
  if (report.baseline.build) out.push(`Baseline: ${mdCode(report.baseline.build)} (${report.baseline.rule})`, '')
  out.push('| | Criterion | Severity | Value | Threshold | Why |', '|---|---|---|---|---|---|')
  for (const c of report.criteria) out.push(`| ${ICON[c.verdict]} | \`${c.id}\` ${c.kind} | ${c.severity} | ${cell(c.value)} | ${cell(c.threshold)} | ${cell(c.why)} |`)
  out.push('')
  for (const c of report.criteria.filter((x) => x.items.length && x.verdict !== 'pass')) {
    out.push(`<details><summary>${ICON[c.verdict]} ${c.id}: ${c.items.length} item(s)</summary>`, '')
    for (const i of c.items.slice(0, MAX_ITEMS)) out.push(`- ${mdText(i.status)}: ${mdText(i.what)}${i.note ? ` (${mdText(i.note)})` : ''}${i.waiver !== undefined ? ` — waived (waiver ${i.waiver + 1})` : ''}`)
    if (c.items.length > MAX_ITEMS) out.push(`- … and ${c.items.length - MAX_ITEMS} more`)
    out.push('', '</details>', '')
  }
  for (const c of report.criteria.filter((x) => x.information?.length)) {
    out.push(`<details><summary>ℹ️ ${c.id}: ${c.information!.length} result(s) where the scope does not require the scenario (shown, not judged)</summary>`, '')
    for (const i of c.information!.slice(0, MAX_ITEMS)) out.push(`- ${mdText(i.status)}: ${mdText(i.what)}`)
    if (c.information!.length > MAX_ITEMS) out.push(`- … and ${c.information!.length - MAX_ITEMS} more`)
    out.push('', '</details>', '')
  }
  for (const { against, diff } of report.changes ?? []) {
    out.push(`**Since ${mdCode(diff.from)} (${against}):** ${diffSummary(diff)}`, '')
    for (const e of diff.newFailures.slice(0, MAX_ITEMS)) out.push(`- new failure: ${mdText(e.scenario)} · ${mdText(e.column)} (${e.from ?? 'not run'} → ${e.to})`)
    if (diff.newFailures.length > MAX_ITEMS) out.push(`- … and ${diff.newFailures.length - MAX_ITEMS} more new failures`)
    for (const e of diff.fixed.slice(0, MAX_ITEMS)) out.push(`- fixed: ${mdText(e.scenario)} · ${mdText(e.column)}`)
    if (diff.fixed.length > MAX_ITEMS) out.push(`- … and ${diff.fixed.length - MAX_ITEMS} more fixed`)
    if (diff.newFailures.length || diff.fixed.length) out.push('')
  }
  if (report.waivers.expired.length) out.push(`Expired waivers: ${report.waivers.expired.map((w) => `${w.criterion} (${w.issue}, ${w.expiry})`).join('; ')}`, '')
  if (report.waivers.unused.length) out.push(`Unused waivers: ${report.waivers.unused.map((w) => `${w.criterion} (${w.issue})`).join('; ')}`, '')
  return `${out.join('\n').trimEnd()}\n`
}

function cell(text: string): string {
  return mdText(text)
}

/** One line for under a matrix headline: the gate's verdict and what decides it. */
export function gateVerdictLine(report: GateReport): string {
  return `**Release gate:** ${HEAD[report.verdict]} — ${mdText(gateSummary(report))}`
}
