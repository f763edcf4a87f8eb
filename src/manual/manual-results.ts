import { createHash } from 'node:crypto'
import type { Attachment, Case, Run, StepResult } from '../model/results.ts'
import { MODEL_VERSION, worseStatus, type Status } from '../model/vocabulary.ts'
import { fileSafe } from '../files.ts'

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
export function manualResults(build: string, outcomes: AcceptedOutcome[], scenarios: Map<string, ManualScenario>, options: { milestone?: string } = {}): { run: Run; cases: Case[] }[] {
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
    const cases = [...cells].sort(([a], [b]) => a.localeCompare(b)).map(([caseId, outcomes]) => caseOf(scenarios.get(caseId)!, outcomes))
    out.push({ run, cases })
  }
  return out
}

function caseOf(scenario: ManualScenario, outcomes: AcceptedOutcome[]): Case {
  const sorted = [...outcomes].sort((a, b) => a.testerName.localeCompare(b.testerName))
  const status = sorted.map((o) => o.status as Status).reduce(worseStatus)
  const worst = sorted.find((o) => o.status === status)!
  const steps: StepResult[] = scenario.steps.map((step, index) => {
    const given = worst.steps.find((s) => s.index === index)
    return { keyword: step.keyword, text: step.text, status: given?.status ?? 'skipped', durationMs: 0, ...(given?.comment ? { error: given.comment } : {}) }
  })
  const words = sorted.filter((o) => o.comment).map((o) => `${o.testerName}: ${o.comment}`)
  const lines = sorted.map((o) => {
    const details = Object.entries(o.details).map(([k, v]) => `${k}=${v}`).join(', ')
    const edited = o.contentHash !== scenario.contentHash ? ' — the scenario changed after it was tested' : ''
    return `${o.testerName}: ${o.status}${o.elapsedMs !== undefined ? ` in ${Math.round(o.elapsedMs / 1000)} s` : ''}${details ? ` (${details})` : ''}${o.defects.length ? `; defects: ${o.defects.join(' ')}` : ''}${edited}`
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
    tester: sorted.map((o) => o.testerName).join(', '),
    output: [...lines, ...(status === 'passed' ? words : [])].join('\n'),
  }
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
