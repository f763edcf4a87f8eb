import { createHash } from 'node:crypto'
import { copyFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { FileSystemWriter } from 'allure-js-commons/sdk/reporter'
import type { Category } from 'allure-js-commons/sdk'
import { Stage, Status, type Label, type Parameter, type StepResult as AllureStep, type TestResult } from 'allure-js-commons'
import type { Status as CaseStatus } from '../../src/model/results.ts'
import type { MergedCase, ResultSet } from '../../src/results/merge-results.ts'
import { ALLURE_OF, failureMessage, outcomeOf } from '../../src/model/status-algebra.ts'
import { runErrorCases } from '../../src/results/run-error-cases.ts'
import { makeDirectory } from '../../src/files.ts'

// Statuses by the one status algebra: pending, undefined and ambiguous are Allure's broken (the
// suite cannot run the test), and so is a tester's block (category "Blocked"); skipped is skipped.
const ALLURE_STATUS: Record<(typeof ALLURE_OF)[keyof typeof ALLURE_OF], Status> = { passed: Status.PASSED, failed: Status.FAILED, broken: Status.BROKEN, skipped: Status.SKIPPED }
const statusOf = (status: CaseStatus): Status => ALLURE_STATUS[ALLURE_OF[outcomeOf(status)]]

/**
 * Allure's Categories tab in a BDD suite's words, in place of its defaults ("Product defects" for
 * failed, "Test defects" for broken). Broken results say their status first (failureMessage), run
 * errors say they failed outside any scenario; Allure matches the whole message ((?s): across lines).
 */
const CATEGORIES: Category[] = [
  { name: 'Failures outside any scenario (a global hook, the runner)', matchedStatuses: [Status.FAILED], messageRegex: '(?s).*failed outside any scenario.*' },
  { name: 'Failed scenarios', matchedStatuses: [Status.FAILED] },
  { name: 'Undefined steps (no step definition)', matchedStatuses: [Status.BROKEN], messageRegex: '(?s)undefined\\b.*' },
  { name: 'Pending steps (not implemented yet)', matchedStatuses: [Status.BROKEN], messageRegex: '(?s)pending\\b.*' },
  { name: 'Ambiguous steps (more than one step definition)', matchedStatuses: [Status.BROKEN], messageRegex: '(?s)ambiguous\\b.*' },
  { name: 'Blocked (a tester could not carry it out)', matchedStatuses: [Status.BROKEN], messageRegex: '(?s)blocked\\b.*' },
  { name: 'Flaky (failed, then passed on a retry or rerun)', matchedStatuses: [Status.PASSED], flaky: true },
  { name: 'Not run (the scope requires them; no result in this build)', matchedStatuses: [Status.SKIPPED], messageRegex: '(?s)not run: .*' },
]

/**
 * allure-js-commons' writer, except that results and attachments are written without an fsync
 * each. The library fsyncs every file, a live reporter's guard against a crash mid-test; here the
 * results are rewritten from results files already on disk, and 2,000 fsyncs were a second of
 * waiting at the end of every run. (Writing them concurrently was measured no faster.)
 */
class RegenerableResultsWriter extends FileSystemWriter {
  constructor(private readonly dir: string) {
    super({ resultsDir: dir })
  }

  override writeResult(result: TestResult): void {
    writeFileSync(path.join(this.dir, `${result.uuid}-result.json`), JSON.stringify(result))
  }

  override writeAttachmentFromPath(distFileName: string, from: string): void {
    copyFileSync(from, path.join(this.dir, distFileName))
  }
}

export interface AllureOptions {
  build?: string
  milestone?: string
  resultsDir: string
  outDir: string
  env: Record<string, string | undefined>
  /** where the generated report will be served (executor.json reportUrl: the trend links back to it) */
  reportUrl?: string
  /** the scope's required cells that nothing ran (not-run-cases.ts): skipped results saying so */
  notRun?: readonly MergedCase[]
}

/**
 * Allure results (allure-js-commons' writer) for one build: a result per case × environment/stage
 * with a historyId stable across builds (so trends work), labels feature/story/epic/tag/host/thread,
 * parameters for the example row and the environment, steps and attachments; plus
 * environment.properties, categories.json and executor.json.
 */
export function writeAllureResults(results: ResultSet, options: AllureOptions): number {
  const build = options.build ?? results.order[results.order.length - 1] ?? ''
  const runs = new Map(results.runs.map((r) => [r.id, r]))
  makeDirectory(options.outDir)
  const writer = new RegenerableResultsWriter(options.outDir)
  let written = 0
  const milestone = options.milestone ?? results.runs.find((r) => r.milestone)?.milestone
  const notRun = options.notRun ?? []
  // a cell nothing ran is placed when the build's first run started (not at 1970 on the timeline)
  const buildStart = Math.min(...results.runs.filter((r) => r.build === build).map((r) => Date.parse(r.startedAt) || Infinity))
  for (const entry of [...(results.builds.get(build)?.values() ?? []), ...runErrorCases(results, build), ...notRun]) {
    const run = runs.get(entry.runId)
    // After its earlier attempts, when they are known: Allure takes the latest as the result.
    const lastTry = entry.retries?.at(-1)
    const start = entry.notRun ? (Number.isFinite(buildStart) ? buildStart : 0) : Math.max(Date.parse(run?.startedAt ?? '') || 0, lastTry?.startedAt ? Date.parse(lastTry.startedAt) + Math.round(lastTry.durationMs) + 1 : 0)
    const uuid = uuidOf(`${entry.runId}\u0000${entry.id}\u0000${entry.environment}\u0000${entry.stage}`)
    const result: TestResult = {
      uuid,
      historyId: hex(`${entry.id}\u0000${entry.environment}\u0000${entry.stage}`),
      testCaseId: entry.id,
      name: entry.name,
      fullName: `${entry.uri}: ${entry.name}`,
      status: statusOf(entry.status),
      // Allure 2 reads statusDetails.flaky (its model has known/muted/flaky); the JS types lack it.
      // The whole message: Allure's error box shows what is in message (the trace is folded).
      statusDetails: { ...(entry.status !== 'passed' ? { message: failureMessage(entry.status, entry.error), ...(entry.error ? { trace: entry.error } : {}) } : {}), flaky: entry.flaky } as TestResult['statusDetails'],
      stage: Stage.FINISHED,
      start,
      stop: start + Math.round(entry.durationMs),
      labels: labelsOf(entry, options.milestone ?? run?.milestone ?? (entry.notRun ? milestone : undefined), run?.shard),
      links: [],
      parameters: parametersOf(entry),
      steps: stepsOf(entry, start),
      attachments: entry.attachments.map((a, i) => {
        const source = `${uuid}-attachment-${i}${path.extname(a.path)}`
        writer.writeAttachmentFromPath(source, path.join(options.resultsDir, a.path))
        return { name: a.name ?? path.basename(a.path), source, type: a.mediaType }
      }),
    }
    writer.writeResult(result)
    written++
    // Earlier attempts (retries, reruns) share the historyId: Allure lists them in its Retries tab.
    let earlierStart = start
    for (const [i, attempt] of [...(entry.retries ?? [])].reverse().entries()) {
      const attemptStart = Date.parse(attempt.startedAt ?? '') || (earlierStart -= Math.round(attempt.durationMs) + 1)
      writer.writeResult({
        ...result,
        uuid: uuidOf(`${uuid}\u0000attempt\u0000${i}`),
        status: statusOf(attempt.status),
        statusDetails: { ...(attempt.status !== 'passed' ? { message: failureMessage(attempt.status, attempt.error), ...(attempt.error ? { trace: attempt.error } : {}) } : {}), flaky: false } as TestResult['statusDetails'],
        start: attemptStart,
        stop: attemptStart + Math.round(attempt.durationMs),
        steps: attempt.steps ? stepsOf({ ...entry, steps: attempt.steps }, attemptStart) : [],
        attachments: [],
      })
      written++
    }
  }
  const environments = [...new Set([...(results.builds.get(build)?.values() ?? [])].map((c) => `${c.environment}/${c.stage}`))].sort()
  // The overview's Environment widget says what the scope required and nothing ran, beside what ran.
  const notRunIn = new Map<string, number>()
  for (const c of notRun) notRunIn.set(`${c.environment}/${c.stage}`, (notRunIn.get(`${c.environment}/${c.stage}`) ?? 0) + 1)
  const notRunText = [...notRunIn].sort(([a], [b]) => a.localeCompare(b)).map(([column, n]) => `${column} ${n}`).join(', ')
  writer.writeEnvironmentInfo({ ...(milestone ? { milestone } : {}), build, environments: environments.join(', '), ...(notRun.length ? { 'not-run': `${notRun.length} required cell(s) without a result: ${notRunText}` } : {}) })
  writer.writeCategoriesDefinitions(CATEGORIES)
  const e = options.env
  // What the trend's x-axis shows and links to: one point per pipeline, in pipeline order.
  const executor = e.GITLAB_CI
    ? {
        name: 'GitLab',
        type: 'gitlab',
        buildName: `${e.CI_PROJECT_NAME ?? 'pipeline'} #${e.CI_PIPELINE_IID ?? e.CI_PIPELINE_ID ?? '?'} · ${build}`,
        ...(e.CI_PIPELINE_IID ? { buildOrder: Number(e.CI_PIPELINE_IID) } : {}),
        ...(e.CI_PIPELINE_URL ? { buildUrl: e.CI_PIPELINE_URL } : {}),
        ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}),
        reportName: `bdd-matrix · ${milestone ?? 'results'} · ${build}`,
      }
    : { name: 'bdd-matrix', type: 'local', buildName: build, ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}) }
  writeFileSync(path.join(options.outDir, 'executor.json'), `${JSON.stringify(executor, null, 2)}\n`)
  return written
}

