import { writeFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LocalClusterProvider } from '../../src/clusters/local/local-cluster-provider.ts'
import { defaultNodes, loadEnvironment } from '../../src/clusters/environment.ts'
import { meshPairs, waitFor } from '../../src/clusters/prepare-cluster.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { localLeftovers } from '../helpers/local-leftovers.ts'

/** Hops from node 0 to the farthest node, or Infinity when some node cannot be reached. */
function diameterFrom0(count: number, pairs: [number, number][]): number {
  const next = Array.from({ length: count }, () => [] as number[])
  for (const [a, b] of pairs) next[a]!.push(b), next[b]!.push(a)
  const hops = new Map([[0, 0]])
  for (const queue = [0]; queue.length; ) {
    const at = queue.shift()!
    for (const n of next[at]!) if (!hops.has(n)) hops.set(n, hops.get(at)! + 1), queue.push(n)
  }
  return hops.size === count ? Math.max(...hops.values()) : Infinity
}

describe('the pairs a cluster dials', () => {
  it('are every pair for a full mesh, or when the degree asked reaches every other node', () => {
    for (const count of [1, 2, 3, 7]) {
      const all = count * (count - 1) / 2
      expect(meshPairs(count, 'full')).toHaveLength(all)
      expect(meshPairs(count, Math.max(2, count - 1))).toHaveLength(all)
    }
  })

  it('connect every node, each to about the degree asked, any two a few hops apart (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 120 }), fc.integer({ min: 2, max: 12 }), (count, degree) => {
        const pairs = meshPairs(count, degree)
        const keys = pairs.map(([a, b]) => `${a} ${b}`)
        expect(new Set(keys).size).toBe(keys.length)
        for (const [a, b] of pairs) expect(a < b && a >= 0 && b < count).toBe(true)
        const degrees = Array.from({ length: count }, (_, i) => pairs.filter((p) => p.includes(i)).length)
        if (degree < count - 1) expect(Math.max(...degrees)).toBeLessThanOrEqual(2 * Math.ceil(degree / 2))
        expect(Math.min(...degrees)).toBeGreaterThanOrEqual(Math.min(2, count - 1))
        // the steps are 1, 2, 4 …: fifty nodes of degree 8 are at most a handful of hops apart
        expect(diameterFrom0(count, pairs)).toBeLessThan(Infinity)
        if (count <= 60 && degree >= 8) expect(diameterFrom0(count, pairs)).toBeLessThanOrEqual(5)
      }),
      { numRuns: 300 },
    )
  })
})

describe('an environment meshed in part', () => {
  it('is refused with a node program of the project’s own, which cannot tell liveness beyond its connections', () => {
    const dir = tempTree()
    const file = path.join(dir, 'partial.yaml')
    writeFileSync(file, 'name: partial\nprovider: local\nmesh: 4\nnode:\n  program:\n    command: [node, x.mjs]\n    ready: { log: ready }\n  client: reference\nnodes:\n  - { name: a, role: SP, onboarded: false }\n')
    expect(() => loadEnvironment(file, dir)).toThrow(/mesh: 4 needs the reference node program/)
  })

  it('comes up with each node connected to a few others, every node hearing of every other; a node killed, started again, cut off or reconnected is seen so by nodes with no connection to it', async () => {
    const dir = tempTree()
    const file = path.join(dir, 'partial.yaml')
    writeFileSync(file, 'name: partial\nprovider: local\nmesh: 4\nheartbeatMs: 500\ntimeouts: { readyMs: 120000 }\nnodes:\n  - { name: node-1, role: SP, onboarded: false }\n')
    const env = loadEnvironment(file, PROJECT_ROOT)
    const nodes = Array.from({ length: 10 }, (_, i) => ({ ...defaultNodes(env)[0]!, name: `node-${i + 1}` }))
    const cluster = await new LocalClusterProvider().up({ env, nodes, logDir: tempTree(), slot: 14 })
    try {
      // up means every node sees every other reachable; each over at most four connections
      for (const node of cluster.nodes) {
        const peers = await node.client.peers()
        expect(peers.filter((p) => p.remoteAddr !== undefined).length, `${node.name}'s connections`).toBeLessThanOrEqual(4)
        expect(peers.filter((p) => p.reachable).map((p) => p.peerId).sort()).toEqual(cluster.nodes.filter((n) => n !== node).map((n) => n.peerId).sort())
      }
      type Node = (typeof cluster.nodes)[number]
      // the nodes with no connection to `subject`
      const strangersOf = async (subject: Node): Promise<Node[]> => {
        const found: Node[] = []
        for (const node of cluster.nodes) if (node !== subject && (await node.client.peers()).find((p) => p.peerId === subject.peerId)?.remoteAddr === undefined) found.push(node)
        return found
      }
      const victim = cluster.nodes[0]!
      const strangers = await strangersOf(victim)
      expect(strangers.length).toBeGreaterThan(0)
      await cluster.fault(victim.name, 'kill')
      await waitFor(
        async () => {
          for (const node of strangers) if ((await node.client.peers()).find((p) => p.peerId === victim.peerId)?.reachable !== false) throw new Error(`${node.name} still sees ${victim.name}`)
        },
        { timeoutMs: 60_000, intervalMs: 100, what: `nodes without a connection to ${victim.name} noticing it gone` },
      )
      // The dead node's last-heard time then stays put everywhere: only a newer stamp of its own is
      // news (relayed ages alone crept forward by their transit and kept a dead node alive).
      const lastHeard = async () => Promise.all(strangers.map(async (node) => (await node.client.peers()).find((p) => p.peerId === victim.peerId)?.lastSeen))
      const before = await lastHeard()
      await new Promise((resolve) => setTimeout(resolve, 8 * env.heartbeatMs))
      expect(await lastHeard()).toEqual(before)

      // Started again under the same identity (its stamps, by its own clock, are newer), or cut
      // off and reconnected: nodes with no connection to it hear of it again.
      const seenBy = (observers: Node[], subject: Node, reachable: boolean) =>
        waitFor(
          async () => {
            for (const node of observers) if ((await node.client.peers()).find((p) => p.peerId === subject.peerId)?.reachable !== reachable) throw new Error(`${node.name} sees ${subject.name} reachable=${!reachable}`)
          },
          { timeoutMs: 60_000, intervalMs: 100, what: `${subject.name} seen reachable=${reachable} by nodes without a connection to it` },
        )
      await cluster.fault(victim.name, 'start')
      await seenBy(strangers, victim, true)
      const cut = cluster.nodes[5]!
      const strangersOfCut = await strangersOf(cut)
      expect(strangersOfCut.length).toBeGreaterThan(0)
      await cluster.fault(cut.name, 'isolate')
      await seenBy(strangersOfCut, cut, false)
      await cluster.fault(cut.name, 'heal')
      await seenBy(strangersOfCut, cut, true)
    } finally {
      await cluster.down()
    }
    expect(localLeftovers()).toBe(0)
  })
})

