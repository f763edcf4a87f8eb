import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { hostname } from 'node:os'
import { DockerClusterProvider, extraLabels, isLeftover, removeLeftovers } from '../../src/clusters/docker/docker-cluster-provider.ts'
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

const docker = dockerAvailable()

describe.skipIf(!docker)('docker provider', () => {
  // Only when the suite runs: a file whose every test is skipped runs no hooks, so a folder made
  // here for nothing would be left behind (and the suite fail) on a machine without Docker.
  const logs = docker ? tempTree() : ''
  providerContract('docker', {
    provider: () => new DockerClusterProvider(),
    env: () => loadEnvironment('docker', PROJECT_ROOT),
    logDir: path.join(logs, 'contract'),
    leftovers: ownContainers,
  })

  it('removes containers and networks left by a crashed earlier run of this machine, not those of another machine sharing the engine', async () => {
    const docker = await dockerode()
    const dead = { ...extraLabels(), 'bdd-matrix': 'node', 'bdd-matrix.owner-pid': '999999999', 'bdd-matrix.owner-host': hostname() }
    const network = await docker.createNetwork({ Name: `bdd-matrix-crashed-${process.pid}`, Labels: { ...dead, 'bdd-matrix': 'network' } })
    const images = await docker.listImages({ filters: { label: ['bdd-matrix=node-image'] } })
    const container = await docker.createContainer({ Image: images[0]!.RepoTags![0]!, Labels: dead, Cmd: ['/usr/local/bin/node', '-e', '0'] })
    // another machine's (a CI job's) run: its process id means nothing here
    const foreign = await docker.createContainer({ Image: images[0]!.RepoTags![0]!, Labels: { ...dead, 'bdd-matrix.owner-host': 'another-ci-job' }, Cmd: ['/usr/local/bin/node', '-e', '0'] })
    try {
      expect(await removeLeftovers(docker)).toBeGreaterThanOrEqual(1)
      await expect(container.inspect()).rejects.toThrow()
      await expect(network.inspect()).rejects.toThrow()
      await expect(foreign.inspect()).resolves.toMatchObject({ Config: { Labels: expect.objectContaining({ 'bdd-matrix.owner-host': 'another-ci-job' }) } })
    } finally {
      await foreign.remove({ force: true })
    }
  })

  it('takes another machine\'s objects for leftovers only after a day, and labels of one\'s own from BDD_MATRIX_DOCKER_LABELS', () => {
    const now = Date.parse('2026-12-05T12:00:00Z')
    const other = { 'bdd-matrix.owner-host': 'another-ci-job', 'bdd-matrix.owner-pid': '1' }
    expect(isLeftover(other, now - 23 * 3600_000, now)).toBe(false)
    expect(isLeftover(other, now - 25 * 3600_000, now)).toBe(true)
    // this machine's: by its process, whatever its age
    expect(isLeftover({ 'bdd-matrix.owner-host': hostname(), 'bdd-matrix.owner-pid': String(process.pid) }, now - 48 * 3600_000, now)).toBe(false)
    expect(isLeftover({ 'bdd-matrix.owner-host': hostname(), 'bdd-matrix.owner-pid': '999999999' }, now, now)).toBe(true)
    expect(extraLabels('ci-job=1234, team=dms')).toEqual({ 'ci-job': '1234', team: 'dms' })
    expect(() => extraLabels('ci-job')).toThrow(/BDD_MATRIX_DOCKER_LABELS "ci-job": "ci-job" is not key=value/)
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
