import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { UserError, fsErrorCode } from '../errors.ts'
import type { Matrix } from '../matrix/matrix-from.ts'
import { headlineText, matrixFailed } from '../matrix/matrix-headline.ts'
import { runErrorCases } from '../results/run-error-cases.ts'
import type { MergedCase, ResultSet } from '../results/merge-results.ts'
import { buildFromEnv, buildVariable, pipelineBuild, type CliContext } from './cli-context.ts'
import { staleGateSaid } from './stale-gate.ts'
import { judgedOtherResults, STALE_VERDICT } from '../matrix/matrix-digest.ts'
import type { PublishJournal } from '../../reporters/testmo/publish-journal.ts'
import type { TestLinks } from '../../reporters/testmo/test-mapper.ts'
import type { TestmoPublisher } from '../../reporters/testmo/testmo-publisher.ts'
import { makeDirectory } from '../files.ts'

export function addPublishCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  const publish = program.command('publish').description('publish the matrix to GitLab and results to Testmo')
  addTestmoCommand(publish, ctx, exit)
  publish
    .command('gitlab')
    .description('post the Markdown matrix as one merge-request note (updated on the next pipeline; in a branch pipeline, on the branch\'s open merge requests) and set the commit status "bdd-matrix"; reads CI_* and GITLAB_TOKEN')
    .option('--matrix <file>', 'matrix JSON written by bdd-matrix matrix', 'reports/matrix.json')
    .option('--markdown <file>', 'matrix Markdown written by bdd-matrix matrix', 'reports/matrix.md')
    .option('--report-url <url>', 'the HTML matrix, linked from the note and the commit status (default: the job\'s reports/matrix.html artifact)')
    .option('--allure-url <url>', 'the Allure report, linked from the note (default: the job\'s reports/allure-report/index.html artifact, when it was generated)')
    .option('--api-url <url>', 'GitLab API (default: CI_API_V4_URL)')
    .option('--gate <file>', 'gate evidence (gate-<build>.json): heads the note, and sets the commit status "bdd-matrix/gate"')
    .option('--gitlab-issues', 'also one note per scope feature on its GitLab issue (issue: in the scope), updated in place')
    .option('--scope <file>', 'milestone scope file, for --gitlab-issues (default: the one YAML in features/milestones/)')
    .action(async (options: { matrix: string; markdown: string; reportUrl?: string; allureUrl?: string; apiUrl?: string; gate?: string; gitlabIssues?: boolean; scope?: string }) => {
      const { publishToGitLab, publishFeatureNotes, runnerCertificates, jobMergeRequests } = await import('../../reporters/gitlab/gitlab-publisher.ts')
      const env = ctx.env
      const apiUrl = options.apiUrl ?? env.CI_API_V4_URL
      if (!apiUrl || !env.CI_PROJECT_ID) throw new UserError('GITLAB_CONTEXT', 'not in a GitLab CI job: CI_API_V4_URL and CI_PROJECT_ID are not set (set them, or pass --api-url)')
      const mergeRequests = jobMergeRequests(env)
      if (!mergeRequests.iids.length && !env.CI_COMMIT_SHA && !options.gitlabIssues)
        throw new UserError('GITLAB_CONTEXT', 'nothing to publish to: no merge request (CI_MERGE_REQUEST_IID in merge-request pipelines, CI_OPEN_MERGE_REQUESTS in branch pipelines) and no CI_COMMIT_SHA')
      const ca = runnerCertificates(env)
      const matrix = readMatrix(path.resolve(ctx.cwd, options.matrix))
      // The note and the statuses go on this pipeline's commit: a matrix of another build (the
      // newest one a pull brought, written without --build) would speak for it. Said, as the build
      // may be named otherwise on purpose (--build everywhere, no BDD_MATRIX_BUILD).
      // Its results are not of this commit, so its commit status is never success: pending, as
      // a stale gate verdict is, or failed where it failed.
      const ownBuild = pipelineBuild(env)
      const otherBuild = Boolean(env.CI_COMMIT_SHA && ownBuild !== undefined && matrix.build !== ownBuild)
      if (otherBuild)
        ctx.stderr.write(`bdd-matrix: ${options.matrix} is the matrix of build ${matrix.build}, not of this pipeline's (${ownBuild}, from ${buildVariable(env)}), and is published on commit ${env.CI_COMMIT_SHA!.slice(0, 8)}${matrixFailed(matrix) ? '' : ', its commit status pending, not success'}; if that is not meant, write it with bdd-matrix matrix --build ${ownBuild} (or set BDD_MATRIX_BUILD to the build's name)\n`)
      let markdown = readText(path.resolve(ctx.cwd, options.markdown))
      const gate = options.gate ? await readGate(ctx, options.gate, matrix.build, matrix) : undefined
      if (gate) {
        const { gateToMarkdown } = await import('../../reporters/markdown/gate-markdown.ts')
        const { staleVerdictLine } = await import('../../reporters/markdown/matrix-markdown.ts')
        // a matrix written with --gate already carries it
        if (!markdown.startsWith('### Release gate')) markdown = `${gateToMarkdown(gate.report)}\n${gate.stale ? `${staleVerdictLine()}\n\n` : ''}${markdown}`
      }
      const reportUrl = options.reportUrl ?? (env.CI_JOB_URL ? `${env.CI_JOB_URL}/artifacts/file/${path.relative(ctx.cwd, path.resolve(ctx.cwd, options.matrix)).replace(/matrix\.json$/, 'matrix.html')}` : undefined)
      const allureIndex = path.join(path.dirname(path.resolve(ctx.cwd, options.matrix)), 'allure-report/index.html')
      const allureUrl = options.allureUrl ?? (env.CI_JOB_URL && existsSync(allureIndex) ? `${env.CI_JOB_URL}/artifacts/file/${path.relative(ctx.cwd, allureIndex).split(path.sep).join('/')}` : undefined)
      // The note links what it summarises: the HTML matrix (every scenario, steps, logs), the Allure report, the pipeline.
      const links = [...(reportUrl ? [`[HTML matrix](${reportUrl})`] : []), ...(allureUrl ? [`[Allure report](${allureUrl})`] : []), ...(env.CI_PIPELINE_URL ? [`[Pipeline](${env.CI_PIPELINE_URL})`] : [])]
      if (links.length) markdown = `${markdown.trimEnd()}\n\n${links.join(' · ')}\n`
      const publication = {
        markdown,
        state: matrixFailed(matrix) ? ('failed' as const) : otherBuild ? ('pending' as const) : ('success' as const),
        description: `${matrix.build}${otherBuild ? ` (not this commit's build, ${ownBuild})` : ''}: ${headlineText(matrix)}`,
        ...(reportUrl ? { targetUrl: reportUrl } : {}),
        ...(gate ? { gate: { state: gate.state, description: gate.summary } } : {}),
      }
      const target = { apiUrl, projectId: env.CI_PROJECT_ID, token: (env.GITLAB_TOKEN ?? '').trim(), proxy: { env }, ...(ca ? { ca } : {}) }
      const log = { log: (line: string) => ctx.stderr.write(`${line}\n`) }
      const noted = (iid: string, note: { id: number; action: string } | undefined): void => {
        if (note) ctx.stdout.write(`merge-request note ${note.action}${mergeRequests.fromBranch ? ` on !${iid}` : ''} (note ${note.id})\n`)
      }
      // the first merge request's note with the commit's statuses, then any other's note alone
      const [first, ...others] = mergeRequests.iids
      const outcome = await publishToGitLab(
        {
          ...target,
          ...(first ? { mergeRequestIid: first } : {}),
          ...(env.CI_COMMIT_SHA ? { sha: env.CI_COMMIT_SHA } : {}),
          ...(env.CI_COMMIT_REF_NAME ? { ref: env.CI_COMMIT_REF_NAME } : {}),
          ...(env.CI_PIPELINE_ID ? { pipelineId: env.CI_PIPELINE_ID } : {}),
        },
        publication,
        log,
      )
      noted(first ?? '', outcome.note)
      for (const iid of others) noted(iid, (await publishToGitLab({ ...target, mergeRequestIid: iid }, publication, log)).note)
      for (const entry of mergeRequests.elsewhere) ctx.stdout.write(`merge request ${entry} is not in this project (${env.CI_PROJECT_PATH ?? 'CI_PROJECT_PATH not set'}): no note there\n`)
      if (outcome.status) ctx.stdout.write(`commit status bdd-matrix: ${outcome.status.state}\n`)
      if (outcome.gateStatus) ctx.stdout.write(`commit status bdd-matrix/gate: ${outcome.gateStatus.state}\n`)
      if (options.gitlabIssues) {
        const { resolveInputs } = await import('./resolve-inputs.ts')
        const { featureNoteMarkdown } = await import('../../reporters/markdown/matrix-markdown.ts')
        const { scope } = resolveInputs(ctx, { ...(options.scope ? { scope: options.scope } : {}) })
        const tracked = scope.features.filter((f) => f.issue !== undefined && matrix.features?.some((m) => m.id === f.id))
        if (tracked.length === 0) ctx.stderr.write(`no scope feature names its GitLab issue (issue: in ${path.relative(ctx.cwd, scope.file)}): no issue notes\n`)
        const notes = await publishFeatureNotes(
          target,
          tracked.map((f) => ({ featureId: f.id, issue: f.issue!, markdown: featureNoteMarkdown(matrix as Matrix, f.id, { ...(reportUrl ? { reportUrl } : {}), ...(gate ? { gate: gate.report, gateStale: gate.stale } : {}) }) })),
          log,
        )
        for (const n of notes) ctx.stdout.write(`issue ${n.issue} (${n.featureId}): note ${n.action}\n`)
      }
      exit(0)
    })
}

