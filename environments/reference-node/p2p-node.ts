import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp, type TCPSocketOptions } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, type Identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId, Stream } from '@libp2p/interface'

export const RPC_PROTOCOL = '/bdd-matrix/rpc/1.0.0'
/** Heartbeats: one long-lived stream a pair of peers, a stamp sent each beat and echoed back. */
export const HEARTBEAT_PROTOCOL = '/bdd-matrix/heartbeat/1.0.0'
/** Relayed liveness: what each node last heard of every peer, sent to its connections TABLES_PER_BEAT times a beat. */
export const LIVENESS_PROTOCOL = '/bdd-matrix/liveness/1.0.0'
/**
 * Tables sent per beat: news of a peer crosses a hop in half a beat at most, so four hops leave
 * it two beats old, half the unreachable horizon. Four a beat made fifty idle nodes burn half a
 * core more, and the cluster no sooner ready (17.7–17.9 s against 18.3–20.4).
 */
const TABLES_PER_BEAT = 2
/** A peer not heard from for this many beats is unreachable. */
const UNREACHABLE_BEATS = 4
/** …and after this many, a connection to it that still looks open is closed (see beat). */
const SILENT_BEATS = 8
export const VERSION = '0.1.0'

/**
 * Heard from within the horizon, and identified. A connection is contact before the peer has
 * said who it is (identify follows it, and on a busy machine a while later): a peer listed
 * reachable is listed with its name, by which the cluster's readiness and the scenarios that
 * follow it look it up.
 */
export function isReachable(peer: { name?: string; lastSeen?: number }, horizon: number, now = Date.now()): boolean {
  return peer.name !== undefined && peer.lastSeen !== undefined && now - peer.lastSeen <= horizon
}

export type RpcHandler = (payload: unknown, from: string) => Promise<unknown> | unknown

export interface PeerState {
  peerId: string
  name?: string
  addrs: string[]
  reachable: boolean
  lastSeen?: string
  rttMs?: number
  remoteAddr?: string
}

export interface P2pOptions {
  name: string
  listenHost: string
  port: number
  dataDir: string
  heartbeatMs: number
  /**
   * `pairs`: every peer is a connection of this node, and each pair of peers beats on a stream
   * of its own. `relayed`: besides, each node stamps itself TABLES_PER_BEAT times a beat (its own clock)
   * and tells its connections the latest stamp it holds of every peer, with how long ago that
   * stamp was given; a newer stamp is news and makes the peer heard of — so a node hears of peers
   * it has no connection to, in a cluster meshed in part (a full mesh of fifty nodes is 1,225
   * connections). A stamp is compared only with the same peer's earlier ones (hosts' clocks
   * differ), and only a newer one counts: ages alone, relayed back and forth, each time a little
   * fresher by the transit, kept a dead node alive. Gossipsub would sign and verify every beat of
   * every node at every node: at thirty nodes that alone kept two cores busy.
   */
  liveness?: 'pairs' | 'relayed'
  log: (line: string) => void
}

type Known = {
  addrs: string[]
  lastSeen?: number
  rttMs?: number
  name?: string
  connected?: boolean
  /** relayed liveness: the latest stamp the peer gave itself that reached this node, and when (here) the peer gave it */
  stamp?: number
  stampedAt?: number
}

type Services = { identify: Identify; ping: Ping; pubsub: GossipSub }

/**
 * The node's libp2p side: identity kept across restarts, direct RPC to named behaviours,
 * gossip, and heartbeats that mark a silent peer unreachable. A pair of peers keeps one stream
 * open for them: the peer whose id sorts first writes a stamp each beat (with the last round trip
 * it measured) and the other echoes it, so each hears from the other every beat and both know the
 * round trip. A libp2p ping opens and negotiates a stream each time, which at every peer every
 * beat cost ten nodes on one machine 1.4 cores; and yamux answers every frame with a window
 * update, so each frame saved is two.
 */
export class P2pNode {
  private libp2p!: Libp2p<Services>
  private readonly behaviours = new Map<string, RpcHandler>()
  private readonly known = new Map<string, Known>()
  private readonly received: { topic: string; from?: string; data: string; at: string }[] = []
  private heartbeat?: NodeJS.Timeout
  private relay?: NodeJS.Timeout
  /** the stream each connected peer is sent liveness tables on (relayed liveness) */
  private readonly tables = new Map<string, Stream>()
  private isolated = false
  /** the heartbeat stream to each peer this node beats (its id sorts first), and the peers being dialled */
  private readonly beats = new Map<string, Stream>()
  private readonly opening = new Set<string>()

