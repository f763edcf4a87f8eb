import path from 'node:path'
import type { Command } from 'commander'
import { UserError, isUserError } from '../errors.ts'
import { buildFromEnv, type CliContext } from './cli-context.ts'

interface RunCliOptions {
  env: string
  build?: string
  tags?: string
  parallel?: string
  retry?: string
  shard?: string
  out: string
  runId?: string
  cluster?: string
}

export function addRunCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  program
    .command('run')
    .description('run the milestone suite against a cluster environment (local, docker, feature, or a YAML path)')
    .argument('[paths...]', 'feature files or folders (default: those of cucumber.js)')
    .option('--env <name>', 'environment: environments/<name>.yaml or a path', 'local')
    .option('--tags <expression>', 'cucumber tag expression', 'not @wip and not @manual')
    .option('--parallel <workers>', 'cucumber worker processes, each with its own cluster')
    .option('--retry <times>', 'retry a failed scenario; one that then passes is reported flaky')
    .option('--shard <i/n>', 'run shard i of n (default: CI_NODE_INDEX/CI_NODE_TOTAL when set)')
    .option('--out <dir>', 'reports folder', 'reports')
    .option('--run-id <id>', 'name of this run (default: <env>-<UTC time>[-shard-i-of-n])')
    .option('--cluster <name>', 'run against a cluster kept by bdd-matrix cluster up (not torn down after)')
    .option('--build <version>', 'build under test (default: BDD_MATRIX_BUILD, CI_COMMIT_TAG, CI_COMMIT_SHORT_SHA or "dev")')
    .action(async (paths: string[], options: RunCliOptions) => exit(await run(ctx, { ...options, paths })))

  program
    .command('start')
    .description('the main job of a fresh clone: bdd-matrix run --env local')
    .action(async () => exit(await run(ctx, { env: 'local', out: 'reports', paths: [] })))
}

async function run(ctx: CliContext, options: RunCliOptions & { paths: string[] }): Promise<number> {
  const { runSuite } = await import('../run/run-suite.ts')
  const summary = await runSuite({
    root: ctx.cwd,
    environment: options.env,
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.parallel !== undefined ? { parallel: count(options.parallel, '--parallel', 'a number of workers (0 runs in this process)') } : {}),
    ...(options.retry !== undefined ? { retry: count(options.retry, '--retry', 'how many times a failed scenario may be retried') } : {}),
    ...(options.shard ? { shard: options.shard } : {}),
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.cluster ? { cluster: options.cluster } : {}),
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
  // The run's own results, normalised, and the reports people read.
  const { ingestFiles, writeMatrixAnd } = await import('./results-commands.ts')
  const { junitWriter, allureWriter } = await import('./report-writers.ts')
  const build = options.build ?? buildFromEnv(ctx.env)
  const results = path.join(summary.runDir, 'results')
  // The run belongs to the project's milestone (Allure's epic, the hub, the gate), when it has one.
  let milestone: string | undefined
  try {
    const { resolveInputs } = await import('./resolve-inputs.ts')
    milestone = resolveInputs(ctx, {}).scope.milestone
  } catch {
    // no readable scope: said when the matrix is written
  }
  const [ingested] = await ingestFiles(ctx, [path.join(summary.runDir, 'messages.ndjson')], { env: summary.environment, build, stage: 'acceptance', out: results, runId: summary.runId, ...(milestone ? { milestone } : {}), ...(summary.runnerError ? { runnerError: summary.runnerError } : {}) })
  // Failures outside any scenario (a BeforeAll/AfterAll hook, the runner): said, and they fail the run.
  const runErrors = ingested?.run?.errors ?? []
  for (const e of runErrors) ctx.stdout.write(`  RUN ERROR ${e.where}${e.source ? ` (${e.source})` : ''}: ${e.message.split('\n')[0]}\n`)
  // One merge for every report. The matrix needs the milestone scope; without one the run still
  // gets its other reports.
  const others = [junitWriter(path.join(summary.runDir, 'junit.xml'), ctx.cwd), allureWriter(path.join(summary.runDir, 'allure-results'), ctx.env)]
  let matrixProblem: UserError | undefined
  try {
    await writeMatrixAnd(ctx, { results, features: 'features', history: '10', out: summary.runDir }, others)
  } catch (error) {
    if (!isUserError(error) || !error.code.startsWith('SCOPE')) throw error
    matrixProblem = error
    ctx.stderr.write(error.code === 'SCOPE_MISSING' ? `no milestone scope in features/milestones/: the test matrix is not written (add a scope file to get it)\n` : `bdd-matrix: ${error.message}; the test matrix is not written\n`)
    const { writeReports } = await import('../reports/write-reports.ts')
    await writeReports({ resultsDir: results, writers: others })
  }
  const shown = path.relative(ctx.cwd, summary.runDir)
  ctx.stdout.write(`reports: ${shown.startsWith('..') ? summary.runDir : shown}/ (${matrixProblem ? '' : 'matrix.html, matrix.md, matrix.json, '}junit.xml, allure-results/, messages.ndjson, results/, summary.json, logs/)\n`)
  // A scope that exists but cannot be read is a mistake to fix (exit 2), once the reports are out.
  if (matrixProblem && matrixProblem.code !== 'SCOPE_MISSING') return 2
  return summary.success && runErrors.length === 0 ? 0 : 1
}

function count(value: string, option: string, what: string): number {
  if (!/^\d+$/.test(value)) throw new UserError('BAD_OPTION', `${option} "${value}": give ${what}`)
  return Number(value)
}