/**
 * A gate evidence file, checked to be of the build published; with the matrix published, checked
 * to have judged it (matrix-digest.ts): a verdict judged before more results came in never heads
 * them as theirs — said on stderr and in its summary, and a go is then pending, not success.
 */
async function readGate(ctx: CliContext, file: string, build: string | undefined, matrix?: Parameters<typeof judgedOtherResults>[1]) {
  const { readGateEvidence, gateState, gateSummary } = await import('../gates/read-gate-evidence.ts')
  const report = readGateEvidence(path.resolve(ctx.cwd, file), file, build)
  const stale = matrix !== undefined && judgedOtherResults(report, matrix)
  if (stale) staleGateSaid(ctx, file)
  const state = gateState(report)
  return { report, stale, state: stale && state === 'success' ? ('pending' as const) : state, summary: `${gateSummary(report)}${stale ? `; ${STALE_VERDICT}` : ''}` }
}

interface TestmoOptions {
  results: string
  build?: string
  instance?: string
  projectId?: string
  proxy?: string
  name?: string
  source: string
  gate?: string
  tags?: string[]
  milestone?: string
  config?: string
  resources?: string
  threadResources?: string
  journal: string
  batchSize?: string
  parallel?: string
  reportUrl?: string
  attachmentsUrl?: string
  create?: boolean
  thread?: boolean
  complete?: boolean
  runId?: string
  runIdFile: string
  scope?: string
  features?: string
}

