import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, MANUAL_FEATURE, startHub, type TestHub } from '../helpers/hub.ts'
import fc from 'fast-check'
import { BOUNDARIES, CrashProxy, everyCrashPoint, killedAt, killSequences, killedInTurn, runGroup } from '../helpers/crash-points.ts'
import { crashResults as results, ENVIRONMENTS } from '../helpers/crash-results.ts'
import { tempDir } from '../helpers/temp-tree.ts'

/** the hub's pushes and pulls: what is proved is the resumption, which a few hundred cases show as well */
const HUB_CASES = 300
/** a push's requests: three a run */
const PUSH_REQUESTS = 3 * ENVIRONMENTS.length

describe('push and pull to the results hub are exactly once, whatever instant they are killed at', () => {
  let hub: TestHub
  let proxy: CrashProxy
  beforeAll(async () => {
    hub = await startHub()
    proxy = await new CrashProxy(hub.url).start()
  })
  afterAll(async () => {
    await proxy.stop()
    await hub.close()
  })
  const folders = new Map<string, string>()
  const folderOf = (round: string, prefix: string): string => {
    if (!folders.has(`${prefix}:${round}`)) folders.set(`${prefix}:${round}`, results(`${prefix}-${round}`, 'v0.5.0-rc1', HUB_CASES))
    return folders.get(`${prefix}:${round}`)!
  }

  const pushCommand = (round: string) => ({ args: ['push', '--results', folderOf(round, 'push')], cwd: folderOf(round, 'push'), env: { BDD_MATRIX_SERVER: proxy.url, BDD_MATRIX_TOKEN: hub.tokens.ci } })
  /** Each of the round's runs in the hub, complete, every case once. */
  const pushedOnce = async (round: string): Promise<void> => {
    for (const environment of ENVIRONMENTS) {
      const id = `push-${round}-${environment}`
      expect(await hub.service.store.runRecord(id), round).toMatchObject({ complete: true, received: HUB_CASES })
      const seqs: number[] = []
      await hub.service.store.caseLines(id, (_, n) => seqs.push(n))
      expect(seqs, round).toHaveLength(HUB_CASES)
    }
  }

  it('push: every run once, every case once, each run complete', async () => {
    const { rounds, requests } = await everyCrashPoint({ proxy, command: pushCommand, check: pushedOnce })
    expect(requests).toBe(PUSH_REQUESTS)
    expect(rounds).toBe(BOUNDARIES.length * requests)
  })

  it('push killed again and again, each time at another instant, then run to its end: every run and case once (property-based)', async () => {
    let sequence = 0
    await fc.assert(
      fc.asyncProperty(killSequences(PUSH_REQUESTS), async (points) => {
        const round = `sequence-${++sequence}`
        const { killed } = await killedInTurn(proxy, pushCommand(round), points)
        expect(killed[0]!.signal, round).toBe('SIGKILL')
        await pushedOnce(round)
      }),
      { numRuns: 6, seed: Number(process.env.CRASH_SEED ?? 20261207) },
    )
  })

  it('pull: never a half-written file, and the same folder once run again', async () => {
    // what the hub holds: one build's two runs
    const source = results('pull-source', 'v0.6.0-rc1', HUB_CASES)
    const pushed = await runGroup(['push', '--results', source], { cwd: source, env: { BDD_MATRIX_SERVER: hub.url, BDD_MATRIX_TOKEN: hub.tokens.ci } })
    expect(pushed.code, pushed.stderr).toBe(0)
    const complete = (folder: string) => {
      for (const file of existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.ndjson')) : []) {
        const lines = readFileSync(path.join(folder, file), 'utf8').trim().split('\n')
        expect(JSON.parse(lines[0]!).kind, file).toBe('run')
        for (const line of lines) JSON.parse(line)
      }
    }
    const out = (round: string) => path.join(tempDir('pulled'), round)
    const outs = new Map<string, string>()
    const { rounds } = await everyCrashPoint({
      proxy,
      // (a pull into a folder that holds the build asks less than the first: a late point may not be reached)
      everyPointReached: false,
      prepare: (round) => {
        outs.set(round, out(round))
        // a folder that already holds a good pull: a killed pull must not spoil it
        if (round !== 'count') cpSync(outs.get('count')!, outs.get(round)!, { recursive: true })
      },
      command: (round) => ({ args: ['pull', '--build', 'v0.6.0-rc1', '--out', outs.get(round)!], cwd: source, env: { BDD_MATRIX_SERVER: proxy.url, BDD_MATRIX_TOKEN: hub.tokens.qa } }),
      check: (round) => {
        complete(outs.get(round)!)
        const names = readdirSync(outs.get(round)!).filter((f) => f.endsWith('.ndjson')).sort()
        expect(names, round).toEqual(['pull-source-docker.ndjson', 'pull-source-local.ndjson'])
        const parsed = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown)
        for (const name of names) expect(parsed(path.join(outs.get(round)!, name)), `${round} ${name}`).toEqual(parsed(path.join(source, name)))
      },
    })
    expect(rounds).toBeGreaterThan(0)
  })
})

