import type { ClusterNode } from '../../src/clusters/cluster-provider.ts'
import { waitFor } from '../../src/clusters/prepare-cluster.ts'

/**
 * Asks each node, every 200 ms, until `seen` finds there what the step waits for, and gives when
 * each did (ms since the epoch: the time `seen` returns, e.g. a node's own receipt time, else the
 * poll's). Fails after `timeoutMs` naming the first nodes still waiting.
 */
export async function whenEach(nodes: readonly ClusterNode[], seen: (node: ClusterNode) => Promise<number | undefined>, options: { timeoutMs: number; what: string; waiting: string }): Promise<Map<string, number>> {
  const found = new Map<string, number>()
  await waitFor(
    async () => {
      await Promise.all(
        nodes
          .filter((n) => !found.has(n.name))
          .map(async (n) => {
            const at = await seen(n)
            if (at !== undefined) found.set(n.name, at)
          }),
      )
      const missing = nodes.filter((n) => !found.has(n.name)).map((n) => n.name)
      if (missing.length) throw new Error(`${missing.length} node(s) ${options.waiting}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`)
    },
    { timeoutMs: options.timeoutMs, intervalMs: 200, what: options.what },
  )
  return found
}
