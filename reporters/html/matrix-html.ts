import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { awaitingText, scenariosShown, type CellStatus, type Matrix, type ScenarioCell } from '../../src/matrix/matrix-from.ts'
import { headlineOf } from '../../src/matrix/matrix-headline.ts'
import { scopeDriftNotice } from '../../src/matrix/matrix-scope-drift.ts'
import { featureCellCount } from '../../src/matrix/feature-cell-count.ts'
import { gateSummary } from '../../src/gates/gate-summary.ts'
import { diffSummary } from '../../src/gates/diff-summary.ts'
import { escapeHtml as h } from '../../src/escape-html.ts'
import type { GateReport } from '../../src/gates/evaluate-gates.ts'
import { writePieces } from '../../src/chunked-writer.ts'
import { STALE_VERDICT } from '../../src/matrix/matrix-digest.ts'

const LABEL: Record<CellStatus, string> = { passed: 'passed', failed: 'failed', blocked: 'blocked', flaky: 'flaky', skipped: 'skipped', wip: 'wip', 'not-run': 'not run', 'not-required': '—' }
const LABEL_HTML = Object.fromEntries(Object.entries(LABEL).map(([status, label]) => [status, h(label)])) as Record<CellStatus, string>
const MAX_INLINE = 20_000

export interface MatrixHtmlOptions {
  resultsDir?: string
  /** the whole gate report as a banner (matrix --gate) */
  gate?: GateReport
  /** the gate judged other results than this matrix (matrix-digest.ts: judgedOtherResults), said under its verdict */
  gateStale?: boolean
  /** only the verdict line under the headline (a gate file applies to the build) */
  gateVerdict?: GateReport
  /**
   * Scenario rows on a page of their own, one a feature, at this address (the hub does so for
   * large matrices: every row of 5,000 scenarios is tens of megabytes). Feature rows keep their
   * counts, and the status filter reads which statuses each feature holds.
   */
  scenariosAt?: (featureId: string) => string
  /** one feature's page: its row and its scenarios, shown */
  feature?: string
}

/**
 * The matrix as one self-contained HTML page: no network, opens from file://. Rows are
 * rendered here (counts readable without script); a small inline script filters by feature,
 * environment and status and expands features into their scenarios.
 */
export function matrixToHtml(matrix: Matrix, options: MatrixHtmlOptions = {}): string {
  return [...matrixHtml(matrix, options)].join('')
}

/**
 * The page written piece by piece to `file`: the page of 100,000 scenarios is 40 MB of text, which
 * made whole (with its rows before it) took the matrix command to 470 MB; a million
 * scenarios' would be near the longest string V8 makes.
 */
export function writeMatrixHtml(file: string, matrix: Matrix, options: MatrixHtmlOptions = {}): void {
  writePieces(file, matrixHtml(matrix, options))
}