export function addTestmoCommand(publish: Command, ctx: CliContext, exit: (code: number) => void): void {
  publish
    .command('testmo')
    .description('publish results to Testmo as an automation run (one thread per environment/stage/shard); resumable: run it again after an interruption')
    .option('--results <dir>', 'results folder', 'results')
    .option('--build <version>', 'build (default: in a CI job, its own when the results hold it; else the latest)')
    .option('--instance <url>', 'Testmo instance, https (default: TESTMO_URL)')
    .option('--project-id <id>', 'Testmo project id (default: TESTMO_PROJECT_ID)')
    .option('--proxy <url>', 'HTTP(S) proxy for every request to Testmo, http://[user:password@]host:port; \'\' connects directly (default: HTTPS_PROXY, unless NO_PROXY names the instance)')
    .option('--name <name>', 'run name (default: "<milestone> <build>")')
    .option('--source <source>', 'Testmo source', 'bdd-matrix')
    .option('--tags <tags...>', 'run tags')
    .option('--milestone <name>', 'Testmo milestone name')
    .option('--config <name>', 'Testmo configuration name (default: the environment, when the run covers exactly one)')
    .option('--resources <file>', 'the official CLI\'s resources file (testmo automation:resources:add-field, add-link, add-artifact): its fields, links and artifacts go on the run when it is created')
    .option('--thread-resources <file>', 'a resources file (as --resources) for the thread(s) this command creates: its fields and artifacts go on each when it is created (threads have no links)')
    .option('--journal <file>', 'publish journal (what reached Testmo); in a CI job (CI set), a publish without it first asks Testmo for the run of these results, as a retried job starts without it', '.bdd-matrix/testmo-journal.json')
    .option('--batch-size <n>', 'tests per append (halved by itself when Testmo refuses a batch as too large)', '250')
    .option('--parallel <n>', 'appends in flight at once on a thread, and pages read at once when settling an interrupted publish (default 6; 1 sends them one after another, as the official CLI)')
    .option('--report-url <url>', 'link added to every test (default: the job\'s matrix.html artifact)')
    .option('--attachments-url <url>', 'where the results folder is served: node logs and other attachments are linked from their tests (default: the job\'s artifacts)')
    .option('--create', 'parallel CI: only create the run and write its id to --run-id-file')
    .option('--thread', 'parallel CI: add this job\'s results to the run as thread(s)')
    .option('--complete', 'parallel CI: complete the run')
    .option('--run-id <id>', 'run id for --thread/--complete (default: TESTMO_RUN_ID)')
    .option('--run-id-file <file>', 'dotenv file --create writes (TESTMO_RUN_ID=…)', 'testmo.env')
    .option('--gate <file>', 'gate evidence (gate-<build>.json): its verdict becomes the run\'s "Release gate" field')
    .option('--scope <file>', 'milestone scope file: each scenario it requires where nothing ran is a skipped test saying so, in a thread of its environment — with --complete, each no thread of the run has; not with --thread: one job\'s part (default: the one YAML in <features>/milestones/, when there is one)')
    .option('--features <dir>', 'features folder, with --scope', 'features')
    .action(async (options: TestmoOptions) => exit(await publishTestmo(ctx, options)))
}

