import { awaitingText, type CellStatus, type Matrix } from '../../src/matrix/matrix-from.ts'
import { headlineOf } from '../../src/matrix/matrix-headline.ts'
import { scopeDriftNotice } from '../../src/matrix/matrix-scope-drift.ts'
import type { GateReport } from '../../src/gates/evaluate-gates.ts'
import { gateToMarkdown, gateVerdictLine } from './gate-markdown.ts'
import { mdCode, mdText } from './markdown-text.ts'
import { headOf } from '../../src/clip-text.ts'
import { errorHeadline } from '../../src/model/error-headline.ts'
import { featureCellCount } from '../../src/matrix/feature-cell-count.ts'
import { STALE_VERDICT } from '../../src/matrix/matrix-digest.ts'

const ICON: Record<CellStatus, string> = { passed: '✅', failed: '❌', blocked: '⛔', flaky: '⚠️', skipped: '⏭️', wip: '🚧', 'not-run': '⚪', 'not-required': '—' }
/** GitLab notes are limited to 1,000,000 characters; lists stop well before, saying how many more. */
const MAX_LISTED = 30

export interface MatrixMarkdownOptions {
  reportUrl?: string
  /** the whole gate report heads the note (matrix --gate, publish gitlab --gate) */
  gate?: GateReport
  /** the gate judged other results than this matrix (matrix-digest.ts: judgedOtherResults), said under its verdict */
  gateStale?: boolean
  /** only the gate's verdict line, under the headline (a gate file applies to the build) */
  gateVerdict?: GateReport
  /** links to the HTML matrix, the Allure report… */
  links?: { name: string; url: string }[]
}

/** The matrix as Markdown for a GitLab merge-request note. */
export function matrixToMarkdown(matrix: Matrix, options: MatrixMarkdownOptions = {}): string {
  const out: string[] = options.gate ? [gateToMarkdown(options.gate)] : []
  if (options.gate && options.gateStale) out.push(staleVerdictLine(), '')
  out.push(`### Test matrix · ${mdCode(matrix.milestone)} · build ${mdCode(matrix.build)}`, '')
  const h = headlineOf(matrix)
  out.push(`**${h.scenarios} scenarios:** ${h.counts.map((c) => `${ICON[c.status]} ${c.count} ${c.label}`).join(' · ')}`, '')
  out.push(`${h.gapsWarn ? ICON['not-run'] : '✅'} ${h.gaps}`, '')
  if (h.unrequired) out.push(`${ICON['not-required']} ${mdText(h.unrequired)}`, '')
  if (h.unlisted) out.push(`⚠️ ${mdText(h.unlisted)}`, '')
  if (h.strayColumns) out.push(`⚠️ ${mdText(h.strayColumns)}`, '')
  if (h.countedTwice) out.push(`⚠️ ${mdText(h.countedTwice)}`, '')
  if (h.outside) out.push(`${ICON.failed} **${h.outside}**`, '')
  const drift = scopeDriftNotice(matrix.scopeDrift)
  if (drift) out.push(`⚠️ **${mdText(drift.line)}**`, '', ...(drift.items.length ? [...drift.items.map((c) => `- ${mdText(c)}`), ''] : []))
  if (h.runErrors) {
    out.push(`❌ **${h.runErrors}:**`, '')
    for (const e of matrix.runErrors) out.push(`- run ${mdCode(e.runId)} on ${mdText(`${e.environment}/${e.stage}`)} · ${mdText(e.where)}: ${mdText(errorHeadline(e.message))}`)
    out.push('')
  }
  if (!options.gate && options.gateVerdict) out.push(gateVerdictLine(options.gateVerdict), '')
  out.push(`| Feature | ${matrix.columns.map((c) => mdText(c.key)).join(' | ')} |`, `|---|${matrix.columns.map(() => '---').join('|')}|`)
  for (const feature of matrix.features) {
    const cells = matrix.columns.map((c) => {
      const cell = feature.cells[c.key]!
      const info = cell.information ? ` ℹ️ ${cell.information}` : ''
      if (!feature.scenarios.length || cell.status === 'not-required') return `—${info}`
      const detail = featureCellCount(cell) ?? 'not run'
      const strip = cell.history.length > 1 ? ` ${cell.history.map((s) => (s ? ICON[s] : '·')).join('')}` : ''
      return `${ICON[cell.status]} ${detail}${strip}${info}`
    })
    out.push(`| ${mdText(feature.name)} ${mdCode(feature.id)}${feature.uncovered ? ' (uncovered)' : ''} | ${cells.join(' | ')} |`)
  }
  out.push('')
  // Scenarios, each once, with the columns they failed in (then those a tester blocked: they fail
  // the build too): the same unit as the headline.
  type Listed = Map<string, { feature: string; name: string; columns: string[]; error?: string }>
  const lists: { failed: Listed; blocked: Listed } = { failed: new Map(), blocked: new Map() }
  for (const f of matrix.features)
    for (const s of f.scenarios)
      for (const [column, c] of Object.entries(s.cells)) {
        if ((c.status !== 'failed' && c.status !== 'blocked') || !c.required) continue
        const listed = lists[c.status]
        const entry = listed.get(s.id) ?? { feature: f.id, name: s.name, columns: [] }
        if (!entry.columns.includes(column)) entry.columns.push(column)
        if (!entry.error && c.error) entry.error = c.error
        listed.set(s.id, entry)
      }
  for (const [status, title] of [['failed', 'Failed scenarios'], ['blocked', 'Blocked scenarios']] as const) {
    const listed = lists[status]
    if (!listed.size) continue
    out.push(`<details><summary>${ICON[status]} ${title} (${listed.size})</summary>`, '')
    for (const f of [...listed.values()].slice(0, MAX_LISTED)) out.push(`- ${mdCode(f.feature)} · ${mdText(f.name)} · ${f.columns.map(mdText).join(', ')}${f.error ? ` — ${mdText(firstLines(f.error))}` : ''}`)
    if (listed.size > MAX_LISTED) out.push(`- … and ${listed.size - MAX_LISTED} more (the HTML matrix lists them all)`)
    out.push('', '</details>', '')
  }
  if (matrix.flaky.length) {
    out.push(`<details><summary>${ICON.flaky} Flaky cells (${matrix.flaky.length})</summary>`, '')
    for (const f of matrix.flaky.slice(0, MAX_LISTED)) out.push(`- ${f.features.map(mdCode).join(', ')} · ${mdText(f.column)} · ${mdText(f.name)}`)
    if (matrix.flaky.length > MAX_LISTED) out.push(`- … and ${matrix.flaky.length - MAX_LISTED} more (the HTML matrix lists them all)`)
    out.push('', '</details>', '')
  }
  // Reported by testers, not yet reviewed: they count for nothing yet, and the gate waits on them;
  // and outcomes of a scenario as it read before an edit: no sign-off of it as it reads now.
  const awaiting: string[] = []
  const earlier: string[] = []
  // (a scenario under several features is one cell a column: listed once, as the headline counts it)
  const listed = new Set<string>()
  for (const f of matrix.features)
    for (const s of f.scenarios)
      for (const [column, c] of Object.entries(s.cells)) {
        if (!c.required || (!c.awaitingReview?.length && !c.earlierText?.length) || listed.has(`${s.id}\u0000${column}`)) continue
        listed.add(`${s.id}\u0000${column}`)
        if (c.awaitingReview?.length) awaiting.push(`- ${mdCode(f.id)} · ${mdText(s.name)} · ${mdText(column)} — ${mdText(awaitingText(c.awaitingReview))}`)
        if (c.earlierText?.length) earlier.push(`- ${mdCode(f.id)} · ${mdText(s.name)} · ${mdText(column)} — ${mdText(c.earlierText.join(', '))}`)
      }
  for (const [summary, list] of [[`⏳ Newer outcomes awaiting QA's review (${awaiting.length})`, awaiting], [`🔁 Manual outcomes of an earlier text of the scenario (${earlier.length})`, earlier]] as const) {
    if (!list.length) continue
    out.push(`<details><summary>${summary}</summary>`, '', ...list.slice(0, MAX_LISTED))
    if (list.length > MAX_LISTED) out.push(`- … and ${list.length - MAX_LISTED} more (the HTML matrix lists them all)`)
    out.push('', '</details>', '')
  }
  if (h.information) out.push(`ℹ️ ${h.information}.`, '')
  if (matrix.unscoped.cases && !h.outside) out.push(`${matrix.unscoped.cases} result(s) outside the scope's features, none failed.`, '')
  const links = [...(options.links ?? []), ...(options.reportUrl ? [{ name: 'Full report', url: options.reportUrl }] : [])]
  if (links.length) out.push(links.map((l) => `[${mdText(l.name)}](${l.url})`).join(' · '), '')
  out.push(`<sub>${mdText(h.legend)}</sub>`, '')
  return `${out.join('\n').trimEnd()}\n`
}

