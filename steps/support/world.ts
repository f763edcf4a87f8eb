import { World, setWorldConstructor, type IWorldOptions } from '@cucumber/cucumber'
import type { ClusterNode, StartedCluster } from '../../src/clusters/cluster-provider.ts'
import type { NodeClient } from '../../src/clusters/node-client.ts'
import type { ClusterSource } from '../../src/clusters/attached-cluster.ts'
import type { Environment } from '../../src/clusters/environment.ts'

export interface MatrixWorldParameters {
  /** environment name (environments/<name>.yaml) or path */
  environment: string
  /** where this run writes reports and node logs */
  runDir: string
  /** the state file of a kept cluster to run against (run --cluster) */
  cluster?: string
}

/** Per-scenario state. The cluster itself outlives scenarios (see ClusterPool). */
export class MatrixWorld extends World<MatrixWorldParameters> {
  cluster?: StartedCluster
  pool!: ClusterSource
  env!: Environment
  /** the outcome of the last request a step made, for the Then steps that check it */
  last: { value?: unknown; error?: Error; status?: number } = {}
  deployment?: { id: string; node: string; by: string }
  /** topic → names of the nodes that subscribed in this scenario (a Map: a topic may be named `constructor`) */
  subscriptions = new Map<string, string[]>()
  publisher?: string
  /** when the last publish request left, and the last kill (ms since the epoch) */
  publishedAt?: number
  killedAt?: number
  freeBefore?: unknown

  constructor(options: IWorldOptions<MatrixWorldParameters>) {
    super(options)
  }

  node(name: string): ClusterNode {
    if (!this.cluster) throw new Error('no cluster: start the scenario (or its Background) with "Given the following nodes"')
    return this.cluster.node(name)
  }

  client(name: string): NodeClient {
    return this.node(name).client
  }

  /** Runs a request and remembers its result or its refusal for a later Then step. */
  async attempt<T>(request: () => Promise<T>): Promise<void> {
    this.last = {}
    try {
      this.last.value = await request()
    } catch (error) {
      this.last.error = error as Error
    }
  }
}

setWorldConstructor(MatrixWorld)
