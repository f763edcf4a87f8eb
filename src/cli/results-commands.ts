import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Command } from 'commander'
import { UserError, isUserError } from '../errors.ts'
import { STAGES, type Stage } from '../model/vocabulary.ts'
import type { IngestOutcome } from '../results/ingest-types.ts'
import { staleGateSaid } from './stale-gate.ts'
import type { PreparedCases } from '../results/prepared-cases.ts'
import type { ReportOutcome, ReportWriter } from '../reports/write-reports.ts'
import type { GateReport } from '../gates/evaluate-gates.ts'
import { buildFromEnv, pipelineBuild, type CliContext } from './cli-context.ts'
import { allureWriter, junitWriter, matrixWriter } from './report-writers.ts'
import { acceptResultsAsOut } from './accept-results-as-out.ts'
import { errorHeadline } from '../model/error-headline.ts'

interface IngestOptions {
  env: string
  build?: string
  stage: string
  out: string
  milestone?: string
  commit?: string
  strict?: boolean
  features?: string
}

// The CLI is the composition root: the one place that wires reporters (adapters) to the core.
export function addResultsCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  const ingest = program.command('ingest')
  acceptResultsAsOut(ingest)
  ingest
    .description('normalise Cucumber Messages, Cucumber JSON (godog, Cucumber-JVM, cucumber-js, cucumber-ruby, playwright-bdd, pytest-bdd, behave), JUnit XML and go test -json files into the results folder, each recognised by its content')
    .argument('<files...>', 'Cucumber Messages NDJSON, Cucumber JSON, JUnit XML, go test -json; a folder: every .xml, .json and .ndjson file under it; a pattern (quoted or not): the files it matches; - : the standard input')
    .requiredOption('--env <name>', 'environment the results come from')
    .option('--build <version>', 'build under test, e.g. v0.5.0-rc1-p2 (default: BDD_MATRIX_BUILD, CI_COMMIT_TAG, CI_COMMIT_SHORT_SHA or "dev")')
    .option('--stage <stage>', `one of ${STAGES.join(', ')}`, 'acceptance')
    .option('--milestone <id>', 'milestone the results belong to')
    .option('--commit <sha>', 'commit under test (default: CI_COMMIT_SHA)')
    .option('--out <dir>', 'results folder', 'results')
    .option('--features <dir>', 'features folder: Cucumber JSON, JUnit and go test -json tests are bound to its scenarios (ids, tags, scope features)', 'features')
    .option('--strict', 'exit 1 when anything could not be ingested')
    .action(async (files: string[], options: IngestOptions) => {
      if (!(STAGES as readonly string[]).includes(options.stage)) throw new UserError('BAD_OPTION', `--stage "${options.stage}": use one of ${STAGES.join(', ')}`)
      // a results file whose run names no environment or build is one no reader takes back
      for (const [option, value, example] of [['--env', options.env, 'local'], ['--build', options.build, 'v0.5.0-rc1']] as const)
        if (value !== undefined && (!value.trim() || value !== value.trim())) throw new UserError('BAD_OPTION', `${option} "${value}": give a name without spaces around it, e.g. ${option} ${example}`)
      const outcomes = await ingestFiles(ctx, files, { ...options, build: options.build ?? buildFromEnv(ctx.env) })
      const problems = outcomes.flatMap((o) => o.problems)
      // Acceptance results that name no Gherkin (JUnit, Cucumber JSON, go test -json) reach the matrix's rows only
      // through the features folder: without it they stand outside every feature, unnoticed.
      const needFeatures = outcomes.filter((o) => o.run && o.cases > 0 && o.run.source.format !== 'cucumber-messages')
      const features = options.features ?? 'features'
      if (needFeatures.length && options.stage === 'acceptance' && !existsSync(path.resolve(ctx.cwd, features)))
        problems.push(...needFeatures.map((o) => ({ file: o.run!.source.file ?? '', line: 0, message: `no features folder at ${features}: its ${o.cases} test(s) are kept as the report names them, with no tags or scope features, outside every row of the matrix; pass --features DIR where the .feature files are` })))
      for (const o of outcomes) {
        if (!o.run) continue
        ctx.stdout.write(`${path.relative(ctx.cwd, o.path!)}: ${o.cases} case(s) from ${o.run.source.file}\n`)
        for (const e of o.run.errors ?? []) ctx.stdout.write(`  run failed outside any scenario: ${e.where}${e.source ? ` (${e.source})` : ''}: ${errorHeadline(e.message)}\n`)
      }
      for (const p of problems) ctx.stderr.write(`${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`)
      // Nothing read from any file is a failure; so is any problem with --strict. A run whose
      // errors are its only results (a BeforeAll hook failed) was read: those errors are results.
      const read = outcomes.some((o) => o.run && (o.cases > 0 || (o.run.errors?.length ?? 0) > 0))
      const stray = read && options.stage !== 'unit' && options.stage !== 'functional' ? await strayEnvironment(ctx, options.env, features, outcomes) : undefined
      if (stray) ctx.stderr.write(`${stray}\n`)
      const twice = await countedTwice(ctx, outcomes, path.resolve(ctx.cwd, options.out))
      for (const line of twice) ctx.stderr.write(`${line}\n`)
      exit(!read || (options.strict && (problems.length > 0 || stray !== undefined || twice.length > 0)) ? 1 : 0)
    })

  program
    .command('matrix')
    .description('write the test matrix (HTML, Markdown, JSON) of a build from the results folder')
    .option('--results <dir>', 'results folder', 'results')
    .option('--scope <file>', 'milestone scope file (default: the one YAML in <features>/milestones/)')
    .option('--features <dir>', 'features folder, to show wip and not-run scenarios', 'features')
    .option('--build <version>', 'build to show (default: in a CI job, its own when the results hold it; else the latest)')
    .option('--history <n>', 'builds in each cell\'s history strip', '10')
    .option('--out <dir>', 'output folder', 'reports')
    .option('--gate <file>', 'gate evidence (gate-<build>.json from bdd-matrix gate): its verdict heads the matrix')
    .action(async (options: MatrixOptions) => {
      const { files, headline } = await writeMatrixAnd(ctx, options, [])
      ctx.stdout.write(`matrix written: ${files.map((f) => path.relative(ctx.cwd, f)).join(', ')}\n`)
      sayHeadline(ctx, headline)
      exit(0)
    })

  program
    .command('junit')
    .description('write JUnit XML of a build for GitLab (artifacts:reports:junit)')
    .option('--results <dir>', 'results folder', 'results')
    .option('--build <version>', 'build (default: in a CI job, its own when the results hold it; else the latest)')
    .option('--out <file>', 'output file', 'reports/junit.xml')
    .option('--scope <file>', 'milestone scope file: each scenario it requires where nothing ran is a skipped test saying so (default: the one YAML in <features>/milestones/, when there is one)')
    .option('--features <dir>', 'features folder, with --scope', 'features')
    .option('--not-run-only', 'only those skipped tests: the JUnit report for GitLab of a job that merges the results of the jobs that ran the tests (theirs list what ran)')
    .action(async (options: ScopedReportOptions & { out: string; notRunOnly?: boolean }) => {
      const { out, empty } = await writeJUnitReport(ctx, options)
      ctx.stdout.write(`JUnit written: ${path.relative(ctx.cwd, out)}\n`)
      exit(empty ? 1 : 0)
    })
}