function labelsOf(entry: MergedCase, milestone: string | undefined, shard: string | undefined): Label[] {
  return [
    { name: 'feature', value: entry.feature },
    { name: 'story', value: entry.scenario },
    ...(milestone ? [{ name: 'epic', value: milestone }] : []),
    { name: 'suite', value: entry.feature },
    { name: 'parentSuite', value: `${entry.environment}/${entry.stage}` },
    { name: 'host', value: entry.environment },
    { name: 'thread', value: `${entry.environment}/${entry.stage}${shard ? ` shard ${shard}` : ''}` },
    ...entry.tags.map((t) => ({ name: 'tag', value: t.replace(/^@/, '') })),
    ...entry.nodes.map((n) => ({ name: 'node', value: n })),
  ]
}

function parametersOf(entry: MergedCase): Parameter[] {
  return [{ name: 'environment', value: `${entry.environment}/${entry.stage}` }, ...Object.entries(entry.example?.values ?? {}).map(([name, value]) => ({ name, value }))]
}

function stepsOf(entry: MergedCase, start: number): AllureStep[] {
  let clock = start
  return entry.steps.map((s) => {
    const stepStart = clock
    clock += Math.round(s.durationMs)
    return {
      name: `${s.keyword} ${s.text}`.trim(),
      status: statusOf(s.status),
      statusDetails: s.error ? { message: s.error, trace: s.error } : {},
      stage: Stage.FINISHED,
      start: stepStart,
      stop: clock,
      steps: [],
      attachments: [],
      parameters: argumentParameters(s.argument),
    }
  })
}

/** A step's doc string or data table (a row a parameter) as Allure step parameters, shown with the step. */
function argumentParameters(argument: MergedCase['steps'][number]['argument']): Parameter[] {
  if (argument?.docString !== undefined) return [{ name: 'doc string', value: argument.docString }]
  return (argument?.dataTable ?? []).map((r, i) => ({ name: `row ${i + 1}`, value: r.join(' | ') }))
}

function hex(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32)
}

/** A UUID-shaped id derived from the case, so the same input writes the same files. */
function uuidOf(text: string): string {
  const h = hex(text)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}
