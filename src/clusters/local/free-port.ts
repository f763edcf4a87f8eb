import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** Where ports for nodes are drawn from when the kernel's ephemeral range is known. */
const NODE_PORTS_FROM = 10_000

/**
 * A port free on `host` right now, for a node to listen on once started. Chosen below the
 * kernel's ephemeral range: until the node binds it, this process's own connections to nodes
 * (each made from the node's address, polled every 25 ms while fifty nodes start) take their
 * source ports from that range, and one of them once held a node's port when the node came to
 * listen (EADDRINUSE: a fifty-node cluster failed to start). No outgoing connection is ever given
 * a port below the range.
 */
export async function freePort(host: string, taken: ReadonlySet<number> = new Set()): Promise<number> {
  const low = ephemeralLow()
  if (low !== undefined && low - NODE_PORTS_FROM >= 1000)
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = NODE_PORTS_FROM + Math.floor(Math.random() * (low - NODE_PORTS_FROM))
      if (!taken.has(port) && (await listens(host, port))) return port
    }
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await listens(host, 0)
    if (!port) break
    if (!taken.has(port)) return port
  }
  throw new Error(`no port to listen on at ${host}: this machine refuses to listen on that address`)
}

/** The first port of the kernel's range for outgoing connections (Linux), if it can be read. */
function ephemeralLow(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 0 ? low : undefined
  } catch {
    return undefined
  }
}

/** Whether `port` on `host` can be listened on now (port 0: which one the OS gives, or 0 on failure). */
function listens(host: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(0))
    server.listen(port, host, () => {
      const bound = (server.address() as { port: number }).port
      server.close(() => resolve(bound))
    })
  })
}
