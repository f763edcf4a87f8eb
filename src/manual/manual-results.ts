import { createHash } from 'node:crypto'
import type { Attachment, Case, Run, StepResult } from '../model/results.ts'
import { MODEL_VERSION, worseStatus, type Status } from '../model/vocabulary.ts'
import { fileSafe } from '../files.ts'
import { verifiedNothing, worseResult } from '../model/status-algebra.ts'

/** A scenario as a tester sees it: what a manual case is made from. */
export interface ManualScenario {
  id: string
  uri: string
  line: number
  feature: string
  scenario: string
  name: string
  example?: { name: string; index: number; values: Record<string, string>; occurrence?: number }
  featureIds: string[]
  tags: string[]
  steps: { keyword: string; text: string }[]
  /** hash of what the tester is asked to do: changes when the scenario is edited */
  contentHash: string
}

export const MANUAL_STATUSES = ['passed', 'failed', 'blocked', 'skipped'] as const
export type ManualStatus = (typeof MANUAL_STATUSES)[number]

/**
 * Why an outcome's steps cannot stand with its status, or undefined: a step the scenario does not
 * have, a step given twice, or a step worse than the outcome — an outcome is as bad as its worst
 * step (as a scenario is in Cucumber), so "passed" with a failed step would count a failure as a
 * pass. `field` is the body path at fault (`steps.2.status`).
 */
export function outcomeStepsProblem(status: ManualStatus, steps: readonly { index: number; status: ManualStatus }[], scenarioSteps: readonly { keyword: string; text: string }[]): { field: string; message: string } | undefined {
  const seen = new Set<number>()
  for (const [i, step] of steps.entries()) {
    if (step.index >= scenarioSteps.length) return { field: `steps.${i}.index`, message: `steps.${i}.index: the scenario has ${scenarioSteps.length} steps (0 to ${scenarioSteps.length - 1})` }
    if (seen.has(step.index)) return { field: `steps.${i}.index`, message: `steps.${i}.index: step ${step.index + 1} is given twice; give each step one status` }
    seen.add(step.index)
  }
  for (const [i, step] of steps.entries()) {
    if (worseStatus(status, step.status) === status) continue
    const { keyword, text } = scenarioSteps[step.index]!
    return { field: `steps.${i}.status`, message: `steps.${i}.status: step ${step.index + 1} ("${keyword.trim()} ${text}") is ${step.status}, yet the outcome is ${status}; an outcome is as bad as its worst step: choose ${worstOf(steps.map((s) => s.status))} as the outcome, or correct the step` }
  }
  return undefined
}

function worstOf(statuses: readonly ManualStatus[]): ManualStatus {
  return statuses.reduce((a, b) => worseStatus(a, b) as ManualStatus)
}

/** A tester's newest outcome of a cell that awaits QA's review (none yet, or needs-info). */
export interface AwaitingOutcome {
  caseId: string
  environment: string
  testerName: string
  status: ManualStatus
}

/** An outcome QA accepted, with what the results need of it. */
export interface AcceptedOutcome {
  caseId: string
  environment: string
  testerName: string
  status: ManualStatus
  steps: { index: number; status: ManualStatus; comment?: string }[]
  comment?: string
  elapsedMs?: number
  details: Record<string, string>
  defects: string[]
  evidence: { name: string; file: string; mediaType: string }[]
  contentHash: string
  submittedAt: string
  reviewedAt: string
}

/**
 * The results of manual testing of a build: one run per environment (stage `manual`), one case
 * per scenario, from the outcomes QA accepted. Testers who agree share a case (all named); when
 * they disagree the worse status stands and each tester's word is kept. Run ids are stable per
 * build and environment, so the same outcomes give the same files.
 */
export function manualResults(build: string, outcomes: AcceptedOutcome[], scenarios: Map<string, ManualScenario>, options: { milestone?: string; awaiting?: AwaitingOutcome[] } = {}): { run: Run; cases: Case[] }[] {
  const awaitingIn = new Map<string, AwaitingOutcome[]>()
  for (const a of options.awaiting ?? []) awaitingIn.set(`${a.caseId}\u0000${a.environment}`, [...(awaitingIn.get(`${a.caseId}\u0000${a.environment}`) ?? []), a])
  const byEnvironment = new Map<string, Map<string, AcceptedOutcome[]>>()
  for (const outcome of outcomes) {
    if (!scenarios.has(outcome.caseId)) continue
    const cells = byEnvironment.get(outcome.environment) ?? new Map<string, AcceptedOutcome[]>()
    byEnvironment.set(outcome.environment, cells)
    cells.set(outcome.caseId, [...(cells.get(outcome.caseId) ?? []), outcome])
  }
  const out: { run: Run; cases: Case[] }[] = []
  for (const [environment, cells] of [...byEnvironment].sort(([a], [b]) => a.localeCompare(b))) {
    const all = [...cells.values()].flat()
    const run: Run = {
      kind: 'run',
      modelVersion: MODEL_VERSION,
      id: manualRunId(build, environment),
      ...(options.milestone ? { milestone: options.milestone } : {}),
      build,
      stage: 'manual',
      environment,
      startedAt: min(all.map((o) => o.submittedAt)),
      finishedAt: max(all.map((o) => o.reviewedAt)),
      source: { format: 'manual' },
    }
    const cases = [...cells].sort(([a], [b]) => a.localeCompare(b)).map(([caseId, outcomes]) => caseOf(scenarios.get(caseId)!, outcomes, awaitingIn.get(`${caseId}\u0000${environment}`) ?? []))
    out.push({ run, cases })
  }
  return out
}

