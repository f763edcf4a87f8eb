import { createHash } from 'node:crypto'
import type { ManualEnvironment } from '../src/catalogue/scope.ts'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '../src/errors.ts'
import type { GateReport } from '../src/gates/evaluate-gates.ts'
import { CaseSchema, RunSchema, type Case, type Run } from '../src/model/results.ts'
import { isRunId, RUN_ID_RULE } from '../src/model/vocabulary.ts'
import { manualResults, outcomeStepsProblem, type AcceptedOutcome } from '../src/manual/manual-results.ts'
import { historyBuilds, historyIndex, MANUAL_ENVIRONMENT, MATRIX_HISTORY, sameBuilds, type HistoryIndex, type Matrix } from '../src/matrix/matrix-from.ts'
import { matrixDigest } from '../src/matrix/matrix-digest.ts'
import { writeReports } from '../src/reports/write-reports.ts'
import { mergeRuns, orderBuilds, OutOfOrder, type MergedCase, type ResultSet, type RunSource } from '../src/results/merge-results.ts'
import { EVIDENCE_TYPES } from './media-types.ts'
import { LiveCatalogue, type HubCatalogue, type HubScenario } from './hub-catalogue.ts'
import { HttpError } from './server/http-error.ts'
import { checkText } from './server/input-hygiene.ts'
import type { Assignment, CaseSummary, HubStore, Outcome, OutcomeInput, TokenRecord, Verdict } from './store/hub-store.ts'
import type { Role } from './tokens.ts'

/** Who is asking: a token's record (never its secret). */
export type Principal = TokenRecord

export interface HubLimits {
  /** largest evidence file */
  maxEvidenceBytes: number
  /** how long a claim holds an assignment */
  claimHours: number
  /** a matrix page with more scenarios shows each feature's on a page of its own */
  matrixInlineScenarios: number
}

/** An outcome awaiting review; `supersedes` is the accepted version of the same tester it would replace. */
export type PendingOutcome = Outcome & { supersedes?: { id: number; version: number; status: Outcome['status'] } }

/** Builds' merges kept for views: a matrix's window of ten, twice, and a gate's baseline. */
const MERGED_BUILDS_KEPT = 24

/** Rendered matrices kept (a 5,000-scenario page is megabytes). */
const RENDERED_KEPT = 8
/** history indexes kept (a few megabytes each at 5,000 scenarios × 4 environments) */
const INDEXES_KEPT = 4

type BuildStamps = Awaited<ReturnType<HubStore['buildOrder']>>

/** Where manual outcomes are taken when the scope declares no `manual-environments:`. */
export const DEFAULT_MANUAL_ENVIRONMENTS: readonly ManualEnvironment[] = [{ id: MANUAL_ENVIRONMENT, name: 'Community', description: "the tester's own machine" }]

export interface Conflict {
  caseId: string
  environment: string
  outcomes: { id: number; testerName: string; status: string }[]
}

/**
 * What the hub does, whatever asks (the API, the web pages): every rule about roles, ownership,
 * reviews and what counts lives here, so both faces enforce the same ones.
 */
export class HubService {
  private matrixCache = new Map<string, { stamp: string; matrix: Matrix }>()
  /** the history index of the builds before a shown one, by their stamps (matrix-from historyIndex) */
  private readonly indexes = new Map<string, { index: HistoryIndex; stamps: string[] }>()
  /** matrices being made: a second view of the same build waits for the first */
  private readonly making = new Map<string, Promise<{ matrix: Matrix; stamp: string }>>()
  private warming?: Promise<void>
  private stopping = false
  private readonly rendered = new Map<string, { stamp: string; text: string }>()
  private stamps?: BuildStamps & { changes: string }
  /** builds merged for views, most recently used last (view, mergedBuild) */
  private readonly merged = new Map<string, { stamp: string; results: ResultSet }>()
  private readonly knownBuilds = new Set<string>()
  private readonly openBuilds = new Set<string>()
  private readonly principals = new Map<string, { principal: Principal | undefined; until: number }>()

  constructor(
    readonly store: HubStore,
    private readonly catalogue: HubCatalogue | LiveCatalogue,
    readonly limits: HubLimits,
  ) {}

  /** The project's scope and scenarios as they are now (a live catalogue follows edits). */
  get project(): HubCatalogue {
    const project = this.catalogue instanceof LiveCatalogue ? this.catalogue.get() : this.catalogue
    // matrices are made from the catalogue: a new one makes them stale
    if (project !== this.matrixOf) {
      this.matrixCache.clear()
      this.merged.clear()
      this.rendered.clear()
      this.indexes.clear()
      this.matrixOf = project
    }
    return project
  }

