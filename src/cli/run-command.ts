import { spawn } from 'node:child_process'
import { cpSync, createWriteStream, existsSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { constants as osConstants } from 'node:os'
import path from 'node:path'
import type { Command } from 'commander'
import { UserError, isUserError } from '../errors.ts'
import { buildFromEnv, type CliContext } from './cli-context.ts'
import { isRunId, RUN_ID_RULE } from '../model/vocabulary.ts'
import { errorHeadline } from '../model/error-headline.ts'

interface RunCliOptions {
  env: string
  build?: string
  tags?: string
  name?: string[]
  order?: string
  failFast?: boolean
  passWithNoScenarios?: boolean
  parallel?: string
  retry?: string
  shard?: string
  out: string
  runId?: string
  cluster?: string
  command?: string
  report?: string[]
  features?: string
}

export function addRunCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  program
    .command('run')
    .description('run the milestone suite against a cluster environment (local, docker, feature, or a YAML path)')
    .argument('[paths...]', 'feature files or folders (default: those of cucumber.js)')
    .option('--env <name>', 'environment: environments/<name>.yaml or a path', 'local')
    .option('--tags <expression>', 'cucumber tag expression (default: not @wip and not @manual, nor scenarios tagged @env:<name> for other environments only)')
    .option('--name <regex>', 'run only the scenarios whose name matches (a regular expression, as cucumber-js takes it; repeat it for several)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--order <order>', 'defined, reverse, random (its seed is printed), or random:<seed> to run a random order again, as cucumber-js takes it')
    .option('--fail-fast', 'stop at the first failed scenario: the rest are skipped')
    .option('--parallel <workers>', 'cucumber worker processes, each with its own cluster')
    .option('--retry <times>', 'retry a failed scenario; one that then passes is reported flaky')
    .option('--shard <i/n>', 'run shard i of n (default: CI_NODE_INDEX/CI_NODE_TOTAL when set)')
    .option('--out <dir>', 'reports folder', 'reports')
    .option('--run-id <id>', 'name of this run (default: <env>-<UTC time>[-shard-i-of-n])')
    .option('--cluster <name>', 'run against a cluster kept by bdd-matrix cluster up (not torn down after)')
    .option('--build <version>', 'build under test (default: BDD_MATRIX_BUILD, CI_COMMIT_TAG, CI_COMMIT_SHORT_SHA or "dev")')
    .option('--command <command>', "run this command (a suite in any language: godog, pytest-bdd, behave, Cucumber-JVM…) against the environment's cluster instead of the TypeScript suite; it finds the nodes and the control API in the JSON file named by BDD_MATRIX_CLUSTER")
    .option('--report <files...>', 'the report(s) the command writes (Cucumber JSON, Cucumber Messages, JUnit); default: the file named by BDD_MATRIX_REPORT')
    .option('--features <dir>', "with --command: the features folder the command's report is bound to (ids, tags, scope features)", 'features')
    .option('--pass-with-no-scenarios', 'exit 0 when the paths and tags select no scenario; without it such a run fails (a shard left with none of a selection smaller than the shards passes, saying so)')
    .action(async (paths: string[], options: RunCliOptions, command: Command) => {
      // it names the run's folder and results file, and the run on the hub
      if (options.runId !== undefined && !isRunId(options.runId)) throw new UserError('BAD_OPTION', `--run-id "${options.runId}": ${RUN_ID_RULE}`)
      // (a kept cluster brings its own environment: one asked for as well must be the same)
      const environmentGiven = command.getOptionValueSource('env') !== 'default'
      return exit(options.command ? await runCommand(ctx, options, paths) : await run(ctx, { ...options, paths, environmentGiven }))
    })

  program
    .command('start')
    .description('the main job of a fresh clone: bdd-matrix run --env local')
    .action(async () => exit(await run(ctx, { env: 'local', out: 'reports', paths: [] })))
}

