import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { scenarioCount, type CellStatus, type Matrix, type ScenarioCell } from '../../src/matrix/matrix-from.ts'
import { escapeHtml as h } from '../../src/escape-html.ts'
import type { GateReport } from '../../src/gates/evaluate-gates.ts'

const LABEL: Record<CellStatus, string> = { passed: 'passed', failed: 'failed', blocked: 'blocked', flaky: 'flaky', skipped: 'skipped', wip: 'wip', 'not-run': 'not run', 'not-required': '—' }
const MAX_INLINE = 20_000

/**
 * The matrix as one self-contained HTML page: no network, opens from file://. Rows are
 * rendered here (counts readable without script); a small inline script filters by feature,
 * environment and status and expands features into their scenarios.
 */
export function matrixToHtml(matrix: Matrix, options: { resultsDir?: string; gate?: GateReport } = {}): string {
  const t = matrix.totals
  const head = matrix.columns.map((c) => `<th data-column="${h(c.key)}">${h(c.environment)}<br><small>${h(c.stage)}</small></th>`).join('')
  const rows = matrix.features
    .map((feature) => {
      const cells = matrix.columns
        .map((c) => {
          const cell = feature.cells[c.key]!
          const ran = cell.passed + cell.failed + cell.flaky + cell.skipped
          const text = feature.uncovered ? 'uncovered' : cell.failed ? `${cell.failed} failed` : cell.flaky ? `${cell.flaky} flaky` : ran ? `${cell.passed}/${ran}` : cell.wip ? `${cell.wip} wip` : LABEL[cell.status]
          return `<td data-column="${h(c.key)}" class="s-${feature.uncovered ? 'uncovered' : cell.status}">${h(text)}${strip(cell.history)}</td>`
        })
        .join('')
      const scenarioRows = feature.scenarios
        .map((s) => {
          const statuses = [...new Set(Object.values(s.cells).map((c) => c.status))].join(' ')
          const scells = matrix.columns.map((c) => scenarioCell(s.cells[c.key]!, c.key, options.resultsDir)).join('')
          return `<tr class="scenario" data-feature="${h(feature.id)}" data-statuses="${h(statuses)}" hidden><td class="name">${h(s.name)}<br><small>${h(s.uri)}</small></td>${scells}</tr>`
        })
        .join('\n')
      return `<tbody data-feature="${h(feature.id)}" data-name="${h(`${feature.id} ${feature.name}`.toLowerCase())}">
<tr class="feature"><th class="name"><button type="button" aria-expanded="false">▸</button> ${h(feature.name)} <code>${h(feature.id)}</code></th>${cells}</tr>
${scenarioRows}
</tbody>`
    })
    .join('\n')
  const envOptions = [...new Set(matrix.columns.map((c) => c.key))].map((k) => `<option>${h(k)}</option>`).join('')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test matrix · ${h(matrix.milestone)} · ${h(matrix.build)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f}
table{border-collapse:collapse}td,th{border:1px solid #d0d0da;padding:.3rem .5rem;vertical-align:top;text-align:left}
.s-passed{background:#e3f6e8}.s-failed{background:#fde2e1}.s-flaky{background:#fff1cc}.s-wip{background:#eef}.s-not-run,.s-uncovered{background:#f3f3f5;color:#777}.s-not-required{color:#bbb}.s-skipped{background:#f0f0f0}.s-blocked{background:#fbe3f3}
.strip span{display:inline-block;width:.55rem;height:.55rem;margin-left:1px;border-radius:2px}
.h-passed{background:#2e9e4f}.h-failed{background:#d33}.h-flaky{background:#e6a700}.h-wip{background:#99c}.h-not-run,.h-none{background:#ccc}.h-not-required{background:#eee}.h-skipped{background:#aaa}.h-blocked{background:#b3478f}
.name{min-width:18rem}button{border:0;background:none;cursor:pointer}details pre{max-height:20rem;overflow:auto;background:#f7f7f9;padding:.5rem;font-size:12px}
#filters{margin:1rem 0}${GATE_CSS}#filters *{margin-right:.75rem}
</style></head><body>
<h1>Test matrix · <code>${h(matrix.milestone)}</code> · build <code>${h(matrix.build)}</code></h1>
${options.gate ? gateBanner(options.gate) : ''}
<p id="totals" data-passed="${t.passed}" data-failed="${t.failed}" data-blocked="${t.blocked}" data-flaky="${t.flaky}" data-wip="${t.wip}" data-not-run="${t['not-run']}" data-skipped="${t.skipped}">
${scenarioCount(t)} scenarios: ${t.passed} passed · ${t.failed} failed${t.blocked ? ` · ${t.blocked} blocked` : ''} · ${t.flaky} flaky · ${t.wip} wip · ${t['not-run']} not run${t.skipped ? ` · ${t.skipped} skipped` : ''} · builds in history: ${matrix.builds.map(h).join(', ')}</p>
<div id="filters">
<label>Feature <input id="filter-feature" type="search" placeholder="id or name"></label>
<label>Environment <select id="filter-env"><option value="">all</option>${envOptions}</select></label>
<label>Status <select id="filter-status"><option value="">all</option>${(['failed', 'blocked', 'flaky', 'passed', 'skipped', 'wip', 'not-run'] as CellStatus[]).map((s) => `<option value="${s}">${LABEL[s]}</option>`).join('')}</select></label>
<span>scenarios shown: <b id="shown-scenarios">0</b></span>
</div>
<table id="matrix"><thead><tr><th>Feature / scenario</th>${head}</tr></thead>
${rows}
</table>
${matrix.flaky.length ? `<h2>Flaky</h2><ul id="flaky">${matrix.flaky.map((f) => `<li><code>${h(f.feature)}</code> · ${h(f.column)} · ${h(f.name)}</li>`).join('')}</ul>` : ''}
<script>
(() => {
  const $ = (s) => document.querySelector(s), $$ = (s) => [...document.querySelectorAll(s)]
  const expanded = new Set()
  function apply() {
    const text = $('#filter-feature').value.trim().toLowerCase(), env = $('#filter-env').value, status = $('#filter-status').value
    for (const cell of $$('[data-column]')) cell.hidden = env !== '' && cell.dataset.column !== env
    let shown = 0
    for (const body of $$('tbody[data-feature]')) {
      const matchesText = !text || body.dataset.name.includes(text)
      let any = false
      for (const row of body.querySelectorAll('tr.scenario')) {
        const cells = [...row.querySelectorAll('td[data-column]')].filter((c) => !c.hidden)
        const ok = matchesText && (!status || cells.some((c) => c.dataset.status === status))
        row.hidden = !ok || !(expanded.has(body.dataset.feature) || status)
        if (ok) any = true
        if (!row.hidden) shown++
      }
      body.hidden = !matchesText || (status !== '' && !any)
    }
    $('#shown-scenarios').textContent = shown
  }
  for (const button of $$('tr.feature button')) button.addEventListener('click', () => {
    const id = button.closest('tbody').dataset.feature
    expanded.has(id) ? expanded.delete(id) : expanded.add(id)
    button.textContent = expanded.has(id) ? '▾' : '▸'
    button.setAttribute('aria-expanded', String(expanded.has(id)))
    apply()
  })
  for (const id of ['#filter-feature', '#filter-env', '#filter-status']) $(id).addEventListener('input', apply)
  apply()
})()
</script>
</body></html>
`
}

/** The gate banner's style, for pages that show it outside the matrix. */
export const GATE_CSS = '#gate{border:2px solid #999;padding:.5rem 1rem;margin:1rem 0}#gate.v-go{border-color:#2e9e4f}#gate.v-go-with-waivers{border-color:#e6a700}#gate.v-incomplete{border-color:#99c}#gate.v-no-go{border-color:#d33}#gate h2{margin:.2rem 0}.g-pass{background:#e3f6e8}.g-pass-waived{background:#fff1cc}.g-waiting{background:#eef}.g-fail{background:#fde2e1}'

const VERDICT: Record<string, string> = { go: 'GO', 'go-with-waivers': 'GO with waivers', incomplete: 'INCOMPLETE — waiting for results', 'no-go': 'NO-GO' }

/** The release gate heading the matrix: each criterion, expandable to what is behind it. */
export function gateBanner(gate: GateReport): string {
  const rows = gate.criteria
    .map((c) => {
      const items = c.items.length
        ? `<details><summary>${h(c.why)}</summary><ul>${c.items
            .slice(0, 200)
            .map((i) => `<li>${h(i.status)}: ${h(i.what)}${i.note ? ` <small>(${h(i.note)})</small>` : ''}${i.waiver !== undefined ? ` — waived (waiver ${i.waiver + 1})` : ''}</li>`)
            .join('')}${c.items.length > 200 ? `<li>… ${c.items.length - 200} more</li>` : ''}</ul></details>`
        : h(c.why)
      return `<tr class="g-${c.verdict}" data-criterion="${h(c.id)}" data-verdict="${c.verdict}"><td>${h(c.verdict)}</td><td><code>${h(c.id)}</code> ${h(c.kind)}</td><td>${h(c.severity)}</td><td>${h(c.value)}</td><td>${h(c.threshold)}</td><td>${items}</td></tr>`
    })
    .join('\n')
  return `<section id="gate" class="v-${gate.verdict}" data-verdict="${gate.verdict}"><h2>Release gate: ${VERDICT[gate.verdict]}</h2>${gate.baseline.build ? `<p>Baseline ${h(gate.baseline.build)} (${h(gate.baseline.rule)})</p>` : ''}
<table><tr><th>Verdict</th><th>Criterion</th><th>Severity</th><th>Value</th><th>Threshold</th><th>Why</th></tr>
${rows}</table>${(gate.changes ?? [])
    .map(({ against, diff }) => `<p class="changes" data-against="${against}">Since ${h(diff.from)} (${against}): ${diff.newFailures.length} new failure(s), ${diff.fixed.length} fixed, ${diff.stillFailing.length} still failing, ${diff.newlyFlaky.length} newly flaky, ${diff.newManualSignoffs.length} newly signed off, ${diff.added.length} added, ${diff.removed.length} removed</p>`)
    .join('')}</section>`
}

function scenarioCell(cell: ScenarioCell, column: string, resultsDir?: string): string {
  const details: string[] = []
  if (cell.steps?.length) details.push(`<ol>${cell.steps.map((s) => `<li class="s-${s.status === 'passed' ? 'passed' : s.status === 'skipped' ? 'skipped' : 'failed'}">${h(`${s.keyword} ${s.text}`)}${s.error ? `<pre>${h(s.error)}</pre>` : ''}</li>`).join('')}</ol>`)
  else if (cell.error) details.push(`<pre>${h(cell.error)}</pre>`)
  for (const a of cell.attachments ?? []) {
    const file = resultsDir ? path.join(resultsDir, a.path) : undefined
    const text = file && a.mediaType.startsWith('text/') && existsSync(file) ? readFileSync(file, 'utf8') : undefined
    details.push(`<details><summary>${h(a.name ?? a.path)}</summary>${text !== undefined ? `<pre>${h(text.length > MAX_INLINE ? `…${text.slice(-MAX_INLINE)}` : text)}</pre>` : `<a href="${h(a.path)}">${h(a.path)}</a>`}</details>`)
  }
  const body = details.length ? `<details class="failure"><summary>${LABEL[cell.status]}</summary>${details.join('')}</details>` : LABEL[cell.status]
  const tester = cell.tester ? `<br><small class="tester">by ${h(cell.tester)}</small>` : ''
  return `<td data-column="${h(column)}" data-status="${cell.status}" class="s-${cell.status}">${body}${tester}${strip(cell.history)}</td>`
}

function strip(history: (CellStatus | null)[]): string {
  if (history.length < 2) return ''
  return `<span class="strip">${history.map((s) => `<span class="h-${s ?? 'none'}" title="${s ?? 'no result'}"></span>`).join('')}</span>`
}
