import http from 'node:http'
import { UserError } from '../errors.ts'
import type { ClusterNode, FaultOperation, StartedCluster } from './cluster-provider.ts'
import type { ClusterState } from './cluster-state.ts'
import { processAlive, stateNodeClient } from './cluster-state.ts'
import type { NodeSpec } from './node-spec.ts'
import { resetNodes } from './prepare-cluster.ts'
import type { ProviderNodeClient } from './node-program.ts'
import { findNode } from './start-cluster.ts'

/** The control API's name of each fault. */
const OPERATION_OF: Record<FaultOperation, string> = { isolate: 'cut', heal: 'heal', pause: 'pause', resume: 'resume', kill: 'kill', stop: 'stop', start: 'start' }

/** What hands scenarios a cluster: a pool that starts them, or a kept cluster attached to. */
export interface ClusterSource {
  acquire(nodes: NodeSpec[]): Promise<StartedCluster>
  markDirty(): void
  release(): Promise<void>
  close(): Promise<void>
}

/**
 * A cluster kept by `cluster up`, reached from another process: requests go straight to the
 * nodes' APIs, faults and logs through its keeper's control API. Going down is not this
 * process's to do (`cluster down` does it).
 */
export class AttachedCluster implements StartedCluster {
  readonly provider: string
  readonly nodes: ClusterNode[]

  constructor(
    private readonly state: ClusterState,
    specs: NodeSpec[],
    clients: ProviderNodeClient[],
  ) {
    this.provider = state.provider
    this.nodes = state.nodes.map((n, i) => ({
      name: n.name,
      // the scenario's declaration (onboarded or not) is what a reset puts the node in
      spec: specs.find((s) => s.name === n.name) ?? n.spec,
      host: n.host,
      peerId: n.peerId,
      addrs: n.addrs,
      client: clients[i]!,
    }))
  }

  node(name: string): ClusterNode {
    return findNode(this.nodes, name)
  }

  async fault(name: string, operation: FaultOperation): Promise<void> {
    await this.control('POST', `/v1/nodes/${encodeURIComponent(name)}/${OPERATION_OF[operation]}`)
  }

  async logs(name: string, lines = 50): Promise<string> {
    return ((await this.control('GET', `/v1/nodes/${encodeURIComponent(name)}/logs?lines=${lines}`)) as { text: string }).text
  }

  async probeApi(from: string, to: string): Promise<number> {
    return ((await this.control('GET', `/v1/probe?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)) as { status: number }).status
  }

  async healthy(): Promise<boolean> {
    if (!processAlive(this.state.keeperPid)) return false
    return ((await this.control('GET', '/v1/health')) as { healthy: boolean }).healthy
  }

  async down(): Promise<void> {
    for (const node of this.nodes) (node.client as ProviderNodeClient).close()
  }

  private control(method: string, route: string): Promise<unknown> {
    const control = this.state.control
    if (!control) return Promise.reject(new Error(`cluster ${this.state.name} has no control API (status ${this.state.status})`))
    return new Promise((resolve, reject) => {
      const req = http.request(`${control.url}${route}`, { method, headers: { authorization: `Bearer ${control.token}` }, timeout: 30_000 }, (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => {
          const parsed = body ? (JSON.parse(body) as { message?: string }) : {}
          if ((res.statusCode ?? 500) >= 300) reject(new Error(`cluster ${this.state.name}: ${parsed.message ?? `HTTP ${res.statusCode}`}`))
          else resolve(parsed)
        })
      })
      req.on('error', (error) => reject(new Error(`cluster ${this.state.name}: its keeper (process ${this.state.keeperPid}) does not answer (${error.message}); is it still up? (bdd-matrix cluster ls)`)))
      req.end()
    })
  }
}

/**
 * `run --cluster NAME`: every scenario gets the kept cluster, its nodes reset to what the
 * scenario declares. A scenario must declare the cluster's nodes; one after a fault or a failure
 * is refused by name instead of running on a cluster that earlier scenario changed.
 */
export class AttachedClusterPool implements ClusterSource {
  private dirty?: string
  private current?: AttachedCluster

  constructor(
    private readonly state: ClusterState,
    private readonly timeoutMs: number,
  ) {}

  async acquire(nodes: NodeSpec[]): Promise<StartedCluster> {
    const { state } = this
    if (this.dirty)
      throw new UserError('CLUSTER_DAMAGED', `cluster ${state.name} may be damaged by an earlier scenario (${this.dirty}) and this scenario needs a fresh one; bring it down and up again (bdd-matrix cluster down ${state.name}; bdd-matrix cluster up …) or run without --cluster`)
    const have = new Map(state.nodes.map((n) => [n.name, n.spec.role]))
    const missing = nodes.filter((n) => !have.has(n.name))
    const extra = state.nodes.filter((n) => !nodes.some((m) => m.name === n.name))
    const roles = nodes.filter((n) => have.has(n.name) && have.get(n.name) !== n.role)
    if (missing.length || extra.length || roles.length)
      throw new UserError(
        'CLUSTER_TOPOLOGY',
        `cluster ${state.name} has nodes ${state.nodes.map((n) => `${n.name} (${n.spec.role})`).join(', ')}; this scenario declares ${nodes.map((n) => `${n.name} (${n.role})`).join(', ')}${missing.length ? ` — missing ${missing.map((n) => n.name).join(', ')}` : ''}${extra.length ? ` — not declared ${extra.map((n) => n.name).join(', ')}` : ''}${roles.length ? ` — other roles for ${roles.map((n) => n.name).join(', ')}` : ''}; bring a cluster up with these nodes (cluster up --nodes FILE)`,
      )
    await this.current?.down()
    const clients = await Promise.all(state.nodes.map((n) => stateNodeClient(n, this.timeoutMs, process.cwd())))
    this.current = new AttachedCluster(state, nodes, clients)
    if (!(await this.current.healthy())) throw new UserError('CLUSTER_DOWN', `cluster ${state.name} is not healthy (a node or its keeper is gone); bdd-matrix cluster ls shows which`)
    await resetNodes(this.current.nodes)
    return this.current
  }

  markDirty(reason = 'a fault was injected or a scenario failed'): void {
    this.dirty = reason
  }

  async release(): Promise<void> {
    await this.current?.down()
    this.current = undefined
  }

  async close(): Promise<void> {
    await this.release()
  }
}
