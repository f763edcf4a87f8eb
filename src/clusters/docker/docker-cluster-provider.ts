import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import type Dockerode from 'dockerode'
import { UserError } from '../../errors.ts'
import type { ClusterNode, ClusterProvider, ClusterRequest, FaultOperation, StartedCluster } from '../cluster-provider.ts'
import type { NodeSpec } from '../node-spec.ts'
import { livenessOf, type Environment } from '../environment.ts'
import { connectMesh, resetNodes, waitReady } from '../prepare-cluster.ts'
import { findNode, logTail, startOrTearDown } from '../start-cluster.ts'
import { LABEL, NODE_IN_IMAGE, PROGRAM_DIR, ensureNodeImage } from './node-image.ts'
import { loadNodeProgram, waitHttpReady, type NodeProgram, type ProviderNodeClient } from '../node-program.ts'

const API_PORT = 9999
const P2P_PORT = 9000

interface DockerNode extends ClusterNode {
  client: ProviderNodeClient
  host: string
  addrs: string[]
  peerId: string
  container?: Dockerode.Container
  logFile: string
  log?: WriteStream
}

/**
 * One container per node, on a bridge network created for the cluster. Everything carries the
 * `bdd-matrix` label and the owning process id, so leftovers of a crashed run are found and
 * removed by the next one. Ryuk (testcontainers' reaper) cannot be pulled here: this provider
 * cleans up after itself. A network cut is a real one: the container is disconnected.
 */
export class DockerClusterProvider implements ClusterProvider {
  readonly name = 'docker'

  private prepared?: Promise<{ docker: Dockerode; image: string; program: NodeProgram }>

  /** Docker reachable, leftovers of crashed runs removed, the node image built. */
  async preflight(env: Environment): Promise<void> {
    await this.prepare(env)
  }

  private prepare(env: Environment): Promise<{ docker: Dockerode; image: string; program: NodeProgram }> {
    this.prepared ??= prepareDocker(env)
    return this.prepared
  }

  async up(request: ClusterRequest): Promise<StartedCluster> {
    const { docker, image, program } = await this.prepare(request.env)
    mkdirSync(request.logDir, { recursive: true })
    const cluster = new DockerCluster(docker, image, program, request)
    return startOrTearDown(cluster, request.signal)
  }
}

async function prepareDocker(env: Environment): Promise<{ docker: Dockerode; image: string; program: NodeProgram }> {
  const program = await loadNodeProgram(env)
  const docker = await connectDocker()
  await removeLeftovers(docker)
  return { docker, image: await ensureNodeImage(docker, program.files), program }
}

async function connectDocker(): Promise<Dockerode> {
  // Ryuk's image cannot be pulled without a registry; this provider removes its own containers.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'
  try {
    const { getContainerRuntimeClient } = await import('testcontainers')
    const client = await getContainerRuntimeClient()
    return client.container.dockerode
  } catch (error) {
    throw new UserError(
      'DOCKER_UNAVAILABLE',
      `Docker is not reachable (${(error as Error).message.split('\n')[0]}); install it (apt-get install docker.io) and start the daemon (sudo systemctl start docker, or dockerd & as root), or run with --env local`,
      { cause: error },
    )
  }
}

/** The containers and networks one process (a cluster keeper that died) left; how many containers. */
export async function removeContainersOf(ownerPid: number): Promise<number> {
  return removeLeftovers(await connectDocker(), ownerPid)
}

/** Containers and networks of bdd-matrix runs whose owning process is gone. */
export async function removeLeftovers(docker: Dockerode, onlyOwner?: number): Promise<number> {
  const stale = (labels: Record<string, string> | undefined): boolean => {
    const owner = Number(labels?.[`${LABEL}.owner-pid`])
    if (onlyOwner !== undefined) return owner === onlyOwner
    if (!owner) return true
    try {
      process.kill(owner, 0)
      return false
    } catch {
      return true
    }
  }
  const containers = (await docker.listContainers({ all: true, filters: { label: [LABEL] } })).filter((c) => stale(c.Labels))
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)))
  const networks = (await docker.listNetworks({ filters: { label: [LABEL] } })).filter((n) => stale(n.Labels))
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)))
  return containers.length
}

