import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { DockerClusterProvider, removeLeftovers } from '../../src/clusters/docker/docker-cluster-provider.ts'
import { loadEnvironment } from '../../src/clusters/environment.ts'
import { PROJECT_ROOT, runBin } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { dockerAvailable } from '../helpers/docker-available.ts'
import { providerContract } from './provider-contract.ts'

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true'

async function dockerode() {
  const { getContainerRuntimeClient } = await import('testcontainers')
  return (await getContainerRuntimeClient()).container.dockerode
}

/** Containers this test process owns. */
async function ownContainers(): Promise<number> {
  const docker = await dockerode()
  return (await docker.listContainers({ all: true, filters: { label: [`bdd-matrix.owner-pid=${process.pid}`] } })).length
}

describe.skipIf(!dockerAvailable())('docker provider', () => {
  const logs = tempTree()
  providerContract('docker', {
    provider: () => new DockerClusterProvider(),
    env: () => loadEnvironment('docker', PROJECT_ROOT),
    logDir: path.join(logs, 'contract'),
    leftovers: ownContainers,
  })

  it('removes containers and networks left by a crashed earlier run', async () => {
    const docker = await dockerode()
    const dead = { 'bdd-matrix': 'node', 'bdd-matrix.owner-pid': '999999999' }
    const network = await docker.createNetwork({ Name: `bdd-matrix-crashed-${process.pid}`, Labels: { ...dead, 'bdd-matrix': 'network' } })
    const images = await docker.listImages({ filters: { label: ['bdd-matrix=node-image'] } })
    const container = await docker.createContainer({ Image: images[0]!.RepoTags![0]!, Labels: dead, Cmd: ['/usr/local/bin/node', '-e', '0'] })
    expect(await removeLeftovers(docker)).toBeGreaterThanOrEqual(1)
    await expect(container.inspect()).rejects.toThrow()
    await expect(network.inspect()).rejects.toThrow()
  })

  it('says how to start Docker when the daemon cannot be reached, before any scenario runs', () => {
    const result = runBin(['run', '--env', 'docker', '--out', tempTree()], { cwd: PROJECT_ROOT, env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } })
    expect(result.stderr).toMatch(/^bdd-matrix: Docker is not reachable \(.*\); install it \(apt-get install docker\.io\) and start the daemon/)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.code).toBe(2)
  })

  it('runs the p2p feature on docker: peers, direct messages and gossip over a real bridge network', () => {
    const out = tempTree()
    const result = runBin(['run', '--env', 'docker', '--out', out, 'features/p2p-network'], { cwd: PROJECT_ROOT })
    expect(result.stdout).toContain('5 scenarios: 5 passed, 0 failed')
    expect(result.code).toBe(0)
  })
})