/** An error's first lines: the assertion and what it compared, within a note's room. */
function firstLines(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' ')
  return lines.length > 300 ? `${headOf(lines, 297)}…` : lines
}

/**
 * What a scope feature's GitLab issue shows (its acceptance criteria's state): the feature's
 * scenarios and their status on each environment for the build.
 */
export function featureNoteMarkdown(matrix: Matrix, featureId: string, options: { reportUrl?: string; gate?: GateReport; gateStale?: boolean } = {}): string {
  const feature = matrix.features.find((f) => f.id === featureId)!
  const columns = matrix.columns.filter((c) => feature.scenarios.some((s) => s.cells[c.key]?.status !== 'not-required'))
  const out = [`### Acceptance scenarios of ${mdCode(feature.id)} · build ${mdCode(matrix.build)}`, '']
  if (options.gate) out.push(`Release gate of ${mdCode(options.gate.build)}: **${options.gate.verdict}**${options.gateStale ? ` — ${staleVerdictLine()}` : ''}`, '')
  if (feature.scenarios.length === 0) out.push('No scenario is tied to this feature yet (`@feature:' + feature.id + '`).', '')
  else {
    out.push(`| Scenario | ${columns.map((c) => mdText(c.key)).join(' | ')} |`, `|---|${columns.map(() => '---').join('|')}|`)
    for (const s of feature.scenarios)
      out.push(`| ${mdText(s.name)}${s.wip ? ' (wip)' : ''} | ${columns.map((c) => { const cell = s.cells[c.key]!; return `${ICON[cell.status]} ${cell.status}${cell.required ? '' : ' (not required)'}${cell.tester ? ` (${mdText(cell.tester)})` : ''}${cell.awaitingReview?.length ? ` (awaiting review: ${mdText(awaitingText(cell.awaitingReview))})` : ''}${cell.earlierText?.length ? ` (on an earlier text: ${mdText(cell.earlierText.join(', '))})` : ''}` }).join(' | ')} |`)
    out.push('')
  }
  if (options.reportUrl) out.push(`[Test matrix](${options.reportUrl})`, '')
  return `${out.join('\n').trimEnd()}\n`
}

/** The line under a verdict judged on other results than the matrix it heads (matrix-digest.ts). */
export function staleVerdictLine(): string {
  return `⚠️ **${STALE_VERDICT}**`
}
