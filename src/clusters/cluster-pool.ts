import path from 'node:path'
import type { ClusterProvider, StartedCluster } from './cluster-provider.ts'
import type { Environment } from './environment.ts'
import type { NodeSpec } from './node-spec.ts'
import { resetNodes } from './prepare-cluster.ts'

/**
 * Hands scenarios a cluster. A running cluster is reused when the next scenario declares the
 * same topology, after its nodes are reset (no jobs, data or subscriptions left; onboarding
 * as declared). A cluster that saw a fault, a failure or a dead node is replaced.
 */
export class ClusterPool {
  private current?: { key: string; cluster: StartedCluster; dirty: boolean }
  private starting?: { controller: AbortController; promise: Promise<StartedCluster> }
  /** teardowns in flight: a later release() must wait for them too */
  private readonly stopping = new Set<Promise<void>>()
  private closed = false
  private started = 0

  constructor(
    private readonly provider: ClusterProvider,
    private readonly env: Environment,
    private readonly logDir: string,
    private readonly slot: number,
  ) {}

  /** how many clusters this pool has brought up */
  get clustersStarted(): number {
    return this.started
  }

  async acquire(nodes: NodeSpec[]): Promise<StartedCluster> {
    if (this.closed) throw new Error('the run is stopping: no new cluster is started')
    const key = topologyKey(nodes)
    const current = this.current
    if (current && current.key === key && !current.dirty && (await current.cluster.healthy())) {
      try {
        await resetNodes(current.cluster.nodes)
        return current.cluster
      } catch {
        // a node did not take the reset: fall through to a fresh cluster
      }
    }
    await this.release()
    if (this.closed) throw new Error('the run is stopping: no new cluster is started')
    this.started++
    const controller = new AbortController()
    const promise = this.provider.up({ env: this.env, nodes, logDir: path.join(this.logDir, `cluster-${this.slot}-${this.started}`), slot: this.slot, signal: controller.signal })
    this.starting = { controller, promise }
    try {
      const cluster = await promise
      this.current = { key, cluster, dirty: false }
      return cluster
    } finally {
      this.starting = undefined
    }
  }

  /** The current cluster must not serve another scenario. */
  markDirty(): void {
    if (this.current) this.current.dirty = true
  }

  /**
   * Stops the current cluster and one still starting, and waits for every teardown in flight
   * (a signal can arrive mid-start or while a previous cluster is going down).
   */
  async release(): Promise<void> {
    const { current, starting } = this
    this.current = undefined
    const stops: Promise<void>[] = []
    if (starting) {
      starting.controller.abort()
      stops.push(starting.promise.then((cluster) => cluster.down(), () => undefined))
    }
    if (current) stops.push(current.cluster.down())
    for (const stop of stops) {
      this.stopping.add(stop)
      void stop.finally(() => this.stopping.delete(stop))
    }
    await Promise.all([...this.stopping])
  }

  /** Releases everything and refuses new clusters: the run is ending. */
  async close(): Promise<void> {
    this.closed = true
    await this.release()
  }
}

export function topologyKey(nodes: NodeSpec[]): string {
  return JSON.stringify([...nodes].sort((a, b) => a.name.localeCompare(b.name)))
}