  private matrixOf?: HubCatalogue

  /**
   * The token's holder. Looked up once a second at most per token: a submission then costs one
   * statement. A revocation through this hub takes effect at once; one made in the database by
   * another process within a second.
   */
  async principal(secret: string): Promise<Principal | undefined> {
    const now = Date.now()
    const cached = this.principals.get(secret)
    if (cached && cached.until > now) return cached.principal
    const principal = await this.store.tokenFor(secret)
    if (this.principals.size > 10_000) this.principals.clear()
    this.principals.set(secret, { principal, until: now + 1000 })
    return principal
  }

  forgetPrincipals(): void {
    this.principals.clear()
  }

  /** The environments manual outcomes are taken for: the scope's `manual-environments:`, else `community`. */
  get manualEnvironments(): readonly ManualEnvironment[] {
    return this.project.scope?.['manual-environments'] ?? DEFAULT_MANUAL_ENVIRONMENTS
  }

  /** The environment a manual outcome or assignment names, refused with 422 unless the scope declares it. */
  manualEnvironment(id: string | undefined): string {
    const environments = this.manualEnvironments
    const chosen = id ?? (environments.some((e) => e.id === MANUAL_ENVIRONMENT) ? MANUAL_ENVIRONMENT : environments[0]!.id)
    if (environments.some((e) => e.id === chosen)) return chosen
    const where = this.project.scope ? `manual-environments: in ${path.basename(this.project.scope.file)}` : 'manual-environments: in the milestone scope'
    throw new HttpError(422, `environment: "${chosen.slice(0, 100)}" is not an environment for manual testing; choose one of ${environments.map((e) => e.id).join(', ')} (QA declares more under ${where})`, 'environment')
  }

  need(principal: Principal, ...roles: Role[]): void {
    if (!roles.includes(principal.role)) throw new HttpError(403, `this needs a ${roles.join(' or ')} token; yours (${principal.name}) is ${principal.role}`)
  }

  scenario(id: string): HubScenario {
    const found = this.project.scenarios.get(id)
    if (!found) throw new HttpError(404, `no scenario ${id} in this project's features; list them with GET /api/v1/scenarios`)
    return found
  }

  async requireBuild(build: string): Promise<void> {
    // Builds are never removed: one seen is known for good.
    if (this.knownBuilds.has(build)) return
    if (await this.store.hasBuild(build)) this.knownBuilds.add(build)
    else throw new HttpError(404, `no build "${build}" on this hub; QA creates it (POST /api/v1/builds) or CI pushes its runs`)
  }

  /** Builds are never closed: one seen open is open for good (a submission costs no extra query). */
  private async isOpenForManualTesting(build: string): Promise<boolean> {
    if (this.openBuilds.has(build)) return true
    const open = await this.store.isOpenForManualTesting(build)
    if (open) this.openBuilds.add(build)
    return open
  }

  // builds, tokens ----------------------------------------------------------------------------

  /** CI makes a build known; QA also opens it for manual testing (outcomes are taken for open builds only). */
  async createBuild(principal: Principal, name: string): Promise<void> {
    this.need(principal, 'qa', 'ci')
    if (principal.role === 'qa') await this.store.openBuildForManualTesting(name)
    else await this.store.ensureBuild(name)
  }

  // pushed runs -------------------------------------------------------------------------------

