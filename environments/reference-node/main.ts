import { parseArgs } from 'node:util'
import { runNode } from './run-node.ts'

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
    liveness: { type: 'string', default: 'pairs' },
    'parent-pid': { type: 'string' },
    'exit-on-stdin-close': { type: 'boolean', default: false },
  },
})
if (!values.name || !values['data-dir'] || !['pairs', 'relayed'].includes(values.liveness)) {
  process.stderr.write('usage: reference-node --name NAME --data-dir DIR [--host IP] [--api-port N] [--p2p-port N] [--allow-from IP,...] [--parent-pid PID] [--heartbeat-ms N] [--liveness pairs|relayed]\n')
  process.exit(2)
}
await runNode({
  name: values.name,
  host: values.host,
  apiPort: Number(values['api-port']),
  p2pPort: Number(values['p2p-port']),
  ...(values['p2p-host'] ? { p2pHost: values['p2p-host'] } : {}),
  dataDir: values['data-dir'],
  allowFrom: values['allow-from'].split(',').filter(Boolean),
  heartbeatMs: Number(values['heartbeat-ms']),
  liveness: values.liveness as 'pairs' | 'relayed',
  ...(values['parent-pid'] ? { parentPid: Number(values['parent-pid']) } : {}),
  exitOnStdinClose: values['exit-on-stdin-close'],
})
