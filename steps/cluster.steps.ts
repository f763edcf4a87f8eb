import { Given, When, Then, type DataTable } from '@cucumber/cucumber'
import assert from 'node:assert/strict'
import { nodesFromTable } from '../src/clusters/node-table.ts'
import { waitFor } from '../src/clusters/prepare-cluster.ts'
import type { MatrixWorld } from './support/world.ts'

// NuNet writes this with and without the trailing colon.
Given(/^the following nodes:?$/, async function (this: MatrixWorld, table: DataTable) {
  this.cluster = await this.pool.acquire(nodesFromTable(table.hashes(), this.env))
})

When('{string} is killed', async function (this: MatrixWorld, name: string) {
  this.pool.markDirty()
  await this.cluster!.fault(name, 'kill')
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
