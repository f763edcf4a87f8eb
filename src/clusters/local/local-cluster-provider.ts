import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readdirSync, rmSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { tmpdir } from 'node:os'
import type { ClusterNode, ClusterProvider, ClusterRequest, FaultOperation, StartedCluster } from '../cluster-provider.ts'
import type { NodeSpec } from '../node-spec.ts'
import { livenessOf, type Environment } from '../environment.ts'
import { loadNodeProgram, waitHttpReady, type NodeProgram, type ProviderNodeClient } from '../node-program.ts'
import { connectMesh, resetNodes, waitReady, sleep } from '../prepare-cluster.ts'
import { findNode, logTail, startOrTearDown } from '../start-cluster.ts'
import { processAlive } from '../cluster-state.ts'
import { freePort } from './free-port.ts'
import { makeDirectory } from '../../files.ts'

interface LocalNode extends ClusterNode {
  readonly client: ProviderNodeClient
  apiPort: number
  p2pPort: number
  dataDir: string
  logFile: string
  process?: ChildProcess
  exited?: string
}

/**
 * The embedded default: each node a child process bound to its own loopback address
 * (127.S.R.n: slot S, run R, node n), so nodes are distinct hosts on one machine.
 * A network cut is the node's own blocklist (it refuses and drops every libp2p connection).
 */
export class LocalClusterProvider implements ClusterProvider {
  readonly name = 'local'

  async preflight(env: Environment): Promise<void> {
    await loadNodeProgram(env)
  }

  async up(request: ClusterRequest): Promise<StartedCluster> {
    const program = await loadNodeProgram(request.env)
    removeLocalLeftovers()
    makeDirectory(request.logDir)
    const run = 1 + Math.floor(Math.random() * 250)
    const dataRoot = path.join(tmpdir(), `${DATA_PREFIX}${process.pid}-${request.slot}-${run}`)
    const cluster = new LocalCluster(program, request, dataRoot, run)
    return startOrTearDown(cluster, request.signal)
  }
}

const DATA_PREFIX = 'bdd-matrix-local-'

/**
 * Removes the node data of local clusters whose owner died without tearing them down (a crashed
 * keeper or run): their nodes stopped by themselves, their folders did not. Like the docker
 * provider's leftovers, they are swept by the next cluster started, and by cluster ls and down.
 */
export function removeLocalLeftovers(): void {
  let names: string[]
  try {
    names = readdirSync(tmpdir())
  } catch {
    return
  }
  for (const name of names) {
    const owner = name.startsWith(DATA_PREFIX) ? Number(name.slice(DATA_PREFIX.length).split('-')[0]) : 0
    if (owner && owner !== process.pid && !processAlive(owner)) rmSync(path.join(tmpdir(), name), { recursive: true, force: true })
  }
}

class LocalCluster implements StartedCluster {
  readonly provider = 'local'
  private list: LocalNode[] = []
  private closed = false

  constructor(
    private readonly program: NodeProgram,
    private readonly request: ClusterRequest,
    private readonly dataRoot: string,
    private readonly run: number,
  ) {}

  get nodes(): readonly ClusterNode[] {
    return this.list
  }

  async start(): Promise<void> {
    const run = this.run
    const { env, nodes, slot } = this.request
    const octet = 100 + (slot % 150)
    this.list = await Promise.all(
      nodes.map(async (spec: NodeSpec, i) => {
        const host = `127.${octet}.${run}.${i + 1}`
        const apiPort = await freePort(host)
        const node: LocalNode = {
          name: spec.name,
          spec,
          host,
          apiPort,
          p2pPort: await freePort(host, new Set([apiPort])),
          dataDir: path.join(this.dataRoot, spec.name),
          logFile: path.join(this.request.logDir, `${spec.name}.log`),
          client: undefined as unknown as ProviderNodeClient,
          peerId: '',
          addrs: [],
        }
        Object.assign(node, { client: this.program.createClient({ name: spec.name, baseUrl: `http://${host}:${node.apiPort}`, localAddress: host, timeoutMs: env.timeouts.stepMs }) })
        return node
      }),
    )
    await Promise.all(this.list.map((node) => this.launch(node)))
    await connectMesh(this.list, env.timeouts.readyMs, env.mesh)
    await resetNodes(this.list)
  }

