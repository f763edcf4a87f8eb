import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { freePort } from '../../src/clusters/local/free-port.ts'

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
const listenOn = (host: string, port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, host, () => server.close(() => resolve()))
  })

describe('ports for local nodes', () => {
  it('are below the range the kernel gives outgoing connections, so no connection made meanwhile can hold one', async () => {
    for (let i = 0; i < 40; i++) {
      const port = await freePort('127.0.0.1')
      expect(port).toBeGreaterThanOrEqual(10_000)
      expect(port).toBeLessThan(ephemeralLow)
      await listenOn('127.0.0.1', port)
    }
  })

  it('never give a port already chosen for the same host', async () => {
    const taken = new Set<number>()
    for (let i = 0; i < 40; i++) {
      const port = await freePort('127.0.0.1', taken)
      expect(taken.has(port)).toBe(false)
      taken.add(port)
    }
  })

  it('say so when the host cannot be listened on', async () => {
    await expect(freePort('192.0.2.1')).rejects.toThrow(/no port to listen on at 192\.0\.2\.1/)
  })
})