async function publishTestmo(ctx: CliContext, options: TestmoOptions): Promise<number> {
  const { createHash } = await import('node:crypto')
  const { writeFileSync } = await import('node:fs')
  const env = ctx.env
  const instance = options.instance ?? env.TESTMO_URL ?? ''
  if (!instance) throw new UserError('TESTMO_URL', 'no Testmo instance: set TESTMO_URL or pass --instance https://<name>.testmo.net')
  const projectId = Number(options.projectId ?? env.TESTMO_PROJECT_ID)
  if (!(Number.isInteger(projectId) && projectId > 0)) throw new UserError('TESTMO_PROJECT', 'no Testmo project: pass --project-id N (or set TESTMO_PROJECT_ID)')
  const journalFile = path.resolve(ctx.cwd, options.journal)
  makeDirectory(path.dirname(journalFile))
  const runIdGiven = options.runId ?? env.TESTMO_RUN_ID
  const ci = { fields: runFields(env), links: runLinks(env) }
  const resultsDir = path.resolve(ctx.cwd, options.results)
  const { TestmoPublisher } = await import('../../reporters/testmo/testmo-publisher.ts')
  const batchSize = options.batchSize === undefined ? undefined : Number(options.batchSize)
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) throw new UserError('BAD_OPTION', `--batch-size "${options.batchSize}": give how many tests an append carries (the official CLI sends 250)`)
  // No request before the results are read: a publish sends no more requests than the official CLI.
  const parallel = options.parallel === undefined ? undefined : Number(options.parallel)
  if (parallel !== undefined && !(Number.isInteger(parallel) && parallel > 0 && parallel <= 32)) throw new UserError('BAD_OPTION', `--parallel "${options.parallel}": give how many appends may be in flight at once, 1 to 32 (1 sends them one after another)`)
  // Resources ride on the request that creates the run, which the journal makes happen once; added
  // to a run made earlier they would be sent again by a rerun (Testmo answers nothing to find them by).
  if (options.resources && (options.thread || options.complete)) throw new UserError('BAD_OPTION', '--resources goes with the job that creates the run (--create, or a publish in one go): its fields, links and artifacts are sent with the run\'s creation, once; a thread\'s own fields and artifacts: --thread-resources')
  if (options.threadResources && (options.create || options.complete)) throw new UserError('BAD_OPTION', '--thread-resources goes with a job that creates threads (--thread, or a publish in one go): its fields and artifacts are sent with each thread\'s creation, once')
  // loaded only when given: it brings zod, which a publish (its time is measured) does not need otherwise
  const readResources = async (file: string | undefined) => (file ? (await import('../../reporters/testmo/testmo-resources.ts')).readTestmoResources(path.resolve(ctx.cwd, file), file) : undefined)
  const resources = await readResources(options.resources)
  const threadResources = await readResources(options.threadResources)
  // as the official CLI's submit-thread does with its --thread-resources: a thread has no links
  if (threadResources?.links.length) ctx.stderr.write(`${options.threadResources}: ${threadResources.links.length} link(s) left out: Testmo threads have no links (give them to the run with --resources on the job that creates it)\n`)
  // A CI job's journal does not outlive it: a retried job starts in a fresh workspace, so there a
  // publish without its journal asks Testmo what an earlier attempt left.
  const journalMayBeLost = Boolean(env.CI) && !/^(false|0)$/i.test(env.CI ?? '')
  const publisher = new TestmoPublisher({ instance, token: (env.TESTMO_TOKEN ?? '').trim(), projectId, proxy: { env, ...(options.proxy !== undefined ? { given: options.proxy } : {}) } }, journalFile, { log: (line) => ctx.stderr.write(`${line}\n`), journalMayBeLost, ...(batchSize ? { batchSize } : {}), ...(parallel ? { parallel } : {}) })
  const { buildOf, checkBuild, mergeResults } = await import('../results/merge-results.ts')
  const results = options.create || options.complete ? undefined : await mergeResults(resultsDir, { keepStepsOfPassed: true })
  if (results) checkBuild(results, options.build, options.results)
  // (in a CI job, its own build when the results hold it: the newest may be another's, pulled)
  const build = buildOf(results, options.build, pipelineBuild(env)) ?? buildFromEnv(env)
  // A run's failures outside any scenario are published as failed tests of its thread, as JUnit has them.
  const cells: MergedCase[] = results ? [...(results.builds.get(build)?.values() ?? []), ...runErrorCases(results, build)] : []
  if (results && cells.length === 0) throw new UserError('TESTMO_EMPTY', `no cases to publish in ${path.relative(ctx.cwd, resultsDir) || '.'} for build ${build}; ingest results first (bdd-matrix ingest)`)
  // The cells the scope requires and nothing ran, as JUnit and Allure have them — but not from a
  // --thread job: it publishes its own part, and the others' results are not here to tell.
  const project = results && !options.thread ? await notRunOf(ctx, options, results, build) : undefined
  if (project) cells.push(...project.notRun)
  // (a --thread job has its own part of the results: whether the gate judged them all, it cannot tell)
  const gate = options.gate ? await readGate(ctx, options.gate, build, project?.matrix) : undefined

  if (options.complete) {
    if (!runIdGiven) throw new UserError('TESTMO_RUN', '--complete needs the run id: --run-id N or TESTMO_RUN_ID (written by --create)')
    // (a journal the same folder kept of the --create or a --thread job is not this one's)
    const journal = publisher.journal(`complete:${runIdGiven}`, { replacing: true })
    journal.runId ??= Number(runIdGiven)
    let added = ''
    if (!journal.runCompleted) {
      const notRun = await notRunInRun(ctx, options, publisher, journal, resultsDir)
      const threads = threadsOf(notRun, [], ' (not run)')
      const links = testLinks(ctx, options, resultsDir)
      for (const [key, list] of [...threads].sort(([a], [b]) => a.localeCompare(b))) await publisher.publishThread(journal, key, list, links, { complete: false })
      if (notRun.length) added = `; ${notRun.length} required cell(s) no thread had were added as skipped tests, in ${threads.size} thread(s)`
    }
    await publisher.completeRun(journal)
    ctx.stdout.write(`Testmo run ${runIdGiven} completed${added}\n`)
    return 0
  }
  const milestone = results?.runs.find((r) => r.milestone)?.milestone
  const name = options.name ?? `${milestone ?? 'bdd-matrix'} ${build}`
  const runIds = (results?.runs ?? []).filter((r) => r.build === build).map((r) => r.id).sort()
  const publication = createHash('sha256').update([publisher.origin, projectId, options.thread ? `thread:${runIdGiven}` : options.create ? `create:${name}:${env.CI_PIPELINE_ID ?? ''}` : 'run', ...runIds].join('\u0000')).digest('hex').slice(0, 16)
  const journal = publisher.journal(publication)
  if (options.thread) {
    if (!runIdGiven) throw new UserError('TESTMO_RUN', '--thread needs the run id: --run-id N or TESTMO_RUN_ID (written by --create)')
    journal.runId ??= Number(runIdGiven)
    publisher.adoptGivenRun(journal)
  } else {
    // Testmo's configuration is the environment, when the run covers exactly one.
    const environments = [...new Set(cells.map((c) => c.environment))]
    const config = options.config ?? (environments.length === 1 ? environments[0] : undefined)
    await publisher.createRun(journal, {
      name,
      source: options.source,
      ...(options.tags ? { tags: options.tags } : {}),
      ...(options.milestone ? { milestone: options.milestone } : {}),
      ...(config ? { config } : {}),
      fields: [...ci.fields, { type: 1, name: 'Build', value: build }, ...(gate ? [{ type: 1, name: 'Release gate', value: gate.summary }] : []), ...(resources?.fields ?? [])],
      links: [...ci.links, ...(resources?.links ?? [])],
      ...(resources?.artifacts.length ? { artifacts: resources.artifacts } : {}),
    })
    if (options.create) {
      writeFileSync(path.resolve(ctx.cwd, options.runIdFile), `TESTMO_RUN_ID=${journal.runId}\n`)
      ctx.stdout.write(`${journal.runId}\n`)
      return 0
    }
    // (found completed in Testmo, by a publish without this journal: none of its threads is known here)
    if (journal.runCompleted && Object.keys(journal.threads).length === 0) {
      ctx.stdout.write(`Testmo run ${journal.runId}: already published and completed (${publisher.stats.requests} request(s))\n`)
      return 0
    }
  }
  const threads = threadsOf(cells, results?.runs ?? [])
  const links = testLinks(ctx, options, resultsDir)
  for (const [key, list] of [...threads].sort(([a], [b]) => a.localeCompare(b))) await publisher.publishThread(journal, key, list, links, { complete: Boolean(options.thread), ...(threadResources ? { resources: threadResources } : {}) })
  if (!options.thread) await publisher.completeRun(journal)
  ctx.stdout.write(`Testmo run ${journal.runId}: ${cells.length} test(s) in ${threads.size} thread(s)${options.thread ? '' : ', completed'} (${publisher.stats.requests} requests, ${publisher.stats.retries} retries)\n`)
  return 0
}