describe('manual submit stores a tester\'s outcome once, whatever instant it is killed at', () => {
  let hub: TestHub
  let proxy: CrashProxy
  let scenario: string
  let folder: string
  beforeAll(async () => {
    hub = await startHub()
    proxy = await new CrashProxy(hub.url).start()
    scenario = ((await api(hub, 'GET', '/scenarios?manual=true', hub.tokens.qa)).body as { id: string }[])[0]!.id
    folder = tempDir('tester')
    writeFileSync(path.join(folder, 'node.log'), 'peers: 2 of 3\n')
  })
  afterAll(async () => {
    await proxy.stop()
    await hub.close()
  })
  /** a build of its own for each round, open for manual testing: its cell holds only the round's versions */
  const open = async (build: string) => expect((await api(hub, 'POST', '/builds', hub.tokens.qa, { name: build })).status).toBe(201)
  const submit = (build: string, journal = path.join(folder, 'journal')) => ({
    args: ['manual', 'submit', '--build', build, '--scenario', scenario, '--status', 'failed', '--step', '3=failed', '--comment', 'counted 2', '--evidence', 'node.log', '--journal', journal],
    cwd: folder,
    env: { BDD_MATRIX_SERVER: proxy.url, BDD_MATRIX_TOKEN: hub.tokens.alice },
  })
  const versions = async (build: string) => ((await api(hub, 'GET', `/outcomes?build=${build}`, hub.tokens.qa)).body as { version: number; status: string; evidence: { name: string }[] }[]).map((o) => ({ version: o.version, status: o.status, evidence: o.evidence.map((e) => e.name) }))
  const pendingIn = (journal: string) => (existsSync(journal) ? readdirSync(journal) : [])

  it('killed at every request (the evidence, the outcome) at every boundary, then run again: one version, and nothing left pending', async () => {
    const { rounds, requests } = await everyCrashPoint({
      proxy,
      prepare: (round) => open(`v0.5.0-${round}`),
      command: (round) => submit(`v0.5.0-${round}`),
      check: async (round, { rerun }) => {
        expect(await versions(`v0.5.0-${round}`), round).toEqual([{ version: 1, status: 'failed', evidence: ['node.log'] }])
        expect(rerun.stdout, round).toMatch(/^outcome \d+ submitted \(version 1\)/)
        expect(pendingIn(path.join(folder, 'journal')), round).toEqual([])
      },
    })
    expect(requests).toBe(2)
    expect(rounds).toBe(BOUNDARIES.length * 2)
  })

  it('killed again and again, each time at another instant, then run to its end: one version (property-based)', async () => {
    let sequence = 0
    await fc.assert(
      fc.asyncProperty(killSequences(2), async (points) => {
        const build = `v0.5.0-sequence-${++sequence}`
        await open(build)
        const { killed } = await killedInTurn(proxy, submit(build), points)
        expect(killed[0]!.signal, build).toBe('SIGKILL')
        expect(await versions(build), build).toEqual([{ version: 1, status: 'failed', evidence: ['node.log'] }])
      }),
      { numRuns: 6, seed: Number(process.env.CRASH_SEED ?? 20261207) },
    )
  })

  it('says when the outcome was stored by the run whose answer was lost; the same outcome submitted again later is a new version, as QA may ask', async () => {
    await open('v0.5.0-lost')
    const command = submit('v0.5.0-lost')
    const killed = await killedAt(proxy, command, { index: 2, boundary: 'applied' })
    expect(killed.signal).toBe('SIGKILL')
    expect(pendingIn(path.join(folder, 'journal'))).toHaveLength(1)
    // the tester's list says what waits, and what to do; another tester's does not list it
    const list = ['manual', 'list', '--build', 'v0.5.0-lost', '--journal', path.join(folder, 'journal')]
    const listed = await runGroup(list, command)
    expect(listed.stdout).toContain('\n1 submission(s) whose answer was lost — run the same bdd-matrix manual submit again, and the hub stores each once:\n')
    expect(listed.stdout).toMatch(new RegExp(`\\n  ${scenario}  failed on v0\\.5\\.0-lost, sent \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\n$`))
    expect((await runGroup(list, { ...command, env: { ...command.env, BDD_MATRIX_TOKEN: hub.tokens.bob } })).stdout).not.toContain('answer was lost')
    const rerun = await runGroup(command.args, command)
    expect(rerun.stdout).toMatch(/^outcome \d+ submitted \(version 1\) by an earlier run of this command, whose answer was lost; QA reviews it before it counts\n$/)
    expect((await runGroup(list, command)).stdout).not.toContain('answer was lost')
    const again = await runGroup(command.args, command)
    expect(again.stdout).toMatch(/^outcome \d+ submitted \(version 2\); QA reviews/)
    expect((await versions('v0.5.0-lost')).map((v) => v.version).sort()).toEqual([1, 2])
  })

  it('a refusal leaves nothing pending; another tester\'s same command is theirs', async () => {
    const journal = path.join(folder, 'refused')
    const refused = await runGroup(submit('v9.9.9', journal).args, submit('v9.9.9', journal))
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringMatching(/^bdd-matrix: the results hub refused submitting the outcome of \w+ \(HTTP 4\d\d\): /) })
    expect(pendingIn(journal)).toEqual([])
    // nor does a command that cannot be sent at all (without evidence, the submission is its first request)
    const command = submit('v9.9.9', journal)
    const args = command.args.filter((a, i, all) => a !== '--evidence' && all[i - 1] !== '--evidence')
    expect(await runGroup(args, { ...command, env: { BDD_MATRIX_SERVER: proxy.url } })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^bdd-matrix: no hub token/) })
    expect(pendingIn(journal)).toEqual([])
    // alice's submission left pending: bob's same command is his own, and stored as his
    await open('v0.5.0-two-testers')
    const alice = submit('v0.5.0-two-testers', journal)
    expect((await killedAt(proxy, alice, { index: 2, boundary: 'applied' })).signal).toBe('SIGKILL')
    const bob = await runGroup(alice.args, { ...alice, env: { ...alice.env, BDD_MATRIX_TOKEN: hub.tokens.bob } })
    expect(bob.stdout).toMatch(/^outcome \d+ submitted \(version 1\); QA/)
    expect(pendingIn(journal)).toHaveLength(1)
    expect((await runGroup(alice.args, alice)).stdout).toMatch(/version 1\) by an earlier run/)
    expect(pendingIn(journal)).toEqual([])
  })

  it('an answer lost, then the scenario edited before the rerun: the rerun is stored as an outcome of the new text', async () => {
    await open('v0.5.0-edited')
    const command = submit('v0.5.0-edited')
    expect((await killedAt(proxy, command, { index: 2, boundary: 'applied' })).signal).toBe('SIGKILL')
    const [first] = (await api(hub, 'GET', '/outcomes?build=v0.5.0-edited', hub.tokens.qa)).body as { contentHash: string }[]
    writeFileSync(path.join(hub.root, 'features/letters.feature'), MANUAL_FEATURE.replace('Then there are 3', 'Then there are 3 letters'))
    const rerun = await runGroup(command.args, command)
    expect(rerun.stdout, rerun.stderr).toMatch(/^outcome \d+ submitted \(version 2\); QA/)
    const stored = (await api(hub, 'GET', '/outcomes?build=v0.5.0-edited', hub.tokens.qa)).body as { version: number; contentHash: string }[]
    expect(stored.find((o) => o.version === 2)!.contentHash).not.toBe(first!.contentHash)
    expect(pendingIn(path.join(folder, 'journal'))).toEqual([])
  })

  it('a journal file that is not one is refused by name', async () => {
    await open('v0.5.0-spoilt')
    const journal = path.join(folder, 'spoilt')
    const command = submit('v0.5.0-spoilt', journal)
    expect((await killedAt(proxy, command, { index: 2, boundary: 'before' })).signal).toBe('SIGKILL')
    const [name] = pendingIn(journal)
    writeFileSync(path.join(journal, name!), 'not a key\n')
    const rerun = await runGroup(command.args, command)
    // named as the tester, standing in the folder above it, finds it
    expect(rerun).toMatchObject({ code: 2, stderr: `bdd-matrix: ${path.relative(command.cwd, path.join(journal, name!))} holds no submission key (a UUID): it is not bdd-matrix's; remove it, or pass --journal another folder\n` })
    expect(await versions('v0.5.0-spoilt')).toEqual([])
  })
})
