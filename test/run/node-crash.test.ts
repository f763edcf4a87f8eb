import { describe, expect, it } from 'vitest'
import { spawn, execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { BIN, PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { eventually } from '../helpers/eventually.ts'

const FEATURE = `@feature:supervision-model
Feature: A node crashes during a scenario

  Background:
    Given the following nodes
      | nodes | role | onboarded | org   |
      | Alice | SP   | false     | nunet |
      | Bob   | CP   | true      | nunet |

  Scenario: Bob crashes while running a job
    Given "Alice" has deployed "sleep.yaml" on "Bob"
    Then "Alice" should mark "Bob" unreachable within 10 seconds
    When "Alice" cancels the deployment

  Scenario: the next scenario gets a healthy cluster
    Then "Alice" should see "Bob" as a peer within 5 seconds
`

describe('a node crashing mid-scenario', () => {
  it('fails that scenario with the nodes\' logs attached; the next one runs on a fresh cluster', async () => {
    const dir = tempTree({ 'crash.feature': FEATURE })
    const out = tempTree()
    const child = spawn(process.execPath, [BIN, 'run', '--out', out, '--run-id', 'c', path.join(dir, 'crash.feature')], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    const bobLog = path.join(out, 'c', 'logs', 'cluster-0-1', 'Bob.log')
    await eventually('the job to start on Bob', () => existsSync(bobLog) && readFileSync(bobLog, 'utf8').includes('deployment'), { intervalMs: 50, seen: () => stdout })
    // Crash Bob behind the harness's back.
    const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    const bob = ps.split('\n').find((l) => l.includes('--name Bob') && l.includes(`--parent-pid ${child.pid}`))!
    process.kill(Number(bob.trim().split(/\s+/)[0]), 'SIGKILL')

    expect(await exited).toBe(1)
    expect(stdout, stdout).toContain('2 scenarios: 1 passed, 1 failed')
    expect(readdirSync(path.join(out, 'c', 'logs')).sort()).toEqual(['cluster-0-1', 'cluster-0-2'])
    const envelopes = readFileSync(path.join(out, 'c', 'messages.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    const attachments = envelopes.filter((e) => e.attachment && e.attachment.mediaType === 'text/plain').map((e) => e.attachment)
    expect(attachments.map((a) => a.fileName).sort()).toEqual(['Alice.log', 'Bob.log'])
    const bobAttachment = attachments.find((a) => a.fileName === 'Bob.log')
    expect(bobAttachment.mediaType).toBe('text/plain')
    expect(bobAttachment.body).toContain('status unavailable')
    expect(bobAttachment.body).toMatch(/--- last log lines ---\n[\s\S]*\[Bob\] deployment .* started/)
    // Bob's job does not outlive Bob: its supervisor saw the node's pipe close and killed it.
    const jobs = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('setTimeout(() => {}, 600000)'))
    await eventually("Bob's job to be stopped after Bob was killed", () => jobs().length === 0, { seen: () => jobs().join('; ') })
  })
})
