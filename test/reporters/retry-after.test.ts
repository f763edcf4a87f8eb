import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HubClient } from '../../hub/client/hub-client.ts'
import { retryAfterMs } from '../../reporters/retrying-request.ts'
import { UserError } from '../../src/errors.ts'

describe('Retry-After, in both of HTTP\'s forms', () => {
  it('reads seconds, and a date to wait until (none when it is past); anything else is no header', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), (seconds) => {
        expect(retryAfterMs(String(seconds))).toBe(seconds * 1000)
        expect(retryAfterMs(` ${seconds} `)).toBe(seconds * 1000)
      }),
    )
    // an HTTP-date has whole seconds: the wait is to that second, from now
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 4_000_000_000_000 }), (second, now) => {
        const date = new Date(second * 1000)
        expect(retryAfterMs(date.toUTCString(), now)).toBe(Math.max(0, second * 1000 - now))
      }),
    )
    for (const header of [undefined, '', '  ', 'soon', '-1', '1e3', 'NaN', 12]) expect(retryAfterMs(header), String(header)).toBeUndefined()
  })

  describe('as a command waits it out', () => {
    let server: Server
    const answers: { status: number; retryAfter?: string }[] = []
    const seen: string[] = []
    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`)
        const answer = answers.shift() ?? { status: 200 }
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}) })
        res.end(answer.status === 200 ? '[]' : '{"message":"Too Many Requests"}')
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    })
    afterAll(() => new Promise((resolve) => server.close(resolve)))
    const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    it('waits until the date a 429 names, and a date past is no wait', async () => {
      const lines: string[] = []
      const client = new HubClient(url(), 'token', { log: (line) => lines.push(line) })
      answers.push({ status: 429, retryAfter: new Date(Date.now() - 60_000).toUTCString() })
      await expect(client.request('GET', '/builds', 'listing builds')).resolves.toMatchObject({ status: 200 })
      // (the hub's default, 5 s, was the wait for a date before)
      expect(lines).toEqual(['listing builds: HTTP 429, retrying in 0 s'])
    })

    it('stops at once with one line when asked to wait longer than a job should idle: nothing sent again', async () => {
      seen.length = 0
      const client = new HubClient(url(), 'token', { log: () => {} })
      for (const retryAfter of ['86400', new Date(Date.now() + 3 * 3600_000).toUTCString(), '9999999999']) {
        answers.push({ status: 429, retryAfter })
        const error = await client.request('GET', '/builds', 'listing builds').catch((e: unknown) => e)
        expect(error).toBeInstanceOf(UserError)
        expect((error as UserError).code).toBe('HUB_BUSY')
        expect((error as Error).message).toMatch(new RegExp(`^the results hub asks to wait \\d+ min before listing builds again \\(HTTP 429, Retry-After: ${retryAfter.replace(/[()+]/g, '\\$&')}\\), longer than a command waits \\(15 min\\); run the same command again after that: what was done stays done$`))
      }
      expect(seen).toEqual(['GET /api/v1/builds', 'GET /api/v1/builds', 'GET /api/v1/builds'])
    })
  })
})
