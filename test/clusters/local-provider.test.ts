import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { LocalClusterProvider } from '../../src/clusters/local/local-cluster-provider.ts'
import { defaultNodes, loadEnvironment, type Environment } from '../../src/clusters/environment.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { providerContract } from './provider-contract.ts'
import { localLeftovers } from '../helpers/local-leftovers.ts'
import { waitFor } from '../../src/clusters/prepare-cluster.ts'

const logs = tempTree()
providerContract('local', {
  provider: () => new LocalClusterProvider(),
  env: () => loadEnvironment('local', PROJECT_ROOT),
  logDir: path.join(logs, 'contract'),
  leftovers: async () => localLeftovers(),
})

describe('local provider: heartbeats', () => {
  it('carry the round trip to both peers of each pair, one stream a pair, bring a restarted node back on either side, and close a silent connection', async () => {
    const env = loadEnvironment('local', PROJECT_ROOT)
    const cluster = await new LocalClusterProvider().up({ env, nodes: defaultNodes(env), logDir: tempTree(), slot: 6 })
    try {
      // Every node learns every other's round trip from the heartbeats alone (no ping asked):
      // the peer that beats measures it, the one that echoes is told it with the next beat.
      await waitFor(
        async () => {
          for (const node of cluster.nodes) {
            const peers = await node.client.peers()
            for (const other of cluster.nodes.filter((n) => n !== node)) {
              const seen = peers.find((p) => p.peerId === other.peerId)
              if (!(seen?.reachable && typeof seen.rttMs === 'number' && seen.rttMs >= 0)) throw new Error(`${node.name} has no round trip to ${other.name} yet`)
            }
          }
        },
        { timeoutMs: 60_000, intervalMs: 200, what: 'round trips from heartbeats' },
      )
      // A node restarted forgets its peers: whichever side of its pairs it beats on, they meet
      // again (the peer whose id sorts first, and the one whose id sorts last).
      const byId = [...cluster.nodes].sort((a, b) => (a.peerId < b.peerId ? -1 : 1))
      for (const restarted of [byId[0]!, byId.at(-1)!]) {
        await cluster.fault(restarted.name, 'stop')
        await cluster.fault(restarted.name, 'start')
        await waitFor(
          async () => {
            for (const node of cluster.nodes.filter((n) => n !== restarted)) {
              const seen = (await node.client.peers()).find((p) => p.peerId === restarted.peerId)
              if (!seen?.reachable) throw new Error(`${node.name} does not see ${restarted.name} again`)
              const back = (await restarted.client.peers()).find((p) => p.peerId === node.peerId)
              if (!back?.reachable) throw new Error(`${restarted.name} does not see ${node.name} again`)
            }
          },
          { timeoutMs: 60_000, intervalMs: 200, what: `peers of ${restarted.name} after its restart` },
        )
      }
      // A peer silent for eight beats over a connection that still looks open (a paused process
      // keeps its sockets, as a vanished host leaves them half-open): the others close it rather
      // than wait on TCP for a quarter of an hour, and meet the peer afresh once it answers.
      const sleeper = byId[0]!
      const others = cluster.nodes.filter((n) => n !== sleeper)
      await cluster.fault(sleeper.name, 'pause')
      try {
        await waitFor(
          async () => {
            for (const node of others) {
              const seen = (await node.client.peers()).find((p) => p.peerId === sleeper.peerId)
              if (seen?.remoteAddr !== undefined || seen?.reachable) throw new Error(`${node.name} still holds its connection to ${sleeper.name}`)
            }
          },
          { timeoutMs: 60_000, intervalMs: 200, what: `connections to the paused ${sleeper.name} closed` },
        )
      } finally {
        await cluster.fault(sleeper.name, 'resume')
      }
      await waitFor(
        async () => {
          for (const node of others) {
            if (!(await node.client.peers()).find((p) => p.peerId === sleeper.peerId)?.reachable) throw new Error(`${node.name} does not see ${sleeper.name} again`)
            if (!(await sleeper.client.peers()).find((p) => p.peerId === node.peerId)?.reachable) throw new Error(`${sleeper.name} does not see ${node.name} again`)
          }
        },
        { timeoutMs: 60_000, intervalMs: 200, what: `peers of ${sleeper.name} after its pause` },
      )
    } finally {
      await cluster.down()
    }
    expect(localLeftovers()).toBe(0)
  })
})

