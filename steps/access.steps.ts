import { When, Then } from '@cucumber/cucumber'
import assert from 'node:assert/strict'
import type { MatrixWorld } from './support/world.ts'

When('the status of {string} is requested from its own host', async function (this: MatrixWorld, name: string) {
  // A NodeClient always speaks from its node's own host, as `nunet actor cmd` does.
  this.last = { status: await this.cluster!.probeApi(name, name), value: await this.client(name).status() }
})

When('the status of {string} is requested from the host of {string}', async function (this: MatrixWorld, name: string, other: string) {
  this.last = { status: await this.cluster!.probeApi(other, name) }
})

Then('the status should show the peer id of {string}', function (this: MatrixWorld, name: string) {
  assert.equal(this.last.status, 200)
  assert.equal((this.last.value as { peerId: string }).peerId, this.node(name).peerId)
})

Then('the request should be refused', function (this: MatrixWorld) {
  assert.equal(this.last.status, 403, `expected the API to refuse the request (403), got ${this.last.status}`)
})
