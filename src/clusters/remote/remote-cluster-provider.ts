import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { homedir } from 'node:os'
import path from 'node:path'
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2'
import { UserError } from '../../errors.ts'
import type { ClusterNode, ClusterProvider, ClusterRequest, FaultOperation, StartedCluster } from '../cluster-provider.ts'
import { livenessOf, type Environment, type HostSpec } from '../environment.ts'
import type { NodeSpec } from '../node-spec.ts'
import { loadNodeProgram, waitHttpReady, type NodeProgram, type ProviderNodeClient } from '../node-program.ts'
import { connectMesh, resetNodes, waitFor, waitReady } from '../prepare-cluster.ts'
import { findNode, logTail, startOrTearDown } from '../start-cluster.ts'
import { makeDirectory } from '../../files.ts'

interface RemoteNode extends ClusterNode {
  client: ProviderNodeClient
  host: string
  peerId: string
  addrs: string[]
  hostSpec: HostSpec
  dataDir: string
  logFile: string
  log: WriteStream
  channel?: ClientChannel
  pid?: number
  apiPort?: number
  tunnel?: Server
  exited?: string
}

/**
 * Existing machines over SSH (ssh2): the node bundle is uploaded by SFTP, each node runs in
 * its own SSH session (its output is the node log, streamed back; it stops when the session
 * closes), and the harness reaches each node's API through an SSH tunnel, so requests arrive
 * from the node's own host as a local user's would. A network cut is the node's blocklist.
 */
export class RemoteClusterProvider implements ClusterProvider {
  readonly name = 'remote'

  /** Every host answers SSH with the given key and has a Node runtime. */
  async preflight(env: Environment): Promise<void> {
    await Promise.all(
      usedHosts(env.hosts, env.nodes.map((n) => n.host)).map(async (host) => {
        const ssh = await connect(host, env)
        try {
          const version = await run(ssh, `${host.node} --version`)
          if (!/^v\d+/.test(version.trim())) throw new UserError('REMOTE_NO_NODE', `host ${host.name} (${host.address}): "${host.node} --version" printed "${version.trim()}"; install Node 20+ there or set hosts[].node`)
        } finally {
          ssh.end()
        }
      }),
    )
  }

  async up(request: ClusterRequest): Promise<StartedCluster> {
    const cluster = new RemoteCluster(request, await loadNodeProgram(request.env))
    return startOrTearDown(cluster, request.signal)
  }
}

class RemoteCluster implements StartedCluster {
  readonly provider = 'remote'
  private readonly id = randomBytes(4).toString('hex')
  private readonly sessions = new Map<string, Client>()
  private list: RemoteNode[] = []
  private bundles = new Map<string, string>()
  private closed = false

  constructor(
    private readonly request: ClusterRequest,
    private readonly program: NodeProgram,
  ) {}

  get nodes(): readonly ClusterNode[] {
    return this.list
  }

  async start(): Promise<void> {
    const { env, nodes, logDir } = this.request
    makeDirectory(logDir)
    const declared = new Map(env.nodes.map((n) => [n.name, n.host]))
    // Nodes a scenario declares beyond the environment's own go round-robin over the hosts.
    this.list = nodes.map((spec: NodeSpec, i) => {
      const hostName = declared.get(spec.name) ?? env.hosts[i % env.hosts.length]?.name
      const hostSpec = env.hosts.find((h) => h.name === hostName)
      if (!hostSpec) throw new UserError('REMOTE_NO_HOST', `${path.relative(env.root, env.file)}: no host for node ${spec.name}; add hosts: entries`)
      const logFile = path.join(logDir, `${spec.name}.log`)
      return {
        name: spec.name,
        spec,
        hostSpec,
        host: hostSpec.address,
        peerId: '',
        addrs: [],
        dataDir: `${hostSpec.workdir}/${this.id}/${spec.name}`,
        logFile,
        log: createWriteStream(logFile, { flags: 'a' }),
        client: undefined as unknown as ProviderNodeClient,
      }
    })
    for (const host of usedHosts(env.hosts, this.list.map((n) => n.hostSpec.name))) {
      const ssh = await connect(host, env)
      this.sessions.set(host.name, ssh)
      this.bundles.set(host.name, await upload(ssh, host, this.program.files))
    }
    await Promise.all(this.list.map((node) => this.launch(node)))
    await connectMesh(this.list, env.timeouts.readyMs, env.mesh)
    await resetNodes(this.list)
  }

