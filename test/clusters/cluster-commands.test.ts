import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ClusterState } from '../../src/clusters/cluster-state.ts'
import { BIN, PROJECT_ROOT, runBin } from '../helpers/run-bin.ts'
import { localLeftovers } from '../helpers/local-leftovers.ts'
import { dockerAvailable } from '../helpers/docker-available.ts'
import { eventually } from '../helpers/eventually.ts'
import { tempDir } from '../helpers/temp-tree.ts'

/** A project with the environments and the node bundle: what cluster up needs. */
function project(): string {
  const root = tempDir('clusters')
  cpSync(path.join(PROJECT_ROOT, 'environments'), path.join(root, 'environments'), { recursive: true })
  symlinkSync(path.join(PROJECT_ROOT, 'dist'), path.join(root, 'dist'))
  return root
}

const state = (root: string, name: string): ClusterState => JSON.parse(readFileSync(path.join(root, '.bdd-matrix/clusters', `${name}.json`), 'utf8'))
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const roots: string[] = []
afterAll(() => {
  // whatever a failed test left: its clusters go down
  for (const root of roots) runBin(['cluster', 'down', '--all'], { cwd: root })
})

describe('feature environments: bdd-matrix cluster up | ls | logs | down (local provider)', () => {
  it('keeps a cluster up after the command ends, lists it with health, shows logs, and takes exactly it down', () => {
    const root = project()
    roots.push(root)
    const up = runBin(['cluster', 'up', '--name', 'one', '--count', '2'], { cwd: root })
    expect(up.stderr).toBe('')
    expect(up.code).toBe(0)
    expect(up.stdout).toMatch(/cluster one is up \(2 nodes\):\n  node-1\s+CP  127\.\d+\.\d+\.1\s+http:\/\/127\.\d+\.\d+\.1:\d+\s+\.bdd-matrix\/clusters\/one\/node-1\.log/)
    const s = state(root, 'one')
    expect(alive(s.keeperPid)).toBe(true)
    expect(localLeftovers(s.keeperPid)).toBe(2)
    const ls = runBin(['cluster', 'ls'], { cwd: root })
    expect(ls.stdout).toMatch(/^one  local  up  keeper \d+/)
    expect(ls.stdout).toMatch(/node-2\s+CP .* up, onboarded/)
    expect(runBin(['cluster', 'logs', 'one', 'node-1'], { cwd: root }).stdout).toMatch(/\[node-1\] ready: pid \d+ api http:\/\/127\./)
    expect(runBin(['cluster', 'logs', 'one', 'nobody'], { cwd: root })).toMatchObject({ code: 2, stderr: 'bdd-matrix: cluster one has no node nobody; its nodes: node-1, node-2\n' })
    // named as `up` names it, too
    expect(runBin(['cluster', 'logs', '--name', 'one', 'node-1'], { cwd: root }).stdout).toMatch(/\[node-1\] ready: pid \d+ api http:\/\/127\./)
    expect(runBin(['cluster', 'down', 'one', '--name', 'two'], { cwd: root })).toMatchObject({ code: 2, stderr: 'bdd-matrix: two cluster names: one and --name two; give one\n' })
    const down = runBin(['cluster', 'down', '--name', 'one'], { cwd: root })
    expect(down.stdout).toBe('one: down (2 node(s))\n')
    expect(alive(s.keeperPid)).toBe(false)
    expect(localLeftovers(s.keeperPid)).toBe(0)
    expect(existsSync(path.join(root, '.bdd-matrix/clusters/one.json'))).toBe(false)
    expect(runBin(['cluster', 'down', 'one'], { cwd: root })).toMatchObject({ code: 2, stderr: expect.stringMatching(/no cluster one here/) })
  })

  it('runs two clusters at once that share no address, port or name', () => {
    const root = project()
    roots.push(root)
    expect(runBin(['cluster', 'up', '--name', 'a'], { cwd: root }).code).toBe(0)
    expect(runBin(['cluster', 'up', '--name', 'b'], { cwd: root }).code).toBe(0)
    expect(runBin(['cluster', 'up', '--name', 'a'], { cwd: root })).toMatchObject({ code: 2, stderr: expect.stringMatching(/cluster a is already up/) })
    const [a, b] = [state(root, 'a'), state(root, 'b')]
    const endpoints = (s: ClusterState) => s.nodes.flatMap((n) => [n.host, n.apiUrl, ...n.addrs.map((x) => x.replace(/\/p2p\/.*/, ''))])
    expect(endpoints(a).filter((e) => endpoints(b).includes(e))).toEqual([])
    expect(a.slot).not.toBe(b.slot)
    expect(a.logDir).not.toBe(b.logDir)
    const down = runBin(['cluster', 'down', '--all'], { cwd: root })
    expect(down.stdout).toBe('a: down (3 node(s))\nb: down (3 node(s))\n')
    expect(localLeftovers(a.keeperPid) + localLeftovers(b.keeperPid)).toBe(0)
  })

  it('says what it found when the nodes were killed by hand, and forgets a cluster whose keeper crashed', async () => {
    const root = project()
    roots.push(root)
    expect(runBin(['cluster', 'up', '--name', 'hurt', '--count', '2'], { cwd: root }).code).toBe(0)
    const hurt = state(root, 'hurt')
    // kill the nodes by hand
    for (const pid of execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`--parent-pid ${hurt.keeperPid}`)).map((l) => Number(l.trim().split(' ')[0]))) process.kill(pid, 'SIGKILL')
    await eventually('the nodes killed by hand to exit', () => localLeftovers(hurt.keeperPid) === 0, { seen: () => `${localLeftovers(hurt.keeperPid)} node(s) running` })
    const down = runBin(['cluster', 'down', 'hurt'], { cwd: root })
    expect(down).toMatchObject({ code: 0, stdout: 'hurt: down (2 node(s); node-1, node-2 had already stopped)\n' })

    expect(runBin(['cluster', 'up', '--name', 'orphan', '--count', '1'], { cwd: root }).code).toBe(0)
    const orphan = state(root, 'orphan')
    // the keeper crashes (as a shell killed with it would not: the keeper runs in its own session)
    process.kill(orphan.keeperPid, 'SIGKILL')
    await eventually('the killed keeper to exit', () => !alive(orphan.keeperPid))
    // its node notices its parent is gone and stops by itself
    await eventually('the orphaned node to stop by itself', () => localLeftovers(orphan.keeperPid) === 0, { seen: () => `${localLeftovers(orphan.keeperPid)} node(s) running` })
    const ls = runBin(['cluster', 'ls'], { cwd: root })
    expect(ls.stdout).toBe(`orphan: gone (its keeper process ${orphan.keeperPid} is not running); forgotten\nno clusters up\n`)
    expect(existsSync(path.join(root, '.bdd-matrix/clusters/orphan.json'))).toBe(false)
  })

  it('leaves nothing when up is interrupted half-way (SIGINT while the nodes start)', async () => {
    const root = project()
    roots.push(root)
    // slow starts: ten nodes
    const child = spawn(process.execPath, [BIN, 'cluster', 'up', '--name', 'cut', '--count', '10'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    await eventually('the keeper to start the third node', () => /keeper process (\d+)/.test(out) && existsSync(path.join(root, '.bdd-matrix/clusters/cut/node-3.log')), { seen: () => out })
    const keeper = Number(/keeper process (\d+)/.exec(out)![1])
    child.kill('SIGINT')
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    expect(out).toMatch(/interrupted: cluster cut was not started and nothing is left running\n$/)
    expect(code).toBe(130)
    expect(alive(keeper)).toBe(false)
    expect(localLeftovers(keeper)).toBe(0)
    expect(existsSync(path.join(root, '.bdd-matrix/clusters/cut.json'))).toBe(false)
  })

  it('refuses bad input in one line: a nodes file with an error, a bad count, a bad name', () => {
    const root = project()
    writeFileSync(path.join(root, 'nodes.yaml'), 'nodes:\n  - { name: A, role: XX }\n')
    expect(runBin(['cluster', 'up', '--nodes', 'nodes.yaml'], { cwd: root })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^bdd-matrix: nodes\.yaml:2:\d+: nodes\[0\]\.role: /) })
    expect(runBin(['cluster', 'up', '--count', 'many'], { cwd: root })).toMatchObject({ code: 2, stderr: 'bdd-matrix: --count "many": give a number of nodes from 1 to 50\n' })
    expect(runBin(['cluster', 'up', '--name', 'Bad Name'], { cwd: root }).stderr).toMatch(/--name "Bad Name": a cluster name is lower-case letters/)
  })
})

