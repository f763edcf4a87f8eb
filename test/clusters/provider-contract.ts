import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterProvider, StartedCluster } from '../../src/clusters/cluster-provider.ts'
import type { Environment } from '../../src/clusters/environment.ts'
import { defaultNodes } from '../../src/clusters/environment.ts'
import { waitFor } from '../../src/clusters/prepare-cluster.ts'

export interface ContractSubject {
  provider: () => ClusterProvider
  env: () => Environment
  logDir: string
  /** processes or containers of this provider still alive (must be 0 after down) */
  leftovers: () => Promise<number>
}

async function reachable(cluster: StartedCluster, observer: string, subject: string): Promise<boolean> {
  const peer = (await cluster.node(observer).client.peers()).find((p) => p.peerId === cluster.node(subject).peerId)
  return peer?.reachable === true
}

async function eventually(cluster: StartedCluster, observer: string, subject: string, expected: boolean, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      if ((await reachable(cluster, observer, subject)) !== expected) throw new Error(`${observer} sees ${subject} reachable=${!expected}`)
    },
    { timeoutMs, intervalMs: 200, what: `${observer} → ${subject} reachable=${expected}` },
  )
}

/** The one suite every cluster provider must pass. */
export function providerContract(name: string, subject: ContractSubject): void {
  describe(`${name} provider contract`, () => {
    let cluster: StartedCluster

    beforeAll(async () => {
      cluster = await subject.provider().up({ env: subject.env(), nodes: defaultNodes(subject.env()), logDir: subject.logDir, slot: 7 })
    })
    afterAll(async () => {
      await cluster?.down()
    })

    it('starts named nodes on distinct hosts that all see each other', async () => {
      expect(cluster.nodes.map((n) => n.name)).toEqual(['Alice', 'Bob', 'Charlie'])
      expect(new Set(cluster.nodes.map((n) => n.host)).size).toBe(3)
      for (const a of cluster.nodes) {
        const peers = await a.client.peers()
        for (const b of cluster.nodes.filter((n) => n !== a)) expect(peers.find((p) => p.peerId === b.peerId)).toMatchObject({ name: b.name, reachable: true })
      }
      expect(await cluster.healthy()).toBe(true)
    })

    it('onboards the nodes declared onboarded and leaves the others off', async () => {
      expect((await cluster.node('Alice').client.status()).onboarded).toBe(false)
      expect((await cluster.node('Bob').client.status()).onboarded).toBe(true)
    })

    it('answers the API on a node\'s own host and refuses another node\'s', async () => {
      expect(await cluster.probeApi('Alice', 'Alice')).toBe(200)
      expect(await cluster.probeApi('Bob', 'Alice')).toBe(403)
    })

    it('returns node logs', async () => {
      // what the node wrote: every node program's log is the provider's to collect
      expect(await cluster.logs('Bob')).toMatch(/\[Bob\] (ready|alt-node Bob listening)/)
    })

    it('cuts a node off the network and heals it', async () => {
      await cluster.fault('Charlie', 'isolate')
      await eventually(cluster, 'Alice', 'Charlie', false)
      await cluster.fault('Charlie', 'heal')
      await eventually(cluster, 'Alice', 'Charlie', true)
    })

    it('pauses and resumes a node', async () => {
      await cluster.fault('Charlie', 'pause')
      await eventually(cluster, 'Alice', 'Charlie', false)
      await cluster.fault('Charlie', 'resume')
      await eventually(cluster, 'Alice', 'Charlie', true)
    })

    it('stops and restarts a node under the same identity', async () => {
      const before = cluster.node('Bob').peerId
      await cluster.fault('Bob', 'stop')
      await eventually(cluster, 'Alice', 'Bob', false)
      await cluster.fault('Bob', 'start')
      expect(cluster.node('Bob').peerId).toBe(before)
      await eventually(cluster, 'Alice', 'Bob', true)
    })

    it('kills a node, and its peers notice it by their heartbeats', async () => {
      await cluster.fault('Charlie', 'kill')
      // An event with a deadline: how soon it is noticed is the node's heartbeat rule (four
      // missed heartbeats), which the DMS suite's heartbeat feature holds to its acceptance window.
      await eventually(cluster, 'Alice', 'Charlie', false)
      expect(await cluster.healthy()).toBe(false)
    })

    it('leaves nothing running after down', async () => {
      await cluster.down()
      expect(await subject.leftovers()).toBe(0)
    })
  })
}