/** The page in pieces, in order: its head, each feature's rows (a scenario's row a piece), its end. */
function* matrixHtml(matrix: Matrix, options: MatrixHtmlOptions): Generator<string> {
  const t = matrix.totals
  const headline = headlineOf(matrix)
  const head = matrix.columns.map((c) => `<th data-column="${h(c.key)}">${h(c.environment)}<br><small>${h(c.stage)}</small></th>`).join('')
  const features = options.feature === undefined ? matrix.features : matrix.features.filter((f) => f.id === options.feature)
  const linked = options.scenariosAt && options.feature === undefined ? options.scenariosAt : undefined
  // every scenario once (the headline counts each once, a scenario under two features too): a set
  // of a million ids was some 40 MB more at the writers' peak
  const scenarioTotal = options.feature === undefined ? scenariosShown(matrix.totals) : (features[0]?.scenarios.length ?? 0)
  const flaky = options.feature === undefined ? matrix.flaky : matrix.flaky.filter((f) => f.features.includes(options.feature!))
  // A cell without details is one object shared by thousands of scenarios (matrixFrom): each is
  // rendered once a column.
  const renderedPlain = new Map<ScenarioCell, Map<string, string>>()
  const renderCell = (cell: ScenarioCell, column: string): string => {
    if (cell.steps || cell.error || cell.attachments || cell.nodes || cell.tester || cell.awaitingReview || cell.earlierText) return scenarioCell(cell, column, options.resultsDir)
    let byColumn = renderedPlain.get(cell)
    if (!byColumn) renderedPlain.set(cell, (byColumn = new Map()))
    let html = byColumn.get(column)
    if (html === undefined) byColumn.set(column, (html = scenarioCell(cell, column, options.resultsDir)))
    return html
  }
  const featureRow = (feature: Matrix['features'][number]): string => {
    const cells = matrix.columns
      .map((c) => {
        const cell = feature.cells[c.key]!
        const text = !feature.scenarios.length ? 'uncovered' : cell.status === 'not-required' ? '—' : (featureCellCount(cell) ?? LABEL[cell.status])
        const info = cell.information ? ` <small class="info" title="results where the scope does not require these scenarios: information only">ℹ ${cell.information}</small>` : ''
        return `<td data-column="${h(c.key)}" class="s-${!feature.scenarios.length ? 'uncovered' : cell.status}">${h(text)}${info}${strip(cell.history)}</td>`
      })
      .join('')
    const opener = linked
      ? `<a href="${h(linked(feature.id))}" aria-label="the ${feature.scenarios.length} scenarios of ${h(feature.name)}">▸</a>`
      : `<button type="button" aria-expanded="${options.feature !== undefined}" aria-label="show the scenarios of ${h(feature.name)}">${options.feature !== undefined ? '▾' : '▸'}</button>`
    return `<tbody data-feature="${h(feature.id)}" data-name="${h(`${feature.id} ${feature.name}`.toLowerCase())}"${linked ? ` data-statuses="${h(JSON.stringify(statusesOf(feature, matrix.columns)))}"` : ''}>
<tr class="feature"><th class="name">${opener} ${h(feature.name)} <code>${h(feature.id)}</code></th>${cells}</tr>
`
  }
  // A scenario's cells as attribute and cells of its row. Most scenarios share their record of
  // cells with thousands of others (matrixFrom): those are rendered once a record.
  const renderedRecords = new Map<Record<string, ScenarioCell>, { cells: string; byColumn: string }>()
  const cellsOf = (record: Record<string, ScenarioCell>): { cells: string; byColumn: string } => {
    let rendered = renderedRecords.get(record)
    if (!rendered) {
      rendered = {
        cells: matrix.columns.map((c) => renderCell(record[c.key]!, c.key)).join(''),
        byColumn: h(JSON.stringify(Object.fromEntries(matrix.columns.map((c) => [c.key, record[c.key]!.required ? record[c.key]!.status : 'not-required'])))),
      }
      if (Object.isFrozen(record)) renderedRecords.set(record, rendered)
    }
    return rendered
  }
  let uri = ''
  let uriHtml = ''
  const scenarioRow = (featureId: string, s: Matrix['features'][number]['scenarios'][number]): string => {
    const { cells, byColumn } = cellsOf(s.cells)
    // a feature file's scenarios come together
    if (s.uri !== uri) uriHtml = h((uri = s.uri))
    return `<tr class="scenario" data-feature="${featureId}" data-id="${h(s.id)}" data-status="${s.status}" data-cells="${byColumn}" hidden><td class="name"><span class="badge s-${s.status}">${LABEL_HTML[s.status]}</span> ${h(s.name)}<br><small>${uriHtml}${s.unlisted ? ' · defined by no feature file now' : ''}</small></td>${cells}</tr>`
  }
  const envOptions = [...new Set(matrix.columns.map((c) => c.key))].map((k) => `<option>${h(k)}</option>`).join('')
  const errors = matrix.runErrors.length
    ? `<section id="run-errors" class="banner"><h2>${h(headline.runErrors!)}</h2><ul>${matrix.runErrors.map((e) => `<li>run <code>${h(e.runId)}</code> on ${h(`${e.environment}/${e.stage}`)} · ${h(e.where)}: <pre>${h(e.message)}</pre></li>`).join('')}</ul></section>`
    : ''
  yield `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test matrix · ${h(matrix.milestone)} · ${h(matrix.build)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f}
table{border-collapse:collapse}td,th{border:1px solid #d0d0da;padding:.3rem .5rem;vertical-align:top;text-align:left}
.s-passed{background:#e3f6e8}.s-failed{background:#fde2e1}.s-flaky{background:#fff1cc}.s-wip{background:#eef}.s-not-run,.s-uncovered{background:#f3f3f5;color:#555}.s-not-required{color:#767676}.s-skipped{background:#f0f0f0}.s-blocked{background:#fbe3f3}
td.not-required-result{opacity:.6;font-style:italic}.info{color:#555}
.badge{display:inline-block;padding:0 .3rem;border-radius:3px;font-size:11px}
.strip span{display:inline-block;width:.55rem;height:.55rem;margin-left:1px;border-radius:2px}
.h-passed{background:#2e9e4f}.h-failed{background:#d33}.h-flaky{background:#e6a700}.h-wip{background:#99c}.h-not-run,.h-none{background:#ccc}.h-not-required{background:#eee}.h-skipped{background:#aaa}.h-blocked{background:#b3478f}
.name{min-width:18rem}button{border:0;background:none;cursor:pointer}details pre{max-height:20rem;overflow:auto;background:#f7f7f9;padding:.5rem;font-size:12px}
#headline{font-size:15px}#gaps.gap,#stray-columns,#scope-drift>p{color:#b00;font-weight:600}.banner{border:2px solid #d33;padding:.5rem 1rem;margin:1rem 0}.legend{color:#555;font-size:12px}
#filters{margin:1rem 0}${GATE_CSS}#filters *{margin-right:.75rem}
</style></head><body>
<h1>Test matrix · <code>${h(matrix.milestone)}</code> · build <code>${h(matrix.build)}</code>${options.feature !== undefined ? ` · feature <code>${h(options.feature)}</code>` : ''}</h1>
${options.gate ? gateBanner(options.gate, options.gateStale) : ''}
<p id="totals" data-passed="${t.passed}" data-failed="${t.failed}" data-blocked="${t.blocked}" data-flaky="${t.flaky}" data-wip="${t.wip}" data-not-run="${t['not-run']}" data-skipped="${t.skipped}"><b>${headline.scenarios} scenarios:</b> ${headline.counts.map((c) => `<span class="s-${c.status}">${c.count} ${h(c.label)}</span>`).join(' · ')}</p>
<p id="gaps" class="${headline.gapsWarn ? 'gap' : ''}" data-required="${matrix.gaps.required}" data-not-run="${matrix.gaps.notRun}">${h(headline.gaps)}</p>
${headline.outside ? `<p id="outside" class="gap">${h(headline.outside)}</p>` : ''}
${scopeDriftHtml(matrix)}
${headline.unrequired ? `<p id="unrequired" data-scenarios="${t['not-required']}">${h(headline.unrequired)}</p>` : ''}
${headline.unlisted ? `<p id="unlisted" data-scenarios="${matrix.unlisted}">${h(headline.unlisted)}</p>` : ''}
${headline.strayColumns ? `<p id="stray-columns">${h(headline.strayColumns)}</p>` : ''}
${headline.countedTwice ? `<p id="counted-twice" class="gap">${h(headline.countedTwice)}</p>` : ''}
${!options.gate && options.gateVerdict ? `<p id="gate-verdict" data-verdict="${options.gateVerdict.verdict}"><b>Release gate: ${h(VERDICT[options.gateVerdict.verdict]!)}</b> — ${h(gateSummary(options.gateVerdict))}</p>` : ''}
${errors}
${headline.information ? `<p id="information" class="info">${h(headline.information)}</p>` : ''}
<p class="legend">${h(headline.legend)} Builds in history: ${matrix.builds.map(h).join(', ')}.</p>
<div id="filters">
<label>Feature <input id="filter-feature" type="search" placeholder="id or name"></label>
<label>Environment <select id="filter-env"><option value="">all</option>${envOptions}</select></label>
<label>Status <select id="filter-status"><option value="">all</option>${(['failed', 'not-run', 'flaky', 'blocked', 'skipped', 'passed', 'wip'] as CellStatus[]).map((s) => `<option value="${s}">${LABEL[s]}</option>`).join('')}</select></label>
<span id="shown" aria-live="polite">showing <b id="shown-features">${features.length}</b> of ${features.length} features${linked ? '; each feature\'s scenarios on its own page (▸)' : `, <b id="shown-scenarios">${scenarioTotal}</b> of ${scenarioTotal} scenarios${options.feature === undefined && t['not-required'] ? ` (the headline's ${headline.scenarios} and ${t['not-required']} required in none of these columns)` : ''}`}</span>
</div>
<table id="matrix"><thead><tr><th>Feature / scenario</th>${head}</tr></thead>
`
  for (const [i, feature] of features.entries()) {
    if (i) yield '\n'
    yield featureRow(feature)
    const featureId = h(feature.id)
    if (!linked) for (const [k, s] of feature.scenarios.entries()) yield k ? `\n${scenarioRow(featureId, s)}` : scenarioRow(featureId, s)
    yield '\n</tbody>'
  }
  yield `
</table>
${flaky.length ? `<h2>Flaky</h2><ul id="flaky">${flaky.map((f) => `<li>${f.features.map((id) => `<code>${h(id)}</code>`).join(', ')} · ${h(f.column)} · ${h(f.name)}</li>`).join('')}</ul>` : ''}
<script>
(() => {
  const $ = (s) => document.querySelector(s), $$ = (s) => [...document.querySelectorAll(s)]
  const expanded = new Set(${JSON.stringify(options.feature === undefined ? [] : [options.feature]).replace(/</g, '\\u003c')})
  // What a row counts as under the filters: its headline status, or its cell in the chosen column.
  const statusOf = (row, env) => (env ? JSON.parse(row.dataset.cells)[env] : row.dataset.status)
  function apply() {
    const text = $('#filter-feature').value.trim().toLowerCase(), env = $('#filter-env').value, status = $('#filter-status').value
    for (const cell of $$('[data-column]')) cell.hidden = env !== '' && cell.dataset.column !== env
    // A scenario is shown once however many features it is under, as the headline counts it.
    const scenarios = new Set()
    let features = 0
    for (const body of $$('tbody[data-feature]')) {
      const matchesText = !text || body.dataset.name.includes(text)
      let any = false
      // A feature whose scenarios are on their own page says which statuses it holds.
      if (body.dataset.statuses) any = !status || JSON.parse(body.dataset.statuses)[env].includes(status)
      for (const row of body.querySelectorAll('tr.scenario')) {
        const ok = matchesText && (!status || statusOf(row, env) === status)
        row.hidden = !ok || !(expanded.has(body.dataset.feature) || status)
        if (ok) {
          any = true
          scenarios.add(row.dataset.id)
        }
      }
      body.hidden = !matchesText || (status !== '' && !any)
      if (!body.hidden) features++
    }
    $('#shown-features').textContent = features
    if ($('#shown-scenarios')) $('#shown-scenarios').textContent = scenarios.size
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
export function gateBanner(gate: GateReport, stale = false): string {
  const rows = gate.criteria
    .map((c) => {
      const items = c.items.length
        ? `<details><summary>${h(c.why)}</summary><ul>${c.items
            .slice(0, 200)
            .map((i) => `<li>${h(i.status)}: ${h(i.what)}${i.note ? ` <small>(${h(i.note)})</small>` : ''}${i.waiver !== undefined ? ` — waived (waiver ${i.waiver + 1})` : ''}</li>`)
            .join('')}${c.items.length > 200 ? `<li>… ${c.items.length - 200} more</li>` : ''}</ul></details>`
        : h(c.why)
      const info = c.information?.length ? `<details class="info"><summary>ℹ ${c.information.length} result(s) where the scope does not require the scenario: shown, not judged</summary><ul>${c.information.slice(0, 200).map((i) => `<li>${h(i.status)}: ${h(i.what)}</li>`).join('')}</ul></details>` : ''
      return `<tr class="g-${c.verdict}" data-criterion="${h(c.id)}" data-verdict="${c.verdict}"><td>${h(c.verdict)}</td><td><code>${h(c.id)}</code> ${h(c.kind)}</td><td>${h(c.severity)}</td><td>${h(c.value)}</td><td>${h(c.threshold)}</td><td>${items}${info}</td></tr>`
    })
    .join('\n')
  return `<section id="gate" class="v-${gate.verdict}" data-verdict="${gate.verdict}"${stale ? ' data-stale="true"' : ''}><h2>Release gate: ${VERDICT[gate.verdict]}</h2>${stale ? `<p class="stale" role="alert"><b>⚠ ${h(STALE_VERDICT)}</b></p>` : ''}${gate.baseline.build ? `<p>Baseline ${h(gate.baseline.build)} (${h(gate.baseline.rule)})</p>` : ''}
<table><tr><th>Verdict</th><th>Criterion</th><th>Severity</th><th>Value</th><th>Threshold</th><th>Why</th></tr>
${rows}</table>${(gate.changes ?? [])
    .map(({ against, diff }) => `<p class="changes" data-against="${against}">Since ${h(diff.from)} (${against}): ${h(diffSummary(diff))}</p>`)
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
  const awaiting = (cell.awaitingReview?.length ? `<br><small class="awaiting">awaiting review: ${h(awaitingText(cell.awaitingReview))}</small>` : '') + (cell.earlierText?.length ? `<br><small class="earlier-text">on an earlier text: ${h(cell.earlierText.join(', '))}</small>` : '')
  const tester = (cell.tester ? `<br><small class="tester">by ${h(cell.tester)}</small>` : '') + awaiting
  const info = !cell.required && cell.status !== 'not-required'
  return `<td data-column="${h(column)}" data-status="${cell.status}" data-required="${cell.required}" class="s-${cell.status}${info ? ' not-required-result' : ''}"${info ? ' title="ran where the scope does not require it: information only, not counted"' : ''}>${body}${tester}${strip(cell.history)}</td>`
}

/** The statuses a feature's scenarios hold: as the headline counts them ('') and in each column. */
function statusesOf(feature: Matrix['features'][number], columns: Matrix['columns']): Record<string, CellStatus[]> {
  const statuses: Record<string, Set<CellStatus>> = { '': new Set() }
  for (const c of columns) statuses[c.key] = new Set()
  for (const s of feature.scenarios) {
    statuses['']!.add(s.status)
    for (const c of columns) statuses[c.key]!.add(s.cells[c.key]!.required ? s.cells[c.key]!.status : 'not-required')
  }
  return Object.fromEntries(Object.entries(statuses).map(([k, v]) => [k, [...v]]))
}

function strip(history: (CellStatus | null)[]): string {
  if (history.length < 2) return ''
  return `<span class="strip">${history.map((s) => `<span class="h-${s ?? 'none'}" title="${s ?? 'no result'}"></span>`).join('')}</span>`
}

/** The scope's changes since its freeze, each as scope check says it. */
function scopeDriftHtml(matrix: Matrix): string {
  const notice = scopeDriftNotice(matrix.scopeDrift)
  if (!notice) return ''
  return `<div id="scope-drift" class="gap" data-changes="${matrix.scopeDrift && 'changes' in matrix.scopeDrift ? matrix.scopeDrift.changes.length : ''}"><p>${h(notice.line)}</p>${notice.items.length ? `<ul>${notice.items.map((c) => `<li>${h(c)}</li>`).join('')}</ul>` : ''}</div>`
}