export function addAllureCommand(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  program
    .command('allure')
    .description('write Allure results of a build and generate the Allure report, carrying the previous report\'s history forward')
    .option('--results <dir>', 'results folder', 'results')
    .option('--build <version>', 'build (default: in a CI job, its own when the results hold it; else the latest)')
    .option('--milestone <id>', 'epic label (default: the runs\' milestone)')
    .option('--out <dir>', 'allure-results folder (emptied first)', 'reports/allure-results')
    .option('--report <dir>', 'report folder; its history/ feeds the trends of the next report', 'reports/allure-report')
    .option('--no-generate', 'write the allure-results only')
    .option('--history-from-gitlab', 'in a GitLab job: fetch the previous report\'s history/ from the latest successful job of this ref (else the default branch), so trends grow between pipelines')
    .option('--scope <file>', 'milestone scope file: each scenario it requires where nothing ran is a skipped result saying so (default: the one YAML in <features>/milestones/, when there is one)')
    .option('--features <dir>', 'features folder, with --scope', 'features')
    .action(async (options: ScopedReportOptions & { milestone?: string; out: string; report: string; generate: boolean; historyFromGitlab?: boolean }) => {
      const out = path.resolve(ctx.cwd, options.out)
      const report = path.resolve(ctx.cwd, options.report)
      const reportPath = path.relative(ctx.cwd, report).split(path.sep).join('/')
      const env = ctx.env
      const reportUrl = env.CI_JOB_URL ? `${env.CI_JOB_URL}/artifacts/file/${reportPath}/index.html` : undefined
      const { count: written, empty } = await writeAllure(ctx, { results: options.results, out, features: options.features, ...(options.scope ? { scope: options.scope } : {}), ...(options.build ? { build: options.build } : {}), ...(options.milestone ? { milestone: options.milestone } : {}), ...(reportUrl ? { reportUrl } : {}) })
      ctx.stdout.write(`Allure results written: ${path.relative(ctx.cwd, out)} (${written} result(s))\n`)
      if (options.historyFromGitlab) {
        const token = env.CI_JOB_TOKEN ? { kind: 'job' as const, value: env.CI_JOB_TOKEN } : env.GITLAB_TOKEN ? { kind: 'private' as const, value: env.GITLAB_TOKEN.trim() } : undefined
        if (!env.CI_API_V4_URL || !env.CI_PROJECT_ID || !token) throw new UserError('GITLAB_CONTEXT', '--history-from-gitlab: not in a GitLab CI job (CI_API_V4_URL, CI_PROJECT_ID and CI_JOB_TOKEN or GITLAB_TOKEN are needed)')
        const { fetchAllureHistory } = await import('../../reporters/allure/allure-history.ts')
        const fetched = await fetchAllureHistory({ apiUrl: env.CI_API_V4_URL, projectId: env.CI_PROJECT_ID, token, refs: [env.CI_COMMIT_REF_NAME ?? '', env.CI_DEFAULT_BRANCH ?? ''], job: env.CI_JOB_NAME ?? 'report', reportPath }, report)
        if (fetched.files) ctx.stdout.write(`Allure history: ${fetched.files} file(s) from the last report of ${fetched.ref}\n`)
        else ctx.stderr.write(`Allure history: none found${fetched.problem ? ` (${fetched.problem})` : ' (the first pipeline of this ref)'}; the trend starts here\n`)
      }
      if (options.generate) {
        const { generateAllureReport } = await import('../../reporters/allure/generate-allure-report.ts')
        await generateAllureReport(out, report)
        ctx.stdout.write(`Allure report generated: ${path.relative(ctx.cwd, report)}/index.html\n`)
      }
      exit(empty ? 1 : 0)
    })
}

