import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import path from 'node:path'
import type { StartedCluster } from './cluster-provider.ts'
import { controlApi } from './control-api.ts'
import { writeState, removeState, type ClusterState } from './cluster-state.ts'
import type { Environment } from './environment.ts'
import type { NodeSpec } from './node-spec.ts'
import { providerFor } from './providers.ts'
import { ReferenceNodeClient } from './reference-node-client.ts'

/**
 * The process that owns a kept cluster (`cluster up`): it starts the cluster with the
 * environment's provider, so its nodes, containers and SSH sessions live as long as it does;
 * records the cluster in its state file; serves the cluster control API (src/clusters/control-api.ts)
 * on loopback, for `run --cluster` and for steps in any language; and on SIGTERM or SIGINT tears the cluster down and removes the state.
 * A signal during the start aborts it: what did start is torn down.
 */
export async function keepCluster(options: { root: string; name: string; env: Environment; nodes: NodeSpec[]; slot: number; log: (line: string) => void }): Promise<number> {
  const { root, name, env } = options
  const logDir = path.join(root, '.bdd-matrix', 'clusters', name)
  const state: ClusterState = { name, envFile: env.file, provider: env.provider, status: 'starting', keeperPid: process.pid, slot: options.slot, createdAt: new Date().toISOString(), logDir, nodes: [] }
  writeState(root, state)
  const controller = new AbortController()
  let stopping: (() => void) | undefined
  const stopped = new Promise<void>((resolve) => (stopping = resolve))
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
    process.on(signal, () => {
      options.log(`${signal}: stopping`)
      controller.abort()
      stopping!()
    })
  let cluster: StartedCluster
  try {
    const provider = await providerFor(env)
    await provider.preflight(env)
    cluster = await provider.up({ env, nodes: options.nodes, logDir, slot: options.slot, signal: controller.signal })
  } catch (error) {
    const message = controller.signal.aborted ? 'interrupted while starting; nothing was left running' : (error as Error).message
    options.log(`start failed: ${message}`)
    if (controller.signal.aborted) removeState(root, name)
    else writeState(root, { ...state, status: 'failed', error: message })
    return 1
  }
  const token = randomBytes(24).toString('base64url')
  // a custom client (node.client) is what run --cluster, ls and down reach the nodes with too
  const clientModule = env.node.client === 'reference' ? undefined : path.resolve(env.root, env.node.client)
  const nodes = cluster.nodes.map((n) => {
    // a custom client exposes its connection as the reference client does (options)
    const connection = (n.client as Partial<ReferenceNodeClient>).connection
    return { name: n.name, spec: n.spec, host: n.host, peerId: n.peerId, addrs: n.addrs, apiUrl: connection?.baseUrl ?? '', ...(connection?.localAddress ? { localAddress: connection.localAddress } : {}), logFile: path.join(logDir, `${n.name}.log`), ...(clientModule ? { clientModule } : {}) }
  })
  const server = createServer((req, res) => void controlApi(cluster, token, () => nodes)(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  writeState(root, { ...state, status: 'up', control: { url: `http://127.0.0.1:${port}`, token }, nodes })
  options.log(`up: ${cluster.nodes.map((n) => n.name).join(', ')}`)
  if (controller.signal.aborted) stopping!()
  await stopped
  server.close()
  await cluster.down()
  removeState(root, name)
  options.log('down')
  return 0
}