  node(name: string): RemoteNode {
    return findNode(this.list, name)
  }

  async fault(name: string, operation: FaultOperation): Promise<void> {
    const node = this.node(name)
    const signal = { kill: 'KILL', stop: 'TERM', pause: 'STOP', resume: 'CONT' }[operation as 'kill']
    if (signal) {
      await run(this.ssh(node), `kill -${signal} ${node.pid}`)
      if (operation === 'kill' || operation === 'stop') await waitFor(async () => assertExited(node), { timeoutMs: 10_000, what: `${name} stopping` })
      return
    }
    if (operation === 'start') {
      await this.launch(node)
      await Promise.all(this.list.filter((n) => n !== node && n.addrs[0]).map((peer) => node.client.connect(peer.addrs[0]!).catch(() => undefined)))
      return
    }
    if (operation === 'isolate') return node.client.isolate()
    return node.client.heal()
  }

  async logs(name: string, lines = 50): Promise<string> {
    return logTail(this.node(name).logFile, lines)
  }

  async probeApi(from: string, to: string): Promise<number> {
    const source = this.node(from)
    const target = this.node(to)
    const script = `require('http').get({host:${JSON.stringify(target.host)},port:${target.apiPort},path:${JSON.stringify(this.program.readyHttp ?? '/status')},localAddress:${JSON.stringify(source.host)}},(r)=>{console.log(r.statusCode);r.resume()}).on('error',()=>console.log(0))`
    return Number((await run(this.ssh(source), `${source.hostSpec.node} -e ${shellQuote(script)}`)).trim()) || 0
  }

  async healthy(): Promise<boolean> {
    return this.list.every((n) => n.channel && n.exited === undefined)
  }

  async down(): Promise<void> {
    this.closed = true
    await Promise.all(
      this.list.map(async (node) => {
        node.client?.close()
        node.tunnel?.close()
        if (node.pid && node.exited === undefined) await run(this.ssh(node), `kill -CONT ${node.pid}; kill -TERM ${node.pid}`).catch(() => undefined)
        // Closing the session ends the node's stdin: it stops even if the kill did not reach it.
        node.channel?.close()
        await waitFor(async () => assertExited(node), { timeoutMs: 5000, what: node.name }).catch(() => undefined)
        node.log.end()
      }),
    )
    await Promise.all(
      [...this.sessions].map(async ([hostName, ssh]) => {
        const host = this.request.env.hosts.find((h) => h.name === hostName)!
        await run(ssh, `rm -rf ${shellQuote(`${host.workdir}/${this.id}`)}`).catch(() => undefined)
        ssh.end()
      }),
    )
  }

  private ssh(node: RemoteNode): Client {
    return this.sessions.get(node.hostSpec.name)!
  }

