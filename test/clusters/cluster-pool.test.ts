import { describe, expect, it } from 'vitest'
import { ClusterPool } from '../../src/clusters/cluster-pool.ts'
import type { ClusterProvider, ClusterRequest, StartedCluster } from '../../src/clusters/cluster-provider.ts'
import { loadEnvironment, defaultNodes } from '../../src/clusters/environment.ts'
import type { NodeSpec } from '../../src/clusters/node-spec.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'

/** Records what the pool asks of its provider; nodes accept resets. */
class RecordingProvider implements ClusterProvider {
  readonly name = 'recording'
  async preflight(): Promise<void> {}
  readonly started: { request: ClusterRequest; down: boolean; alive: boolean; resets: number }[] = []

  async up(request: ClusterRequest): Promise<StartedCluster> {
    const record = { request, down: false, alive: true, resets: 0 }
    this.started.push(record)
    const nodes = request.nodes.map((spec) => ({ name: spec.name, spec, peerId: spec.name, addrs: [], host: '127.0.0.1', client: { reset: async () => (record.resets++, {}) } }))
    return {
      provider: 'recording',
      nodes,
      node: (name: string) => nodes.find((n) => n.name === name)!,
      fault: async () => {},
      logs: async () => '',
      probeApi: async () => 200,
      healthy: async () => record.alive,
      down: async () => void (record.down = true),
    } as unknown as StartedCluster
  }
}

describe('ClusterPool', () => {
  const env = loadEnvironment('local', PROJECT_ROOT)
  const three = defaultNodes(env)
  const two: NodeSpec[] = three.slice(0, 2)

  it('reuses a healthy cluster of the same topology, resetting its nodes', async () => {
    const provider = new RecordingProvider()
    const pool = new ClusterPool(provider, env, '/tmp/logs', 0)
    const first = await pool.acquire(three)
    const second = await pool.acquire(structuredClone(three))
    expect(second).toBe(first)
    expect(provider.started).toHaveLength(1)
    expect(provider.started[0]!.resets).toBe(3)
  })

  it('replaces the cluster when the topology changes, after a fault or failure, or when a node died', async () => {
    const provider = new RecordingProvider()
    const pool = new ClusterPool(provider, env, '/tmp/logs', 0)
    await pool.acquire(three)
    await pool.acquire(two)
    expect(provider.started.map((s) => s.down)).toEqual([true, false])
    pool.markDirty()
    await pool.acquire(two)
    expect(provider.started).toHaveLength(3)
    provider.started[2]!.alive = false
    await pool.acquire(two)
    expect(provider.started).toHaveLength(4)
    expect(provider.started[3]!.request.logDir).toBe('/tmp/logs/cluster-0-4')
    await pool.release()
    expect(provider.started.every((s) => s.down)).toBe(true)
  })
})