/**
 * Writes the JUnit XML of a build from the results folder; returns the file written and whether
 * the report lists no test, as the folder holds no results and no scope requires any.
 */
export async function writeJUnitReport(ctx: CliContext, options: ScopedReportOptions & { out: string; notRunOnly?: boolean }): Promise<{ out: string; empty: boolean }> {
  const out = path.resolve(ctx.cwd, options.out)
  const { empty } = await report(ctx, options, [junitWriter(out, ctx.cwd, options.notRunOnly ? 'only' : 'with')], { scopeNeeded: options.notRunOnly ? '--not-run-only' : undefined })
  return { out, empty }
}

export async function writeAllure(ctx: CliContext, options: ScopedReportOptions & { out: string; milestone?: string; reportUrl?: string }): Promise<{ count: number; empty: boolean }> {
  const written = { count: 0 }
  const { empty } = await report(ctx, options, [allureWriter(path.resolve(ctx.cwd, options.out), ctx.env, { ...(options.milestone ? { milestone: options.milestone } : {}), ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}), written })])
  return { count: written.count, empty }
}

export interface ScopedReportOptions {
  results: string
  build?: string
  /** the scope whose required cells without a result are reported as not run; found in <features>/milestones/ when not given */
  scope?: string
  features?: string
}

/**
 * The report pipeline over a results folder for the reports that list tests (JUnit, Allure). With
 * the project's scope (given, or the one in <features>/milestones/) the cells it requires where
 * nothing ran are listed as not run, and runs of other milestones are left out, as the matrix has
 * them; without one nothing is required, and what ran is reported as it is.
 */