/** The build's matrix and the cells the project's scope requires and nothing ran (none without a scope). */
async function notRunOf(ctx: CliContext, options: TestmoOptions, results: ResultSet, build: string): Promise<{ matrix?: Matrix; notRun: MergedCase[] }> {
  const { optionalScope } = await import('./project-scope.ts')
  const project = await optionalScope(ctx, options)
  if (!project) return { notRun: [] }
  const { matrixFrom } = await import('../matrix/matrix-from.ts')
  const { notRunCases } = await import('../matrix/not-run-cases.ts')
  const matrix = matrixFrom(results, project.scope, { build, catalogue: project.catalogue, uriPrefix: project.uriPrefix, history: 1 })
  return { matrix, notRun: notRunCases(matrix, project.catalogue, project.uriPrefix) }
}

/**
 * The cells the scope requires that no thread of the run has, for the job completing a run made
 * in parallel: the jobs' results are in Testmo, not (all) here, so Testmo's keys tell what ran —
 * less the tests this journal added, so a rerun picks what the first attempt picked.
 */
async function notRunInRun(ctx: CliContext, options: TestmoOptions, publisher: TestmoPublisher, journal: PublishJournal, resultsDir: string): Promise<MergedCase[]> {
  const { buildOf, mergeResults } = await import('../results/merge-results.ts')
  // the results here, when the job has them (its gaps are computed as the matrix's), else none
  const results: ResultSet = existsSync(resultsDir) ? await mergeResults(resultsDir) : { runs: [], skipped: [], builds: new Map(), order: [] }
  const build = buildOf(results, options.build, pipelineBuild(ctx.env)) ?? buildFromEnv(ctx.env)
  const candidates = (await notRunOf(ctx, options, results, build)).notRun
  if (!candidates.length) return []
  const { testKey } = await import('../../reporters/testmo/test-mapper.ts')
  const present = await publisher.othersKeys(journal)
  return candidates.filter((c) => !present.has(testKey(c)))
}

