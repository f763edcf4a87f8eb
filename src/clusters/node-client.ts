import type { DeclaredResources } from './node-spec.ts'

export interface NodeStatus {
  name: string
  version: string
  peerId: string
  addrs: string[]
  onboarded: boolean
  free: { cpu: number; ramMb: number; diskMb: number }
  benchmark: { hashesPerSecond: number; at: string } | null
}

export interface PeerInfo {
  peerId: string
  name?: string
  addrs: string[]
  reachable: boolean
  /** when the node last heard from the peer (ISO 8601), where the node says */
  lastSeen?: string
  rttMs?: number
  /** where the connection to the peer comes from or goes to (multiaddr), while there is one */
  remoteAddr?: string
}

export interface GossipMessage {
  topic: string
  from?: string
  data: string
  /** when the node received it (ISO 8601), where the node says */
  at?: string
}

export type DeploymentState = 'running' | 'completed' | 'failed' | 'cancelled'

export interface DeploymentStatus {
  id: string
  status: DeploymentState
  allocations: { name: string; exitCode?: number | null }[]
}

/**
 * How steps talk to a node. Steps never reach a node any other way, so a driver for real DMS
 * nodes (wrapping `nunet actor cmd … /dms/node/…`) can replace the reference node's without
 * touching a step.
 */
export interface NodeClient {
  status(): Promise<NodeStatus>
  onboard(resources: DeclaredResources): Promise<NodeStatus>
  offboard(): Promise<NodeStatus>
  peers(): Promise<PeerInfo[]>
  connect(addr: string): Promise<string>
  disconnect(peerId: string): Promise<void>
  ping(peerId: string): Promise<number>
  subscribe(topic: string): Promise<void>
  publish(topic: string, data: string): Promise<number>
  received(topic?: string): Promise<GossipMessage[]>
  /** the peer ids this node knows to be subscribed to a topic, where the node says */
  subscribers?(topic: string): Promise<string[]>
  sendMessage(peerId: string, text: string): Promise<void>
  inbox(): Promise<{ from: string; text: string }[]>
  invoke(peerId: string, behaviour: string, payload?: unknown): Promise<unknown>
  kvPut(key: string, value: unknown): Promise<void>
  kvGet(key: string): Promise<unknown>
  kvSearch(prefix: string): Promise<{ key: string; value: unknown }[]>
  /** deploys an ensemble on `target` (a peer id), or wherever the network has room */
  deploy(ensemble: string, target?: string): Promise<{ id: string; node: string }>
  deployment(id: string): Promise<DeploymentStatus>
  deploymentOutput(id: string): Promise<string>
  deploymentLogs(id: string): Promise<string>
  cancelDeployment(id: string): Promise<DeploymentStatus>
  /** back to a clean state between scenarios: no jobs, data, subscriptions; onboarded as given */
  reset(onboard: DeclaredResources | null): Promise<NodeStatus>
}

/** A node refused or failed a request; `status` is the HTTP-like status of the refusal. */
export class NodeRequestError extends Error {
  constructor(
    readonly node: string,
    readonly status: number,
    message: string,
  ) {
    super(`${node}: ${message}`)
    this.name = 'NodeRequestError'
  }
}
