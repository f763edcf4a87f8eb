import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LocalClusterProvider } from '../../src/clusters/local/local-cluster-provider.ts'
import { defaultNodes, loadEnvironment } from '../../src/clusters/environment.ts'
import { loadNodeProgram } from '../../src/clusters/node-program.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { dockerAvailable } from '../helpers/docker-available.ts'
import { providerContract } from './provider-contract.ts'

/** alt-node processes this test process started (they carry --watch <our pid>). */
function altLeftovers(): number {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('alt-node.mjs') && line.includes(`--watch ${process.pid}`)).length
}

const logs = tempTree()

// The node program is a plug-in: a custom build with its own flags, API prefix and client passes
// the same contract as the reference node.
providerContract('local, custom node program', {
  provider: () => new LocalClusterProvider(),
  env: () => loadEnvironment('test/fixtures/alt-node/local.yaml', PROJECT_ROOT),
  logDir: path.join(logs, 'alt-local'),
  leftovers: async () => altLeftovers(),
})

describe.skipIf(!dockerAvailable())('docker, custom node program', async () => {
  const { DockerClusterProvider } = await import('../../src/clusters/docker/docker-cluster-provider.ts')
  const { getContainerRuntimeClient } = await import('testcontainers')
  providerContract('docker, custom node program', {
    provider: () => new DockerClusterProvider(),
    env: () => loadEnvironment('test/fixtures/alt-node/docker.yaml', PROJECT_ROOT),
    logDir: path.join(logs, 'alt-docker'),
    leftovers: async () => (await (await getContainerRuntimeClient()).container.dockerode.listContainers({ all: true, filters: { label: [`bdd-matrix.owner-pid=${process.pid}`] } })).length,
  })
})

describe('the node program of an environment', () => {
  it('runs the custom build with its own command, reaches it through its own client and waits for its own readiness', async () => {
    const env = loadEnvironment('test/fixtures/alt-node/local.yaml', PROJECT_ROOT)
    const program = await loadNodeProgram(env)
    expect(program.kind).toBe('custom')
    expect(program.argv({ node: 'node', dir: '/srv', name: 'Bob', host: '127.0.0.9', apiPort: 8080, p2pPort: 8081, dataDir: '/d', heartbeatMs: 250, parentPid: 42, allowFrom: '10.0.0.1' })).toEqual(['node', '/srv/dist/alt-node.mjs', '--id', 'Bob', '--listen', '127.0.0.9:8080', '--swarm', '8081', '--state', '/d', '--pulse', '250', '--trust', '10.0.0.1', '--watch', '42'])
    const cluster = await new LocalClusterProvider().up({ env, nodes: defaultNodes(env).slice(0, 2), logDir: path.join(logs, 'alt-one'), slot: 12 })
    try {
      const bob = cluster.node('Bob')
      expect((bob.client as unknown as { connection: { baseUrl: string } }).connection.baseUrl).not.toMatch(/\/v2$/)
      expect((await bob.client.status()).name).toBe('Bob')
      expect(await cluster.logs('Bob', 5)).toMatch(/alt-node Bob listening on http:\/\/127\.[\d.]+:\d+\/v2/)
    } finally {
      await cluster.down()
    }
    expect(altLeftovers()).toBe(0)
  })

  it('refuses a missing upload, a missing client and a client without createNodeClient, naming the file', async () => {
    const env = loadEnvironment('test/fixtures/alt-node/local.yaml', PROJECT_ROOT)
    const program = env.node.program as { upload: string[] }
    await expect(loadNodeProgram({ ...env, node: { ...env.node, program: { ...program, upload: ['dist/nothing.mjs'] } as never } })).rejects.toThrow(/test\/fixtures\/alt-node\/local\.yaml: node\.program\.upload: dist\/nothing\.mjs not found; build it first/)
    await expect(loadNodeProgram({ ...env, node: { ...env.node, client: 'nowhere/client.ts' } })).rejects.toThrow(/node\.client nowhere\/client\.ts not found; give a module exporting createNodeClient, or reference/)
    const dir = tempTree({ 'client.mjs': 'export const nothing = 1\n' })
    await expect(loadNodeProgram({ ...env, node: { ...env.node, client: path.join(dir, 'client.mjs') } })).rejects.toThrow(/exports no createNodeClient\(options\) function/)
  })
})