  private async launch(node: RemoteNode): Promise<void> {
    if (this.closed) throw new Error(`cluster is shutting down: ${node.name} not started`)
    const { env } = this.request
    // The reference node says which port it took; a custom build is given one.
    const custom = this.program.kind === 'custom'
    const chosenPort = custom ? 20_000 + Math.floor(Math.random() * 40_000) : 0
    const argv = this.program.argv(
      { node: node.hostSpec.node, dir: this.bundles.get(node.hostSpec.name)!, name: node.name, host: node.host, apiPort: chosenPort, p2pPort: custom ? chosenPort + 1 : 0, dataDir: node.dataDir, heartbeatMs: env.heartbeatMs, liveness: livenessOf(env), allowFrom: '127.0.0.1' },
      custom ? [] : ['--p2p-host', node.host, '--exit-on-stdin-close'],
    )
    // The shell prints its pid, then becomes the node (exec): faults signal that pid.
    const command = `mkdir -p ${shellQuote(node.dataDir)} && cd ${shellQuote(this.bundles.get(node.hostSpec.name)!)} && echo bdd-matrix-pid:$$ && exec ${argv.map(shellQuote).join(' ')}`
    node.exited = undefined
    node.pid = undefined
    node.apiPort = undefined
    const channel = await new Promise<ClientChannel>((resolve, reject) => this.ssh(node).exec(command, (error, ch) => (error ? reject(error) : resolve(ch))))
    node.channel = channel
    let buffered = ''
    const onOutput = (chunk: Buffer): void => {
      node.log.write(chunk)
      if (node.pid) return
      buffered += chunk.toString()
      const pid = /bdd-matrix-pid:(\d+)/.exec(buffered)
      if (custom) {
        if (pid && this.program.readyLog.test(buffered.slice(buffered.indexOf('\n') + 1))) {
          node.pid = Number(pid[1])
          node.apiPort = chosenPort
        }
        return
      }
      const ready = /ready: pid (\d+) api http:\/\/[^:]+:(\d+)/.exec(buffered)
      if (ready) {
        node.pid = Number(ready[1])
        node.apiPort = Number(ready[2])
      }
    }
    channel.on('data', onOutput)
    channel.stderr.on('data', onOutput)
    channel.on('close', () => (node.exited ??= 'session closed'))
    channel.on('exit', (code: number | null, signal?: string) => (node.exited = signal ? `killed by SIG${signal}` : `exited with code ${code}`))
    try {
      await waitFor(async () => {
        if (node.apiPort === undefined) throw new Error('no ready line yet')
      }, {
        timeoutMs: env.timeouts.readyMs,
        what: `node ${node.name} on ${node.hostSpec.name}`,
        failed: () => (this.closed ? 'cluster is shutting down' : node.exited !== undefined ? `${node.exited} before it was ready` : undefined),
      })
      node.tunnel?.close()
      node.tunnel = await tunnel(this.ssh(node), node.host, node.apiPort!)
      node.client?.close()
      const baseUrl = `http://127.0.0.1:${(node.tunnel.address() as AddressInfo).port}`
      node.client = this.program.createClient({ name: node.name, baseUrl, timeoutMs: env.timeouts.stepMs })
      const readyPath = this.program.readyHttp
      if (readyPath) await waitHttpReady(`${baseUrl}${readyPath}`, undefined, { timeoutMs: env.timeouts.readyMs, what: `node ${node.name} (${readyPath})` })
      const status = await waitReady(node.client, { timeoutMs: env.timeouts.readyMs, what: `node ${node.name}` })
      node.peerId = status.peerId
      node.addrs = status.addrs
    } catch (error) {
      throw new Error(`${(error as Error).message}; last lines of ${node.logFile}:\n${await this.logs(node.name, 15)}`, { cause: error })
    }
  }
}

function assertExited(node: RemoteNode): void {
  if (node.exited === undefined) throw new Error(`${node.name} is still running`)
}

function usedHosts(hosts: HostSpec[], names: (string | undefined)[]): HostSpec[] {
  const wanted = new Set(names.filter(Boolean))
  return hosts.filter((h) => wanted.has(h.name) || wanted.size === 0)
}

