import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.ts'
import fc from 'fast-check'
import { BOUNDARIES, CrashProxy, everyCrashPoint, killSequences, killedInTurn, runGroup } from '../helpers/crash-points.ts'
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