function caseOf(scenario: ManualScenario, outcomes: AcceptedOutcome[], awaiting: AwaitingOutcome[]): Case {
  const sorted = [...outcomes].sort((a, b) => a.testerName.localeCompare(b.testerName))
  // an outcome stored before its steps were checked against it counts by its worst step too
  const statusOf = (o: AcceptedOutcome): ManualStatus => worstOf([o.status, ...o.steps.map((s) => s.status)])
  // testers side by side: one who could not apply it (skipped) takes back no other's result
  const status = sorted.map((o) => statusOf(o) as Status).reduce(worseResult)
  const worst = sorted.find((o) => statusOf(o) === status)!
  // who tested it: a tester who could not apply it (skipped) did not, unless no one did — a
  // sign-off counts these names (manual-signoff)
  const carriedOut = sorted.filter((o) => !verifiedNothing(statusOf(o)))
  const testers = (carriedOut.length ? carriedOut : sorted).map((o) => o.testerName)
  const steps: StepResult[] = scenario.steps.map((step, index) => {
    const given = worst.steps.find((s) => s.index === index)
    return { keyword: step.keyword, text: step.text, status: given?.status ?? 'skipped', durationMs: 0, ...(given?.comment ? { error: given.comment } : {}) }
  })
  const words = sorted.filter((o) => o.comment).map((o) => `${o.testerName}: ${o.comment}`)
  const lines = sorted.map((o) => {
    const details = Object.entries(o.details).map(([k, v]) => `${k}=${v}`).join(', ')
    const edited = ofEarlierText(o, scenario) ? ' — the scenario changed after it was tested' : ''
    const counted = statusOf(o) !== o.status ? ` (counted ${statusOf(o)}, as its worst step)` : ''
    return `${o.testerName}: ${o.status}${counted}${o.elapsedMs !== undefined ? ` in ${Math.round(o.elapsedMs / 1000)} s` : ''}${details ? ` (${details})` : ''}${o.defects.length ? `; defects: ${o.defects.join(' ')}` : ''}${edited}`
  })
  const attachments: Attachment[] = []
  for (const o of sorted) for (const e of o.evidence) if (!attachments.some((a) => a.path === e.file)) attachments.push({ path: e.file, mediaType: e.mediaType, name: `${o.testerName}: ${e.name}` })
  return {
    kind: 'case',
    id: scenario.id,
    uri: scenario.uri,
    line: scenario.line,
    feature: scenario.feature,
    scenario: scenario.scenario,
    name: scenario.name,
    ...(scenario.example ? { example: scenario.example } : {}),
    featureIds: scenario.featureIds,
    tags: scenario.tags,
    status,
    flaky: false,
    attempts: 1,
    durationMs: worst.elapsedMs ?? 0,
    steps,
    ...(status !== 'passed' && words.length ? { error: words.join('\n') } : {}),
    attachments,
    nodes: [],
    source: 'manual',
    tester: testers.join(', '),
    ...(testers.length < sorted.length ? { notApplied: sorted.filter((o) => !testers.includes(o.testerName)).map((o) => o.testerName) } : {}),
    ...(sorted.some((o) => ofEarlierText(o, scenario)) ? { earlierText: sorted.filter((o) => ofEarlierText(o, scenario)).map((o) => o.testerName) } : {}),
    ...(awaiting.length ? { awaitingReview: [...awaiting].sort((a, b) => a.testerName.localeCompare(b.testerName)).map((a) => ({ tester: a.testerName, status: a.status })) } : {}),
    output: [...lines, ...(status === 'passed' ? words : [])].join('\n'),
  }
}

/**
 * Whether an outcome was given on an earlier text of its scenario (edited since the tester saw
 * it): it signs off no text the scenario has now. The one test the gate, the hub's pages and
 * `manual list` make of it.
 */
export function ofEarlierText(outcome: { contentHash?: string }, scenario: { contentHash?: string } | undefined): boolean {
  return scenario?.contentHash !== undefined && outcome.contentHash !== scenario.contentHash
}

/**
 * A manual cell's testers (Case.tester, joined by ", "), those of the scenario as it reads now
 * apart from those of an earlier text (Case.earlierText): only the current ones sign it off.
 */
export function testersOf(c: { tester?: string | undefined; earlierText?: readonly string[] | undefined }): { all: string[]; current: string[]; earlier: string[] } {
  const all = c.tester ? c.tester.split(', ') : []
  return { all, current: all.filter((t) => !c.earlierText?.includes(t)), earlier: all.filter((t) => c.earlierText?.includes(t)) }
}

/** Hash of a scenario's name and steps as a tester reads them. */
export function manualContentHash(name: string, steps: { keyword: string; text: string }[]): string {
  return createHash('sha256').update(JSON.stringify([name, steps.map((s) => [s.keyword.trim(), s.text])])).digest('hex').slice(0, 16)
}

/** The id of a build's manual run on an environment: stable, so a pull rewrites the same file. */
export function manualRunId(build: string, environment: string): string {
  return `${manualRunPrefix(build)}${fileSafe(environment)}`
}

/** What every manual run id of a build starts with. */
export function manualRunPrefix(build: string): string {
  return `manual-${fileSafe(build)}-`
}
const min = (xs: string[]): string => xs.reduce((a, b) => (b < a ? b : a))
const max = (xs: string[]): string => xs.reduce((a, b) => (b > a ? b : a))