/** One thread per environment / stage / shard, as the parallel CI jobs ran them (a cell not run: its environment's). */
function threadsOf(cells: MergedCase[], runs: ResultSet['runs'], suffix = ''): Map<string, MergedCase[]> {
  // a case's environment and stage are its run's: one key a run, made once
  const keyOf = new Map(runs.map((r) => [r.id, `${r.environment}/${r.stage}${r.shard ? ` shard ${r.shard}` : ''}`]))
  const threads = new Map<string, MergedCase[]>()
  for (const c of cells) {
    const key = keyOf.get(c.runId) ?? `${c.environment}/${c.stage}${suffix}`
    const thread = threads.get(key)
    if (thread) thread.push(c)
    else threads.set(key, [c])
  }
  return threads
}

/** In CI the job's artifacts serve the matrix and the results folder (with its node logs). */
function testLinks(ctx: CliContext, options: TestmoOptions, resultsDir: string): TestLinks {
  const artifacts = ctx.env.CI_JOB_URL ? `${ctx.env.CI_JOB_URL}/artifacts/file` : undefined
  const reportUrl = options.reportUrl ?? (artifacts ? `${artifacts}/reports/matrix.html` : undefined)
  const inJob = path.relative(ctx.cwd, resultsDir)
  const attachmentsUrl = options.attachmentsUrl ?? (artifacts && !inJob.startsWith('..') && !path.isAbsolute(inJob) ? `${artifacts}/${inJob.split(path.sep).join('/')}` : undefined)
  return { ...(reportUrl ? { reportUrl } : {}), ...(attachmentsUrl ? { attachmentsUrl } : {}) }
}

