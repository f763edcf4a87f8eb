import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { UserError } from '../errors.ts'
import type { CliContext } from './cli-context.ts'
import { makeDirectory } from '../files.ts'

interface UpOptions {
  env: string
  nodes?: string
  count?: string
  name: string
}

// Feature environments on demand: a cluster kept up by a detached keeper process, found again
// by its state file in .bdd-matrix/clusters/.

export function addClusterCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  const cluster = program.command('cluster').description('feature environments on demand: bring a cluster up and keep it, list, read logs, take it down')

  cluster
    .command('up')
    .description('start a cluster with any provider and leave it running (a keeper process owns it)')
    .option('--env <name>', 'environment: environments/<name>.yaml or a path', 'local')
    .option('--nodes <file>', 'YAML list of nodes (name, role, onboarded, org, resources, region[, host]) instead of the environment\'s')
    .option('--count <n>', 'N compute-provider nodes named node-1 … node-N instead of the environment\'s')
    .option('--name <name>', 'name of the cluster', 'dev')
    .action(async (options: UpOptions) => exit(await up(ctx, options)))

  cluster
    .command('ls')
    .description('clusters that are up, with each node\'s health; forgets clusters that are gone')
    .action(async () => exit(await ls(ctx)))

  cluster
    .command('down')
    .description('tear down exactly what cluster up started (processes, containers, networks, SSH sessions)')
    .argument('[name]', 'cluster name')
    .option('--name <name>', 'cluster name, as cluster up took it (or give it as the argument)')
    .option('--all', 'every cluster of this project')
    .action(async (name: string | undefined, options: { all?: boolean; name?: string }) => exit(await down(ctx, nameOf(name, options.name), options.all === true)))

  cluster
    .command('logs')
    .description('a node\'s log, or every node\'s')
    .argument('[name]', 'cluster name (or --name)')
    .argument('[node]', 'node name')
    .option('--name <name>', 'cluster name, as cluster up took it (then the argument is the node)')
    .option('--lines <n>', 'last lines of each log', '200')
    .action(async (first: string | undefined, second: string | undefined, options: { lines: string; name?: string }) => {
      // `cluster logs dev Bob`, or as `up` names it: `cluster logs --name dev Bob`
      // (the cluster named both ways: `cluster logs dev --name dev`, every node's log)
      const [name, node] = options.name === undefined ? [first, second] : second === undefined ? [options.name, first === options.name ? undefined : first] : [nameOf(first, options.name), second]
      if (!name) throw new UserError('BAD_OPTION', 'name the cluster whose logs to show: bdd-matrix cluster logs NAME [NODE] (bdd-matrix cluster ls lists them)')
      exit(await logs(ctx, name, node, Number(options.lines)))
    })

  // The keeper itself, started detached by `cluster up`.
  cluster
    .command('keep', { hidden: true })
    .requiredOption('--env <file>')
    .requiredOption('--name <name>')
    .requiredOption('--slot <n>')
    .option('--nodes <file>')
    .option('--count <n>')
    .action(async (options: UpOptions & { slot: string }) => {
      const { keepCluster } = await import('../clusters/cluster-keeper.ts')
      const { loadEnvironment } = await import('../clusters/environment.ts')
      const env = loadEnvironment(options.env, ctx.cwd)
      const nodes = await nodesFor(ctx, env, options)
      exit(await keepCluster({ root: ctx.cwd, name: options.name, env, nodes, slot: Number(options.slot), log: (line) => ctx.stdout.write(`${new Date().toISOString()} ${line}\n`) }))
    })
}

async function nodesFor(ctx: CliContext, env: import('../clusters/environment.ts').Environment, options: { nodes?: string; count?: string }) {
  const { defaultNodes, nodeSpecsOf, NodesFileSchema } = await import('../clusters/environment.ts')
  if (options.nodes && options.count) throw new UserError('BAD_OPTION', 'give --nodes or --count, not both')
  if (options.count !== undefined) {
    const count = Number(options.count)
    if (!(Number.isInteger(count) && count >= 1 && count <= 50)) throw new UserError('BAD_OPTION', `--count "${options.count}": give a number of nodes from 1 to 50`)
    return nodeSpecsOf(env, Array.from({ length: count }, (_, i) => ({ name: `node-${i + 1}`, role: 'CP' as const, onboarded: true, org: 'nunet', ...(env.provider === 'remote' ? { host: env.hosts[i % env.hosts.length]!.name } : {}) })))
  }
  if (options.nodes) {
    const { parseLocatedYaml } = await import('../located-yaml.ts')
    const file = path.resolve(ctx.cwd, options.nodes)
    if (!existsSync(file)) throw new UserError('BAD_OPTION', `--nodes ${options.nodes}: file not found`)
    const parsed = parseLocatedYaml(readFileSync(file, 'utf8'), options.nodes, NodesFileSchema, { code: 'NODES_INVALID', notMapping: 'a nodes file is a mapping with the key nodes: a list of name, role, onboarded, org, resources, region' })
    const names = new Set<string>()
    for (const n of parsed.nodes) {
      if (names.has(n.name)) throw new UserError('NODES_INVALID', `${options.nodes}: node name ${n.name} twice`)
      names.add(n.name)
      if (env.provider === 'remote' && !env.hosts.some((h) => h.name === n.host)) throw new UserError('NODES_INVALID', `${options.nodes}: node ${n.name} needs a host: one of ${env.hosts.map((h) => h.name).join(', ')}`)
    }
    return nodeSpecsOf(env, parsed.nodes)
  }
  return defaultNodes(env)
}