async function report(ctx: CliContext, options: ScopedReportOptions, writers: ReportWriter[], how: { scopeNeeded?: string | undefined } = {}): Promise<{ empty: boolean }> {
  const { writeReports } = await import('../reports/write-reports.ts')
  const { optionalScope, otherMilestoneNote } = await import('./project-scope.ts')
  const project = await optionalScope(ctx, options, how.scopeNeeded)
  const preferred = pipelineBuild(ctx.env)
  const { results } = await writeReports({
    resultsDir: path.resolve(ctx.cwd, options.results),
    ...(options.build ? { build: options.build } : {}),
    ...(preferred ? { preferBuild: preferred } : {}),
    ...(project ? { ...project, onSkipped: otherMilestoneNote(ctx, project.scope, 'the report') } : {}),
    writers,
  })
  // A folder nothing was ingested into (a wrong --results, a job whose tests left no report) would
  // give a report that looks like a quiet day: said, and without a scope to list what it requires,
  // a failure, as the report then lists nothing at all.
  if (results.runs.length > 0 || results.skipped.length > 0) return { empty: false }
  const folder = path.relative(ctx.cwd, path.resolve(ctx.cwd, options.results)) || '.'
  const lists = project ? `lists only what the scope (${path.relative(ctx.cwd, project.scope.file)}) requires, as not run` : 'lists no test'
  ctx.stderr.write(`bdd-matrix: ${folder} holds no results (no run was ingested into it), so the report ${lists}; ingest the test report into it first: bdd-matrix ingest FILE --env ENV --out ${folder}\n`)
  return { empty: !project }
}

/** `prepared`: for a merge in this process that follows (run's reports), see PreparedCases. */
export async function ingestFiles(ctx: CliContext, files: string[], options: IngestOptions & { runId?: string; runnerError?: string; prepared?: PreparedCases }): Promise<IngestOutcome[]> {
  const resultsDir = path.resolve(ctx.cwd, options.out)
  const outcomes: IngestOutcome[] = []
  for (const file of await inputsOf(ctx.cwd, files, resultsDir, outcomes)) {
    const spooled = await spooledIfStream(ctx, file)
    if (spooled === null) {
      outcomes.push({ cases: 0, problems: [{ file, line: 0, message: 'nothing to read: "-" reads the standard input, which this command has none of' }] })
      continue
    }
    try {
      outcomes.push(await ingestOne(ctx, file === '-' ? 'stdin' : file, spooled?.file ?? path.resolve(ctx.cwd, file), resultsDir, options))
    } finally {
      spooled?.remove()
    }
  }
  return outcomes
}