function runFields(env: Record<string, string | undefined>): { type: number; name: string; value: string }[] {
  return [
    ...(env.CI_COMMIT_SHA ? [{ type: 1, name: 'Commit', value: env.CI_COMMIT_SHA }] : []),
    ...(env.CI_PIPELINE_ID ? [{ type: 1, name: 'Pipeline', value: env.CI_PIPELINE_ID }] : []),
  ]
}

function runLinks(env: Record<string, string | undefined>): { name: string; url: string }[] {
  return [
    ...(env.CI_PIPELINE_URL ? [{ name: 'GitLab pipeline', url: env.CI_PIPELINE_URL }] : []),
    ...(env.CI_JOB_URL ? [{ name: 'GitLab job', url: env.CI_JOB_URL }] : []),
    ...(env.CI_MERGE_REQUEST_PROJECT_URL && env.CI_MERGE_REQUEST_IID ? [{ name: 'Merge request', url: `${env.CI_MERGE_REQUEST_PROJECT_URL}/-/merge_requests/${env.CI_MERGE_REQUEST_IID}` }] : []),
  ]
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new UserError('PUBLISH_INPUT', `${file}: ${fsErrorCode(error) === 'ENOENT' ? 'not found; write it first with bdd-matrix matrix' : `cannot be read (${fsErrorCode(error)})`}`)
  }
}

/** The matrix JSON `bdd-matrix matrix` wrote; anything else is named rather than half-read. */
function readMatrix(file: string): Matrix {
  const matrix = readJson<Partial<Matrix>>(file)
  const totals = matrix?.totals as Record<string, unknown> | undefined
  if (typeof matrix?.build !== 'string' || !totals || !['passed', 'failed', 'flaky', 'wip', 'not-run'].every((k) => typeof totals[k] === 'number'))
    throw new UserError('PUBLISH_INPUT', `${file}: not a matrix (no build and totals); write it with bdd-matrix matrix and pass its matrix.json`)
  if (!matrix.gaps || !matrix.unscoped || !matrix.runErrors || !matrix.cellTotals)
    throw new UserError('PUBLISH_INPUT', `${file}: a matrix written by an older bdd-matrix (it does not say which required cells did not run); write it again with bdd-matrix matrix`)
  // what the commit status is made of: a field of another type would read as no failure
  const shapeless = [
    typeof matrix.unscoped.failed !== 'number' && 'unscoped.failed',
    !Array.isArray(matrix.runErrors) && 'runErrors',
    typeof matrix.gaps.notRun !== 'number' && 'gaps.notRun',
    typeof matrix.gaps.required !== 'number' && 'gaps.required',
  ].find(Boolean)
  if (shapeless) throw new UserError('PUBLISH_INPUT', `${file}: not a matrix (${shapeless} is not what bdd-matrix matrix writes); write it again with bdd-matrix matrix`)
  return matrix as Matrix
}

function readJson<T>(file: string): T {
  const text = readText(file)
  try {
    return JSON.parse(text) as T
  } catch {
    throw new UserError('PUBLISH_INPUT', `${file}: not JSON; write it with bdd-matrix matrix`)
  }
}
