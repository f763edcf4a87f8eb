import './polyfills.ts'
import { mkdirSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { parseArgs } from 'node:util'
import { P2pNode } from './p2p-node.ts'
import { ReferenceNode } from './reference-node.ts'
import { startApi } from './api-server.ts'

// The reference node: a small stand-in for a DMS node that the cluster providers start.
const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'api-port': { type: 'string', default: '9999' },
    'p2p-port': { type: 'string', default: '0' },
    'p2p-host': { type: 'string' },
    'data-dir': { type: 'string' },
    'allow-from': { type: 'string', default: '' },
    'heartbeat-ms': { type: 'string', default: '500' },
    'parent-pid': { type: 'string' },
    'exit-on-stdin-close': { type: 'boolean', default: false },
  },
})
if (!values.name || !values['data-dir']) {
  process.stderr.write('usage: reference-node --name NAME --data-dir DIR [--host IP] [--api-port N] [--p2p-port N] [--allow-from IP,...] [--parent-pid PID]\n')
  process.exit(2)
}
const name = values.name
const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} [${name}] ${line}\n`)
mkdirSync(values['data-dir'], { recursive: true })

const p2p = new P2pNode({ name, listenHost: values['p2p-host'] ?? values.host, port: Number(values['p2p-port']), dataDir: values['data-dir'], heartbeatMs: Number(values['heartbeat-ms']), log })
await p2p.start()
const node = new ReferenceNode(name, p2p, values['data-dir'], log)
// Bound to every interface (in a container), "local" means any address of this machine.
const ownAddresses = values.host === '0.0.0.0' ? Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)) : [values.host]
const allowFrom = [...ownAddresses, ...values['allow-from'].split(',').filter(Boolean)]
const api = await startApi(node, { host: values.host, port: Number(values['api-port']), allowFrom })
const apiPort = (api.address() as { port: number }).port
log(`ready: pid ${process.pid} api http://${values.host}:${apiPort} peer ${p2p.peerId} ${p2p.addrs.join(' ')}`)

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
if (values['exit-on-stdin-close']) {
  process.stdin.on('end', () => void shutdown('session closed'))
  process.stdin.on('close', () => void shutdown('session closed'))
  process.stdin.resume()
}
// Never outlive the harness that started us, even if it was killed without cleaning up.
const parent = values['parent-pid'] ? Number(values['parent-pid']) : undefined
if (parent) {
  setInterval(() => {
    try {
      process.kill(parent, 0)
    } catch {
      void shutdown(`parent ${parent} is gone`)
    }
  }, 1000).unref()
}
