import { Given, When, Then } from '@cucumber/cucumber'
import assert from 'node:assert/strict'
import { waitFor } from '../src/clusters/prepare-cluster.ts'
import type { MatrixWorld } from './support/world.ts'
import { whenEach } from './support/when-each.ts'

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
  this.subscriptions.set(topic, [...(this.subscriptions.get(topic) ?? []), ...names(list)])
})

When('{string} publishes {string} on topic {string}', async function (this: MatrixWorld, from: string, data: string, topic: string) {
  this.publisher = from
  this.publishedAt = Date.now()
  await this.client(from).publish(topic, data)
})

// Subscriptions spread peer to peer: a publish reaches the subscribers its node knows of (and
// those they forward to), so the step waits until every node knows the subscription of every
// node it has a connection to, where the node can say (the reference node can).
Given('every node is subscribed to topic {string}', { timeout: 5 * 60_000 }, async function (this: MatrixWorld, topic: string) {
  const nodes = this.cluster!.nodes
  await Promise.all(nodes.map((n) => n.client.subscribe(topic)))
  this.subscriptions.set(topic, nodes.map((n) => n.name))
  if (!nodes.every((n) => n.client.subscribers)) return
  await waitFor(
    async () => {
      const views = await Promise.all(
        nodes.map(async (n) => {
          // A node hears of the subscriptions of the nodes it has a connection to: every other
          // one in a full mesh, its neighbours in a partial one (they pass the gossip on).
          const connected = (await n.client.peers()).filter((p) => p.remoteAddr !== undefined).map((p) => p.peerId)
          return { n, known: new Set(await n.client.subscribers!(topic)), expected: connected.length ? new Set(connected) : undefined }
        }),
      )
      const short = views.filter(({ n, known, expected }) => nodes.some((other) => other !== n && (expected?.has(other.peerId) ?? true) && !known.has(other.peerId))).map(({ n }) => n.name)
      assert.deepEqual(short, [], `${short.length} node(s) do not know every subscriber of ${topic} yet`)
    },
    { timeoutMs: 4 * 60_000, intervalMs: 250, what: `subscriptions to ${topic} spreading` },
  )
})

// Timed from before the publish request (it waits until the topic has subscribers): the figure
// is, if anything, longer than the gossip took.
Then('every other node should receive {string} on topic {string} within {int} seconds', async function (this: MatrixWorld, data: string, topic: string, seconds: number) {
  const from = this.node(this.publisher!).peerId
  const others = this.cluster!.nodes.filter((n) => n.name !== this.publisher)
  // when each node received it: as the node says, else when a poll first found it there
  const arrivals = await whenEach(
    others,
    async (n) => {
      const message = (await n.client.received(topic)).find((m) => m.data === data && m.from === from)
      return message ? (message.at ? Date.parse(message.at) : Date.now()) : undefined
    },
    { timeoutMs: seconds * 1000 + 30_000, what: `gossip on ${topic} reaching ${others.length} nodes`, waiting: `did not receive "${data}" on ${topic}` },
  )
  const last = Math.max(...arrivals.values()) - this.publishedAt!
  this.attach(`${others.length} nodes received it; the last ${last} ms after the publish request`)
  assert.ok(last <= seconds * 1000, `the last of ${others.length} nodes received "${data}" ${last} ms after the publish request (goal ${seconds * 1000} ms)`)
})

Then('every subscriber of {string} should receive {string}', async function (this: MatrixWorld, topic: string, data: string) {
  const subscribers = this.subscriptions.get(topic) ?? []
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
