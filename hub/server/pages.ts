import { escapeHtml as h } from '../../src/escape-html.ts'
import type { ManualEnvironment } from '../../src/catalogue/scope.ts'
import { GATE_CSS } from '../../reporters/html/matrix-html.ts'
import type { Conflict, PendingOutcome, Principal } from '../hub-service.ts'
import type { HubScenario } from '../hub-catalogue.ts'
import { EVIDENCE_TYPES } from '../media-types.ts'
import { ofEarlierText } from '../../src/manual/manual-results.ts'
import type { Assignment, Outcome } from '../store/hub-store.ts'

// Server-rendered pages: plain forms that work without script; every value escaped. One small
// stylesheet (/hub.css): readable on a phone, a visible focus, nothing fetched from elsewhere.

export const HUB_CSS = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1f;background:#fff}
header{background:#f3f4f8;border-bottom:1px solid #d0d0da;padding:.5rem 1rem}
header nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;max-width:60rem;margin:0 auto}
header .who{margin-left:auto;color:#3d3d45}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin-top:1.5rem}
a{color:#0b57b3}a:visited{color:#5a2d91}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #e37400;outline-offset:2px}
.back{margin:0 0 1rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:.5rem 0;min-width:100%}
td,th{border:1px solid #d0d0da;padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f4f8}
label,.field{display:block;margin:.75rem 0}
.field>span,label>span{display:block;font-weight:600}
input[type=text],input[type=password],input[type=number],input[type=date],input[type=url],select,textarea{font:inherit;width:100%;max-width:36rem;padding:.4rem;border:1px solid #767680;border-radius:4px;background:#fff;color:#1d1d1f}
input[type=file]{font:inherit;max-width:100%}
button{font:inherit;padding:.45rem 1rem;border:1px solid #0b57b3;border-radius:4px;background:#0b57b3;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b57b3}
fieldset{border:1px solid #d0d0da;border-radius:4px;margin:1rem 0;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.choice{display:flex;gap:.5rem;align-items:flex-start;margin:.4rem 0;font-weight:normal}
.choice input{margin-top:.35rem}
.hint{display:block;color:#3d3d45;font-weight:normal;font-size:.95rem}
.steps{padding-left:1.5rem}.steps li{margin:.6rem 0}.steps select{max-width:14rem}
.k{font-weight:600}
.note{background:#e8f1fd;padding:.6rem .8rem;border-radius:4px}
.warn{background:#fff1cc;padding:.6rem .8rem;border-radius:4px}
.bad{background:#fde2e1;padding:.6rem .8rem;border-radius:4px}
.card{border:1px solid #d0d0da;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.cards{list-style:none;padding:0}.cards h2{font-size:1.1rem;margin:.25rem 0}
a.action{display:inline-block;padding:.45rem 1rem;border-radius:4px;background:#0b57b3;color:#fff;text-decoration:none;margin:.25rem 0 .5rem}
.s-passed{background:#e3f6e8}.s-failed{background:#fde2e1}.s-blocked{background:#fbe3f3}.s-skipped{background:#ececec}
form.inline{display:inline}
@media (max-width:40rem){main{padding:.75rem}td,th{padding:.3rem}h1{font-size:1.3rem}}
`

/** What each outcome means, as the submission form explains it. */
export const OUTCOME_MEANING: Record<'passed' | 'failed' | 'blocked' | 'skipped', string> = {
  passed: 'every step did what it says',
  failed: 'a step did not do what it says: mark that step failed and say what you saw',
  blocked: 'you could not carry it out because something it needs was broken or missing (say what)',
  skipped: 'it does not apply to your machine or network (say why)',
}

const STATUSES = Object.keys(OUTCOME_MEANING) as (keyof typeof OUTCOME_MEANING)[]

/** What the file picker offers: every evidence type by extension (phones and browsers name types differently). */
const ACCEPT = [...new Set(Object.values(EVIDENCE_TYPES).flat())].map((e) => `.${e}`).join(',')

export function layout(title: string, principal: Principal | undefined, body: string, csrf?: string, back?: { href: string; label: string }): string {
  const nav = principal
    ? `<header><nav aria-label="hub">
<a href="/builds">Builds</a><a href="/assignments">My assignments</a>
<span class="who">${h(principal.name)} (${h(principal.role)})</span>
<form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${h(csrf ?? '')}"><button class="secondary">Log out</button></form>
</nav></header>`
    : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)} · bdd-matrix hub</title><link rel="stylesheet" href="/hub.css"></head><body>
${nav}
<main>
${back ? `<p class="back"><a href="${h(back.href)}">← ${h(back.label)}</a></p>` : ''}
<h1>${h(title)}</h1>
${body}
</main>
</body></html>
`
}

export function loginPage(message?: string): string {
  return layout(
    'Log in',
    undefined,
    `${message ? `<p class="bad" role="alert">${h(message)}</p>` : ''}
<p>The results hub collects the outcomes of scenarios that people carry out by hand. QA gives each tester a token: paste yours here.</p>
<form method="post" action="/login">
<label for="token"><span>Your token</span></label><input id="token" type="password" name="token" autocomplete="off" required>
<p><button type="submit">Log in</button></p>
</form>`,
  )
}

export function buildsPage(principal: Principal, csrf: string, builds: { name: string; runs: number; outcomes: number; manual: boolean }[]): string {
  const link = (b: string, what: string, label: string): string => `<a href="/builds/${encodeURIComponent(b)}/${what}">${label}</a>`
  const rows = builds
    .map((b) => `<tr><td>${h(b.name)}</td><td>${b.runs}</td><td>${b.outcomes}</td><td>${b.manual ? 'open' : 'not open'}</td><td>${link(b.name, 'matrix', 'matrix')} · ${link(b.name, 'gate', 'release gate')}${principal.role === 'qa' ? ` · ${link(b.name, 'review', 'review queue')} · ${link(b.name, 'board', 'assignment board')}` : ''}</td></tr>`)
    .join('\n')
  const open =
    principal.role === 'qa'
      ? `<h2>Open a build for manual testing</h2>
<form method="post" action="/builds"><input type="hidden" name="_csrf" value="${h(csrf)}">
<label for="build-name"><span>Build</span><span class="hint">its version, e.g. v0.5.0-rc1 (letters, digits and . _ + -)</span></label>
<input id="build-name" type="text" name="name" required pattern="[A-Za-z0-9._+\\-]+" maxlength="100">
<p><button>Open build</button></p></form>`
      : ''
  return layout(
    'Builds',
    principal,
    `<div class="scroll"><table><caption class="hint">Builds the hub knows; testers submit outcomes for builds open for manual testing</caption><tr><th scope="col">Build</th><th scope="col">CI runs</th><th scope="col">Manual outcomes</th><th scope="col">Manual testing</th><th scope="col">Pages</th></tr>${rows}</table></div>
${builds.length ? '' : '<p>No builds yet: CI pushes them (bdd-matrix push), or QA opens one below.</p>'}${open}`,
    csrf,
  )
}

export function assignmentsPage(principal: Principal, csrf: string, assignments: Assignment[], scenarios: Map<string, HubScenario>, mine: Outcome[], message?: string): string {
  // Cards, not a table: a phone shows each whole, its button in reach.
  const cards = assignments
    .map((a) => {
      const s = scenarios.get(a.caseId)
      const yours = a.testerName === principal.name
      const name = s ? s.name : a.caseId
      const action = yours
        ? `<a class="action" href="/builds/${encodeURIComponent(a.build)}/scenarios/${encodeURIComponent(a.caseId)}?env=${encodeURIComponent(a.environment)}">Test it</a>`
        : `<form method="post" action="/assignments/${a.id}/claim"><input type="hidden" name="_csrf" value="${h(csrf)}"><button aria-label="Claim ${h(name)} on ${h(a.build)}">Claim</button></form>`
      return `<li class="card" data-assignment="${a.id}"><h2>${h(name)}</h2>
<p>Build <b>${h(a.build)}</b> · environment <b>${h(a.environment)}</b>${s ? ` · feature ${h(s.feature)}` : ''}</p>
<p>${yours ? `Yours${a.claimExpires ? ` until ${h(a.claimExpires.slice(0, 16).replace('T', ' '))} UTC` : ''}` : a.testerName ? `Held by ${h(a.testerName)}` : 'Open: anyone may claim it'}${a.due ? ` · due ${h(a.due)}` : ''}</p>
${action}</li>`
    })
    .join('\n')
  // An outcome of a text the scenario no longer has signs nothing off (manual-results.ts): the
  // tester is told so, with the way to carry it out again, or would think their part done.
  const outcomes = mine
    .map((o) => {
      const s = scenarios.get(o.caseId)
      const again = ofEarlierText(o, s) ? `<p class="warn earlier-text">The scenario was edited after you carried it out: this outcome signs nothing off. <a class="action" href="/builds/${encodeURIComponent(o.build)}/scenarios/${encodeURIComponent(o.caseId)}?env=${encodeURIComponent(o.environment)}">Test it again</a></p>` : ''
      return `<li class="card" data-outcome="${o.id}"><b>${h(s?.name ?? o.caseId)}</b> · ${h(o.build)} · ${h(o.environment)} · v${o.version}<br><span class="s-${h(o.status)}">${h(o.status)}</span> · ${o.review ? `${h(o.review.verdict)}${o.review.reason ? `: ${h(o.review.reason)}` : ''}` : 'awaiting review'}${again}</li>`
    })
    .join('\n')
  return layout(
    'My assignments',
    principal,
    `${message ? `<p class="note" role="status">${h(message)}</p>` : ''}
<p class="hint">Claim an open scenario (it is yours for 48 hours), then <b>Test it</b>: follow its steps on your machine and submit what happened. QA reviews each outcome before it counts.</p>
${assignments.length ? `<ul class="cards" id="assignments">${cards}</ul>` : '<p>No assignments for you yet: QA assigns scenarios, or leaves them open for you to claim.</p>'}
<h2>My outcomes</h2>
${mine.length ? `<ul class="cards" id="my-outcomes">${outcomes}</ul>` : '<p>None yet.</p>'}`,
    csrf,
  )
}

export interface SubmitForm {
  build: string
  environment: string
  environments: readonly ManualEnvironment[]
  scenario: HubScenario
  /** the scope features the scenario is tied to, with their acceptance criteria */
  features: { id: string; name: string; acceptance: string }[]
  key: string
  maxMb: number
  /** what the tester typed, shown again when the hub refused it */
  values?: Record<string, string>
  error?: string
}

export function submitPage(principal: Principal, csrf: string, form: SubmitForm): string {
  const { build, scenario, values = {} } = form
  const environment = form.environments.find((e) => e.id === (values.environment ?? form.environment)) ?? form.environments[0]!
  const selected = (name: string, value: string): string => (values[name] === value ? ' selected' : '')
  const steps = scenario.steps
    .map(
      (s, i) => `<li><label for="step-${i}"><span class="k">${h(s.keyword)}</span> ${h(s.text)}</label>
<select id="step-${i}" name="step-${i}"><option value="">— not marked</option>${STATUSES.map((st) => `<option value="${st}"${selected(`step-${i}`, st)}>${st}</option>`).join('')}</select></li>`,
    )
    .join('\n')
  const outcome = STATUSES.map(
    (st) => `<label class="choice"><input type="radio" name="status" value="${st}" required${values.status === st ? ' checked' : ''}><span><b>${st}</b><span class="hint">${h(OUTCOME_MEANING[st])}</span></span></label>`,
  ).join('\n')
  const acceptance = form.features.map((f) => `<p><b>${h(f.name)}</b> <code>${h(f.id)}</code><br>${h(f.acceptance)}</p>`).join('')
  const environmentChoice =
    form.environments.length > 1
      ? `<label for="environment"><span>Environment</span></label><select id="environment" name="environment">${form.environments.map((e) => `<option value="${h(e.id)}"${e.id === environment.id ? ' selected' : ''}>${h(e.name ?? e.id)}</option>`).join('')}</select>`
      : `<input type="hidden" name="environment" value="${h(environment.id)}">`
  const text = (name: string, label: string, hint = ''): string =>
    `<label for="${name}"><span>${label}</span>${hint ? `<span class="hint">${hint}</span>` : ''}</label><input id="${name}" type="text" name="${name}" value="${h(values[name] ?? '')}">`
  return layout(
    scenario.name,
    principal,
    `${form.error ? `<div class="bad" role="alert"><p><b>Not submitted:</b> ${h(form.error)}</p><p>Everything you typed is kept below; choose any evidence files again.</p></div>` : ''}
<p>Build <b>${h(build)}</b> · feature: ${h(scenario.feature)} · <code>${h(scenario.uri)}:${scenario.line}</code></p>
${acceptance ? `<section class="card" aria-labelledby="acceptance-title"><h2 id="acceptance-title">What must be true</h2>${acceptance}</section>` : ''}
<section class="card" aria-labelledby="environment-title"><h2 id="environment-title">Your machine: ${h(environment.name ?? environment.id)}</h2>
<p>${h(environment.description)}</p>${environment.prepare ? `<p><b>Before you start:</b> ${h(environment.prepare)}</p>` : ''}</section>
<form method="post" action="/builds/${encodeURIComponent(build)}/scenarios/${encodeURIComponent(scenario.id)}" enctype="multipart/form-data" id="outcome-form">
<input type="hidden" name="_csrf" value="${h(csrf)}"><input type="hidden" name="key" value="${h(form.key)}">
<input type="hidden" name="contentHash" value="${h(values.contentHash ?? scenario.contentHash)}">
${environmentChoice}
<h2>Steps</h2>
<p class="hint">Carry the steps out in order; mark each as you go (a step you did not reach stays not marked).</p>
<ol class="steps">${steps}</ol>
<fieldset><legend>Outcome (choose one)</legend>
${outcome}
</fieldset>
<label for="comment"><span>What you saw</span><span class="hint">for a failure: which step, what happened, what you expected</span></label><textarea id="comment" name="comment" rows="4">${h(values.comment ?? '')}</textarea>
<label for="minutes"><span>Minutes it took</span></label><input id="minutes" type="number" name="minutes" min="0" step="1" value="${h(values.minutes ?? '')}">
${text('os', 'Operating system', 'e.g. Ubuntu 24.04')}
${text('machine', 'Machine', 'e.g. Raspberry Pi 5, 8 GB')}
${text('nodeVersion', 'DMS version', 'what <code>nunet version</code> prints')}
${text('region', 'Region', 'e.g. eu-west')}
<label for="defects"><span>Defect links</span><span class="hint">one a line: issues you filed</span></label><textarea id="defects" name="defects" rows="2">${h(values.defects ?? '')}</textarea>
<label for="evidence"><span>Evidence</span><span class="hint">screenshots, logs, recordings (${h(ACCEPT.replace(/,/g, ' '))}); up to ${form.maxMb} MB each</span></label><input id="evidence" type="file" name="evidence" multiple accept="${h(ACCEPT)}">
<p><button type="submit">Submit outcome</button></p>
</form>`,
    csrf,
    { href: '/assignments', label: 'My assignments' },
  )
}

export function reviewPage(principal: Principal, csrf: string, build: string, pending: PendingOutcome[], conflicts: Conflict[], scenarios: Map<string, HubScenario>): string {
  const items = pending
    .map((o) => {
      const s = scenarios.get(o.caseId)
      const edited = ofEarlierText(o, s) ? '<p class="warn">The scenario was edited after this tester saw it.</p>' : ''
      const supersedes = o.supersedes
        ? `<p class="warn" data-supersedes="${o.supersedes.id}">Replaces ${h(o.testerName)}'s accepted v${o.supersedes.version} (${h(o.supersedes.status)}) if accepted; until then v${o.supersedes.version} counts.</p>`
        : ''
      const steps = s ? `<ol class="steps">${s.steps.map((step, i) => `<li>${h(`${step.keyword} ${step.text}`)} — ${h(o.steps.find((x) => x.index === i)?.status ?? '(not marked)')}</li>`).join('')}</ol>` : ''
      const evidence = o.evidence.map((e) => `<a href="/evidence/${h(e.file)}">${h(e.name)}</a> (${h(e.mediaType)}, ${e.size} bytes)`).join('<br>')
      const details = Object.entries(o.details).map(([k, v]) => `${h(k)}: ${h(v)}`).join(' · ')
      const own = o.testerName === principal.name
      return `<section class="outcome card" data-outcome="${o.id}">
<h2>${h(s?.name ?? o.caseId)} · <span class="s-${h(o.status)}">${h(o.status)}</span> · by ${h(o.testerName)} (v${o.version}) · ${h(o.environment)}</h2>
${supersedes}${edited}${steps}
${o.comment ? `<p>${h(o.comment)}</p>` : ''}${details ? `<p>${details}</p>` : ''}${o.defects.length ? `<p>Defects: ${o.defects.map((d) => `<a href="${h(d)}" rel="noreferrer">${h(d)}</a>`).join(' ')}</p>` : ''}${evidence ? `<p>${evidence}</p>` : ''}
${
  own
    ? '<p class="note">Your own outcome: another QA member reviews it.</p>'
    : `<form method="post" action="/outcomes/${o.id}/review"><input type="hidden" name="_csrf" value="${h(csrf)}"><input type="hidden" name="build" value="${h(build)}">
<label for="verdict-${o.id}"><span>Verdict</span></label><select id="verdict-${o.id}" name="verdict"><option value="accepted">accept</option><option value="rejected">reject</option><option value="needs-info">needs info</option></select>
<label for="reason-${o.id}"><span>Reason</span><span class="hint">the tester sees it; needed to reject or ask for more</span></label><input id="reason-${o.id}" type="text" name="reason">
<p><button>Review</button></p></form>`
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
    { href: '/builds', label: 'Builds' },
  )
}

export function boardPage(principal: Principal, csrf: string, build: string, assignments: Assignment[], latest: Outcome[], scenarios: Map<string, HubScenario>, testers: string[], environments: readonly ManualEnvironment[]): string {
  const state = (a: Assignment): string => {
    const outcomes = latest.filter((o) => o.caseId === a.caseId && o.environment === a.environment)
    if (outcomes.length === 0) return a.tester ? 'open' : 'unassigned'
    const s = scenarios.get(a.caseId)
    return outcomes.map((o) => `${o.testerName}: ${o.status}, ${o.review?.verdict ?? 'awaiting review'}${ofEarlierText(o, s) ? ', of an earlier text (signs nothing off)' : ''}`).join('; ')
  }
  const rows = assignments
    .map((a) => `<tr><td>${h(scenarios.get(a.caseId)?.name ?? a.caseId)}</td><td>${h(a.environment)}</td><td>${h(a.testerName ?? '—')}</td><td>${h(a.due ?? '')}</td><td>${h(state(a))}</td></tr>`)
    .join('\n')
  const manual = [...scenarios.values()].filter((s) => s.manual && !s.wip)
  const choices = manual.map((s) => `<label class="choice"><input type="checkbox" name="scenario" value="${h(s.id)}"><span>${h(s.name)} <span class="hint">${h(s.uri)}:${s.line}</span></span></label>`).join('\n')
  return layout(
    `Assignment board · ${build}`,
    principal,
    `<div class="scroll"><table id="board"><tr><th scope="col">Scenario</th><th scope="col">Environment</th><th scope="col">Tester</th><th scope="col">Due</th><th scope="col">State</th></tr>${rows}</table></div>
${assignments.length ? '' : '<p>Nothing assigned on this build yet.</p>'}
<h2>Assign</h2>
<form method="post" action="/builds/${encodeURIComponent(build)}/assign"><input type="hidden" name="_csrf" value="${h(csrf)}">
<fieldset><legend>Scenarios (@manual)</legend>
${choices || '<p>No @manual scenarios in the project.</p>'}
</fieldset>
<label for="tester"><span>Tester</span></label><select id="tester" name="tester"><option value="">(open: anyone may claim)</option>${testers.map((t) => `<option>${h(t)}</option>`).join('')}</select>
<label for="environment"><span>Environment</span></label><select id="environment" name="environment">${environments.map((e) => `<option value="${h(e.id)}">${h(e.name ?? e.id)}: ${h(e.description)}</option>`).join('')}</select>
<label for="due"><span>Due</span></label><input id="due" type="date" name="due">
<p><button>Assign</button></p>
</form>`,
    csrf,
    { href: '/builds', label: 'Builds' },
  )
}

/** The release gate of a build (its banner, rendered by the matrix's renderer) and its approvals. */
/**
 * A build's gate and its approvals; `judged`: the hash of the results as they stand (the gate's):
 * an approval of other results is shown as such, and its giver may approve again.
 */
export function gatePage(principal: Principal, csrf: string, build: string, banner: string, approvals: { by: string; at: string; comment?: string; judged?: string }[], judged?: string): string {
  const outdated = (a: { judged?: string }): boolean => a.judged !== undefined && judged !== undefined && a.judged !== judged
  const list = approvals.map((a) => `<li${outdated(a) ? ' class="outdated"' : ''}>${h(a.by)} · ${h(a.at)}${a.comment ? ` — ${h(a.comment)}` : ''}${outdated(a) ? ' — <b>of the results before they changed: not counted until approved again</b>' : ''}</li>`).join('')
  const mine = approvals.some((a) => a.by === principal.name && !outdated(a))
  const form =
    principal.role === 'qa' && !mine
      ? `<form method="post" action="/builds/${encodeURIComponent(build)}/approve"><input type="hidden" name="_csrf" value="${h(csrf)}"><label for="approve-comment"><span>Comment</span></label><input id="approve-comment" type="text" name="comment"><p><button>Approve ${h(build)} for release</button></p></form>`
      : ''
  return layout(
    `Release gate · ${build}`,
    principal,
    `<style>${GATE_CSS}</style>
${banner}
<h2>Approvals</h2><ul id="approvals">${list || '<li>none yet</li>'}</ul>${form}
<p><a href="/builds/${encodeURIComponent(build)}/matrix">Matrix of ${h(build)}</a></p>`,
    csrf,
    { href: '/builds', label: 'Builds' },
  )
}

export function errorPage(principal: Principal | undefined, status: number, message: string): string {
  return layout(
    status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status >= 500 ? 'The hub failed' : 'Cannot do that',
    principal,
    `<p class="bad" role="alert">${h(message)}</p><p><a href="/">Back to the start</a>${principal ? ' · <a href="/assignments">My assignments</a> · <a href="/builds">Builds</a>' : ''}</p>`,
  )
}

/** The matrix page is the report renderer's whole document: a way back is put in at its top. */
export function withBackLink(document: string, href: string, label: string): string {
  return document.replace(/<body([^>]*)>/, (body) => `${body}\n<p class="hub-back" style="margin:.5rem 1rem"><a href="${h(href)}">← ${h(label)}</a></p>`)
}