  async beginRun(principal: Principal, id: string, body: unknown): Promise<{ received: number; complete: boolean; cases: number }> {
    this.need(principal, 'ci', 'qa')
    const b = body as { run?: unknown; cases?: unknown }
    const parsed = RunSchema.safeParse(b?.run)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new HttpError(422, `run.${issue.path.join('.')}: ${issue.message}`, `run.${issue.path.join('.')}`)
    }
    if (JSON.stringify(parsed.data).includes('\\u0000')) throw new HttpError(422, 'run: a text holds a NUL character, which the hub cannot store', 'run')
    if (parsed.data.id !== id) throw new HttpError(422, `run.id "${parsed.data.id}" is not the id in the address (${id})`, 'run.id')
    // it names the run's file wherever the run is pulled to
    if (!isRunId(id)) throw new HttpError(422, `run.id "${id}": ${RUN_ID_RULE}`, 'run.id')
    if (!Number.isInteger(b.cases) || (b.cases as number) < 0) throw new HttpError(422, 'cases: the number of cases the run holds', 'cases')
    const record = await this.store.beginRun(parsed.data as Run, b.cases as number, principal.id)
    if (record.caseCount !== b.cases) throw new HttpError(409, `run ${id} is on the hub with ${record.caseCount} cases, not ${String(b.cases)}: a run id names one set of results`)
    return { received: record.received, complete: record.complete, cases: record.caseCount }
  }

  async addCases(principal: Principal, id: string, from: number, text: string): Promise<{ received: number }> {
    this.need(principal, 'ci', 'qa')
    const record = await this.store.runRecord(id)
    if (!record) throw new HttpError(404, `no run ${id} on the hub; start it with PUT /api/v1/runs/${id}`)
    if (!Number.isInteger(from) || from < 0 || from > record.received) throw new HttpError(409, `cases must continue from ${record.received} (from=${from})`)
    const lines = text.split('\n').filter((l) => l.length > 0)
    if (from + lines.length > record.caseCount) throw new HttpError(422, `run ${id} holds ${record.caseCount} cases; ${from + lines.length} sent`)
    const summaries = lines.map((line, i) => {
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch {
        throw new HttpError(422, `line ${i + 1}: not JSON`, `lines.${i}`)
      }
      const parsed = CaseSchema.safeParse(value)
      if (!parsed.success) throw new HttpError(422, `line ${i + 1}: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`, `lines.${i}.${parsed.error.issues[0]!.path.join('.')}`)
      return { id: parsed.data.id, status: parsed.data.status, flaky: parsed.data.flaky }
    })
    return { received: await this.store.addCases(id, from, lines, summaries) }
  }

  async completeRun(principal: Principal, id: string): Promise<{ received: number; complete: boolean }> {
    this.need(principal, 'ci', 'qa')
    const record = await this.store.completeRun(id)
    if (!record) throw new HttpError(404, `no run ${id} on the hub`)
    if (!record.complete) throw new HttpError(409, `run ${id} has ${record.received} of ${record.caseCount} cases; send the rest first`)
    return { received: record.received, complete: true }
  }

  // assignments -------------------------------------------------------------------------------

  async assign(principal: Principal, body: { build: string; environment?: string; scenarios?: string[]; allManual?: true; tester?: string; due?: string }): Promise<Assignment[]> {
    this.need(principal, 'qa')
    await this.requireBuild(body.build)
    const environment = this.manualEnvironment(body.environment)
    const ids = body.allManual ? [...this.project.scenarios.values()].filter((s) => s.manual && !s.wip).map((s) => s.id) : (body.scenarios ?? [])
    if (ids.length === 0) throw new HttpError(422, body.allManual ? 'the project has no @manual scenario to assign' : 'scenarios: name at least one scenario id, or set allManual', 'scenarios')
    for (const id of ids) this.scenario(id)
    let tester: string | undefined
    if (body.tester) {
      const record = await this.store.tokenByName(body.tester)
      if (!record) throw new HttpError(404, `no token named "${body.tester}"; create it with bdd-matrix token create --role tester --name ${body.tester}`)
      tester = record.id
    }
    return this.store.assign({ build: body.build, environment, caseIds: ids, ...(tester ? { tester } : {}), assignedBy: principal.id, ...(body.due ? { due: body.due } : {}) })
  }

  async assignments(principal: Principal, build?: string): Promise<Assignment[]> {
    return this.store.assignments({ ...(build ? { build } : {}), ...(principal.role === 'qa' ? {} : { testerOrOpen: principal.name }) })
  }

  async claim(principal: Principal, id: number): Promise<Assignment> {
    this.need(principal, 'tester', 'qa')
    const claimed = await this.store.claim(id, principal.id, this.limits.claimHours)
    if (claimed === 'missing') throw new HttpError(404, `no assignment ${id}`)
    if (!claimed) throw new HttpError(409, `assignment ${id} is held by another tester`)
    return claimed
  }

  // evidence and outcomes ---------------------------------------------------------------------

  async uploadEvidence(principal: Principal, mediaType: string, fileName: string, body: Buffer): Promise<{ file: string; name: string; mediaType: string; size: number }> {
    this.need(principal, 'tester', 'qa')
    checkText('file name', fileName, 500)
    const type = mediaType.split(';')[0]!.trim().toLowerCase()
    const ext = Object.hasOwn(EVIDENCE_TYPES, type) ? EVIDENCE_TYPES[type]![0] : undefined
    if (!ext) throw new HttpError(415, `${fileName ? `${fileName.slice(0, 200)}: ` : ''}evidence of type ${type || '(none)'} is not taken; send a screenshot, log, recording or archive (${[...new Set(Object.values(EVIDENCE_TYPES).flat())].map((e) => `.${e}`).join(' ')}: ${Object.keys(EVIDENCE_TYPES).join(', ')})`, 'evidence')
    if (body.length === 0) throw new HttpError(422, 'the evidence file is empty', 'body')
    if (body.length > this.limits.maxEvidenceBytes) throw new HttpError(413, `evidence is limited to ${this.limits.maxEvidenceBytes} bytes; this file has ${body.length}`)
    const file = `attachments/${createHash('sha256').update(body).digest('hex').slice(0, 24)}.${ext}`
    await this.store.putBlob(file, type, body)
    return { file, name: fileName.slice(0, 200) || file, mediaType: type, size: body.length }
  }

  async submit(
    principal: Principal,
    key: string | undefined,
    body: { build: string; scenario: string; environment?: string; status: OutcomeInput['status']; steps?: OutcomeInput['steps']; comment?: string; elapsedMs?: number; details?: Record<string, string>; defects?: string[]; evidence?: (string | { file: string; name: string })[]; contentHash?: string },
    evidenceNames: Record<string, string> = {},
  ): Promise<{ outcome: Outcome; replayed: boolean }> {
    this.need(principal, 'tester', 'qa')
    if (!key || !/^[\x21-\x7e]{8,200}$/.test(key)) throw new HttpError(400, 'every submission carries an Idempotency-Key header (8 to 200 visible characters, e.g. a UUID); send the same key again to retry safely', 'Idempotency-Key')
    const scenario = this.scenario(body.scenario)
    await this.requireBuild(body.build)
    const environment = this.manualEnvironment(body.environment)
    if (!(await this.isOpenForManualTesting(body.build)))
      throw new HttpError(422, `build: ${body.build} is not open for manual testing; QA opens a build (the Builds page, or POST /api/v1/builds with a qa token) or assigns scenarios on it`, 'build')
    if (!scenario.manual && !(await this.store.assignments({ build: body.build })).some((a) => a.caseId === scenario.id))
      throw new HttpError(422, `scenario: "${scenario.name}" is automated (CI runs it); outcomes are taken for @manual scenarios and for scenarios QA assigned on ${body.build}`, 'scenario')
    const stepsProblem = outcomeStepsProblem(body.status, body.steps ?? [], scenario.steps)
    if (stepsProblem) throw new HttpError(422, stepsProblem.message, stepsProblem.field)
    const evidence: OutcomeInput['evidence'] = []
    if (body.evidence?.length) {
      const given = body.evidence.map((e) => (typeof e === 'string' ? { file: e, name: evidenceNames[e] ?? e } : e))
      const missing = await this.store.missingBlobs(given.map((e) => e.file))
      if (missing.length) throw new HttpError(422, `evidence: ${missing[0]} was not uploaded; upload it first (POST /api/v1/evidence)`, 'evidence')
      for (const { file, name } of given) {
        const blob = await this.store.blob(file)
        evidence.push({ file, name, mediaType: blob!.mediaType, size: blob!.body.length })
      }
    }
    const input: OutcomeInput = {
      build: body.build,
      environment,
      caseId: scenario.id,
      status: body.status,
      steps: body.steps ?? [],
      ...(body.comment ? { comment: body.comment } : {}),
      ...(body.elapsedMs !== undefined ? { elapsedMs: body.elapsedMs } : {}),
      details: body.details ?? {},
      defects: body.defects ?? [],
      evidence,
      contentHash: body.contentHash ?? scenario.contentHash,
    }
    const result = await this.store.submitOutcome(principal.id, key, { ...input, testerName: principal.name })
    if ('conflict' in result) throw new HttpError(409, result.conflict, 'Idempotency-Key')
    return result
  }

  async outcomes(principal: Principal, build?: string): Promise<Outcome[]> {
    this.need(principal, 'tester', 'qa')
    return this.store.outcomes({ ...(build ? { build } : {}), ...(principal.role === 'qa' ? {} : { person: principal.name }) })
  }

  async outcome(principal: Principal, id: number): Promise<Outcome> {
    this.need(principal, 'tester', 'qa')
    const found = await this.store.outcome(id)
    if (!found) throw new HttpError(404, `no outcome ${id}`)
    if (principal.role !== 'qa' && found.testerName !== principal.name) throw new HttpError(403, `outcome ${id} is another tester's`)
    return found
  }

  async review(principal: Principal, id: number, verdict: Verdict, reason?: string): Promise<Outcome> {
    this.need(principal, 'qa')
    const found = await this.store.outcome(id)
    if (!found) throw new HttpError(404, `no outcome ${id}`)
    if (found.testerName === principal.name) throw new HttpError(403, `outcome ${id} is your own: another QA member reviews it`)
    if (verdict !== 'accepted' && !reason) throw new HttpError(422, `reason: say why (the tester sees it) when the verdict is ${verdict}`, 'reason')
    if (!(await this.store.isLatestVersion(found))) throw new HttpError(409, `outcome ${id} was replaced by a newer version from ${found.testerName}; review that one`)
    const reviewed = await this.store.review(id, principal.id, verdict, reason)
    return reviewed
  }

  /**
   * Latest versions awaiting a verdict (none yet, or needs-info answered by a new version), each
   * with the accepted version it would replace, and conflicts.
   */
  async reviewQueue(principal: Principal, build: string): Promise<{ pending: PendingOutcome[]; conflicts: Conflict[] }> {
    this.need(principal, 'qa')
    await this.requireBuild(build)
    const all = await this.store.outcomes({ build })
    const counting = new Map(countingOutcomes(all).map((o) => [personCell(o), o]))
    const pending = latestVersions(all)
      .filter((o) => !o.review)
      .map((o): PendingOutcome => {
        const accepted = counting.get(personCell(o))
        return accepted ? { ...o, supersedes: { id: accepted.id, version: accepted.version, status: accepted.status } } : o
      })
    return { pending, conflicts: conflictsOf(all) }
  }

  // what counts ------------------------------------------------------------------------------

  /** What counts for a build: each tester's latest accepted version per scenario × environment. */
  async accepted(build: string): Promise<AcceptedOutcome[]> {
    return acceptedOf(await this.store.outcomes({ build }))
  }

  /** The build's manual runs: what counts, each cell with the newer outcomes that await review. */
  async manualResults(build: string): Promise<{ run: Run; cases: Case[] }[]> {
    const all = await this.store.outcomes({ build })
    const awaiting = awaitingReview(all).map((o) => ({ caseId: o.caseId, environment: o.environment, testerName: o.testerName, status: o.status }))
    return manualResults(build, acceptedOf(all), this.project.scenarios, { ...(this.project.scope ? { milestone: this.project.scope.milestone } : {}), awaiting })
  }

  /**
   * The merged results a view of `build` reads, never the whole hub: the build's own runs in full,
   * and each case's status alone in the `earlier` builds of its window (below); each with its
   * accepted manual outcomes. Builds are ordered by the one
   * rule (orderBuilds) over every build's name, and each build is merged by the one rule
   * (mergeRuns) on its own — a build's cells depend on its runs alone — so a view is the same as
   * the merge of all results (tested). Each build's merge is kept while its stamp in the store
   * holds (complete runs never change; a run, an outcome or a review moves it), so a matrix after a
   * push reads only the new run, and instances sharing a server never serve another's stale merge.
   */
  private async view(build: string, earlier: string[], stamps: BuildStamps): Promise<ResultSet> {
    const parts: ResultSet[] = []
    for (const b of [build, ...earlier]) parts.push(await this.mergedBuild(b, b === build ? 'full' : 'statuses', stamps.stamps.get(b)?.stamp ?? ''))
    const runs = parts.flatMap((p) => p.runs).sort((a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.id.localeCompare(b.id))
    const lastRun = new Map<string, string>()
    for (const run of runs) lastRun.set(run.build, run.finishedAt)
    const builds = new Map(parts.flatMap((p) => [...p.builds]))
    return { runs, skipped: parts.flatMap((p) => p.skipped), builds, order: orderBuilds([...builds.keys()], lastRun) }
  }

  /**
   * The builds before `build` that a view reads — the `history - 1` before it and `also` (a gate's
   * baseline further back) — and a stamp of everything it reads.
   */
  private window(build: string, history: number, { order, stamps }: BuildStamps, also: (order: string[]) => (string | undefined)[] = () => []): { builds: string[]; stamp: string } {
    const at = order.indexOf(build)
    const builds = [...new Set([...order.slice(Math.max(0, at - history + 1), at), ...also(order)])].filter((b): b is string => b !== undefined && b !== build && stamps.has(b))
    return { builds, stamp: [build, ...builds].map((b) => `${b}=${stamps.get(b)?.stamp ?? ''}`).join(';') }
  }

  /**
   * Every build's stamp, read again only when the store's changed (one cheap query): a view
   * then costs no query of its builds while nothing happened.
   */
  private async buildStamps(): Promise<BuildStamps> {
    const changes = await this.store.changeStamp()
    if (this.stamps?.changes !== changes) this.stamps = { changes, ...(await this.store.buildOrder()) }
    return this.stamps
  }

  /** One build's runs and accepted manual outcomes merged, in full or as statuses, from the cache while its stamp holds. */
  private async mergedBuild(build: string, detail: 'full' | 'statuses', stamp: string): Promise<ResultSet> {
    const key = `${detail}\u0000${build}`
    const project = this.project
    const cached = this.merged.get(key)
    if (cached && cached.stamp === stamp) {
      // most recently used last: the oldest goes first when the cache is full
      this.merged.delete(key)
      this.merged.set(key, cached)
      return cached.results
    }
    const runs = await this.store.runs([build])
    // Only runs were added since (the usual push): they are merged on top of what was kept,
    // unless one of them comes before the kept ones in the merge's order.
    if (cached && onlyRunsAdded(cached.stamp, stamp)) {
      const known = new Set([...cached.results.runs, ...cached.results.skipped.map((s) => s.run)].map((r) => r.id))
      const added = runs.filter((r) => !known.has(r.id))
      try {
        const results = await mergeRuns(await this.runSources(added, detail), { ...(project.scope ? { milestone: project.scope.milestone } : {}), base: cached.results })
        return this.keepMerged(key, stamp, results)
      } catch (error) {
        if (!(error instanceof OutOfOrder)) throw error
      }
    }
    const sources = await this.runSources(runs, detail)
    for (const { run, cases } of await this.manualResults(build))
      sources.push({
        run,
        file: `hub manual results of ${build}`,
        readCases: async (onCase) => cases.forEach((c, i) => onCase(c, i + 2)),
      })
    return this.keepMerged(key, stamp, await mergeRuns(sources, { ...(project.scope ? { milestone: project.scope.milestone } : {}) }))
  }

  private keepMerged(key: string, stamp: string, results: ResultSet): ResultSet {
    this.merged.delete(key)
    this.merged.set(key, { stamp, results })
    while (this.merged.size > MERGED_BUILDS_KEPT) this.merged.delete(this.merged.keys().next().value!)
    return results
  }

  /** Pushed runs as merge sources: their cases in full, or each case's status alone (one query). */
  private async runSources(runs: Run[], detail: 'full' | 'statuses'): Promise<RunSource[]> {
    const scenarios = this.project.scenarios
    const summaries = detail === 'statuses' ? await this.store.caseSummaries(runs.map((r) => r.id)) : undefined
    return runs.map((run) =>
      summaries
        ? { run, file: `hub run ${run.id}`, readCases: async (onCase) => summaries.get(run.id)!.forEach((c, i) => onCase(summaryCase(c, scenarios.get(c.id)?.name ?? c.id, run), i + 2)) }
        : { run, file: `hub run ${run.id}`, readCases: (onCase) => this.store.caseLines(run.id, onCase) },
    )
  }

  /**
   * The release gate of a build on the hub's results and approvals. Lint is judged on syntax
   * alone here: step definitions are the project's code, which the hub does not load (the CI gate
   * job does).
   */
  async gate(build: string): Promise<GateReport> {
    if (!this.project.scope) throw new HttpError(404, 'the project has no milestone scope: there is no gate')
    await this.requireBuild(build)
    const { gatePathFor } = await import('../src/gates/gate-file.ts')
    const { previewGate } = await import('../src/gates/preview-gate.ts')
    const file = gatePathFor(this.project.scope.file)
    // (named in the project, as the CLI names it: the server's own folders are no client's business)
    const shown = path.relative(this.project.root, file)
    if (!existsSync(file)) throw new HttpError(404, `no gate file beside the scope (${shown}); draft the release criteria there with bdd-matrix gate init`)
    try {
      const { checkGateInputs, gateHistory, resolveBaseline } = await import('../src/gates/evaluate-gates.ts')
      const { loadGateFile } = await import('../src/gates/gate-file.ts')
      const gates = loadGateFile(file, shown)
      // the builds the gate compares with, over every build: its baseline, and the previous
      // candidate and the last release its report shows the changes since (evaluateGates)
      const baselineOf = (order: string[]) => {
        const every = { runs: [], skipped: [], order, builds: new Map(order.map((b) => [b, new Map()])) }
        return [gates.baseline, 'previous-rc', 'last-release'].map((rule) => resolveBaseline({ ...gates, baseline: rule }, build, every).build)
      }
      const stamps = await this.buildStamps()
      const results = await this.view(build, this.window(build, gateHistory(gates), stamps, baselineOf).builds, stamps)
      checkGateInputs(gates, build, results, this.project.scope)
      const report = previewGate({ build, results, order: stamps.order, scope: this.project.scope, catalogue: this.project.catalogue, uriPrefix: this.project.uriPrefix, today: new Date().toISOString().slice(0, 10), approvals: await this.store.approvals(build), openIssuesWhy: 'the hub does not ask GitLab (the CI gate job does)', cwd: this.project.root })
      return report!
    } catch (error) {
      if (error instanceof UserError) throw new HttpError(422, error.message)
      throw error
    }
  }

  /**
   * A QA member approves a build for release as its results stand now: the approval keeps their
   * hash (matrix-digest.ts), and the gate counts it only while the results are the same.
   */
  async approve(principal: Principal, build: string, comment?: string): Promise<void> {
    this.need(principal, 'qa')
    await this.requireBuild(build)
    const judged = this.project.scope ? matrixDigest(await this.matrix(build)) : undefined
    await this.store.approve(build, principal.id, comment, judged)
  }

  /** The live matrix of a build, from the same report pipeline as `bdd-matrix matrix`. */
  async matrix(build: string): Promise<Matrix> {
    return (await this.matrixWithStamp(build)).matrix
  }

  /**
   * The matrix of a build rendered as `kind` says (JSON for the API, HTML for the page, one
   * feature's page…), kept while its results hold: a 5,000-scenario matrix is megabytes, and
   * rendering it again for every view costs more than reading it.
   */
  async renderedMatrix(build: string, kind: string, render: (matrix: Matrix) => string): Promise<string> {
    const { matrix, stamp } = await this.matrixWithStamp(build)
    const key = `${kind}\u0000${build}`
    const kept = this.rendered.get(key)
    if (kept?.stamp === stamp) return kept.text
    const text = render(matrix)
    this.rendered.delete(key)
    this.rendered.set(key, { stamp, text })
    while (this.rendered.size > RENDERED_KEPT) this.rendered.delete(this.rendered.keys().next().value!)
    return text
  }

  private async matrixWithStamp(build: string): Promise<{ matrix: Matrix; stamp: string }> {
    if (!this.project.scope) throw new HttpError(404, 'the project has no milestone scope (features/milestones/*.yaml): there is no matrix to show')
    await this.requireBuild(build)
    const stamps = await this.buildStamps()
    const window = this.window(build, MATRIX_HISTORY, stamps)
    const cached = this.matrixCache.get(build)
    if (cached?.stamp === window.stamp) return cached
    const key = `${build}\u0000${window.stamp}`
    let making = this.making.get(key)
    if (!making) {
      making = (async () => {
        const results = await this.view(build, window.builds, stamps)
        // The builds before this one change far less often than it does (a push goes to the
        // newest): their statuses are indexed once and kept while their stamps hold.
        const earlier = historyBuilds(results.order, build).slice(0, -1)
        const stampsOf = earlier.map((b) => stamps.stamps.get(b)?.stamp ?? '')
        const indexKey = earlier.map((b, i) => `${b}=${stampsOf[i]}`).join(';')
        let index = this.indexes.get(indexKey)?.index
        if (!index) {
          // An index of the same builds, some changed since (a push to one of them): only those
          // are read again, the fewest changed first.
          let since: { index: HistoryIndex; changed: number[] } | undefined
          for (const kept of this.indexes.values()) {
            if (!sameBuilds(kept.index.builds, earlier)) continue
            const changed = stampsOf.flatMap((stamp, i) => (stamp === kept.stamps[i] ? [] : [i]))
            if (!since || changed.length < since.changed.length) since = { index: kept.index, changed }
          }
          index = since && since.changed.length <= earlier.length / 2 ? historyIndex(results, earlier, since) : historyIndex(results, earlier)
          this.indexes.set(indexKey, { index, stamps: stampsOf })
          while (this.indexes.size > INDEXES_KEPT) this.indexes.delete(this.indexes.keys().next().value!)
        }
        const outcome = await writeReports({ resultsDir: '', results, build, scope: this.project.scope!, catalogue: this.project.catalogue, uriPrefix: this.project.uriPrefix, ...(this.project.scopeDrift ? { scopeDrift: this.project.scopeDrift } : {}), writers: [], allowEmptyBuild: true, historyIndex: index, keepMatrix: true })
        const entry = { stamp: window.stamp, matrix: outcome.matrix! }
        this.matrixCache.set(build, entry)
        return entry
      })().finally(() => this.making.delete(key))
      this.making.set(key, making)
    }
    return making
  }

  /**
   * Makes the matrices of the newest builds in the background, one after another, so that the
   * first views after a start are not the ones that read the history (seconds, at a year of it).
   * A failure is logged, never thrown: views make what they need anyway.
   */
  warm(count: number, log: (line: string) => void): Promise<void> {
    this.warming = (async () => {
      try {
        if (!this.project.scope) return
        const { order } = await this.buildStamps()
        for (const build of order.slice(-count).reverse()) {
          if (this.stopping) return
          await this.matrixWithStamp(build)
        }
      } catch (error) {
        if (!this.stopping) log(`warming the newest matrices failed: ${(error as Error).message.split('\n')[0]}`)
      }
    })()
    return this.warming
  }

  /** Stops warming and waits for the matrix under way: the store can then be closed. */
  async quiesce(): Promise<void> {
    this.stopping = true
    await this.warming
  }
}

