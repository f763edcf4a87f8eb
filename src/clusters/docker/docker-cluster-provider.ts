import { createWriteStream, type WriteStream } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
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
import { makeDirectory } from '../../files.ts'

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
    makeDirectory(request.logDir)
    const cluster = new DockerCluster(docker, image, program, request)
    return startOrTearDown(cluster, request.signal)
  }
}

async function prepareDocker(env: Environment): Promise<{ docker: Dockerode; image: string; program: NodeProgram }> {
  extraLabels() // a mistake in them is told before anything starts
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
  return removeLeftovers(await connectDocker(), { ownerPid })
}

/**
 * Containers and networks of bdd-matrix runs whose owning process is gone (`only`: those of one
 * process of this machine, or of one cluster).
 */
export async function removeLeftovers(docker: Dockerode, only?: { ownerPid: number } | { cluster: string }): Promise<number> {
  const now = Date.now()
  const stale = (labels: Record<string, string> | undefined, createdMs: number): boolean => {
    if (!only) return isLeftover(labels, createdMs, now)
    return 'cluster' in only ? labels?.[`${LABEL}.cluster`] === only.cluster : Number(labels?.[`${LABEL}.owner-pid`]) === only.ownerPid && ownedHere(labels)
  }
  const containers = (await docker.listContainers({ all: true, filters: { label: [LABEL] } })).filter((c) => stale(c.Labels, c.Created * 1000))
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)))
  const networks = (await docker.listNetworks({ filters: { label: [LABEL] } })).filter((n) => stale(n.Labels, Date.parse(n.Created)))
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)))
  return containers.length
}

/** A day: a run on another machine (or CI job) sharing this Docker engine is long over by then. */
const FOREIGN_LEFTOVER_MS = 24 * 60 * 60 * 1000

/**
 * Whether a container or network is a leftover of a run that is over. Its owner is known by host
 * and process id: a process of this machine that is gone, or — since a Docker engine may serve
 * several machines or CI jobs at once, whose processes this one cannot see — one of another host
 * only after a day. (Objects of older versions, without a host, are this machine's.)
 */
export function isLeftover(labels: Record<string, string> | undefined, createdMs: number, now: number): boolean {
  if (!ownedHere(labels)) return now - createdMs > FOREIGN_LEFTOVER_MS
  const owner = Number(labels?.[`${LABEL}.owner-pid`])
  if (!owner) return true
  try {
    process.kill(owner, 0)
    return false
  } catch {
    return true
  }
}

function ownedHere(labels: Record<string, string> | undefined): boolean {
  const host = labels?.[`${LABEL}.owner-host`]
  return host === undefined || host === hostname()
}

/**
 * Labels every container and network carries besides bdd-matrix's own, from
 * BDD_MATRIX_DOCKER_LABELS (`key=value,key=value`): a CI job can mark what it starts (its job id),
 * to find or remove its own objects on an engine that others share.
 */
export function extraLabels(value = process.env.BDD_MATRIX_DOCKER_LABELS ?? ''): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new UserError('BAD_DOCKER_LABELS', `BDD_MATRIX_DOCKER_LABELS "${value}": "${pair}" is not key=value; set it to labels such as ci-job=1234,team=dms`)
    labels[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return labels
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
    return { ...extraLabels(), [LABEL]: 'node', [`${LABEL}.owner-pid`]: String(process.pid), [`${LABEL}.owner-host`]: hostname(), [`${LABEL}.cluster`]: this.id }
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
    await removeLeftovers(this.docker, { cluster: this.id }).catch(() => undefined)
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