  constructor(private readonly options: P2pOptions) {}

  get peerId(): string {
    return this.libp2p.peerId.toString()
  }

  get addrs(): string[] {
    return this.libp2p.getMultiaddrs().map((a) => a.toString())
  }

  async start(): Promise<void> {
    const { name, listenHost, port } = this.options
    this.libp2p = await createLibp2p({
      privateKey: await this.loadKey(),
      addresses: { listen: [`/ip4/${listenHost}/tcp/${port}`] },
      // Dials leave from the node's own address, as from a host of its own. Otherwise every local
      // node's connections come from 127.0.0.1, and gossipsub, which scores down many peers on
      // one address, stops hearing a node's fifteenth inbound peer on: in a cluster of twenty,
      // nodes 16 to 20 never learned who subscribed. (`localAddress` reaches net.connect.)
      transports: [tcp({ dialOpts: { localAddress: listenHost } as TCPSocketOptions })],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      nodeInfo: { userAgent: `bdd-matrix-reference-node/${VERSION} (${name})` },
      // libp2p refuses a host's sixth connection in a second and an eleventh pending one: a
      // guard against floods that, in a test cluster whose nodes share one host, resets the
      // mesh's own dials (every pair at once). Room for fifty nodes' dials.
      connectionManager: { inboundConnectionThreshold: 200, maxIncomingPendingConnections: 100 },
      // Liveness is the heartbeat stream's job (one a pair, below). libp2p's connection monitor
      // pings every connection every 10 s on a new stream and closes one whose ping is slow: on
      // a saturated machine it dropped good connections that then had to be dialled again, and
      // a fifty-node mesh took 112 s instead of 50 (idle nodes: 181% of a core instead of 69%).
      connectionMonitor: { enabled: false },
      // A cut-off node refuses every connection, in and out: the per-node blocklist that
      // stands in for pulling the network cable on the local provider.
      connectionGater: {
        denyDialMultiaddr: () => this.isolated,
        denyInboundConnection: () => this.isolated,
        denyOutboundConnection: () => this.isolated,
      },
      services: {
        identify: identify(),
        // Heartbeats and requested pings share the protocol: allow more than libp2p's one stream.
        ping: ping({ maxOutboundStreams: 16, maxInboundStreams: 16 }),
        pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false, heartbeatInterval: 200 }),
      },
    })
    this.libp2p.services.pubsub.addEventListener('message', (event) => {
      const message = event.detail
      const from = 'from' in message ? message.from.toString() : undefined
      this.received.push({ topic: message.topic, ...(from ? { from } : {}), data: new TextDecoder().decode(message.data), at: new Date().toISOString() })
    })
    // A connection just made, in or out, is contact: the peer is reachable from now, not from
    // the first heartbeat that reaches it.
    this.libp2p.addEventListener('peer:connect', (event) => void this.contact(event.detail))
    this.libp2p.addEventListener('peer:identify', (event) => {
      const agent = event.detail.agentVersion ?? ''
      const entry = this.remember(event.detail.peerId)
      const match = /\(([^)]+)\)$/.exec(agent)
      if (match) entry.name = match[1]
      entry.addrs = event.detail.listenAddrs.map((a) => a.toString())
    })
    await this.libp2p.handle(RPC_PROTOCOL, (stream, connection) => this.serve(stream, connection.remotePeer.toString()))
    await this.libp2p.handle(HEARTBEAT_PROTOCOL, (stream, connection) => this.echoBeats(stream, connection.remotePeer))
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs)
    if (this.options.liveness === 'relayed') {
      await this.libp2p.handle(LIVENESS_PROTOCOL, (stream) => this.readTables(stream))
      this.relay = setInterval(() => this.sendTables(), Math.max(1, Math.round(this.options.heartbeatMs / TABLES_PER_BEAT)))
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat)
    clearInterval(this.relay)
    await this.libp2p?.stop()
  }

  behaviour(name: string, handler: RpcHandler): void {
    this.behaviours.set(name, handler)
  }

  async connect(addr: string): Promise<string> {
    const connection = await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(5000) })
    const peer = this.contact(connection.remotePeer)
    if (!peer.addrs.includes(addr)) peer.addrs.push(addr)
    return connection.remotePeer.toString()
  }

  async disconnect(peerId: string): Promise<void> {
    await this.libp2p.hangUp(peerIdFromString(peerId))
    this.known.delete(peerId)
    this.beats.delete(peerId)
  }

  async ping(peerId: string): Promise<number> {
    const rtt = await this.libp2p.services.ping.ping(peerIdFromString(peerId), { signal: AbortSignal.timeout(3000) })
    const peer = this.remember(peerIdFromString(peerId))
    peer.lastSeen = Date.now()
    peer.rttMs = rtt
    return rtt
  }

  peers(): PeerState[] {
    const horizon = this.options.heartbeatMs * UNREACHABLE_BEATS
    return [...this.known].map(([peerId, p]) => {
      const remoteAddr = this.libp2p.getConnections(peerIdFromString(peerId))[0]?.remoteAddr.toString()
      return {
        peerId,
        ...(p.name ? { name: p.name } : {}),
        addrs: p.addrs,
        reachable: isReachable(p, horizon),
        ...(p.lastSeen ? { lastSeen: new Date(p.lastSeen).toISOString() } : {}),
        ...(p.rttMs !== undefined ? { rttMs: p.rttMs } : {}),
        ...(remoteAddr ? { remoteAddr } : {}),
      }
    })
  }

  subscribe(topic: string): void {
    this.libp2p.services.pubsub.subscribe(topic)
  }

  /** The peers this node knows to be subscribed to a topic (what a publish floods to). */
  subscribers(topic: string): string[] {
    return this.libp2p.services.pubsub.getSubscribers(topic).map((peer) => peer.toString())
  }

  unsubscribeAll(): void {
    for (const topic of this.libp2p.services.pubsub.getTopics()) this.libp2p.services.pubsub.unsubscribe(topic)
    this.received.length = 0
  }

  /** Publishes once the topic has subscribers in the mesh (gossip needs a heartbeat to graft). */
  async publish(topic: string, data: string): Promise<number> {
    const pubsub = this.libp2p.services.pubsub
    const deadline = Date.now() + 3000
    while (pubsub.getSubscribers(topic).length === 0 && Date.now() < deadline) await sleep(50)
    const result = await pubsub.publish(topic, new TextEncoder().encode(data))
    return result.recipients.length
  }

  receivedOn(topic?: string): { topic: string; from?: string; data: string; at: string }[] {
    return topic ? this.received.filter((m) => m.topic === topic) : [...this.received]
  }

  /** Sends `payload` to `behaviour` on another node and waits for its reply. */
  async invoke(peerId: string, behaviour: string, payload: unknown): Promise<unknown> {
    const stream = await this.libp2p.dialProtocol(peerIdFromString(peerId), RPC_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    stream.send(new TextEncoder().encode(JSON.stringify({ behaviour, payload })))
    await stream.close()
    const reply = JSON.parse(await readAll(stream)) as { ok: boolean; result?: unknown; error?: string }
    if (!reply.ok) throw new RpcError(reply.error ?? 'remote error')
    return reply.result
  }

  async isolate(): Promise<void> {
    this.isolated = true
    await Promise.all(this.libp2p.getConnections().map((c) => c.close().catch(() => c.abort(new Error('isolated')))))
  }

  async heal(): Promise<void> {
    this.isolated = false
    await Promise.all([...this.known.values()].filter((p) => p.connected).flatMap((p) => p.addrs.slice(0, 1)).map((addr) => this.connect(addr).catch(() => undefined)))
  }

  private async serve(stream: Stream, from: string): Promise<void> {
    let reply: { ok: boolean; result?: unknown; error?: string }
    try {
      const request = JSON.parse(await readAll(stream)) as { behaviour: string; payload: unknown }
      const handler = this.behaviours.get(request.behaviour)
      reply = handler ? { ok: true, result: await handler(request.payload, from) } : { ok: false, error: `unknown behaviour ${request.behaviour}` }
    } catch (error) {
      reply = { ok: false, error: error instanceof Error ? error.message : String(error) }
    }
    stream.send(new TextEncoder().encode(JSON.stringify(reply)))
    await stream.close()
  }

  /** A connection to the peer, made or found: it is reachable now, and one this node beats with. */
  private contact(peerId: PeerId): Known {
    const peer = this.remember(peerId)
    peer.lastSeen = Date.now()
    peer.connected = true
    return peer
  }

  private remember(peerId: PeerId): Known {
    const key = peerId.toString()
    let entry = this.known.get(key)
    if (!entry) this.known.set(key, (entry = { addrs: [] }))
    return entry
  }

  private beat(): void {
    if (this.isolated) return
    const self = this.peerId
    const now = Date.now()
    for (const [peerId, peer] of this.known) {
      // a peer heard of only through others (relayed liveness): no connection is made to it
      if (!peer.connected) continue
      // Silent for twice the unreachable horizon over a connection that still looks open: a
      // half-open one (the peer's host vanished or the network dropped it without a word) that
      // TCP would keep for a quarter of an hour and that every dial would reuse. Close it, so the
      // next beat dials afresh; libp2p's connection monitor did this with a ping of its own.
      if (peer.lastSeen !== undefined && now - peer.lastSeen > this.options.heartbeatMs * SILENT_BEATS) {
        const other = peerIdFromString(peerId)
        if (this.libp2p.getConnections(other).length) {
          this.beats.delete(peerId)
          void this.libp2p.hangUp(other).catch(() => {})
          continue
        }
      }
      if (!(self < peerId)) {
        // The other peer beats. Without a connection to it (it restarted and forgot this node,
        // or the connection dropped) nothing would ever come: dial it, so that it knows this
        // node again and beats.
        const other = peerIdFromString(peerId)
        if (this.libp2p.getConnections(other).length === 0) this.whileOpening(peerId, () => this.libp2p.dial(other, { signal: AbortSignal.timeout(3000) }))
        continue
      }
      const stream = this.beats.get(peerId)
      if (stream?.status === 'open') {
        stream.send(beatOf(peer.rttMs))
        continue
      }
      this.beats.delete(peerId)
      this.whileOpening(peerId, () => this.openBeats(peerId))
    }
  }

  /**
   * Opening to an unreachable peer can take seconds: never a second attempt beside it, and never
   * holding up the heartbeats of the other peers. A failure is a missed heartbeat: reachability
   * follows from lastSeen growing old.
   */
  private whileOpening(peerId: string, open: () => Promise<unknown>): void {
    if (this.opening.has(peerId)) return
    this.opening.add(peerId)
    open()
      .catch(() => {})
      .finally(() => this.opening.delete(peerId))
  }

  private async openBeats(peerId: string): Promise<void> {
    const stream = await this.libp2p.dialProtocol(peerIdFromString(peerId), HEARTBEAT_PROTOCOL, { signal: AbortSignal.timeout(3000) })
    const echoes = new Records(ECHO_BYTES)
    stream.addEventListener('message', (event) => {
      const echo = echoes.last(event.data)
      const peer = this.known.get(peerId)
      if (!echo || !peer || this.isolated) return
      peer.lastSeen = Date.now()
      peer.rttMs = performance.now() - echo.getFloat64(0)
    })
    stream.addEventListener('close', () => {
      if (this.beats.get(peerId) === stream) this.beats.delete(peerId)
    })
    this.beats.set(peerId, stream)
    stream.send(beatOf(this.known.get(peerId)?.rttMs))
  }

  /** Sends each connected peer the latest stamp of every peer (this node's: now), with its name and age in ms. */
  private sendTables(): void {
    if (this.isolated) return
    const now = Date.now()
    const table: Record<string, [string, number, number]> = { [this.peerId]: [this.options.name, now, 0] }
    for (const [peerId, peer] of this.known) if (peer.stamp !== undefined) table[peerId] = [peer.name ?? '', peer.stamp, now - peer.stampedAt!]
    const line = new TextEncoder().encode(`${JSON.stringify(table)}\n`)
    for (const [peerId, peer] of this.known) {
      if (!peer.connected) continue
      const stream = this.tables.get(peerId)
      if (stream?.status === 'open') {
        stream.send(line)
        continue
      }
      this.tables.delete(peerId)
      // only over a connection there is: the heartbeats dial, this never does
      if (this.libp2p.getConnections(peerIdFromString(peerId)).length === 0) continue
      this.whileOpening(`tables ${peerId}`, async () => {
        const opened = await this.libp2p.dialProtocol(peerIdFromString(peerId), LIVENESS_PROTOCOL, { signal: AbortSignal.timeout(3000) })
        opened.addEventListener('close', () => {
          if (this.tables.get(peerId) === opened) this.tables.delete(peerId)
        })
        this.tables.set(peerId, opened)
      })
    }
  }

  /** A connected peer's tables: a newer stamp of a peer is news of it, heard when the stamp was given. */
  private readTables(stream: Stream): void {
    const decoder = new TextDecoder()
    let rest = ''
    stream.addEventListener('message', (event) => {
      if (this.isolated) return
      const data = event.data instanceof Uint8Array ? event.data : event.data.subarray()
      const lines = (rest + decoder.decode(data, { stream: true })).split('\n')
      rest = lines.pop()!
      // a peer that never ends a line is not worth the memory
      if (rest.length > 1 << 20) rest = ''
      const latest = lines.at(-1)
      if (latest === undefined) return
      let table: unknown
      try {
        table = JSON.parse(latest)
      } catch {
        return
      }
      if (table === null || typeof table !== 'object') return
      const now = Date.now()
      for (const [peerId, entry] of Object.entries(table)) {
        if (!Array.isArray(entry) || peerId === this.peerId) continue
        const [name, stamp, age] = entry as unknown[]
        if (typeof stamp !== 'number' || typeof age !== 'number') continue
        let peer = this.known.get(peerId)
        if (!peer) {
          try {
            peer = this.remember(peerIdFromString(peerId))
          } catch {
            continue // not a peer id: nothing to hear of
          }
        }
        if (typeof name === 'string' && name && !peer.name) peer.name = name
        if (peer.stamp !== undefined && stamp <= peer.stamp) continue
        peer.stamp = stamp
        peer.stampedAt = now - age
        if (peer.lastSeen === undefined || peer.stampedAt > peer.lastSeen) peer.lastSeen = peer.stampedAt
      }
    })
  }

  /** A peer's heartbeats: each says it is alive and brings the round trip it measured; its stamp goes back. */
  private echoBeats(stream: Stream, from: PeerId): void {
    const beats = new Records(BEAT_BYTES)
    stream.addEventListener('message', (event) => {
      const beat = beats.last(event.data)
      if (!beat || this.isolated) return
      const peer = this.remember(from)
      peer.lastSeen = Date.now()
      const rtt = beat.getFloat64(8)
      if (rtt >= 0) peer.rttMs = rtt
      stream.send(new Uint8Array(beat.buffer, beat.byteOffset, ECHO_BYTES).slice())
    })
  }

  private async loadKey() {
    const file = path.join(this.options.dataDir, 'node.key')
    if (existsSync(file)) return privateKeyFromProtobuf(readFileSync(file))
    const key = await generateKeyPair('Ed25519')
    writeFileSync(file, privateKeyToProtobuf(key))
    return key
  }
}

