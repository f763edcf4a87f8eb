import { createServer, type Server } from 'node:http'
import { forwardRequest } from './forward-proxy.ts'

/**
 * A reverse proxy as a team puts one in front of several tools: it asks the hub by its upstream
 * address (Host rewritten), passes the public name and scheme on as X-Forwarded-Host and
 * X-Forwarded-Proto, as nginx and most load balancers do, and — like nginx's
 * client_max_body_size — refuses a request body over its limit with 413 and a page of its own.
 */
export async function startReverseProxy(upstream: URL, options: { publicHost: string; maxBodyBytes?: number }): Promise<{ server: Server; url: string; refused: () => number; close: () => Promise<void> }> {
  let refused = 0
  const server = createServer((req, res) => {
    if (options.maxBodyBytes !== undefined && Number(req.headers['content-length'] ?? 0) > options.maxBodyBytes) {
      refused++
      req.resume()
      res.writeHead(413, { 'content-type': 'text/html', connection: 'close' }).end('<html><body><h1>413 Request Entity Too Large</h1></body></html>')
      return
    }
    forwardRequest(req, res, { host: upstream.hostname, port: upstream.port, path: req.url ?? '/', headers: { ...req.headers, host: upstream.host, 'x-forwarded-host': options.publicHost, 'x-forwarded-proto': 'https' } })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    refused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