async function run(ctx: CliContext, options: RunCliOptions & { paths: string[]; environmentGiven?: boolean }): Promise<number> {
  const { runSuite } = await import('../run/run-suite.ts')
  const summary = await runSuite({
    root: ctx.cwd,
    environment: options.env,
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.name ? { names: options.name } : {}),
    ...(options.order ? { order: options.order } : {}),
    ...(options.failFast ? { failFast: true } : {}),
    ...(options.parallel !== undefined ? { parallel: count(options.parallel, '--parallel', 'a number of workers (0 runs in this process)') } : {}),
    ...(options.retry !== undefined ? { retry: count(options.retry, '--retry', 'how many times a failed scenario may be retried') } : {}),
    ...(options.shard ? { shard: options.shard } : {}),
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.cluster ? { cluster: options.cluster, environmentGiven: options.environmentGiven === true } : {}),
    paths: options.paths,
    outDir: path.resolve(ctx.cwd, options.out),
    env: ctx.env,
    now: ctx.now,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
  })
  const t = summary.totals
  ctx.stdout.write(`\n${t.done} scenarios: ${t.passed} passed, ${t.failed} failed${t.flaky ? `, ${t.flaky} flaky` : ''}${t.undefined ? `, ${t.undefined} undefined` : ''}${t.ambiguous ? `, ${t.ambiguous} ambiguous` : ''}${t.pending ? `, ${t.pending} pending` : ''}${t.skipped ? `, ${t.skipped} skipped` : ''}\n`)
  for (const f of summary.failures) ctx.stdout.write(`  ${f.status.toUpperCase()} ${f.uri}:${f.line} ${f.name}\n`)
  const code = await writeRunReports(ctx, { runDir: summary.runDir, runId: summary.runId, environment: summary.environment, files: [path.join(summary.runDir, 'messages.ndjson')], build: options.build, ...(summary.runnerError ? { runnerError: summary.runnerError } : {}), success: summary.success, produced: 'messages.ndjson, summary.json, logs/' })
  // A run of nothing is not a pass: a mistyped tag would otherwise turn an acceptance stage green.
  // A shard may be left with nothing when the selection has fewer scenarios than shards: said.
  if (code === 0 && t.done === 0 && !options.passWithNoScenarios) {
    if (summary.shard && summary.selected > 0) {
      ctx.stdout.write(`shard ${summary.shard} has none of the ${summary.selected} scenario(s) selected to run: they are fewer than the shards\n`)
      return code
    }
    ctx.stderr.write(`bdd-matrix: no scenario ran: the paths, tags and names select none${options.tags ? ` (--tags "${options.tags}")` : ''}${options.name ? ` (${options.name.map((n) => `--name "${n}"`).join(' ')})` : ''}${options.paths.length ? ` (${options.paths.join(' ')})` : ''}; correct them, or pass --pass-with-no-scenarios where none is expected\n`)
    return 1
  }
  return code
}

/**
 * The run's own results, normalised, and the reports people read (matrix, JUnit, Allure), the
 * same for the TypeScript suite and for a command's reports.
 */