class DockerCluster implements StartedCluster {
  readonly provider = 'docker'
  private readonly id = randomBytes(4).toString('hex')
  private list: DockerNode[] = []
  private network?: Dockerode.Network
  private networkName = ''
  private gateway = ''
  private closed = false

  constructor(
    private readonly docker: Dockerode,
    private readonly image: string,
    private readonly program: NodeProgram,
    private readonly request: ClusterRequest,
  ) {}

  get nodes(): readonly ClusterNode[] {
    return this.list
  }

  private get labels(): Record<string, string> {
    return { [LABEL]: 'node', [`${LABEL}.owner-pid`]: String(process.pid), [`${LABEL}.cluster`]: this.id }
  }

  async start(): Promise<void> {
    this.networkName = `bdd-matrix-${this.id}`
    this.network = await this.docker.createNetwork({ Name: this.networkName, Driver: 'bridge', Labels: { ...this.labels, [LABEL]: 'network' } })
    const info = (await this.network.inspect()) as { IPAM: { Config: { Gateway?: string }[] } }
    this.gateway = info.IPAM.Config[0]?.Gateway ?? ''
    if (!this.gateway) throw new Error(`docker network ${this.networkName} has no gateway address`)
    this.list = this.request.nodes.map((spec: NodeSpec) => ({
      name: spec.name,
      spec,
      host: '',
      addrs: [],
      peerId: '',
      logFile: path.join(this.request.logDir, `${spec.name}.log`),
      client: undefined as unknown as ProviderNodeClient,
    }))
    await Promise.all(this.list.map((node) => this.launch(node)))
    await connectMesh(this.list, this.request.env.timeouts.readyMs, this.request.env.mesh)
    await resetNodes(this.list)
  }

  node(name: string): DockerNode {
    return findNode(this.list, name)
  }

  async fault(name: string, operation: FaultOperation): Promise<void> {
    const node = this.node(name)
    const container = node.container!
    switch (operation) {
      case 'kill':
        return void (await container.kill({ signal: 'SIGKILL' }))
      case 'stop':
        return void (await container.stop({ t: 5 }))
      case 'start':
        await container.start()
        await this.refresh(node)
        await this.rejoin(node)
        return
      case 'pause':
        return void (await container.pause())
      case 'resume':
        return void (await container.unpause())
      case 'isolate':
        return void (await this.network!.disconnect({ Container: container.id, Force: true }))
      case 'heal':
        await this.network!.connect({ Container: container.id })
        await this.refresh(node)
        await this.rejoin(node)
        return
    }
  }

  async logs(name: string, lines = 50): Promise<string> {
    return logTail(this.node(name).logFile, lines)
  }

  async probeApi(from: string, to: string): Promise<number> {
    const source = this.node(from)
    const target = this.node(to)
    const probe = this.program.readyHttp ?? '/status'
    const url = from === to ? `http://127.0.0.1:${API_PORT}${probe}` : `http://${target.host}:${API_PORT}${probe}`
    const exec = await source.container!.exec({ Cmd: [NODE_IN_IMAGE, '-e', `fetch(${JSON.stringify(url)}).then((r) => console.log(r.status), () => console.log(0))`], AttachStdout: true, AttachStderr: true })
    const stream = await exec.start({})
    const output = await new Promise<string>((resolve) => {
      let text = ''
      stream.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')))
      stream.on('end', () => resolve(text))
    })
    return Number(/(\d{3}|\b0\b)/.exec(output)?.[1] ?? 0)
  }

