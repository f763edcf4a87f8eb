import { createWriteStream, existsSync, writeFileSync } from 'node:fs'
import { PassThrough } from 'node:stream'
import path from 'node:path'
import { claimRunDir, runStamp } from './claim-run-dir.ts'
import type { Envelope } from '@cucumber/messages'
import { UserError } from '../errors.ts'
import { loadEnvironment } from '../clusters/environment.ts'
import { providerFor } from '../clusters/providers.ts'
import { RunProgress, type FinishedCase, type RunTotals } from './run-progress.ts'
import { shardFrom } from './shard.ts'
import { defaultTags } from './default-tags.ts'
import parseTagExpression from '@cucumber/tag-expressions'
import type { IConfiguration } from '@cucumber/cucumber/api'

export interface RunSuiteOptions {
  root: string
  /** environment name (environments/<name>.yaml) or path to one */
  environment: string
  /** cucumber tag expression; default: not @wip, not @manual, not tagged for other environments only (default-tags.ts) */
  tags?: string
  /** regular expressions, as cucumber-js's --name: a scenario runs when its name matches one */
  names?: string[]
  /** cucumber-js's order: `defined`, `reverse`, `random` or `random:<seed>` (a random order's seed is always said) */
  order?: string
  /** stop at the first failed scenario: the rest are skipped (cucumber-js's --fail-fast) */
  failFast?: boolean
  parallel?: number
  retry?: number
  shard?: string
  paths?: string[]
  outDir: string
  runId?: string
  /** a kept cluster (cluster up) to run against instead of starting clusters */
  cluster?: string
  /** `environment` was asked for (not the default): with `cluster`, it must be the cluster's */
  environmentGiven?: boolean
  env: Record<string, string | undefined>
  now: () => Date
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown }
}

export interface RunSummary {
  runId: string
  environment: string
  shard?: string
  startedAt: string
  finishedAt: string
  success: boolean
  /** why cucumber-js stopped the run before its end (it throws rather than finishing) */
  runnerError?: string
  totals: RunTotals
  failures: FinishedCase[]
  runDir: string
  /** scenarios the paths and tags select, in all shards (a shard runs its part of them) */
  selected: number
}

/**
 * Runs the milestone suite through cucumber-js against one environment: writes the Cucumber
 * Messages NDJSON, node logs and a summary under <outDir>/<run-id>/, showing progress as it goes.
 */
