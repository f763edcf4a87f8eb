import type { Environment } from './environment.ts'
import type { NodeClient } from './node-client.ts'
import type { NodeSpec } from './node-spec.ts'

export interface ClusterRequest {
  env: Environment
  nodes: NodeSpec[]
  /** where node logs go (one file per node) */
  logDir: string
  /** distinguishes clusters started side by side (e.g. one per cucumber worker) */
  slot: number
  /** aborting stops the start: what did start is torn down and up() rejects */
  signal?: AbortSignal
}

export interface ClusterNode {
  readonly name: string
  readonly spec: NodeSpec
  readonly client: NodeClient
  readonly peerId: string
  /** libp2p addresses other nodes can dial */
  readonly addrs: string[]
  /** the address of the host it runs on, as other nodes see it */
  readonly host: string
}

export type FaultOperation = 'kill' | 'stop' | 'start' | 'pause' | 'resume' | 'isolate' | 'heal'

/** A running cluster: named nodes, fault operations, logs, and a teardown that always completes. */
export interface StartedCluster {
  readonly provider: string
  readonly nodes: readonly ClusterNode[]
  node(name: string): ClusterNode
  fault(name: string, operation: FaultOperation): Promise<void>
  /** the last `lines` lines of a node's log */
  logs(name: string, lines?: number): Promise<string>
  /** HTTP status of a status request to `to`'s API issued from `from`'s host */
  probeApi(from: string, to: string): Promise<number>
  /** true while every node process/container is alive */
  healthy(): Promise<boolean>
  down(): Promise<void>
}

export interface ClusterProvider {
  readonly name: string
  /**
   * Checks, before any scenario runs, that clusters can be started at all (daemon reachable,
   * program or image present), so a run fails with one clear line instead of in every scenario.
   */
  preflight(env: Environment): Promise<void>
  /** Starts every node, waits until ready, connects them and onboards those declared onboarded. */
  up(request: ClusterRequest): Promise<StartedCluster>
}
