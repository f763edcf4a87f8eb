import { escapeHtml as h } from '../../src/escape-html.ts'
import { GATE_CSS } from '../../reporters/html/matrix-html.ts'
import type { Conflict, Principal } from '../hub-service.ts'
import type { HubScenario } from '../hub-catalogue.ts'
import type { Assignment, Outcome } from '../store/hub-store.ts'

// Server-rendered pages: plain forms that work without script; every value escaped.

export function layout(title: string, principal: Principal | undefined, body: string, csrf?: string): string {
  const nav = principal
    ? `<nav><a href="/builds">Builds</a> · <a href="/assignments">My assignments</a> <span class="who">${h(principal.name)} (${h(principal.role)})</span>
<form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${h(csrf ?? '')}"><button>Log out</button></form></nav>`
    : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${h(title)} · bdd-matrix hub</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f;max-width:70rem}
nav{margin-bottom:1rem;padding-bottom:.5rem;border-bottom:1px solid #ddd}.who{margin-left:1rem;color:#555}
form.inline{display:inline}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d0da;padding:.3rem .5rem;text-align:left;vertical-align:top}
.steps li{margin:.25rem 0}.k{font-weight:600}.note{background:#eef6ff;padding:.5rem}.warn{background:#fff1cc;padding:.5rem}.bad{background:#fde2e1;padding:.5rem}
label{display:block;margin:.4rem 0}input[type=text],textarea{width:30rem;max-width:100%}
.s-passed{background:#e3f6e8}.s-failed{background:#fde2e1}.s-blocked{background:#fbe3f3}.s-skipped{background:#f0f0f0}
</style></head><body>
${nav}
<h1>${h(title)}</h1>
${body}
</body></html>
`
}

export function loginPage(message?: string): string {
  return layout(
    'Log in',
    undefined,
    `${message ? `<p class="bad">${h(message)}</p>` : ''}
<form method="post" action="/login">
<label>Your token <input type="password" name="token" autocomplete="off" required></label>
<button type="submit">Log in</button>
</form>
<p>QA gives testers a token (bdd-matrix token create --role tester --name YOU).</p>`,
  )
}

export function buildsPage(principal: Principal, csrf: string, builds: { name: string; runs: number; outcomes: number }[]): string {
  const rows = builds
    .map((b) => `<tr><td>${h(b.name)}</td><td>${b.runs}</td><td>${b.outcomes}</td><td><a href="/builds/${encodeURIComponent(b.name)}/matrix">matrix</a> · <a href="/builds/${encodeURIComponent(b.name)}/gate">release gate</a>${principal.role === 'qa' ? ` · <a href="/builds/${encodeURIComponent(b.name)}/review">review queue</a> · <a href="/builds/${encodeURIComponent(b.name)}/board">assignment board</a>` : ''}</td></tr>`)
    .join('\n')
  return layout('Builds', principal, `<table><tr><th>Build</th><th>CI runs</th><th>Manual outcomes</th><th></th></tr>${rows}</table>${builds.length ? '' : '<p>No builds yet: CI pushes them (bdd-matrix push), or QA creates one.</p>'}`, csrf)
}

export function assignmentsPage(principal: Principal, csrf: string, assignments: Assignment[], scenarios: Map<string, HubScenario>, mine: Outcome[], message?: string): string {
  const rows = assignments
    .map((a) => {
      const s = scenarios.get(a.caseId)
      const action =
        a.tester === principal.id
          ? `<a href="/builds/${encodeURIComponent(a.build)}/scenarios/${a.caseId}?env=${encodeURIComponent(a.environment)}">Test it</a>`
          : `<form method="post" action="/assignments/${a.id}/claim" class="inline"><input type="hidden" name="_csrf" value="${h(csrf)}"><button>Claim</button></form>`
      return `<tr data-assignment="${a.id}"><td>${h(a.build)}</td><td>${h(a.environment)}</td><td>${s ? h(s.name) : h(a.caseId)}<br><small>${s ? h(`${s.uri}:${s.line}`) : ''}</small></td><td>${a.tester === principal.id ? 'you' : a.testerName ? h(a.testerName) : 'open'}</td><td>${h(a.due ?? '')}</td><td>${action}</td></tr>`
    })
    .join('\n')
  const outcomes = mine
    .map((o) => `<tr data-outcome="${o.id}"><td>${h(o.build)}</td><td>${h(scenarios.get(o.caseId)?.name ?? o.caseId)}</td><td>v${o.version}</td><td class="s-${h(o.status)}">${h(o.status)}</td><td>${o.review ? `${h(o.review.verdict)}${o.review.reason ? `: ${h(o.review.reason)}` : ''}` : 'awaiting review'}</td></tr>`)
    .join('\n')
  return layout(
    'My assignments',
    principal,
    `${message ? `<p class="note">${h(message)}</p>` : ''}
<table id="assignments"><tr><th>Build</th><th>Environment</th><th>Scenario</th><th>Tester</th><th>Due</th><th></th></tr>${rows}</table>
${assignments.length ? '' : '<p>No assignments for you yet.</p>'}
<h2>My outcomes</h2>
<table id="my-outcomes"><tr><th>Build</th><th>Scenario</th><th>Version</th><th>Status</th><th>Review</th></tr>${outcomes}</table>`,
    csrf,
  )
}

export function submitPage(principal: Principal, csrf: string, build: string, environment: string, scenario: HubScenario, key: string, maxMb: number): string {
  const statuses = ['passed', 'failed', 'blocked', 'skipped']
  const select = (name: string, blank: boolean) => `<select name="${name}">${blank ? '<option value="">—</option>' : ''}${statuses.map((s) => `<option value="${s}">${s}</option>`).join('')}</select>`
  const steps = scenario.steps.map((s, i) => `<li><span class="k">${h(s.keyword)}</span> ${h(s.text)} ${select(`step-${i}`, true)}</li>`).join('\n')
  return layout(
    scenario.name,
    principal,
    `<p><code>${h(scenario.uri)}:${scenario.line}</code> · build <b>${h(build)}</b> · environment <b>${h(environment)}</b> · ${scenario.featureIds.map((f) => `<code>${h(f)}</code>`).join(' ')}</p>
<form method="post" action="/builds/${encodeURIComponent(build)}/scenarios/${scenario.id}" enctype="multipart/form-data" id="outcome-form">
<input type="hidden" name="_csrf" value="${h(csrf)}"><input type="hidden" name="key" value="${h(key)}">
<input type="hidden" name="environment" value="${h(environment)}"><input type="hidden" name="contentHash" value="${h(scenario.contentHash)}">
<ol class="steps">${steps}</ol>
<label>Outcome ${select('status', false)}</label>
<label>What you saw <textarea name="comment" rows="4"></textarea></label>
<label>Minutes it took <input type="number" name="minutes" min="0" step="1"></label>
<label>Operating system <input type="text" name="os"></label>
<label>Machine <input type="text" name="machine"></label>
<label>Node version <input type="text" name="nodeVersion"></label>
<label>Region <input type="text" name="region"></label>
<label>Defect links (one a line) <textarea name="defects" rows="2"></textarea></label>
<label>Evidence (screenshots, logs; up to ${maxMb} MB each) <input type="file" name="evidence" multiple></label>
<button type="submit">Submit outcome</button>
</form>`,
    csrf,
  )
}

export function reviewPage(principal: Principal, csrf: string, build: string, pending: Outcome[], conflicts: Conflict[], scenarios: Map<string, HubScenario>): string {
  const items = pending
    .map((o) => {
      const s = scenarios.get(o.caseId)
      const edited = s && s.contentHash !== o.contentHash ? '<p class="warn">The scenario was edited after this tester saw it.</p>' : ''
      const steps = s ? `<ol class="steps">${s.steps.map((step, i) => `<li>${h(`${step.keyword} ${step.text}`)} — ${h(o.steps.find((x) => x.index === i)?.status ?? '(not given)')}</li>`).join('')}</ol>` : ''
      const evidence = o.evidence.map((e) => `<a href="/evidence/${h(e.file)}">${h(e.name)}</a> (${h(e.mediaType)}, ${e.size} bytes)`).join('<br>')
      const details = Object.entries(o.details).map(([k, v]) => `${h(k)}: ${h(v)}`).join(' · ')
      const own = o.tester === principal.id
      return `<section class="outcome" data-outcome="${o.id}">
<h3>${h(s?.name ?? o.caseId)} · <span class="s-${h(o.status)}">${h(o.status)}</span> · by ${h(o.testerName)} (v${o.version}) · ${h(o.environment)}</h3>
${edited}${steps}
${o.comment ? `<p>${h(o.comment)}</p>` : ''}${details ? `<p>${details}</p>` : ''}${o.defects.length ? `<p>Defects: ${o.defects.map((d) => `<a href="${h(d)}" rel="noreferrer">${h(d)}</a>`).join(' ')}</p>` : ''}${evidence ? `<p>${evidence}</p>` : ''}
${
  own
    ? '<p class="note">Your own outcome: another QA member reviews it.</p>'
    : `<form method="post" action="/outcomes/${o.id}/review"><input type="hidden" name="_csrf" value="${h(csrf)}"><input type="hidden" name="build" value="${h(build)}">
<select name="verdict"><option value="accepted">accept</option><option value="rejected">reject</option><option value="needs-info">needs info</option></select>
<input type="text" name="reason" placeholder="reason (the tester sees it)"> <button>Review</button></form>`
}
</section>`
    })
    .join('\n')
  const conflictList = conflicts.map((c) => `<li>${h(scenarios.get(c.caseId)?.name ?? c.caseId)} on ${h(c.environment)}: ${c.outcomes.map((o) => `${h(o.testerName)} ${h(o.status)}`).join(' vs ')}</li>`).join('')
  return layout(
    `Review queue · ${build}`,
    principal,
    `${conflicts.length ? `<div class="bad" id="conflicts"><b>Conflicts</b> (testers disagree)<ul>${conflictList}</ul></div>` : ''}
${items || '<p>Nothing awaits review.</p>'}`,
    csrf,
  )
}

export function boardPage(principal: Principal, csrf: string, build: string, assignments: Assignment[], latest: Outcome[], scenarios: Map<string, HubScenario>, testers: string[]): string {
  const state = (a: Assignment): string => {
    const outcomes = latest.filter((o) => o.caseId === a.caseId && o.environment === a.environment)
    if (outcomes.length === 0) return a.tester ? 'open' : 'unassigned'
    return outcomes.map((o) => `${o.testerName}: ${o.status}, ${o.review?.verdict ?? 'awaiting review'}`).join('; ')
  }
  const rows = assignments
    .map((a) => `<tr><td>${h(scenarios.get(a.caseId)?.name ?? a.caseId)}</td><td>${h(a.environment)}</td><td>${h(a.testerName ?? '—')}</td><td>${h(a.due ?? '')}</td><td>${h(state(a))}</td></tr>`)
    .join('\n')
  const manual = [...scenarios.values()].filter((s) => s.manual && !s.wip)
  const choices = manual.map((s) => `<label><input type="checkbox" name="scenario" value="${s.id}"> ${h(s.name)} <small>${h(s.uri)}</small></label>`).join('\n')
  return layout(
    `Assignment board · ${build}`,
    principal,
    `<table id="board"><tr><th>Scenario</th><th>Environment</th><th>Tester</th><th>Due</th><th>State</th></tr>${rows}</table>
<h2>Assign</h2>
<form method="post" action="/builds/${encodeURIComponent(build)}/assign"><input type="hidden" name="_csrf" value="${h(csrf)}">
${choices || '<p>No @manual scenarios in the project.</p>'}
<label>Tester <select name="tester"><option value="">(open: anyone may claim)</option>${testers.map((t) => `<option>${h(t)}</option>`).join('')}</select></label>
<label>Environment <input type="text" name="environment" value="community"></label>
<label>Due <input type="date" name="due"></label>
<button>Assign</button>
</form>`,
    csrf,
  )
}

/** The release gate of a build (its banner, rendered by the matrix's renderer) and its approvals. */
export function gatePage(principal: Principal, csrf: string, build: string, banner: string, approvals: { by: string; at: string; comment?: string }[]): string {
  const list = approvals.map((a) => `<li>${h(a.by)} · ${h(a.at)}${a.comment ? ` — ${h(a.comment)}` : ''}</li>`).join('')
  const mine = approvals.some((a) => a.by === principal.name)
  const form =
    principal.role === 'qa' && !mine
      ? `<form method="post" action="/builds/${encodeURIComponent(build)}/approve"><input type="hidden" name="_csrf" value="${h(csrf)}"><label>Comment <input type="text" name="comment"></label><button>Approve ${h(build)} for release</button></form>`
      : ''
  return layout(`Release gate · ${build}`, principal, `<style>${GATE_CSS}</style>
${banner}
<h2>Approvals</h2><ul id="approvals">${list || '<li>none yet</li>'}</ul>${form}
<p><a href="/builds/${encodeURIComponent(build)}/matrix">Matrix of ${h(build)}</a></p>`, csrf)
}

export function errorPage(principal: Principal | undefined, status: number, message: string): string {
  return layout(status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Cannot do that', principal, `<p class="bad">${h(message)}</p><p><a href="/">Back</a></p>`)
}
