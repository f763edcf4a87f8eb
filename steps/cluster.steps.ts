import { Given, When, Then, type DataTable } from '@cucumber/cucumber'
import assert from 'node:assert/strict'
import { nodesFromTable } from '../src/clusters/node-table.ts'
import { waitFor } from '../src/clusters/prepare-cluster.ts'
import type { MatrixWorld } from './support/world.ts'
import { whenEach } from './support/when-each.ts'

// NuNet writes this with and without the trailing colon.
Given(/^the following nodes:?$/, async function (this: MatrixWorld, table: DataTable) {
  this.cluster = await this.pool.acquire(nodesFromTable(table.hashes(), this.env))
})

// A network the size of a real one (node-1 … node-N, every other one a compute provider): its
// readiness is bounded by the environment's timeouts, not by cucumber's minute a step.
Given('a network of {int} nodes', { timeout: 20 * 60_000 }, async function (this: MatrixWorld, count: number) {
  const rows = Array.from({ length: count }, (_, i) => ({ nodes: `node-${i + 1}`, role: i % 2 ? 'CP' : 'SP', onboarded: String(i % 2 === 1), org: 'nunet' }))
  this.cluster = await this.pool.acquire(nodesFromTable(rows, this.env))
})

When('{string} is killed', async function (this: MatrixWorld, name: string) {
  this.pool.markDirty()
  await this.cluster!.fault(name, 'kill')
  this.killedAt = Date.now()
})

// The heartbeat window: a peer silent for four beats is unreachable, and the last beat it sent
// may have been one beat before it died. When a node marked it so is the node's own account (last
// heard + four beats, on the one clock of a local cluster), not when a poll of fifty busy nodes
// got round to asking; a node that says nothing of when it last heard counts at the poll.
Then('every other node should mark {string} unreachable within the heartbeat window', { timeout: 5 * 60_000 }, async function (this: MatrixWorld, subject: string) {
  const window = 5 * this.env.heartbeatMs
  const peerId = this.node(subject).peerId
  const others = this.cluster!.nodes.filter((n) => n.name !== subject)
  const noticed = await whenEach(
    others,
    async (n) => {
      const peer = (await n.client.peers()).find((p) => p.peerId === peerId)
      if (!peer || peer.reachable) return undefined
      return peer.lastSeen ? Date.parse(peer.lastSeen) + 4 * this.env.heartbeatMs : Date.now()
    },
    { timeoutMs: window + 60_000, what: `every node noticing ${subject} is gone`, waiting: `still see ${subject} as reachable` },
  )
  const last = Math.max(...noticed.values()) - this.killedAt!
  this.attach(`every other node (${others.length}) noticed ${subject} gone within ${last} ms of the kill (window ${window} ms)`)
  assert.ok(last <= window, `the last node noticed ${subject} gone ${last} ms after the kill, beyond the heartbeat window of ${window} ms`)
})

When('{string} is cut off the network', async function (this: MatrixWorld, name: string) {
  this.pool.markDirty()
  await this.cluster!.fault(name, 'isolate')
})

When('{string} is reconnected to the network', async function (this: MatrixWorld, name: string) {
  await this.cluster!.fault(name, 'heal')
})

Then('{string} should mark {string} unreachable within {int} seconds', async function (this: MatrixWorld, observer: string, subject: string, seconds: number) {
  const peerId = this.node(subject).peerId
  await waitFor(
    async () => {
      const peer = (await this.client(observer).peers()).find((p) => p.peerId === peerId)
      assert.ok(peer && !peer.reachable, `${observer} still sees ${subject} as reachable`)
    },
    { timeoutMs: seconds * 1000, intervalMs: 200, what: `${observer} noticing ${subject} is gone` },
  )
})

Then('{string} should see {string} as a peer within {int} seconds', async function (this: MatrixWorld, observer: string, subject: string, seconds: number) {
  const peerId = this.node(subject).peerId
  await waitFor(
    async () => {
      const peer = (await this.client(observer).peers()).find((p) => p.peerId === peerId)
      assert.ok(peer?.reachable, `${observer} does not see ${subject} as reachable`)
    },
    { timeoutMs: seconds * 1000, intervalMs: 200, what: `${observer} seeing ${subject} again` },
  )
})
