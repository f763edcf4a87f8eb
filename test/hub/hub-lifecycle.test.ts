import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { HubClient } from '../../hub/client/hub-client.ts'
import { pushResults } from '../../hub/client/push-results.ts'
import { ResultsWriter } from '../../src/results/results-writer.ts'
import { MODEL_VERSION } from '../../src/model/results.ts'
import { writeCanonicalResults } from '../reporters/canonical-results.ts'
import { api, startHub, type TestHub } from '../helpers/hub.ts'
import { tempTree } from '../helpers/temp-tree.ts'

/**
 * Counts the hub's reads of case results from its store. While `together(n)` is pending, a read
 * waits until n views have asked for a matrix: the views overlap whatever the machine's pace.
 */
function countReads(hub: TestHub): { reads: () => number; together: (views: number) => () => void } {
  let reads = 0
  let asked = 0
  let wanted = 0
  let allAsked: Promise<void> = Promise.resolve()
  let arrived = () => {}
  const store = hub.service.store
  for (const name of ['caseSummaries', 'caseLines'] as const) {
    const read = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>
    ;(store as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      reads++
      if (wanted) await allAsked
      return read(...args)
    }
  }
  const render = hub.service.renderedMatrix.bind(hub.service)
  hub.service.renderedMatrix = async (...args) => {
    if (wanted && ++asked === wanted) arrived()
    return render(...args)
  }
  return {
    reads: () => reads,
    together: (views) => {
      wanted = views
      asked = 0
      allAsked = new Promise((resolve) => (arrived = resolve))
      return () => (wanted = 0)
    },
  }
}

/** A run of one case pushed to `build`: the build's matrix is stale. */
async function pushOne(hub: TestHub, build: string, id: string): Promise<void> {
  const dir = tempTree()
  const writer = new ResultsWriter(dir)
  writer.write({ kind: 'case', id: `lifecycle-${id}`, uri: 'pkg/a_test.go', feature: 'pkg', scenario: `Test${id}`, name: `Test${id}`, featureIds: [], tags: [], status: 'passed', flaky: false, attempts: 1, durationMs: 1, steps: [], attachments: [], nodes: [], source: 'automated' })
  writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `lifecycle-${id}`, build, stage: 'unit', environment: 'local', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), source: { format: 'junit' } })
  await pushResults(new HubClient(hub.url, hub.tokens.ci), dir)
}

describe('starting the hub', () => {
  it('makes the newest builds\' matrices before anyone asks, and a matrix asked for by several at once only once', async () => {
    const hub = await startHub()
    try {
      const results = tempTree()
      await writeCanonicalResults(results)
      await pushResults(new HubClient(hub.url, hub.tokens.ci), results)
      const { reads, together } = countReads(hub)
      await hub.service.warm(2, (line) => {
        throw new Error(line)
      })
      const warmed = reads()
      expect(warmed).toBeGreaterThan(0)
      // the first views read nothing more: both matrices were made
      for (const build of ['v0.5.0-rc1', 'v0.5.0-rc2']) expect((await api(hub, 'GET', `/builds/${build}/matrix`, hub.tokens.qa)).status).toBe(200)
      expect(reads()).toBe(warmed)
      // one view after a push reads so much…
      await pushOne(hub, 'v0.5.0-rc2', 'a')
      const before = reads()
      const one = await api(hub, 'GET', '/builds/v0.5.0-rc2/matrix', hub.tokens.qa)
      const alone = reads() - before
      expect(alone).toBeGreaterThan(0)
      // …and three at once after the next push read as much, and see the same matrix
      await pushOne(hub, 'v0.5.0-rc2', 'b')
      const apart = together(3)
      const three = await Promise.all([1, 2, 3].map(() => api(hub, 'GET', '/builds/v0.5.0-rc2/matrix', hub.tokens.qa)))
      apart()
      expect(reads() - before - alone).toBe(alone)
      expect(new Set(three.map((r) => JSON.stringify(r.body))).size).toBe(1)
      expect(three[0]!.body.totals.passed).toBe(one.body.totals.passed)
    } finally {
      await hub.close()
    }
  })
})

describe('stopping the hub', () => {
  it('waits for a handler whose client went away before it closes the store under it', async () => {
    const hub = await startHub()
    const build = await api(hub, 'POST', '/builds', hub.tokens.qa, { name: 'v0.5.0-rc1' })
    expect(build.status).toBe(201)
    const [scenario] = (await api(hub, 'GET', '/scenarios?manual=true', hub.tokens.alice)).body as { id: string }[]
    // The submission is held inside the service until released, as a slow group commit holds it.
    const submit = hub.service.submit.bind(hub.service)
    let started!: () => void
    const inService = new Promise<void>((resolve) => (started = resolve))
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let finished: 'stored' | Error | undefined
    hub.service.submit = async (...args) => {
      started()
      await held
      try {
        const result = await submit(...args)
        finished = 'stored'
        return result
      } catch (error) {
        finished = error as Error
        throw error
      }
    }
    const body = JSON.stringify({ build: 'v0.5.0-rc1', scenario: scenario!.id, status: 'passed' })
    const client = request(`${hub.url}/api/v1/outcomes`, { method: 'POST', headers: { authorization: `Bearer ${hub.tokens.alice}`, 'content-type': 'application/json', 'idempotency-key': 'stop-then-submit-1', 'content-length': Buffer.byteLength(body) } })
    client.on('error', () => {})
    client.end(body)
    await inService
    // The client gives up; the hub is told to stop.
    client.destroy()
    // What the handler had done when the close came back. (Held for a moment first: closing
    // without waiting comes back at once; a busy machine only makes this test weaker, never red.)
    const closing = hub.app.close().then(() => finished)
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 50))])
    release()
    expect(await closing).toBe('stored')
    await hub.service.store.db.close()
  })
})
