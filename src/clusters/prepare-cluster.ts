import type { ClusterNode } from './cluster-provider.ts'
import type { NodeClient, NodeStatus } from './node-client.ts'

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `probe` until it resolves, `failed` reports a reason, or `timeoutMs` passes. */
export async function waitFor<T>(probe: () => Promise<T>, options: { timeoutMs: number; intervalMs?: number; failed?: () => string | undefined; what: string }): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  let last: unknown
  for (;;) {
    const reason = options.failed?.()
    if (reason) throw new Error(`${options.what}: ${reason}`)
    try {
      return await probe()
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`${options.what}: not ready after ${options.timeoutMs} ms (${last instanceof Error ? last.message : String(last)})`)
    await sleep(options.intervalMs ?? 100)
  }
}

export async function waitReady(client: NodeClient, options: { timeoutMs: number; failed?: () => string | undefined; what: string }): Promise<NodeStatus> {
  // Asked often: a refused connection costs next to nothing, and every node of a cluster waits
  // for the slowest one's answer.
  return waitFor(() => client.status(), { intervalMs: 25, ...options })
}

/** Dials under way at once while a cluster meshes. */
const DIALS_AT_ONCE = 16

/**
 * The pairs of nodes (by index) a cluster dials. `full`: every pair. A degree d: node i and
 * i + k for k = 1, 2, 4, 8 … (the first ⌈d/2⌉ such steps, wrapping round), so each node has
 * about d connections and any two nodes are a few hops apart: gossip crosses fifty nodes in
 * four hops over 200 connections instead of one over 1,225.
 */
export function meshPairs(count: number, mesh: 'full' | number): [number, number][] {
  const all = (): [number, number][] => Array.from({ length: count }, (_, i) => Array.from({ length: count - i - 1 }, (_, j): [number, number] => [i, i + j + 1])).flat()
  if (mesh === 'full' || mesh >= count - 1) return all()
  const steps: number[] = []
  for (let k = 1; steps.length < Math.ceil(mesh / 2) && k <= count / 2; k *= 2) steps.push(k)
  const pairs = new Map<string, [number, number]>()
  for (let i = 0; i < count; i++)
    for (const k of steps) {
      const j = (i + k) % count
      const pair: [number, number] = i < j ? [i, j] : [j, i]
      pairs.set(pair.join(' '), pair)
    }
  return [...pairs.values()]
}

/**
 * Connects the nodes as the environment's mesh says (every pair, or each node to about `mesh`
 * others) and waits until each sees all others reachable — over a connection, or relayed by
 * neighbours where they have none (the reference node's relayed liveness).
 */
export async function connectMesh(nodes: readonly ClusterNode[], timeoutMs: number, mesh: 'full' | number = 'full'): Promise<void> {
  const pairs = meshPairs(nodes.length, mesh).map(([i, j]) => [nodes[i]!, nodes[j]!] as const)
  // A few dials at a time: fifty nodes' 1,225 dials at once starve the nodes that must answer
  // them (each dial is a handshake's worth of CPU on both sides) until requests time out.
  let next = 0
  const dialler = async (): Promise<void> => {
    while (next < pairs.length) {
      const [a, b] = pairs[next++]!
      const addr = b.addrs[0]
      if (!addr) throw new Error(`${b.name} has no address to dial`)
      // Dials can collide (simultaneous opens, pending-connection limits): retry.
      await waitFor(() => a.client.connect(addr), { timeoutMs, intervalMs: 200, what: `${a.name} dialling ${b.name}` })
    }
  }
  await Promise.all(Array.from({ length: Math.min(DIALS_AT_ONCE, pairs.length) }, dialler))
  await waitFor(
    async () => {
      // Every node asked at once: one at a time, ten busy nodes take most of a second.
      const views = await Promise.all(nodes.map(async (node) => ({ node, seen: new Set((await node.client.peers()).filter((p) => p.reachable).map((p) => p.peerId)) })))
      for (const { node, seen } of views) {
        const missing = nodes.filter((other) => other !== node && !seen.has(other.peerId))
        if (missing.length) throw new Error(`${node.name} does not see ${missing.map((m) => m.name).join(', ')}`)
      }
    },
    { timeoutMs, what: 'cluster mesh' },
  )
}

/** Puts each node in the state its spec declares (onboarded or not, no jobs, no data). */
export async function resetNodes(nodes: readonly ClusterNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.client.reset(n.spec.onboarded ? n.spec.resources : null)))
}

