import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { BIN, PROJECT_ROOT, runBin } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { localLeftovers } from '../helpers/local-leftovers.ts'
import { eventually } from '../helpers/eventually.ts'

describe('a run leaves nothing running', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('when it receives %s mid-run', async (signal) => {
    const out = tempTree()
    const child = spawn(process.execPath, [BIN, 'run', '--out', out, 'features/supervision-model'], { cwd: PROJECT_ROOT, stdio: 'ignore' })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    // Wait until the run's cluster is up, then interrupt it.
    await eventually('the run to start its cluster of 3 nodes', () => localLeftovers(child.pid) >= 3, { seen: () => `${localLeftovers(child.pid)} node(s)` })
    child.kill(signal)
    const code = await exited
    expect(code).not.toBe(0)
    expect(localLeftovers(child.pid)).toBe(0)
  })

  it('runs --parallel workers, each with its own cluster, and stops them all', () => {
    const out = tempTree()
    const result = runBin(['run', '--out', out, '--run-id', 'p', '--parallel', '2', 'features/local-db'], { cwd: PROJECT_ROOT })
    expect(result.stdout).toContain('2 scenarios: 2 passed, 0 failed')
    expect(result.code).toBe(0)
    // One cluster for each worker that ran a scenario: which workers did is cucumber's choice (a
    // worker slow to start on a busy machine may get none), read from the run's messages.
    const workers = new Set(
      readFileSync(path.join(out, 'p', 'messages.ndjson'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { testCaseStarted?: { workerId?: string } }).testCaseStarted?.workerId)
        .filter((id) => id !== undefined),
    )
    expect(workers.size).toBeGreaterThan(0)
    const clusters = readdirSync(path.join(out, 'p', 'logs'))
    expect(clusters.sort()).toEqual([...workers].map((id) => `cluster-${id}-1`).sort())
    // Every node of this run, found by the address it logged, must be gone; no two clusters share one.
    const hosts = clusters.flatMap((c) => readdirSync(path.join(out, 'p', 'logs', c)).map((f) => /ready: pid \d+ api http:\/\/([\d.]+):/.exec(readFileSync(path.join(out, 'p', 'logs', c, f), 'utf8'))![1]!))
    expect(hosts).toHaveLength(clusters.length)
    expect(new Set(hosts).size).toBe(hosts.length)
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout
    expect(hosts.filter((h) => ps.includes(`--host ${h} `))).toEqual([])
  })
})