/** Whether a build's stamp moved by runs alone: the same build, outcomes and reviews (hub-store buildStamps). */
function onlyRunsAdded(before: string, now: string): boolean {
  const [a, b] = [before.split('/'), now.split('/')]
  return a[0] === b[0] && a[3] === b[3] && a[4] === b[4] && Number(b[1]) > Number(a[1])
}

/** A case of an earlier build as its history needs it: id, name, status, flakiness. */
function summaryCase(c: CaseSummary, name: string, run: Run): Case {
  // made with the fields the merge adds, so that adding them does not change the object's shape
  const merged: Case & Omit<MergedCase, 'seen'> & { seen?: MergedCase['seen'] } = { kind: 'case', id: c.id, uri: '', feature: '', scenario: name, name, featureIds: NONE, tags: NONE, status: c.status, flaky: c.flaky, attempts: 1, durationMs: 0, steps: NONE, attachments: NONE, nodes: NONE, source: 'automated', environment: run.environment, stage: run.stage, build: run.build, runId: run.id, seen: undefined }
  return merged
}

// shared by every summary case: the merge and the matrix only read these lists
const NONE = Object.freeze([]) as unknown as never[]

function personCell(o: Outcome): string {
  return `${o.caseId}\u0000${o.environment}\u0000${o.testerName}`
}