describe('local provider: gossip', () => {
  it('lists the subscribers each node knows of a topic, and a publish reaches them', async () => {
    const env = loadEnvironment('local', PROJECT_ROOT)
    const cluster = await new LocalClusterProvider().up({ env, nodes: defaultNodes(env), logDir: tempTree(), slot: 8 })
    try {
      const [alice, bob, charlie] = cluster.nodes
      await alice!.client.subscribe('dms/known')
      await bob!.client.subscribe('dms/known')
      // Subscriptions spread to every peer, subscribed or not; nobody lists itself or Charlie.
      await waitFor(
        async () => {
          expect((await alice!.client.subscribers!('dms/known')).sort()).toEqual([bob!.peerId])
          expect((await bob!.client.subscribers!('dms/known')).sort()).toEqual([alice!.peerId])
          expect((await charlie!.client.subscribers!('dms/known')).sort()).toEqual([alice!.peerId, bob!.peerId].sort())
        },
        { timeoutMs: 60_000, intervalMs: 100, what: 'subscriptions spreading' },
      )
      await charlie!.client.publish('dms/known', 'to the known')
      await waitFor(
        async () => {
          for (const node of [alice!, bob!]) expect((await node.client.received('dms/known')).map((m) => [m.data, m.from])).toEqual([['to the known', charlie!.peerId]])
        },
        { timeoutMs: 60_000, intervalMs: 100, what: 'the publish reaching the subscribers' },
      )
      expect(await charlie!.client.subscribers!('dms/none')).toEqual([])
      // Each node's connections come from its own address, as from a host of its own: from the
      // machine's default address, gossipsub scores many peers on one address down and stops
      // hearing them (a cluster of twenty lost nodes 16 to 20).
      for (const node of cluster.nodes)
        for (const peer of await node.client.peers()) {
          const other = cluster.nodes.find((n) => n.peerId === peer.peerId)!
          expect(peer.remoteAddr, `${node.name}'s connection to ${other.name}`).toMatch(new RegExp(`^/ip4/${other.host.replaceAll('.', '\\.')}/tcp/`))
        }
    } finally {
      await cluster.down()
    }
    expect(localLeftovers()).toBe(0)
  })
})

describe('local provider: up fails cleanly', () => {
  const withProgram = (program: string, readyMs = 3000): Environment => {
    const env = loadEnvironment('local', PROJECT_ROOT)
    return { ...env, node: { ...env.node, program }, timeouts: { ...env.timeouts, readyMs } }
  }

  it('reports a node that exits before it is ready, with its log tail, and leaves nothing running', async () => {
    const dir = tempTree({ 'crash.mjs': "console.log('booting'); console.error('boom: cannot open the database'); process.exit(3)\n" })
    const env = withProgram(path.join(dir, 'crash.mjs'))
    const error = await new LocalClusterProvider().up({ env, nodes: defaultNodes(env), logDir: path.join(dir, 'logs'), slot: 3 }).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/node \w+: exited with code 3 before it was ready/)
    expect((error as Error).message).toContain('boom: cannot open the database')
    expect(localLeftovers()).toBe(0)
  })

  it('times out a node that never becomes ready, with its log tail, and stops the others', async () => {
    // A shell prints at once even on a busy machine: the log line is there long before the deadline.
    // (a sleep of this test's own: the check below reads every process of the machine)
    const sleep = `sleep 600.${process.pid}`
    const env = loadEnvironment('local', PROJECT_ROOT)
    const hanging: Environment = { ...env, node: { ...env.node, program: { command: ['sh', '-c', `echo waiting forever; exec ${sleep}`], upload: [], ready: {} } }, timeouts: { ...env.timeouts, readyMs: 5000 } }
    const dir = tempTree()
    const error = await new LocalClusterProvider().up({ env: hanging, nodes: defaultNodes(env), logDir: path.join(dir, 'logs'), slot: 4 }).catch((e: Error) => e)
    expect((error as Error).message).toMatch(/not ready after 5000 ms/)
    expect((error as Error).message).toContain('waiting forever')
    expect(localLeftovers()).toBe(0)
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(sleep)
  })

  it('refuses a missing node program with how to build it', async () => {
    const env = withProgram('dist/no-such-node.mjs')
    await expect(new LocalClusterProvider().up({ env, nodes: defaultNodes(env), logDir: tempTree(), slot: 5 })).rejects.toThrow(/node program not found; build it with npm run build/)
  })
})