export class RpcError extends Error {}

async function readAll(stream: AsyncIterable<Uint8Array | { subarray(): Uint8Array }>): Promise<string> {
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk instanceof Uint8Array ? chunk : chunk.subarray())
  return Buffer.concat(chunks).toString('utf8')
}

/** A beat: the sender's clock (ms) and the last round trip it measured (ms, -1 when none); an echo: the clock. */
const BEAT_BYTES = 16
const ECHO_BYTES = 8

function beatOf(rttMs: number | undefined): Uint8Array {
  const bytes = new Uint8Array(BEAT_BYTES)
  const view = new DataView(bytes.buffer)
  view.setFloat64(0, performance.now())
  view.setFloat64(8, rttMs ?? -1)
  return bytes
}

/**
 * Fixed-size records out of a stream's messages: several beats can arrive as one message, and a
 * message need not end where a record does. Gives the last whole record received.
 */
class Records {
  private rest = new Uint8Array(0)

  constructor(private readonly size: number) {}

  last(data: Uint8Array | { subarray(): Uint8Array }): DataView | undefined {
    const chunk = data instanceof Uint8Array ? data : data.subarray()
    const bytes = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk
    const whole = bytes.length - (bytes.length % this.size)
    this.rest = bytes.slice(whole)
    return whole ? new DataView(bytes.buffer, bytes.byteOffset + whole - this.size, this.size) : undefined
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