async function writeRunReports(ctx: CliContext, run: { runDir: string; runId: string; environment: string; files: string[]; build?: string; runnerError?: string; success: boolean; produced: string; features?: string }): Promise<number> {
  const { ingestFiles, writeMatrixAnd, sayHeadline } = await import('./results-commands.ts')
  const { junitWriter, allureWriter } = await import('./report-writers.ts')
  const build = run.build ?? buildFromEnv(ctx.env)
  const results = path.join(run.runDir, 'results')
  // The run belongs to the project's milestone (Allure's epic, the hub, the gate), when it has one.
  let milestone: string | undefined
  try {
    const { resolveInputs } = await import('./resolve-inputs.ts')
    milestone = resolveInputs(ctx, {}).scope.milestone
  } catch {
    // no readable scope: said when the matrix is written
  }
  // One merge for every report. The matrix needs the milestone scope; without one the run still
  // gets its other reports. What the ingest worker writes is parsed here meanwhile, for that merge.
  // This run's own reports: the cells it did not run are another shard's or job's, or the build's
  // report's to list (bdd-matrix junit and allure), never this run's (GitLab would list them twice).
  const others = [junitWriter(path.join(run.runDir, 'junit.xml'), ctx.cwd, 'none'), allureWriter(path.join(run.runDir, 'allure-results'), ctx.env, { notRunCells: 'none' })]
  const { PreparedCases } = await import('../results/prepared-cases.ts')
  const prepared = new PreparedCases({ keepStepsOfPassed: others.some((w) => w.needsStepsOfPassed) })
  const ingested = await ingestFiles(ctx, run.files, { env: run.environment, build, stage: 'acceptance', out: results, prepared, ...(run.files.length === 1 ? { runId: run.runId } : {}), ...(milestone ? { milestone } : {}), ...(run.runnerError ? { runnerError: run.runnerError } : {}), ...(run.features ? { features: run.features } : {}) })
  for (const p of ingested.flatMap((o) => o.problems)) ctx.stderr.write(`${path.relative(ctx.cwd, p.file)}${p.line ? `:${p.line}` : ''}: ${p.message}\n`)
  // Failures outside any scenario (a BeforeAll/AfterAll hook, the runner): said, and they fail the run.
  const runErrors = ingested.flatMap((o) => o.run?.errors ?? [])
  for (const e of runErrors) ctx.stdout.write(`  RUN ERROR ${e.where}${e.source ? ` (${e.source})` : ''}: ${errorHeadline(e.message)}\n`)
  const read = ingested.some((o) => o.run)
  let matrixProblem: UserError | undefined
  if (read)
    try {
      // the build's truth beside the run's: the cells this run did not cover are said, not left to the files
      sayHeadline(ctx, (await writeMatrixAnd(ctx, { results, features: 'features', history: '10', out: run.runDir, prepared }, others)).headline)
    } catch (error) {
      if (!isUserError(error) || !error.code.startsWith('SCOPE')) throw error
      matrixProblem = error
      ctx.stderr.write(error.code === 'SCOPE_MISSING' ? `no milestone scope in features/milestones/: the test matrix is not written (add a scope file to get it)\n` : `bdd-matrix: ${error.message}; the test matrix is not written\n`)
      const { writeReports } = await import('../reports/write-reports.ts')
      await writeReports({ resultsDir: results, writers: others, prepared })
    }
  const shown = path.relative(ctx.cwd, run.runDir)
  ctx.stdout.write(`reports: ${shown.startsWith('..') ? run.runDir : shown}/ (${read ? `${matrixProblem ? '' : 'matrix.html, matrix.md, matrix.json, '}junit.xml, allure-results/, results/, ` : ''}${run.produced})\n`)
  // A scope that exists but cannot be read is a mistake to fix (exit 2), once the reports are out.
  if (matrixProblem && matrixProblem.code !== 'SCOPE_MISSING') return 2
  return run.success && read && runErrors.length === 0 ? 0 : 1
}

/**
 * A suite in any language against the environment's cluster: the cluster comes up (kept by a
 * keeper process, as `cluster up` does), the command runs in the project with the nodes and the
 * control API in a JSON file named by BDD_MATRIX_CLUSTER, the cluster goes down, and the
 * report(s) it wrote become the same results and reports as a TypeScript run's.
 */
