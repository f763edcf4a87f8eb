import { scenarioCount, type CellStatus, type Matrix } from '../../src/matrix/matrix-from.ts'
import type { GateReport } from '../../src/gates/evaluate-gates.ts'
import { gateToMarkdown } from './gate-markdown.ts'

const ICON: Record<CellStatus, string> = { passed: '✅', failed: '❌', blocked: '⛔', flaky: '⚠️', skipped: '⏭️', wip: '🚧', 'not-run': '⚪', 'not-required': '—' }
/** GitLab notes are limited to 1,000,000 characters; lists are cut well before. */
const MAX_LISTED = 30

/** The matrix as Markdown for a GitLab merge-request note. */
export function matrixToMarkdown(matrix: Matrix, options: { reportUrl?: string; gate?: GateReport } = {}): string {
  const out: string[] = options.gate ? [gateToMarkdown(options.gate)] : []
  out.push(`### Test matrix · \`${matrix.milestone}\` · build \`${matrix.build}\``, '')
  const t = matrix.totals
  out.push(`${scenarioCount(t)} scenarios: ${ICON.passed} ${t.passed} passed · ${ICON.failed} ${t.failed} failed${t.blocked ? ` · ${ICON.blocked} ${t.blocked} blocked` : ''} · ${ICON.flaky} ${t.flaky} flaky · ${ICON.wip} ${t.wip} wip · ${ICON['not-run']} ${t['not-run']} not run${t.skipped ? ` · ${ICON.skipped} ${t.skipped} skipped` : ''}`, '')
  out.push(`| Feature | ${matrix.columns.map((c) => c.key).join(' | ')} |`, `|---|${matrix.columns.map(() => '---').join('|')}|`)
  for (const feature of matrix.features) {
    const cells = matrix.columns.map((c) => {
      const cell = feature.cells[c.key]!
      if (feature.uncovered || cell.status === 'not-required') return '—'
      const ran = cell.passed + cell.failed + cell.flaky + cell.skipped
      const detail = cell.failed ? `${cell.failed} failed` : cell.flaky ? `${cell.flaky} flaky` : ran ? `${cell.passed}/${ran}` : cell.wip ? `${cell.wip} wip` : 'not run'
      const strip = cell.history.length > 1 ? ` ${cell.history.map((h) => (h ? ICON[h] : '·')).join('')}` : ''
      return `${ICON[cell.status]} ${detail}${strip}`
    })
    out.push(`| ${feature.name.replace(/\|/g, '\\|')} \`${feature.id}\`${feature.uncovered ? ' (uncovered)' : ''} | ${cells.join(' | ')} |`)
  }
  out.push('')
  const failed = matrix.features.flatMap((f) => f.scenarios.flatMap((s) => Object.entries(s.cells).filter(([, c]) => c.status === 'failed').map(([column, c]) => ({ feature: f.id, name: s.name, column, error: c.error }))))
  if (failed.length) {
    out.push(`<details><summary>${ICON.failed} Failed (${failed.length})</summary>`, '')
    for (const f of failed.slice(0, MAX_LISTED)) out.push(`- \`${f.feature}\` · ${f.column} · ${f.name}${f.error ? ` — ${firstLine(f.error)}` : ''}`)
    if (failed.length > MAX_LISTED) out.push(`- … and ${failed.length - MAX_LISTED} more`)
    out.push('', '</details>', '')
  }
  if (matrix.flaky.length) {
    out.push(`<details><summary>${ICON.flaky} Flaky (${matrix.flaky.length})</summary>`, '')
    for (const f of matrix.flaky.slice(0, MAX_LISTED)) out.push(`- \`${f.feature}\` · ${f.column} · ${f.name}`)
    out.push('', '</details>', '')
  }
  if (matrix.unscoped.cases) out.push(`${matrix.unscoped.cases} result(s) outside the scope's features (${matrix.unscoped.failed} failed).`, '')
  if (options.reportUrl) out.push(`[Full report](${options.reportUrl})`, '')
  return `${out.join('\n').trimEnd()}\n`
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.replace(/\|/g, '\\|')
  return line.length > 160 ? `${line.slice(0, 157)}…` : line
}

/**
 * What a scope feature's GitLab issue shows (its acceptance criteria's state): the feature's
 * scenarios and their status on each environment for the build.
 */
export function featureNoteMarkdown(matrix: Matrix, featureId: string, options: { reportUrl?: string; gate?: GateReport } = {}): string {
  const feature = matrix.features.find((f) => f.id === featureId)!
  const columns = matrix.columns.filter((c) => feature.scenarios.some((s) => s.cells[c.key]?.status !== 'not-required'))
  const out = [`### Acceptance scenarios of \`${feature.id}\` · build \`${matrix.build}\``, '']
  if (options.gate) out.push(`Release gate of \`${options.gate.build}\`: **${options.gate.verdict}**`, '')
  if (feature.scenarios.length === 0) out.push('No scenario is tied to this feature yet (`@feature:' + feature.id + '`).', '')
  else {
    out.push(`| Scenario | ${columns.map((c) => c.key).join(' | ')} |`, `|---|${columns.map(() => '---').join('|')}|`)
    for (const s of feature.scenarios) out.push(`| ${s.name.replace(/\|/g, '\\|')}${s.wip ? ' (wip)' : ''} | ${columns.map((c) => { const cell = s.cells[c.key]!; return `${ICON[cell.status]} ${cell.status}${cell.tester ? ` (${cell.tester})` : ''}` }).join(' | ')} |`)
    out.push('')
  }
  if (options.reportUrl) out.push(`[Test matrix](${options.reportUrl})`, '')
  return `${out.join('\n').trimEnd()}\n`
}
