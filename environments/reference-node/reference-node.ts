import { createHash } from 'node:crypto'
import { KeyValueStore } from './key-value-store.ts'
import { Deployments, InsufficientResources, parseEnsemble, requirementsOf } from './deployments.ts'
import { P2pNode, VERSION } from './p2p-node.ts'
import { fits, megabytes, type Resources } from './resources.ts'

export interface Benchmark {
  hashesPerSecond: number
  at: string
}

/** What the API and the RPC behaviours act on: one DMS-like node. */
export class ReferenceNode {
  readonly kv: KeyValueStore
  readonly deployments: Deployments
  readonly inbox: { from: string; text: string; at: string }[] = []
  /** deployments this node asked other nodes to run: id → peer running it */
  private readonly placed = new Map<string, string>()

  constructor(
    readonly name: string,
    readonly p2p: P2pNode,
    dataDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.kv = new KeyValueStore(`${dataDir}/kv.json`)
    this.deployments = new Deployments(log)
    p2p.behaviour('/dms/node/peers/self', () => ({ peerId: p2p.peerId, name }))
    p2p.behaviour('/dms/node/message', (payload, from) => {
      const text = String((payload as { text?: unknown })?.text ?? '')
      this.inbox.push({ from, text, at: new Date().toISOString() })
      return { received: true }
    })
    p2p.behaviour('/dms/node/resources', () => ({ onboarded: this.deployments.onboarded, free: this.deployments.free() }))
    p2p.behaviour('/dms/node/deploy', (payload) => ({ id: this.deployments.start(String((payload as { ensemble?: unknown }).ensemble ?? '')) }))
    p2p.behaviour('/dms/node/deployment', (payload) => {
      const { id, op } = payload as { id: string; op: 'status' | 'output' | 'logs' | 'cancel' }
      return this.localDeployment(id, op)
    })
  }

  status() {
    return {
      name: this.name,
      version: VERSION,
      peerId: this.p2p.peerId,
      addrs: this.p2p.addrs,
      onboarded: this.deployments.onboarded,
      resources: this.kv.get('onboarding/resources') ?? null,
      free: this.deployments.free(),
      benchmark: (this.kv.get('benchmark') as Benchmark | undefined) ?? null,
    }
  }

  onboard(declared: { cpu: number; ram: string | number; disk: string | number }) {
    const resources: Resources = { cpu: Number(declared.cpu), ramMb: megabytes(declared.ram), diskMb: megabytes(declared.disk) }
    if (!(resources.cpu > 0 && resources.ramMb > 0 && resources.diskMb > 0)) throw new BadRequest('onboarding needs positive cpu, ram and disk')
    this.kv.put('onboarding/resources', resources)
    this.kv.put('benchmark', benchmark())
    this.deployments.setCapacity(resources)
    this.log(`onboarded with ${JSON.stringify(resources)}`)
    return this.status()
  }

  offboard() {
    this.deployments.cancelAll()
    this.deployments.setCapacity(undefined)
    this.kv.put('onboarding/resources', null)
    this.log('offboarded')
    return this.status()
  }

  /** Deploys on `target` (a peer id, or this node), or lets the node pick one that fits. */
  async deploy(ensemble: string, target?: string): Promise<{ id: string; node: string }> {
    const need = requirementsOf(parseEnsemble(ensemble))
    const node = target ?? (await this.choosePlacement(need))
    const id = node === this.p2p.peerId ? this.deployments.start(ensemble) : ((await this.p2p.invoke(node, '/dms/node/deploy', { ensemble })) as { id: string }).id
    this.placed.set(id, node)
    return { id, node }
  }

  async deployment(id: string, op: 'status' | 'output' | 'logs' | 'cancel'): Promise<unknown> {
    const node = this.placed.get(id)
    if (node && node !== this.p2p.peerId) return this.p2p.invoke(node, '/dms/node/deployment', { id, op })
    return this.localDeployment(id, op)
  }

  reset(onboard: { cpu: number; ram: string | number; disk: string | number } | null) {
    this.deployments.cancelAll()
    this.placed.clear()
    this.inbox.length = 0
    this.p2p.unsubscribeAll()
    this.kv.clear()
    if (onboard) this.onboard(onboard)
    else this.offboard()
    return this.status()
  }

  private localDeployment(id: string, op: 'status' | 'output' | 'logs' | 'cancel'): unknown {
    if (op === 'output') return { output: this.deployments.output(id) }
    if (op === 'logs') return { logs: this.deployments.logs(id) }
    if (op === 'cancel') this.deployments.cancel(id)
    return this.deployments.status(id)
  }

  private async choosePlacement(need: Resources): Promise<string> {
    const candidates: { peerId: string; free: Resources }[] = []
    if (this.deployments.onboarded) candidates.push({ peerId: this.p2p.peerId, free: this.deployments.free() })
    const peers = this.p2p.peers().filter((p) => p.reachable)
    const answers = await Promise.allSettled(peers.map((p) => this.p2p.invoke(p.peerId, '/dms/node/resources', {}) as Promise<{ onboarded: boolean; free: Resources }>))
    answers.forEach((answer, i) => {
      if (answer.status === 'fulfilled' && answer.value.onboarded) candidates.push({ peerId: peers[i]!.peerId, free: answer.value.free })
    })
    const fitting = candidates.filter((c) => fits(need, c.free)).sort((a, b) => b.free.cpu - a.free.cpu || a.peerId.localeCompare(b.peerId))
    if (!fitting[0]) throw new InsufficientResources(`insufficient resources: no node of the network can hold cpu ${need.cpu}, ram ${need.ramMb}MB, disk ${need.diskMb}MB`)
    return fitting[0].peerId
  }
}

export class BadRequest extends Error {}

/**
 * A quick CPU benchmark (sha256 rounds for ~50 ms), as DMS benchmarks machines while onboarding.
 * Every reset between scenarios onboards again, holding the node's event loop meanwhile: 200 ms
 * of it took a fifth of a second from every scenario and from every cluster's start.
 */
function benchmark(): Benchmark {
  const started = performance.now()
  let rounds = 0
  let digest = Buffer.alloc(32)
  while (performance.now() - started < 50) {
    for (let i = 0; i < 1000; i++) digest = createHash('sha256').update(digest).digest()
    rounds += 1000
  }
  return { hashesPerSecond: Math.round(rounds / ((performance.now() - started) / 1000)), at: new Date().toISOString() }
}