/** Each tester's newest version per scenario × environment (outcomes as the store lists them, any order). */
export function latestVersions(outcomes: Outcome[]): Outcome[] {
  const latest = new Map<string, Outcome>()
  for (const o of outcomes) if ((latest.get(personCell(o))?.version ?? 0) < o.version) latest.set(personCell(o), o)
  return [...latest.values()]
}

/**
 * The rule of what counts, in one place: a tester's latest *accepted* version per scenario ×
 * environment, whatever newer versions await review or were refused (a pending or rejected edit
 * never erases an accepted outcome; a newer accepted one replaces it).
 */
export function countingOutcomes(outcomes: Outcome[]): Outcome[] {
  const counting = new Map<string, Outcome>()
  for (const o of outcomes) if (o.review?.verdict === 'accepted' && (counting.get(personCell(o))?.version ?? 0) < o.version) counting.set(personCell(o), o)
  return [...counting.values()]
}

/** What counts (countingOutcomes), with what the results need of each. */
function acceptedOf(outcomes: Outcome[]): AcceptedOutcome[] {
  return countingOutcomes(outcomes).map((o) => ({
    caseId: o.caseId,
    environment: o.environment,
    testerName: o.testerName,
    status: o.status,
    steps: o.steps,
    ...(o.comment ? { comment: o.comment } : {}),
    ...(o.elapsedMs !== undefined ? { elapsedMs: o.elapsedMs } : {}),
    details: o.details,
    defects: o.defects,
    evidence: o.evidence,
    contentHash: o.contentHash,
    submittedAt: o.submittedAt,
    reviewedAt: o.review!.reviewedAt,
  }))
}