export async function runSuite(options: RunSuiteOptions): Promise<RunSummary> {
  let clusterState: string | undefined
  let environmentName = options.environment
  if (options.cluster) {
    const { checkClusterName, processAlive, readState, statePath } = await import('../clusters/cluster-state.ts')
    checkClusterName(options.cluster)
    const state = readState(options.root, options.cluster)
    if (!state || !processAlive(state.keeperPid)) throw new UserError('CLUSTER_UNKNOWN', `no cluster ${options.cluster} is up here; bring one up with bdd-matrix cluster up --name ${options.cluster} (bdd-matrix cluster ls lists them)`)
    if (state.status !== 'up') throw new UserError('CLUSTER_UNKNOWN', `cluster ${options.cluster} is ${state.status}${state.error ? `: ${state.error}` : ''}`)
    if (options.parallel) throw new UserError('BAD_OPTION', '--parallel with --cluster: one kept cluster cannot serve several workers at once; drop --parallel')
    clusterState = statePath(options.root, options.cluster)
    environmentName = state.envFile
  }
  const environment = loadEnvironment(environmentName, options.root)
  // Results count in the column of the cluster's environment: another asked for would be taken silently.
  if (options.cluster && options.environmentGiven && loadEnvironment(options.environment, options.root).name !== environment.name)
    throw new UserError('BAD_OPTION', `--env ${options.environment}, but cluster ${options.cluster} was brought up from ${environment.name}: its results count as ${environment.name}'s; drop --env (the cluster's is used), or bring a cluster of ${options.environment} up (bdd-matrix cluster up --env ${options.environment})`)
  const shard = shardFrom(options.shard, options.env)
  if (options.parallel !== undefined && !(Number.isInteger(options.parallel) && options.parallel >= 0))
    throw new UserError('BAD_OPTION', `--parallel "${options.parallel}": give a number of workers (0 runs in this process)`)
  if (options.retry !== undefined && !(Number.isInteger(options.retry) && options.retry >= 0))
    throw new UserError('BAD_OPTION', `--retry "${options.retry}": give how many times a failed scenario may be retried`)
  if (options.tags) checkTagExpression(options.tags)
  if (options.order !== undefined && !/^(defined|reverse|random(:\d+)?)$/.test(options.order))
    throw new UserError('BAD_OPTION', `--order "${options.order}": use defined, reverse, random, or random:<seed> to repeat a random order`)
  // a random order is only worth its failures if it can be run again: its seed is chosen here and said
  const order = options.order === 'random' ? `random:${Math.floor(Math.random() * 1_000_000)}` : options.order
  const names = (options.names ?? []).map((name) => {
    try {
      return new RegExp(name)
    } catch (error) {
      throw new UserError('BAD_OPTION', `--name "${name}": not a regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')}); e.g. --name "gossip reaches"`)
    }
  })
  // A path mistyped selects nothing, and a run of nothing passes: refused before anything starts.
  for (const given of options.paths ?? []) {
    // (cucumber's forms: features/a.feature:12:30, @rerun.txt)
    const file = given.replace(/(:\d+)+$/, '').replace(/^@/, '')
    if (!existsSync(path.resolve(options.root, file))) throw new UserError('RUN_PATH', `${given}: no such feature file or folder in ${options.root}; give feature files or folders (e.g. features/p2p-network), or none for those of cucumber.js`)
  }
  if (!clusterState) await (await providerFor(environment)).preflight(environment)

  const startedAt = options.now()
  const { runId, runDir } = claimRunDir(options.outDir, options.runId ?? `${environment.name}-${runStamp(startedAt)}${shard ? `-shard-${shard.index}-of-${shard.total}` : ''}`, options.runId !== undefined)
  const messages = createWriteStream(path.join(runDir, 'messages.ndjson'))
  const progress = new RunProgress()
  const view = new ProgressView(options.stdout, progress)

  const tags = options.tags ?? defaultTags(path.join(options.root, 'features'), environment.name)
  // Cucumber announces every pickle of the paths, before the tags, the names and the shard choose:
  // the tags of each whose name is chosen, to count what the selection holds in all shards.
  const pickleTags: string[][] = []
  const { loadConfiguration, runCucumber } = await import('@cucumber/cucumber/api')
  // Our progress view replaces cucumber's formatter output; its warnings still reach stderr.
  const cucumberStderr = new PassThrough()
  cucumberStderr.on('data', (chunk: Buffer) => options.stderr.write(chunk.toString()))
  const cucumberEnv = { cwd: options.root, stdout: new PassThrough().resume(), stderr: cucumberStderr, env: { ...options.env } }
  const { runConfiguration } = await loadConfiguration(
    {
      provided: {
        tags,
        ...(options.names?.length ? { name: options.names } : {}),
        ...(order ? { order: order as IConfiguration['order'] } : {}),
        ...(options.failFast ? { failFast: true } : {}),
        parallel: options.parallel ?? 0,
        retry: options.retry ?? 0,
        ...(shard ? { shard: `${shard.index}/${shard.total}` } : {}),
        worldParameters: { environment: environment.file, runDir, ...(clusterState ? { cluster: clusterState } : {}) },
      },
    },
    cucumberEnv,
  )
  // Paths given to the run replace those of cucumber.js (cucumber would add them to its own).
  if (options.paths?.length) runConfiguration.sources.paths = options.paths
  options.stdout.write(`bdd-matrix run ${runId}: environment ${environment.name} (${environment.provider})${shard ? `, shard ${shard.index}/${shard.total}` : ''}${order?.startsWith('random') ? `, order ${order} (--order ${order} runs it again in this order)` : ''}\n`)
  // cucumber-js stops a run by throwing (a BeforeAll hook failed, a worker died): what it wrote
  // until then is kept, and the error becomes the run's own (it fails the run in every report).
  let result = { success: false }
  let runnerError: string | undefined
  let started = false
  try {
    result = await runCucumber(runConfiguration, cucumberEnv, (envelope: Envelope) => {
      if (envelope.testRunStarted) started = true
      if (envelope.pickle && (names.length === 0 || names.some((name) => name.test(envelope.pickle!.name)))) pickleTags.push(envelope.pickle.tags.map((t) => t.name))
      messages.write(`${JSON.stringify(envelope)}\n`)
      const finished = progress.consume(envelope)
      if (finished) view.finished(finished)
      else if (envelope.testCaseStarted) view.started()
    })
  } catch (error) {
    // Before the run started it is the project that is wrong (step definitions that do not load…):
    // that is reported as such, not as a result.
    if (error instanceof UserError) throw error
    if (!started) {
      messages.end()
      const { unloadableSteps } = await import('../catalogue/load-step-definitions.ts')
      throw unloadableSteps(error)
    }
    const cause = (error as Error).cause
    runnerError = `${(error as Error).message}${cause instanceof Error ? `: ${cause.message}` : ''}`
  }
  await new Promise((resolve) => messages.end(resolve))
  view.close()

  const selects = parseTagExpression(tags)
  const summary: RunSummary = {
    runId,
    environment: environment.name,
    ...(shard ? { shard: `${shard.index}/${shard.total}` } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: options.now().toISOString(),
    success: result.success && !runnerError,
    ...(runnerError ? { runnerError } : {}),
    totals: progress.totals,
    failures: progress.failures,
    runDir,
    selected: pickleTags.filter((names) => selects.evaluate(names)).length,
  }
  writeFileSync(path.join(runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
  return summary
}

/** A live line on a terminal; one plain line per finished scenario in CI logs. */
class ProgressView {
  private readonly tty: boolean

  constructor(
    private readonly out: { write(text: string): unknown; isTTY?: boolean },
    private readonly progress: RunProgress,
  ) {
    this.tty = out.isTTY === true
  }

  started(): void {
    if (this.tty) this.redraw()
  }

  finished(c: FinishedCase): void {
    const label = c.willBeRetried ? `RETRY ${c.status}` : c.flaky ? 'FLAKY' : c.status.toUpperCase()
    const line = `${label.padEnd(9)} ${c.uri}:${c.line} ${c.name} (${c.seconds.toFixed(1)} s)`
    if (this.tty) {
      if (c.status !== 'passed' || c.flaky || c.willBeRetried) this.out.write(`\r\x1b[K${line}\n`)
      this.redraw()
    } else this.out.write(`[${this.progress.totals.done}/${this.progress.totals.total}] ${line}\n`)
  }

  close(): void {
    if (this.tty) this.out.write('\r\x1b[K')
  }

  private redraw(): void {
    const { done, total, failed } = this.progress.totals
    const current = this.progress.current ? `${this.progress.current.uri}: ${this.progress.current.name}` : ''
    this.out.write(`\r\x1b[K[${done}/${total}] failures ${failed} · ${current}`.slice(0, 160))
  }
}

/** Cucumber would fail on a bad tag expression with a stack trace, after the cluster started. */
function checkTagExpression(tags: string): void {
  try {
    parseTagExpression(tags)
  } catch (error) {
    const reason = (error as Error).message.replace(/^.*syntax error: /, '')
    throw new UserError('BAD_OPTION', `--tags "${tags}": not a tag expression (${reason}); e.g. --tags "@feature:p2p-network and not @wip"`)
  }
}
