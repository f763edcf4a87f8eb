import { Given, When, Then } from '@cucumber/cucumber'
import assert from 'node:assert/strict'
import { waitFor } from '../src/clusters/prepare-cluster.ts'
import type { MatrixWorld } from './support/world.ts'

const names = (list: string): string[] => list.split(',').map((s) => s.trim()).filter(Boolean)

Then('{string} should see {string} and {string} as peers', async function (this: MatrixWorld, observer: string, a: string, b: string) {
  const peers = await this.client(observer).peers()
  for (const name of [a, b]) {
    const peer = peers.find((p) => p.peerId === this.node(name).peerId)
    assert.ok(peer, `${observer} does not list ${name} among its peers`)
    assert.ok(peer.reachable, `${observer} lists ${name} but not as reachable`)
    assert.equal(peer.name, name, `${observer} knows ${name}'s peer under the name ${peer.name}`)
  }
})

When('{string} pings {string}', async function (this: MatrixWorld, from: string, to: string) {
  this.last = { value: await this.client(from).ping(this.node(to).peerId) }
})

Then('the round trip time should be below {int} ms', function (this: MatrixWorld, limit: number) {
  const rtt = this.last.value as number
  assert.ok(typeof rtt === 'number' && rtt >= 0 && rtt < limit, `round trip ${rtt} ms is not below ${limit} ms`)
})

When('{string} sends {string} to {string}', async function (this: MatrixWorld, from: string, text: string, to: string) {
  await this.client(from).sendMessage(this.node(to).peerId, text)
})

Then('{string} should receive {string} from {string}', async function (this: MatrixWorld, to: string, text: string, from: string) {
  const inbox = await this.client(to).inbox()
  assert.ok(inbox.some((m) => m.text === text && m.from === this.node(from).peerId), `${to} has no message "${text}" from ${from}`)
  for (const other of this.cluster!.nodes.filter((n) => n.name !== to)) {
    const theirs = await other.client.inbox()
    assert.ok(!theirs.some((m) => m.text === text), `${other.name} received "${text}" although it was addressed to ${to}`)
  }
})

Given('{string} are subscribed to topic {string}', async function (this: MatrixWorld, list: string, topic: string) {
  for (const name of names(list)) await this.client(name).subscribe(topic)
  this.subscriptions[topic] = [...(this.subscriptions[topic] ?? []), ...names(list)]
})

When('{string} publishes {string} on topic {string}', async function (this: MatrixWorld, from: string, data: string, topic: string) {
  this.publisher = from
  await this.client(from).publish(topic, data)
})

Then('every subscriber of {string} should receive {string}', async function (this: MatrixWorld, topic: string, data: string) {
  const subscribers = this.subscriptions[topic] ?? []
  assert.ok(subscribers.length > 0, `nobody subscribed to ${topic}`)
  const from = this.node(this.publisher!).peerId
  await waitFor(
    async () => {
      for (const name of subscribers) {
        const got = await this.client(name).received(topic)
        assert.ok(got.some((m) => m.data === data && m.from === from), `${name} did not receive "${data}" on ${topic}`)
      }
    },
    { timeoutMs: 5000, intervalMs: 100, what: `gossip on ${topic}` },
  )
  for (const node of this.cluster!.nodes.filter((n) => !subscribers.includes(n.name) && n.name !== this.publisher)) {
    assert.deepEqual(await node.client.received(topic), [], `${node.name} is not subscribed to ${topic} but received messages on it`)
  }
})