describe('bdd-matrix run --cluster', () => {
  it('runs scenarios on a kept cluster, leaves it up, and refuses a scenario after a fault instead of reusing a damaged cluster', () => {
    const name = `run-${process.pid}`
    const up = runBin(['cluster', 'up', '--name', name], { cwd: PROJECT_ROOT })
    expect(up.code, up.stderr).toBe(0)
    const keeper = state(PROJECT_ROOT, name).keeperPid
    try {
      const out = tempDir('run-cluster')
      // the first scenario kills a node; the second would need a fresh cluster, which a kept one is not
      const run = runBin(['run', '--cluster', name, '--out', out, 'features/supervision-model'], { cwd: PROJECT_ROOT })
      expect(run.stdout).toMatch(/\[1\/2\] PASSED\s+features\/supervision-model\/heartbeat\.feature:12 A killed node is noticed/)
      expect(run.stdout).toMatch(/2 scenarios: 1 passed, 1 failed/)
      const messages = readFileSync(path.join(out, readdirSync(out)[0]!, 'messages.ndjson'), 'utf8')
      expect(messages).toContain(`cluster ${name} may be damaged by an earlier scenario (a fault was injected or a scenario failed) and this scenario needs a fresh one; bring it down and up again`)
      // the run did not take it down
      expect(alive(keeper)).toBe(true)
      expect(runBin(['run', '--cluster', 'nothing-here', '--out', out], { cwd: PROJECT_ROOT })).toMatchObject({ code: 2, stderr: expect.stringMatching(/no cluster nothing-here is up here/) })
      // another environment asked for beside it: its results would have counted as local's, silently
      expect(runBin(['run', '--env', 'docker', '--cluster', name, '--out', out], { cwd: PROJECT_ROOT })).toMatchObject({ code: 2, stderr: `bdd-matrix: --env docker, but cluster ${name} was brought up from local: its results count as local's; drop --env (the cluster's is used), or bring a cluster of docker up (bdd-matrix cluster up --env docker)\n` })
      expect(runBin(['run', '--env', 'local', '--cluster', name, '--out', out, '--pass-with-no-scenarios', '--tags', '@nothing'], { cwd: PROJECT_ROOT }).code).toBe(0)
    } finally {
      expect(runBin(['cluster', 'down', name], { cwd: PROJECT_ROOT }).code).toBe(0)
      // the logs `down` keeps for a user to read are this test's: not left in the working copy
      for (const kept of [name, `${name}.keeper.log`]) rmSync(path.join(PROJECT_ROOT, '.bdd-matrix/clusters', kept), { recursive: true, force: true })
    }
    expect(localLeftovers(keeper)).toBe(0)
  })
})

