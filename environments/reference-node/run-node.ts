import './polyfills.ts'
import { mkdirSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { P2pNode } from './p2p-node.ts'
import { ReferenceNode } from './reference-node.ts'
import { startApi } from './api-server.ts'

export interface RunNodeOptions {
  name: string
  host: string
  apiPort: number
  p2pPort: number
  p2pHost?: string
  dataDir: string
  allowFrom: string[]
  heartbeatMs: number
  liveness?: 'pairs' | 'relayed'
  parentPid?: number
  exitOnStdinClose?: boolean
  /** the API under a path prefix (another build's convention) */
  apiPrefix?: string
  /** the line that says the node is ready (providers wait for it) */
  readyLine?: (info: { pid: number; api: string; peerId: string; addrs: string[] }) => string
}

/** Starts a reference node and keeps it until a signal, its parent's end or its session's. */
export async function runNode(options: RunNodeOptions): Promise<void> {
  const { name } = options
  const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} [${name}] ${line}\n`)
  mkdirSync(options.dataDir, { recursive: true })
  const p2p = new P2pNode({ name, listenHost: options.p2pHost ?? options.host, port: options.p2pPort, dataDir: options.dataDir, heartbeatMs: options.heartbeatMs, ...(options.liveness ? { liveness: options.liveness } : {}), log })
  await p2p.start()
  const node = new ReferenceNode(name, p2p, options.dataDir, log)
  // Bound to every interface (in a container), "local" means any address of this machine.
  const ownAddresses = options.host === '0.0.0.0' ? Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)) : [options.host]
  const allowFrom = [...ownAddresses, ...options.allowFrom]
  const api = await startApi(node, { host: options.host, port: options.apiPort, allowFrom, ...(options.apiPrefix ? { prefix: options.apiPrefix } : {}) })
  const apiPort = (api.address() as { port: number }).port
  const info = { pid: process.pid, api: `http://${options.host}:${apiPort}${options.apiPrefix ?? ''}`, peerId: p2p.peerId, addrs: p2p.addrs }
  log(options.readyLine ? options.readyLine(info) : `ready: pid ${info.pid} api ${info.api} peer ${info.peerId} ${info.addrs.join(' ')}`)

  let stopping = false
  async function shutdown(reason: string): Promise<void> {
    if (stopping) return
    stopping = true
    log(`stopping (${reason})`)
    node.deployments.cancelAll()
    api.close()
    await Promise.race([p2p.stop(), new Promise((r) => setTimeout(r, 2000))])
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  // Over SSH the node lives in the session's channel: when it closes (the harness is gone or
  // dropped the connection), stdin ends and the node stops.
  if (options.exitOnStdinClose) {
    process.stdin.on('end', () => void shutdown('session closed'))
    process.stdin.on('close', () => void shutdown('session closed'))
    process.stdin.resume()
  }
  // Never outlive the harness that started us, even if it was killed without cleaning up.
  const parent = options.parentPid
  if (parent) {
    setInterval(() => {
      try {
        process.kill(parent, 0)
      } catch {
        void shutdown(`parent ${parent} is gone`)
      }
    }, 1000).unref()
  }
}