  async healthy(): Promise<boolean> {
    const states = await Promise.all(this.list.map((n) => n.container?.inspect().then((i) => i.State.Running && !i.State.Paused, () => false) ?? false))
    return states.every(Boolean)
  }

  async down(): Promise<void> {
    this.closed = true
    await Promise.all(
      this.list.map(async (node) => {
        node.client?.close()
        await node.container?.remove({ force: true }).catch(() => undefined)
        node.log?.end()
      }),
    )
    // Containers created after this point (a start racing the teardown) carry our labels.
    await removeLeftovers(this.docker, process.pid).catch(() => undefined)
    await this.network?.remove().catch(() => undefined)
  }

  private async launch(node: DockerNode): Promise<void> {
    if (this.closed) throw new Error(`cluster is shutting down: ${node.name} not started`)
    const { GenericContainer, Wait } = await import('testcontainers')
    const { env } = this.request
    node.log = createWriteStream(node.logFile, { flags: 'a' })
    let started
    try {
      started = await new GenericContainer(this.image)
        .withName(`bdd-matrix-${this.id}-${node.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`)
        .withLabels(this.labels)
        .withNetworkMode(this.networkName)
        .withCommand(this.program.argv({ node: NODE_IN_IMAGE, dir: PROGRAM_DIR, name: node.name, host: '0.0.0.0', apiPort: API_PORT, p2pPort: P2P_PORT, dataDir: '/data', allowFrom: this.gateway, heartbeatMs: env.heartbeatMs, liveness: livenessOf(env) }))
        // The image has no shell for testcontainers' port probe; the node logs when it is ready.
        .withWaitStrategy(Wait.forLogMessage(this.program.readyLog))
        .withStartupTimeout(env.timeouts.readyMs)
        .withLogConsumer((stream) => stream.pipe(node.log!, { end: false }))
        .start()
    } catch (error) {
      throw new Error(`node ${node.name}: container did not become ready (${(error as Error).message.split('\n')[0]}); last lines of ${node.logFile}:\n${await this.logs(node.name, 15)}`, { cause: error })
    }
    node.container = this.docker.getContainer(started.getId())
    if (this.closed) return void (await node.container.remove({ force: true }))
    await this.refresh(node)
  }

  /** Reads the node's address on the cluster network (it changes on reconnects) and waits for its API. */
  private async refresh(node: DockerNode): Promise<void> {
    const info = await node.container!.inspect()
    const ip = info.NetworkSettings.Networks[this.networkName]?.IPAddress
    if (!ip) throw new Error(`${node.name} has no address on ${this.networkName}`)
    node.client?.close()
    node.host = ip
    node.client = this.program.createClient({ name: node.name, baseUrl: `http://${ip}:${API_PORT}`, localAddress: this.gateway, timeoutMs: this.request.env.timeouts.stepMs })
    try {
      const readyPath = this.program.readyHttp
      if (readyPath) await waitHttpReady(`http://${ip}:${API_PORT}${readyPath}`, this.gateway, { timeoutMs: this.request.env.timeouts.readyMs, what: `node ${node.name} (${readyPath})`, failed: () => (this.closed ? 'cluster is shutting down' : undefined) })
      const status = await waitReady(node.client, {
        timeoutMs: this.request.env.timeouts.readyMs,
        what: `node ${node.name}`,
        failed: () => (this.closed ? 'cluster is shutting down' : undefined),
      })
      node.peerId = status.peerId
      node.addrs = status.addrs.filter((a) => a.includes(`/ip4/${ip}/`))
    } catch (error) {
      throw new Error(`${(error as Error).message}; last lines of ${node.logFile}:\n${await this.logs(node.name, 15)}`, { cause: error })
    }
  }

  /** A node back on the network dials its peers again (their addresses did not change). */
  private async rejoin(node: DockerNode): Promise<void> {
    await Promise.all(this.list.filter((n) => n !== node && n.addrs[0]).map((peer) => node.client.connect(peer.addrs[0]!).catch(() => undefined)))
  }
}