  node(name: string): LocalNode {
    return findNode(this.list, name)
  }

  async fault(name: string, operation: FaultOperation): Promise<void> {
    const node = this.node(name)
    switch (operation) {
      case 'kill':
        node.process?.kill('SIGKILL')
        await exitOf(node)
        return
      case 'stop':
        node.process?.kill('SIGTERM')
        await exitOf(node, 5000)
        return
      case 'start':
        await this.launch(node)
        return
      case 'pause':
        node.process?.kill('SIGSTOP')
        return
      case 'resume':
        node.process?.kill('SIGCONT')
        return
      case 'isolate':
        return node.client.isolate()
      case 'heal':
        return node.client.heal()
    }
  }

  async logs(name: string, lines = 50): Promise<string> {
    return logTail(this.node(name).logFile, lines)
  }

  probeApi(from: string, to: string): Promise<number> {
    const source = this.node(from)
    const target = this.node(to)
    return new Promise((resolve, reject) => {
      const req = http.get({ host: target.host, port: target.apiPort, path: this.program.readyHttp ?? '/status', localAddress: source.host, timeout: 5000 }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
    })
  }

  async healthy(): Promise<boolean> {
    return this.list.every((n) => n.process && n.exited === undefined)
  }

  async down(): Promise<void> {
    this.closed = true
    await Promise.all(
      this.list.map(async (node) => {
        node.client.close()
        if (!node.process || node.exited !== undefined) return
        node.process.kill('SIGCONT')
        node.process.kill('SIGTERM')
        if (!(await exitOf(node, 3000))) {
          node.process.kill('SIGKILL')
          await exitOf(node, 3000)
        }
      }),
    )
    rmSync(this.dataRoot, { recursive: true, force: true })
  }

  private async launch(node: LocalNode): Promise<void> {
    if (this.closed) throw new Error(`cluster is shutting down: ${node.name} not started`)
    makeDirectory(node.dataDir)
    const log = openSync(node.logFile, 'a')
    const [command, ...args] = this.program.argv({ node: process.execPath, dir: this.program.localDir, name: node.name, host: node.host, apiPort: node.apiPort, p2pPort: node.p2pPort, dataDir: node.dataDir, heartbeatMs: this.request.env.heartbeatMs, liveness: livenessOf(this.request.env), parentPid: process.pid })
    // One malloc arena: glibc gives each thread of a node its own, and fifty nodes' partly used
    // arenas were some 4 MB of RSS a node (fifty nodes: 4.24 GB → 4.05 GB with --v8-pool-size=1).
    const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '1' }
    const child = spawn(command!, args, { stdio: ['ignore', log, log], cwd: this.program.localDir, env })
    child.on('error', (error) => (node.exited = `could not be started (${error.message})`))
    closeSync(log)
    node.process = child
    node.exited = undefined
    child.on('exit', (code, signal) => (node.exited = signal ? `killed by ${signal}` : `exited with code ${code}`))
    try {
      const readyPath = this.program.readyHttp
      if (readyPath)
        await waitHttpReady(`http://${node.host}:${node.apiPort}${readyPath}`, node.host, {
          timeoutMs: this.request.env.timeouts.readyMs,
          what: `node ${node.name} (${readyPath})`,
          failed: () => (this.closed ? 'cluster is shutting down' : node.exited !== undefined ? `${node.exited} before it was ready` : undefined),
        })
      const status = await waitReady(node.client, {
        timeoutMs: this.request.env.timeouts.readyMs,
        what: `node ${node.name}`,
        failed: () => (this.closed ? 'cluster is shutting down' : node.exited !== undefined ? `${node.exited} before it was ready` : undefined),
      })
      Object.assign(node, { peerId: status.peerId, addrs: status.addrs })
    } catch (error) {
      await sleep(100)
      throw new Error(`${(error as Error).message}; last lines of ${node.logFile}:\n${logTail(node.logFile, 15)}`, { cause: error })
    }
  }
}

function exitOf(node: LocalNode, timeoutMs = 10_000): Promise<boolean> {
  if (!node.process || node.exited !== undefined) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    node.process!.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}