/** One input: `absolute` is where it is read from (a regular file), `file` how it is named. */
async function ingestOne(ctx: CliContext, file: string, absolute: string, resultsDir: string, options: IngestOptions & { runId?: string; runnerError?: string; prepared?: PreparedCases }): Promise<IngestOutcome> {
  const { ingestLargeFileInWorker } = await import('../results/ingest-file.ts')
  const env = ctx.env
  const context = {
    build: options.build ?? buildFromEnv(env),
    environment: options.env,
    stage: options.stage as Stage,
    resultsDir,
    sourceName: file,
    ...(options.milestone ? { milestone: options.milestone } : {}),
    ...((options.commit ?? env.CI_COMMIT_SHA) ? { commit: (options.commit ?? env.CI_COMMIT_SHA)! } : {}),
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.runnerError ? { runnerError: options.runnerError } : {}),
    ...catalogueOf(ctx, options.features),
    ...(env.CI_PIPELINE_ID ? { ci: { pipelineId: env.CI_PIPELINE_ID, ...(env.CI_PIPELINE_URL ? { pipelineUrl: env.CI_PIPELINE_URL } : {}), ...(env.CI_JOB_ID ? { jobId: env.CI_JOB_ID } : {}), ...(env.CI_JOB_URL ? { jobUrl: env.CI_JOB_URL } : {}), ...(env.CI_MERGE_REQUEST_IID ? { mergeRequest: env.CI_MERGE_REQUEST_IID } : {}) } } : {}),
  }
  try {
    const outcome = await ingestLargeFileInWorker(absolute, context, options.prepared ? { prepared: options.prepared } : {})
    // an input's problems are named as it was given (a spooled one's not by the file it was spooled to)
    return { ...outcome, problems: outcome.problems.map((p) => (p.file === absolute ? { ...p, file } : p)) }
  } catch (error) {
    const code = (error as { code?: string }).code
    // A folder or file of the results that cannot be written is not a problem of this input.
    const where = (error as { path?: unknown }).path
    if (typeof where === 'string' && where !== absolute) throw error
    return { cases: 0, problems: [{ file, line: 0, message: code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? (error as Error).message})` }] }
  }
}

/**
 * An input that is a stream, not a file: `-` (the standard input: `cucumber-js --format message |
 * bdd-matrix ingest -`), a pipe or a device (/dev/stdin, a shell's `<(…)`). Ingest reads a file
 * more than once (its first bytes for its format, then all of it), so a stream is first written to
 * a temporary file, removed once ingested. undefined: a file as any other; null: `-` without a
 * standard input.
 */
async function spooledIfStream(ctx: CliContext, file: string): Promise<{ file: string; remove: () => void } | null | undefined> {
  let source: NodeJS.ReadableStream
  if (file === '-') {
    if (!ctx.stdin) return null
    source = ctx.stdin
  } else {
    try {
      const stat = statSync(path.resolve(ctx.cwd, file))
      if (stat.isFile() || stat.isDirectory()) return undefined
    } catch {
      return undefined // named as missing by the ingest
    }
    source = createReadStream(path.resolve(ctx.cwd, file))
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-input-'))
  const remove = (): void => rmSync(dir, { recursive: true, force: true })
  const spooled = path.join(dir, 'input')
  try {
    await pipeline(source, createWriteStream(spooled))
  } catch (error) {
    remove()
    throw error
  }
  return { file: spooled, remove }
}

/** What a results file is named: the reports runners write (a folder holds other files too). */
const RESULT_FILE = /\.(xml|json|ndjson|jsonl)$/i

/**
 * The files to ingest: each file given; for a folder (Surefire's target/surefire-reports, a job's
 * downloaded artifacts) every results file under it, in name order, but for the results folder
 * being written; and for a pattern the shell left as it is (quoted, as a YAML `script:` line often
 * has it, or a shell without globbing) the files it matches, expanded by glob. A folder with no
 * results file and a pattern matching nothing are problems of their own.
 */
async function inputsOf(cwd: string, given: string[], resultsDir: string, outcomes: IngestOutcome[]): Promise<string[]> {
  const files: string[] = []
  for (const file of given) {
    const absolute = path.resolve(cwd, file)
    let folder = false
    try {
      folder = statSync(absolute).isDirectory()
    } catch {
      if (/[*?[{]/.test(file)) {
        const { globSync } = await import('glob')
        const matched = globSync(file, { cwd, nodir: true, posix: true })
          .filter((name) => !isInside(path.resolve(cwd, name), resultsDir))
          .sort()
        if (!matched.length) outcomes.push({ cases: 0, problems: [{ file, line: 0, message: 'no file matches this pattern' }] })
        files.push(...matched)
        continue
      }
    }
    if (!folder) {
      files.push(file)
      continue
    }
    let names: string[]
    try {
      names = readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    } catch (error) {
      outcomes.push({ cases: 0, problems: [{ file, line: 0, message: `the folder cannot be read (${(error as { code?: string }).code ?? (error as Error).message})` }] })
      continue
    }
    const found = names
      // (not the results folder itself, when it is under the folder given: those are bdd-matrix's own)
      .filter((name) => RESULT_FILE.test(name) && !name.split(path.sep).some((part) => part.startsWith('.')) && !isInside(path.join(absolute, name), resultsDir) && isFile(path.join(absolute, name)))
      .sort()
    if (!found.length) {
      // (ingesting bdd-matrix's own results again: a folder of none, said as such)
      const message = isInside(absolute, resultsDir)
        ? "the results folder bdd-matrix writes to (--out), or a folder in it: it holds bdd-matrix's own results, not a runner's reports; give the reports the runner wrote (JUnit XML, Cucumber JSON, Cucumber Messages, go test -json)"
        : 'a folder with no results file in it (.xml, .json, .ndjson): give the reports themselves, or the folder the runner wrote them to'
      outcomes.push({ cases: 0, problems: [{ file, line: 0, message }] })
    }
    files.push(...found.map((name) => path.join(file, name)))
  }
  return files
}

const isInside = (file: string, folder: string): boolean => !path.relative(folder, file).startsWith('..')

/** A file (a link to one too); a link to nothing is none. */
function isFile(file: string): boolean {
  try {
    return statSync(file).isFile()
  } catch {
    return false
  }
}

/** The features folder reports are bound to, when there is one. */
function catalogueOf(ctx: CliContext, features: string | undefined): { catalogue?: { featuresDir: string; uriPrefix: string } } {
  const featuresDir = path.resolve(ctx.cwd, features ?? 'features')
  return existsSync(featuresDir) ? { catalogue: { featuresDir, uriPrefix: path.relative(ctx.cwd, featuresDir).split(path.sep).join('/') } } : {}
}

export interface MatrixOptions {
  gate?: string
  /** the cases of results files this process has just ingested, parsed already */
  prepared?: PreparedCases
  results: string
  scope?: string
  features: string
  build?: string
  history: string
  out: string
}

/** The matrix's headline on the console, as the files have it: a run or a folder of results can look greener than the build. */
export function sayHeadline(ctx: CliContext, headline: ReportOutcome['headline']): void {
  if (!headline) return
  ctx.stdout.write(`matrix of build ${headline.build} (a scenario counts by the worst of its required cells): ${headline.text}\n`)
  if (headline.strayColumns) ctx.stdout.write(`  ⚠ ${headline.strayColumns}\n`)
  if (headline.countedTwice) ctx.stdout.write(`  ⚠ ${headline.countedTwice}\n`)
}

/**
 * The matrix of a build and any other reports, from one merge of the results folder: the scope
 * leaves runs of other milestones out (said on stderr) and gives the matrix its rows.
 */
export async function writeMatrixAnd(ctx: CliContext, options: MatrixOptions, others: ReportWriter[]): Promise<ReportOutcome> {
  const { writeReports } = await import('../reports/write-reports.ts')
  const { projectScope, otherMilestoneNote } = await import('./project-scope.ts')
  const { scope, catalogue, uriPrefix } = await projectScope(ctx, { features: options.features, ...(options.scope ? { scope: options.scope } : {}) })
  let gate: GateReport | undefined
  if (options.gate) {
    const { readGateEvidence } = await import('../gates/read-gate-evidence.ts')
    gate = readGateEvidence(path.resolve(ctx.cwd, options.gate), options.gate, options.build)
  }
  const build = options.build ?? gate?.build
  const { previewGate } = await import('../gates/preview-gate.ts')
  const history = Number(options.history)
  if (!(Number.isInteger(history) && history > 0)) throw new UserError('BAD_OPTION', `--history "${options.history}": give how many builds the history strip shows (e.g. 10)`)
  const preferred = pipelineBuild(ctx.env)
  const { readScopeDrift } = await import('../matrix/read-scope-drift.ts')
  const scopeDrift = readScopeDrift(scope, () => catalogue, ctx.cwd)
  return writeReports({
    resultsDir: path.resolve(ctx.cwd, options.results),
    ...(options.prepared ? { prepared: options.prepared } : {}),
    ...(build ? { build } : {}),
    ...(preferred ? { preferBuild: preferred } : {}),
    scope,
    catalogue,
    uriPrefix,
    history,
    ...(scopeDrift ? { scopeDrift } : {}),
    writers: [matrixWriter(path.resolve(ctx.cwd, options.out), gate ? { gate, onStaleGate: () => staleGateSaid(ctx, options.gate!) } : {}), ...others],
    // Where a gate file applies to the build, its verdict line shows under the headline.
    // A gate file that cannot be judged is said; the matrix is written all the same.
    ...(gate
      ? {}
      : {
          gate: (results, shownBuild) => {
            try {
              return previewGate({ build: shownBuild, results, scope, catalogue, uriPrefix, today: ctx.now().toISOString().slice(0, 10), openIssuesWhy: 'the matrix does not ask GitLab (bdd-matrix gate does)', cwd: ctx.cwd })
            } catch (error) {
              if (!isUserError(error)) throw error
              ctx.stderr.write(`bdd-matrix: the release gate is not shown in the matrix: ${error.message}\n`)
              return undefined
            }
          },
        }),
    // Runs of another milestone stay in the results folder but do not count for this scope.
    onSkipped: otherMilestoneNote(ctx, scope, 'the matrix'),
  })
}

/**
 * What is said when --env names no environment of the project (its environments/ and its scope):
 * the scope requires nothing there, so the results count nowhere but in a column of their own —
 * a misspelt `--env Docker` looked like a run that was never made. Kept (nothing is lost), and
 * said here, where it can still be ingested again, rather than only in the matrix.
 */
/**
 * What is said when a report was ingested already for another build, environment or stage
 * (same-input.ts): kept (a tag pipeline may reuse its commit's results), but said where it can
 * still be undone, as a misspelt --env is.
 */
async function countedTwice(ctx: CliContext, outcomes: IngestOutcome[], resultsDir: string): Promise<string[]> {
  const { sameInputElsewhere } = await import('../results/same-input.ts')
  const elsewhere = sameInputElsewhere(resultsDir, outcomes.flatMap((o) => (o.run ? [o.run] : [])))
  const lines: string[] = []
  for (const o of outcomes) {
    if (!o.run || !o.path) continue
    const others = elsewhere.get(o.run.id)
    if (!others) continue
    const where = others.map((r) => `${r.environment}/${r.stage} of build ${r.build} (${r.id})`).join(', ')
    lines.push(`${o.run.source.file}: the same report was ingested already as ${where}; now as ${o.run.environment}/${o.run.stage} of build ${o.run.build}, its results count twice — if it is a report left from an earlier job or another environment, remove ${path.relative(ctx.cwd, o.path)} and ingest the report this job wrote`)
  }
  return lines
}

async function strayEnvironment(ctx: CliContext, environment: string, features: string, outcomes: IngestOutcome[]): Promise<string | undefined> {
  const { scopeFilesIn } = await import('../catalogue/scope-files.ts')
  const files = scopeFilesIn(path.resolve(ctx.cwd, features))
  if (files.length !== 1) return undefined
  const { loadScope } = await import('../catalogue/scope.ts')
  const { projectEnvironments, closestName } = await import('./project-environments.ts')
  const { MANUAL_ENVIRONMENT } = await import('../matrix/matrix-from.ts')
  let names: string[] | undefined
  try {
    names = projectEnvironments(ctx.cwd, loadScope(files[0]!, path.relative(ctx.cwd, files[0]!)))
  } catch {
    // a scope that does not load is said by the commands that use it; the results are ingested
    return undefined
  }
  if (!names || names.includes(environment) || environment === MANUAL_ENVIRONMENT) return undefined
  const meant = closestName(environment, names)
  const written = outcomes.flatMap((o) => (o.run && o.path ? [path.relative(ctx.cwd, o.path)] : []))
  return `--env ${environment}: no environment of this project (${names.join(', ')}): the scope requires nothing there, so the matrix counts these results in no required cell; ${meant ? `did you mean --env ${meant}? ` : ''}if it was misspelt, remove ${written.join(', ')} and ingest again with the right --env`
}