describe.skipIf(!dockerAvailable())('bdd-matrix cluster up | down on the docker provider', () => {
  it('keeps containers and their network up until down, which removes exactly them', async () => {
    const root = project()
    roots.push(root)
    const up = runBin(['cluster', 'up', '--env', 'docker', '--name', 'boxes', '--count', '2'], { cwd: root })
    expect(up.code, up.stderr).toBe(0)
    const keeper = state(root, 'boxes').keeperPid
    const containers = () => execFileSync('docker', ['ps', '-aq', '--filter', `label=bdd-matrix.owner-pid=${keeper}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length
    const networks = () => execFileSync('docker', ['network', 'ls', '-q', '--filter', `label=bdd-matrix.owner-pid=${keeper}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length
    expect(containers()).toBe(2)
    expect(networks()).toBe(1)
    expect(runBin(['cluster', 'ls'], { cwd: root }).stdout).toMatch(/node-1\s+CP .* up, onboarded/)
    expect(runBin(['cluster', 'down', 'boxes'], { cwd: root }).stdout).toBe('boxes: down (2 node(s))\n')
    expect(containers()).toBe(0)
    expect(networks()).toBe(0)
  })
})

describe('the remote feature environment example', () => {
  it('places each node in its host\'s region unless the node names one', async () => {
    const { defaultNodes, loadEnvironment } = await import('../../src/clusters/environment.ts')
    const nodes = defaultNodes(loadEnvironment('feature', PROJECT_ROOT))
    expect(nodes.map((n) => [n.name, n.region])).toEqual([['Alice', 'eu-west'], ['Bob', 'us-east'], ['Charlie', 'ap-southeast']])
  })
})