/** Opens an SSH connection; refusals and bad keys become one line naming the host. */
function connect(host: HostSpec, env: Environment): Promise<Client> {
  const where = `host ${host.name} (${host.user}@${host.address}:${host.port})`
  let privateKey: string
  if (host.key.startsWith('env:')) {
    const name = host.key.slice(4)
    privateKey = process.env[name] ?? ''
    if (!privateKey) throw new UserError('REMOTE_KEY', `${where}: the private key variable ${name} is not set`)
  } else {
    const file = path.resolve(env.root, host.key.replace(/^~(?=\/)/, homedir()))
    if (!existsSync(file)) throw new UserError('REMOTE_KEY', `${where}: key file ${host.key} not found; set hosts[].key to a private key file or env:VARIABLE`)
    privateKey = readFileSync(file, 'utf8')
  }
  const config: ConnectConfig = { host: host.address, port: host.port, username: host.user, privateKey, readyTimeout: env.timeouts.readyMs, keepaliveInterval: 5000 }
  return new Promise((resolve, reject) => {
    const ssh = new Client()
    let settled = false
    ssh.once('ready', () => {
      settled = true
      resolve(ssh)
    })
    // ssh2 may report more than one error (a refusal, then a handshake timeout), and errors
    // after the session is up (a dropped link) show in the nodes' sessions closing: keep one
    // listener for the client's whole life so none of them crashes the process.
    ssh.on('error', (error: Error & { code?: string; level?: string }) => {
      if (settled) return
      settled = true
      ssh.end()
      const reason =
        error.level === 'client-authentication'
          ? `authentication failed for user ${host.user} with key ${host.key.startsWith('env:') ? host.key : path.basename(host.key)}; check hosts[].user and hosts[].key`
          : error.code === 'ECONNREFUSED'
            ? 'connection refused; is sshd running there and listening on that port?'
            : error.message
      reject(new UserError('REMOTE_SSH', `${where}: ${reason}`, { cause: error }))
    })
    try {
      ssh.connect(config)
    } catch (error) {
      reject(new UserError('REMOTE_SSH', `${where}: ${(error as Error).message} (is hosts[].key a valid private key?)`, { cause: error }))
    }
  })
}

/** Runs a short command and returns its output (non-zero exit is an error). */
function run(ssh: Client, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ssh.exec(command, (error, channel) => {
      if (error) return reject(error)
      let out = ''
      channel.on('data', (d: Buffer) => (out += d.toString()))
      channel.stderr.on('data', (d: Buffer) => (out += d.toString()))
      channel.on('close', (code: number | null) => (code === 0 || code === null ? resolve(out) : reject(new Error(`${command.split(' ')[0]} exited with ${code}: ${out.trim()}`))))
    })
  })
}

/**
 * Uploads the node program's files once per content: they go to a folder named by a hash of
 * them all, which becomes the program's {dir} on the host.
 */
async function upload(ssh: Client, host: HostSpec, files: { source: string; target: string }[]): Promise<string> {
  const digest = createHash('sha256')
  for (const file of files) digest.update(file.target).update(readFileSync(file.source))
  const dir = `${host.workdir}/program-${digest.digest('hex').slice(0, 12)}`
  const present = await run(ssh, `test -f ${shellQuote(`${dir}/.complete`)} && echo yes || echo no`)
  if (present.trim() === 'yes') return dir
  const folders = [...new Set(files.map((f) => path.posix.dirname(`${dir}/${f.target}`)))]
  await run(ssh, `mkdir -p ${[dir, ...folders].map(shellQuote).join(' ')}`)
  await new Promise<void>((resolve, reject) =>
    ssh.sftp(async (error, sftp) => {
      if (error) return reject(error)
      try {
        for (const file of files) await new Promise<void>((done, failed) => sftp.writeFile(`${dir}/${file.target}`, readFileSync(file.source), (e) => (e ? failed(e) : done())))
        await new Promise<void>((done, failed) => sftp.writeFile(`${dir}/.complete`, '', (e) => (e ? failed(e) : done())))
        resolve()
      } catch (e) {
        reject(e)
      }
    }),
  )
  return dir
}

/** A local port whose connections are forwarded over SSH to host:port, as seen from the host. */
function tunnel(ssh: Client, host: string, port: number): Promise<Server> {
  const server = createServer((socket) => {
    // A refused forward (the node is down) is an ordinary outcome: the client sees a reset.
    socket.on('error', () => undefined)
    ssh.forwardOut('127.0.0.1', 0, host, port, (error, stream) => {
      if (error) return socket.destroy()
      socket.pipe(stream).pipe(socket)
      socket.on('close', () => stream.close())
      stream.on('error', () => socket.destroy())
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
}
