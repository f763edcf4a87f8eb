import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { connect, type Socket } from 'node:net'
import { selfSignedCertificate } from './self-signed-certificate.ts'

/**
 * An HTTP forward proxy on loopback, as a company's (squid, or a CI runner's egress proxy) behaves:
 * HTTPS is tunnelled with CONNECT, plain HTTP is forwarded from an absolute-URI request line, and
 * with a user and password set, a request without them gets 407 Proxy Authentication Required.
 * It records what went through it.
 */
export class ForwardProxy {
  /** host:port of every CONNECT tunnel opened */
  readonly tunnels: string[] = []
  /** every absolute URL forwarded */
  readonly forwarded: string[] = []
  /** requests refused with 407 */
  refused = 0
  private server?: Server
  private readonly sockets = new Set<Socket>()

  /** PEM of its certificate when spoken to over TLS (an https:// proxy) */
  certificateFile?: string

  constructor(
    private readonly credentials?: { user: string; password: string },
    private readonly options: { tls?: boolean } = {},
  ) {}

  async start(): Promise<this> {
    const certificate = this.options.tls ? selfSignedCertificate('proxy') : undefined
    this.certificateFile = certificate?.certificateFile
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      if (!this.allowed(req)) {
        this.refused++
        res.writeHead(407, { 'proxy-authenticate': 'Basic realm="proxy"', 'content-type': 'text/plain' }).end('proxy authentication required')
        return
      }
      this.forwarded.push(req.url ?? '')
      const target = new URL(req.url ?? '')
      const headers = { ...req.headers }
      delete headers['proxy-authorization']
      forwardRequest(req, res, { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, headers })
    }
    const server: Server = certificate ? createTlsServer({ key: certificate.key, cert: certificate.cert }, listener) : createServer(listener)
    server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      this.sockets.add(client)
      client.on('close', () => this.sockets.delete(client))
      client.on('error', () => client.destroy())
      if (!this.allowed(req)) {
        this.refused++
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
        return
      }
      this.tunnels.push(req.url ?? '')
      const [host, port] = (req.url ?? '').split(/:(?=\d+$)/)
      const upstream = connect(Number(port), host!, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        if (head.length) upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      })
      this.sockets.add(upstream)
      upstream.on('close', () => this.sockets.delete(upstream))
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
    })
    server.on(certificate ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    this.server = server
    return this
  }

  /** http(s)://localhost:<port> (its certificate names localhost), without credentials */
  get url(): string {
    const address = this.server!.address()
    if (!address || typeof address === 'string') throw new Error('the proxy is not listening')
    return this.options.tls ? `https://localhost:${address.port}` : `http://127.0.0.1:${address.port}`
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  private allowed(req: IncomingMessage): boolean {
    if (!this.credentials) return true
    const expected = `Basic ${Buffer.from(`${this.credentials.user}:${this.credentials.password}`).toString('base64')}`
    return req.headers['proxy-authorization'] === expected
  }
}

/** Sends a request on to `to` and its answer back (502 when `to` cannot be reached): the forwarding both local proxies do. */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, to: { host: string; port: string; path: string; headers: IncomingHttpHeaders }): void {
  const upstream = request({ ...to, method: req.method }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(res)
  })
  upstream.on('error', () => res.writeHead(502).end())
  req.pipe(upstream)
}
