import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { api, startHub } from '../helpers/hub.ts'

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
