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
    this.started++
    const cluster = await this.provider.up({ env: this.env, nodes, logDir: path.join(this.logDir, `cluster-${this.slot}-${this.started}`), slot: this.slot })
    this.current = { key, cluster, dirty: false }
    return cluster
  }

  /** The current cluster must not serve another scenario. */
  markDirty(): void {
    if (this.current) this.current.dirty = true
  }

  async release(): Promise<void> {
    const current = this.current
    this.current = undefined
    await current?.cluster.down()
  }
}

export function topologyKey(nodes: NodeSpec[]): string {
  return JSON.stringify([...nodes].sort((a, b) => a.name.localeCompare(b.name)))
}
