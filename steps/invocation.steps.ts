import { When, Then } from '@cucumber/cucumber'
import assert from 'node:assert/strict'
import type { MatrixWorld } from './support/world.ts'

When('{string} invokes {string} on {string}', async function (this: MatrixWorld, from: string, behaviour: string, to: string) {
  await this.attempt(() => this.client(from).invoke(this.node(to).peerId, behaviour))
})

Then('the reply should contain the peer id of {string}', function (this: MatrixWorld, name: string) {
  assert.ifError(this.last.error)
  assert.equal((this.last.value as { peerId?: string }).peerId, this.node(name).peerId)
})

Then('the reply should be an error {string}', function (this: MatrixWorld, message: string) {
  assert.ok(this.last.error, 'the invocation succeeded, but an error was expected')
  assert.match(this.last.error.message, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
})
