import path from 'node:path'
import { After, AfterAll, BeforeAll, Before, Status, setDefaultTimeout } from '@cucumber/cucumber'
import { readFileSync } from 'node:fs'
import { ClusterPool } from '../../src/clusters/cluster-pool.ts'
import { AttachedClusterPool, type ClusterSource } from '../../src/clusters/attached-cluster.ts'
import type { ClusterState } from '../../src/clusters/cluster-state.ts'
import { loadEnvironment, type Environment } from '../../src/clusters/environment.ts'
import { providerFor } from '../../src/clusters/providers.ts'
import { NODES_MEDIA_TYPE } from '../../src/results/ingest-cucumber-messages.ts'
import type { MatrixWorld, MatrixWorldParameters } from './world.ts'

setDefaultTimeout(60_000)

// One pool per cucumber process (each --parallel worker is a process with its own cluster).
let pool: ClusterSource | undefined
let env: Environment | undefined
let tearingDown: Promise<void> | undefined

function teardown(): Promise<void> {
  tearingDown ??= pool?.close() ?? Promise.resolve()
  return tearingDown
}

// Ctrl-C, SIGTERM and a vanished coordinator must not leave nodes behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void teardown().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  })
}
process.once('disconnect', () => void teardown().finally(() => process.exit(1)))

BeforeAll(async function () {
  const parameters = this.parameters as Partial<MatrixWorldParameters>
  const root = process.cwd()
  env = loadEnvironment(parameters.environment ?? 'local', root)
  const runDir = parameters.runDir ?? path.join(root, 'reports', 'adhoc')
  const slot = Number(process.env.CUCUMBER_WORKER_ID ?? 0)
  if (parameters.cluster) {
    const state = JSON.parse(readFileSync(parameters.cluster, 'utf8')) as ClusterState
    pool = new AttachedClusterPool(state, env.timeouts.stepMs)
  } else pool = new ClusterPool(await providerFor(env), env, path.join(runDir, 'logs'), slot)
})

Before(function (this: MatrixWorld) {
  this.pool = pool!
  this.env = env!
})

After(async function (this: MatrixWorld, { result }) {
  if (!this.cluster) return
  // Which nodes the scenario ran on: the results model keeps it per case.
  this.attach(JSON.stringify({ nodes: this.cluster.nodes.map((n) => n.name) }), { mediaType: NODES_MEDIA_TYPE })
  if (result?.status === Status.PASSED) return
  // Hand the reader what the nodes were doing when the scenario failed.
  for (const node of this.cluster.nodes) {
    let status: string
    try {
      status = JSON.stringify(await node.client.status(), null, 2)
    } catch (error) {
      status = `status unavailable: ${(error as Error).message}`
    }
    const logs = await this.cluster.logs(node.name, 40).catch((error: Error) => `logs unavailable: ${error.message}`)
    this.attach(`${node.name} (${node.host})\n\n${status}\n\n--- last log lines ---\n${logs}`, { mediaType: 'text/plain', fileName: `${node.name}.log` })
  }
  this.pool.markDirty()
})

AfterAll(async function () {
  await teardown()
})