async function runCommand(ctx: CliContext, options: RunCliOptions, paths: string[]): Promise<number> {
  if (paths.length || options.tags !== undefined || options.name || options.order || options.failFast || options.parallel || options.retry || options.shard || options.cluster)
    throw new UserError('BAD_OPTION', '--command runs your own runner: give its paths, tags, names, order, retries and shards in the command itself (and drop --cluster: the command gets its own)')
  const { randomBytes } = await import('node:crypto')
  const { loadEnvironment } = await import('../clusters/environment.ts')
  const { up, down } = await import('./cluster-commands.ts')
  const { readState } = await import('../clusters/cluster-state.ts')
  const environment = loadEnvironment(options.env, ctx.cwd)
  const { claimRunDir, runStamp } = await import('../run/claim-run-dir.ts')
  const { runId, runDir } = claimRunDir(path.resolve(ctx.cwd, options.out), options.runId ?? `${environment.name}-command-${runStamp(ctx.now())}`, options.runId !== undefined)
  const name = `run-${randomBytes(3).toString('hex')}`
  const upCode = await up(ctx, { env: options.env, name })
  if (upCode !== 0) return upCode
  const reportFile = path.join(runDir, 'report.json')
  const reports = (options.report ?? [reportFile]).map((f) => path.resolve(ctx.cwd, f))
  // A report named with --report may be there from an earlier run: it is this run's only if the command wrote it.
  const before = new Map(reports.map((f) => [f, modifiedAt(f)]))
  let exitCode: number
  try {
    const state = readState(ctx.cwd, name)!
    const clusterFile = path.join(runDir, 'cluster.json')
    // The nodes and the control API with its token: readable by this user only.
    writeFileSync(clusterFile, `${JSON.stringify({ cluster: name, environment: environment.name, provider: state.provider, nodes: state.nodes.map(({ logFile: _l, clientModule: _c, ...node }) => node), control: { ...state.control!, openapi: `${state.control!.url}/openapi.json` } }, null, 2)}\n`, { mode: 0o600 })
    ctx.stdout.write(`running: ${options.command}\n`)
    exitCode = await spawnCommand(ctx, options.command!, path.join(runDir, 'command.log'), { BDD_MATRIX_CLUSTER: clusterFile, BDD_MATRIX_REPORT: reportFile, BDD_MATRIX_CONTROL_URL: state.control!.url, BDD_MATRIX_CONTROL_TOKEN: state.control!.token })
  } finally {
    await down(ctx, name, false)
    // the nodes' logs belong to the run, as a TypeScript run's do
    const { clustersDir } = await import('../clusters/cluster-state.ts')
    const logDir = path.join(clustersDir(ctx.cwd), name)
    if (existsSync(logDir)) cpSync(logDir, path.join(runDir, 'logs'), { recursive: true })
    rmSync(logDir, { recursive: true, force: true })
    rmSync(path.join(clustersDir(ctx.cwd), `${name}.keeper.log`), { force: true })
  }
  const stale = reports.filter((f) => before.get(f) !== undefined && modifiedAt(f) === before.get(f))
  for (const f of stale) ctx.stderr.write(`bdd-matrix: ${path.relative(ctx.cwd, f)} was not written by the command (it is unchanged since before the run began): left out, as an earlier run's results are not this run's\n`)
  const written = reports.filter((f) => existsSync(f) && !stale.includes(f))
  writeFileSync(path.join(runDir, 'summary.json'), `${JSON.stringify({ runId, environment: environment.name, command: options.command, exitCode, reports: written.map((f) => path.relative(ctx.cwd, f)) }, null, 2)}\n`)
  ctx.stdout.write(`the command exited ${exitCode}\n`)
  if (written.length === 0) {
    ctx.stderr.write(`bdd-matrix: the command wrote no report (looked for ${reports.map((f) => path.relative(ctx.cwd, f)).join(', ')}): make it write one where BDD_MATRIX_REPORT says (godog --format cucumber:$BDD_MATRIX_REPORT, pytest --cucumberjson=$BDD_MATRIX_REPORT, behave -f json -o $BDD_MATRIX_REPORT), or name it with --report\n`)
    return 1
  }
  return writeRunReports(ctx, { runDir, runId, environment: environment.name, files: written, ...(options.build ? { build: options.build } : {}), success: exitCode === 0, produced: 'cluster.json, command.log, summary.json, logs/', ...(options.features ? { features: options.features } : {}) })
}

/** When a file was last written (nanoseconds), or undefined when there is none. */
function modifiedAt(file: string): bigint | undefined {
  try {
    return statSync(file, { bigint: true }).mtimeNs
  } catch {
    return undefined
  }
}

/** Runs a shell command in the project, its output shown and kept; its exit code (128+n for a signal). */
function spawnCommand(ctx: CliContext, command: string, logFile: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile)
    const child = spawn('sh', ['-c', command], { cwd: ctx.cwd, env: { ...process.env, ...ctx.env, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (d: Buffer) => (ctx.stdout.write(d.toString()), log.write(d)))
    child.stderr.on('data', (d: Buffer) => (ctx.stderr.write(d.toString()), log.write(d)))
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal)
    const onInt = forward('SIGINT')
    const onTerm = forward('SIGTERM')
    process.once('SIGINT', onInt)
    process.once('SIGTERM', onTerm)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      log.end()
      resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0))
    })
  })
}

function count(value: string, option: string, what: string): number {
  if (!/^\d+$/.test(value)) throw new UserError('BAD_OPTION', `${option} "${value}": give ${what}`)
  return Number(value)
}
