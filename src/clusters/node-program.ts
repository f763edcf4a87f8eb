import { existsSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { UserError } from '../errors.ts'
import type { Environment } from './environment.ts'
import type { NodeClient } from './node-client.ts'
import { waitFor } from './prepare-cluster.ts'
import { ReferenceNodeClient, type ReferenceNodeClientOptions } from './reference-node-client.ts'
import { packageRoot } from '../package-root.ts'

/** What a provider fills into a node program's command. */
export interface ProgramVars {
  /** the Node executable where the node runs */
  node: string
  /** where the program's files are where the node runs */
  dir: string
  name: string
  host: string
  apiPort: number
  p2pPort: number
  dataDir: string
  heartbeatMs: number
  /** the reference node's --liveness (environment.ts livenessOf) */
  liveness?: 'pairs' | 'relayed'
  parentPid?: number
  allowFrom?: string
}

/**
 * What a provider needs of a node's client beyond the steps' NodeClient: the node's own network
 * cut (local and remote providers have no other way to cut one process off) and closing it.
 */
export type ProviderNodeClient = NodeClient & { isolate(): Promise<void>; heal(): Promise<void>; close(): void }

export type NodeClientFactory = (options: ReferenceNodeClientOptions) => ProviderNodeClient

/**
 * The node program of an environment, whatever its provider: which files it needs and how one
 * node of it is started, how readiness is seen, and the NodeClient steps reach it with. The
 * reference node is one such program; a custom build of DMS is another.
 */
export interface NodeProgram {
  kind: 'reference' | 'custom'
  label: string
  /** files to ship: absolute path here → path under {dir} */
  files: { source: string; target: string }[]
  /** {dir} when the node runs on this machine: the files are used where they are */
  localDir: string
  argv(vars: ProgramVars, extra?: string[]): string[]
  /** a path on the API port answering 2xx once the node is ready */
  readyHttp?: string
  /** a log line that says the node is ready */
  readyLog: RegExp
  createClient: NodeClientFactory
  /** the client module, when not the reference client (kept clusters record it) */
  clientModule?: string
}

const REFERENCE_BUNDLE = 'dist/reference-node.mjs'
const PLACEHOLDER = /\{(node|dir|name|host|apiPort|p2pPort|dataDir|heartbeatMs|parentPid|allowFrom)\}/g

export async function loadNodeProgram(env: Environment): Promise<NodeProgram> {
  const where = path.relative(env.root, env.file)
  const createClient = await loadClientFactory(env.node.client, env.root, where)
  const clientModule = env.node.client === 'reference' ? undefined : path.resolve(env.root, env.node.client)
  const program = env.node.program
  if (typeof program === 'string') {
    const script = program === 'reference' ? REFERENCE_BUNDLE : program
    // the bundled reference node is bdd-matrix's own, wherever the project using it is
    const source = program === 'reference' ? path.join(packageRoot(), REFERENCE_BUNDLE) : path.resolve(env.root, script)
    if (!existsSync(source)) throw new UserError('NODE_PROGRAM_MISSING', `${script}: node program not found; build it with npm run build${program === 'reference' ? '' : ` or correct node.program in ${where}`}`)
    const target = path.basename(source)
    return {
      kind: 'reference',
      label: script,
      files: [{ source, target }],
      localDir: path.dirname(source),
      // The reference node's flags; a script given by path takes the same.
      argv: (v, extra = []) => [
        v.node,
        // One V8 helper thread, not four: a node's heap is small, and fifty nodes on one machine
        // each kept three idle threads' worth of memory (with MALLOC_ARENA_MAX, local-cluster-provider.ts).
        '--v8-pool-size=1',
        `${v.dir}/${target}`,
        ...['--name', v.name, '--host', v.host, '--api-port', String(v.apiPort), '--p2p-port', String(v.p2pPort), '--data-dir', v.dataDir, '--heartbeat-ms', String(v.heartbeatMs)],
        ...(v.liveness && v.liveness !== 'pairs' ? ['--liveness', v.liveness] : []),
        ...(v.parentPid ? ['--parent-pid', String(v.parentPid)] : []),
        ...(v.allowFrom ? ['--allow-from', v.allowFrom] : []),
        ...extra,
      ],
      readyLog: /ready: pid \d+ api/,
      createClient,
      ...(clientModule ? { clientModule } : {}),
    }
  }
  const files = program.upload.map((file) => {
    const source = path.resolve(env.root, file)
    if (!existsSync(source)) throw new UserError('NODE_PROGRAM_MISSING', `${where}: node.program.upload: ${file} not found; build it first`)
    return { source, target: path.relative(env.root, source).split(path.sep).join('/') }
  })
  let readyLog = /./
  if (program.ready.log) {
    try {
      readyLog = new RegExp(program.ready.log)
    } catch (error) {
      throw new UserError('ENV_INVALID', `${where}: node.program.ready.log is not a regular expression (${(error as Error).message})`)
    }
  }
  return {
    kind: 'custom',
    label: program.command.join(' '),
    files,
    localDir: env.root,
    argv: (v) => program.command.map((part) => part.replace(PLACEHOLDER, (_, key: keyof ProgramVars) => String(v[key] ?? ''))),
    ...(program.ready.http ? { readyHttp: program.ready.http } : {}),
    readyLog,
    createClient,
    ...(clientModule ? { clientModule } : {}),
  }
}

/** `reference`, or a module (JavaScript or TypeScript) exporting createNodeClient(options). */
export async function loadClientFactory(client: string, root: string, where = 'the environment'): Promise<NodeClientFactory> {
  if (client === 'reference') return (options) => new ReferenceNodeClient(options)
  const file = path.resolve(root, client)
  if (!existsSync(file)) throw new UserError('NODE_CLIENT_MISSING', `${where}: node.client ${client} not found; give a module exporting createNodeClient, or reference`)
  if (/\.[mc]?ts$/.test(file)) {
    // a TypeScript client loads as the steps do, through tsx
    const { register } = await import('tsx/esm/api')
    register()
  }
  const loaded = (await import(pathToFileURL(file).href)) as { createNodeClient?: NodeClientFactory }
  if (typeof loaded.createNodeClient !== 'function') throw new UserError('NODE_CLIENT_INVALID', `${client}: exports no createNodeClient(options) function (${where}, node.client)`)
  return loaded.createNodeClient
}

/**
 * Waits until a node's readiness path answers 2xx (a custom program's own signal of readiness),
 * polling as the providers poll a node's status.
 */
export function waitHttpReady(url: string, localAddress: string | undefined, options: Parameters<typeof waitFor>[1]): Promise<void> {
  return waitFor(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = http.get(url, { timeout: 2000, ...(localAddress ? { localAddress } : {}) }, (res) => {
          res.resume()
          if ((res.statusCode ?? 500) < 300) resolve()
          else reject(new Error(`${url} answered ${res.statusCode}`))
        })
        req.on('error', reject)
        req.on('timeout', () => req.destroy(new Error(`${url} timed out`)))
      }),
    options,
  )
}