/**
 * Each tester's newest version per scenario × environment that QA has not settled: not reviewed
 * yet, or sent back for more information. It does not count, but a failure reported and not yet
 * reviewed is no pass to release on.
 */
export function awaitingReview(outcomes: Outcome[]): Outcome[] {
  return latestVersions(outcomes).filter((o) => !o.review || o.review.verdict === 'needs-info')
}

/**
 * Cells where testers disagree: per tester, the newest version unless it was rejected (then the
 * accepted one that still counts, if any).
 */
export function conflictsOf(outcomes: Outcome[]): Conflict[] {
  const counting = new Map(countingOutcomes(outcomes).map((o) => [personCell(o), o]))
  const standing = latestVersions(outcomes)
    .map((o) => (o.review?.verdict === 'rejected' ? counting.get(personCell(o)) : o))
    .filter((o): o is Outcome => o !== undefined)
  const cells = new Map<string, Outcome[]>()
  for (const o of standing) {
    const key = `${o.caseId}\u0000${o.environment}`
    cells.set(key, [...(cells.get(key) ?? []), o])
  }
  const out: Conflict[] = []
  for (const outcomes of cells.values())
    if (new Set(outcomes.map((o) => o.status)).size > 1) out.push({ caseId: outcomes[0]!.caseId, environment: outcomes[0]!.environment, outcomes: outcomes.map((o) => ({ id: o.id, testerName: o.testerName, status: o.status })) })
  return out
}