export async function up(ctx: CliContext, options: UpOptions): Promise<number> {
  const { checkClusterName, freeSlot, processAlive, readState, removeState, clustersDir } = await import('../clusters/cluster-state.ts')
  const { loadEnvironment } = await import('../clusters/environment.ts')
  checkClusterName(options.name)
  const env = loadEnvironment(options.env, ctx.cwd)
  await nodesFor(ctx, env, options)
  const existing = readState(ctx.cwd, options.name)
  if (existing && processAlive(existing.keeperPid)) throw new UserError('CLUSTER_EXISTS', `cluster ${options.name} is already up (keeper process ${existing.keeperPid}); choose another --name, or bring it down first (bdd-matrix cluster down ${options.name})`)
  if (existing) removeState(ctx.cwd, options.name)
  const slot = freeSlot(ctx.cwd)
  makeDirectory(clustersDir(ctx.cwd))
  const keeperLog = path.join(clustersDir(ctx.cwd), `${options.name}.keeper.log`)
  const out = openSync(keeperLog, 'a')
  const bin = ownBin()
  const args = ['cluster', 'keep', '--env', env.file, '--name', options.name, '--slot', String(slot), ...(options.nodes ? ['--nodes', path.resolve(ctx.cwd, options.nodes)] : []), ...(options.count ? ['--count', options.count] : [])]
  // Detached, in its own session: the cluster outlives this command and the shell that ran it.
  const keeper = spawn(process.execPath, [bin, ...args], { cwd: ctx.cwd, detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...ctx.env } as NodeJS.ProcessEnv })
  closeSync(out)
  ctx.stdout.write(`starting cluster ${options.name} (${env.name}, ${env.provider}); keeper process ${keeper.pid}, log ${path.relative(ctx.cwd, keeperLog)}\n`)
  // Ctrl-C while it starts: the keeper aborts the start and tears down what did start.
  let interrupted = false
  const interrupt = (): void => {
    interrupted = true
    keeper.kill('SIGTERM')
  }
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  let exited: number | null | undefined
  keeper.once('exit', (code) => (exited = code ?? 1))
  try {
    for (;;) {
      const state = readState(ctx.cwd, options.name)
      if (state?.status === 'up' && state.keeperPid === keeper.pid) break
      if (state?.status === 'failed' && state.keeperPid === keeper.pid) {
        removeState(ctx.cwd, options.name)
        throw new UserError('CLUSTER_START', `cluster ${options.name} did not start: ${state.error}`)
      }
      if (exited !== undefined) {
        if (interrupted) {
          ctx.stderr.write(`interrupted: cluster ${options.name} was not started and nothing is left running\n`)
          return 130
        }
        throw new UserError('CLUSTER_START', `cluster ${options.name} did not start: its keeper exited (${exited}); see ${path.relative(ctx.cwd, keeperLog)}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  } finally {
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
  }
  keeper.unref()
  const state = readState(ctx.cwd, options.name)!
  ctx.stdout.write(`cluster ${options.name} is up (${state.nodes.length} nodes):\n`)
  for (const n of state.nodes) ctx.stdout.write(`  ${n.name.padEnd(12)} ${n.spec.role}  ${n.host.padEnd(15)} ${n.apiUrl.padEnd(28)} ${path.relative(ctx.cwd, n.logFile)}${n.spec.region ? `  ${n.spec.region}` : ''}\n`)
  ctx.stdout.write(`state: ${path.relative(ctx.cwd, path.join(clustersDir(ctx.cwd), `${options.name}.json`))}; run against it: bdd-matrix run --cluster ${options.name}; take it down: bdd-matrix cluster down ${options.name}\n`)
  return 0
}

async function ls(ctx: CliContext): Promise<number> {
  const { listStates, nodeStatus, processAlive, removeState } = await import('../clusters/cluster-state.ts')
  const states = listStates(ctx.cwd)
  let shown = 0
  for (const state of states) {
    if (!processAlive(state.keeperPid)) {
      ctx.stdout.write(`${state.name}: gone (its keeper process ${state.keeperPid} is not running); forgotten\n`)
      await cleanLeftovers(state)
      removeState(ctx.cwd, state.name)
      continue
    }
    shown++
    ctx.stdout.write(`${state.name}  ${state.provider}  ${state.status}  keeper ${state.keeperPid}  since ${state.createdAt}\n`)
    for (const n of state.nodes) {
      const status = await nodeStatus(n, 3000, ctx.cwd)
      const health = status instanceof Error ? `not answering (${status.message.split('\n')[0]})` : `up, ${status.onboarded ? 'onboarded' : 'not onboarded'}`
      const labels = [n.spec.region, ...Object.entries(n.spec.labels).map(([k, v]) => `${k}=${v}`)].filter(Boolean).join(' ')
      ctx.stdout.write(`  ${n.name.padEnd(12)} ${n.spec.role}  ${n.host.padEnd(15)} ${n.apiUrl.padEnd(28)} ${health}${labels ? `  [${labels}]` : ''}\n`)
    }
  }
  if (shown === 0) ctx.stdout.write('no clusters up\n')
  return 0
}

export async function down(ctx: CliContext, name: string | undefined, all: boolean): Promise<number> {
  const { checkClusterName, listStates, nodeStatus, processAlive, readState, removeState } = await import('../clusters/cluster-state.ts')
  if (!name && !all) throw new UserError('BAD_OPTION', 'name the cluster to take down, or --all (bdd-matrix cluster ls lists them)')
  if (name) checkClusterName(name)
  const states = all ? listStates(ctx.cwd) : [readState(ctx.cwd, name!)].filter((s) => s !== undefined)
  if (name && states.length === 0) throw new UserError('CLUSTER_UNKNOWN', `no cluster ${name} here (bdd-matrix cluster ls lists them)`)
  for (const state of states) {
    // What is there before it goes: nodes killed by hand are said, not an error.
    const dead: string[] = []
    for (const n of state.nodes) if ((await nodeStatus(n, 2000, ctx.cwd)) instanceof Error) dead.push(n.name)
    if (processAlive(state.keeperPid)) {
      process.kill(state.keeperPid, 'SIGTERM')
      const deadline = Date.now() + 60_000
      while (processAlive(state.keeperPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      if (processAlive(state.keeperPid)) {
        process.kill(state.keeperPid, 'SIGKILL')
        await cleanLeftovers(state)
      }
      removeState(ctx.cwd, state.name)
      ctx.stdout.write(`${state.name}: down (${state.nodes.length} node(s)${dead.length ? `; ${dead.join(', ')} had already stopped` : ''})\n`)
    } else {
      await cleanLeftovers(state)
      removeState(ctx.cwd, state.name)
      ctx.stdout.write(`${state.name}: its keeper (process ${state.keeperPid}) was already gone${dead.length === state.nodes.length ? ', and so were its nodes' : `; ${state.nodes.length - dead.length} node(s) still answered and were stopped`}; state removed\n`)
    }
  }
  if (all && states.length === 0) ctx.stdout.write('no clusters up\n')
  return 0
}

/**
 * What a keeper that died without tearing down can leave: local nodes exit by themselves when
 * their parent is gone, remote ones when their SSH session closes; containers and networks carry
 * the keeper's process id and are removed here.
 */
async function cleanLeftovers(state: import('../clusters/cluster-state.ts').ClusterState): Promise<void> {
  if (state.provider === 'local') {
    const { removeLocalLeftovers } = await import('../clusters/local/local-cluster-provider.ts')
    removeLocalLeftovers()
  }
  if (state.provider === 'docker') {
    const { removeContainersOf } = await import('../clusters/docker/docker-cluster-provider.ts')
    await removeContainersOf(state.keeperPid)
  }
}

async function logs(ctx: CliContext, name: string, node: string | undefined, lines: number): Promise<number> {
  const { checkClusterName, readState } = await import('../clusters/cluster-state.ts')
  const { logTail } = await import('../clusters/start-cluster.ts')
  checkClusterName(name)
  const state = readState(ctx.cwd, name)
  if (!state) throw new UserError('CLUSTER_UNKNOWN', `no cluster ${name} here (bdd-matrix cluster ls lists them)`)
  const nodes = node ? state.nodes.filter((n) => n.name === node) : state.nodes
  if (node && nodes.length === 0) throw new UserError('CLUSTER_NODE', `cluster ${name} has no node ${node}; its nodes: ${state.nodes.map((n) => n.name).join(', ')}`)
  if (!(Number.isInteger(lines) && lines > 0)) throw new UserError('BAD_OPTION', '--lines: give a number of lines')
  for (const n of nodes) ctx.stdout.write(`${nodes.length > 1 ? `==> ${n.name} (${path.relative(ctx.cwd, n.logFile)}) <==\n` : ''}${logTail(n.logFile, lines)}${nodes.length > 1 ? '\n' : ''}`)
  return 0
}

/** This installation's executable (from the sources or from dist/), for the keeper. */
function ownBin(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++, dir = path.dirname(dir)) if (existsSync(path.join(dir, 'bin/bdd-matrix.js'))) return path.join(dir, 'bin/bdd-matrix.js')
  throw new Error('bin/bdd-matrix.js not found above this module')
}

/** A cluster's name given as the argument or as --name (as `cluster up` takes it); both, only when they agree. */
function nameOf(argument: string | undefined, option: string | undefined): string | undefined {
  if (argument !== undefined && option !== undefined && argument !== option) throw new UserError('BAD_OPTION', `two cluster names: ${argument} and --name ${option}; give one`)
  return argument ?? option
}