describe('relayed liveness tables', () => {
  it('from a peer that sends garbage: the node passes over what it cannot read and goes on hearing what it can', async () => {
    await import('../../environments/reference-node/polyfills.ts')
    const { createLibp2p } = await import('libp2p')
    const { tcp } = await import('@libp2p/tcp')
    const { noise } = await import('@chainsafe/libp2p-noise')
    const { yamux } = await import('@chainsafe/libp2p-yamux')
    const { identify } = await import('@libp2p/identify')
    const { multiaddr } = await import('@multiformats/multiaddr')
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const { LIVENESS_PROTOCOL } = await import('../../environments/reference-node/p2p-node.ts')
    const dir = tempTree()
    const file = path.join(dir, 'partial.yaml')
    writeFileSync(file, 'name: partial\nprovider: local\nmesh: 2\nheartbeatMs: 500\nnodes:\n  - { name: node-1, role: SP, onboarded: false }\n')
    const env = loadEnvironment(file, PROJECT_ROOT)
    const cluster = await new LocalClusterProvider().up({ env, nodes: [{ ...defaultNodes(env)[0]!, name: 'lone' }], logDir: tempTree(), slot: 16 })
    const stranger = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
    try {
      const lone = cluster.node('lone')
      const stream = await stranger.dialProtocol(multiaddr(lone.addrs[0]!), LIVENESS_PROTOCOL)
      const heardOf = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
      const garbage = ['not json', '[1, 2]', 'null', '{"not-a-peer-id": ["x", 1, 0]}', `{"${heardOf}": "not a list"}`, `{"${heardOf}": [42, "no stamp", 0]}`, '{"half a line']
      for (const line of garbage) stream.send(new TextEncoder().encode(`${line}\n`))
      // the name split across two messages, in the middle of a character
      const table = new TextEncoder().encode(`${JSON.stringify({ [heardOf]: ['café-node', Date.now(), 0] })}\n`)
      const cut = table.indexOf(0xc3) + 1
      stream.send(table.subarray(0, cut))
      stream.send(table.subarray(cut))
      await waitFor(
        async () => {
          const seen = (await lone.client.peers()).find((p) => p.peerId === heardOf)
          if (!seen?.reachable) throw new Error('the valid table is not heard yet')
          expect(seen.name).toBe('café-node')
        },
        { timeoutMs: 30_000, intervalMs: 100, what: 'the node hearing the valid table after the garbage' },
      )
      expect((await lone.client.status()).name).toBe('lone')
    } finally {
      await stranger.stop()
      await cluster.down()
    }
    expect(localLeftovers()).toBe(0)
  })
})
