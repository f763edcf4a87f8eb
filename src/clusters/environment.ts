import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import * as z from 'zod/mini'
import '../zod-messages.ts'
import { filled, positiveInt } from '../schema-parts.ts'
import { parseLocatedYaml } from '../located-yaml.ts'
import { UserError, fsErrorCode } from '../errors.ts'
import type { NodeSpec } from './node-spec.ts'

const ResourcesSchema = z.strictObject({ cpu: z.number().check(z.positive()), ram: z.union([z.string(), z.number()]), disk: z.union([z.string(), z.number()]) })

export const NodeSchema = z.strictObject({
  name: filled(),
  role: z.enum(['SP', 'CP', 'CH']),
  onboarded: z._default(z.boolean(), false),
  org: z._default(z.string(), 'nunet'),
  resources: z.optional(ResourcesSchema),
  region: z.optional(z.string()),
  /** remote provider: which entry of `hosts` runs this node */
  host: z.optional(z.string()),
})

/** A nodes file (`cluster up --nodes FILE`): the nodes of a cluster in place of its environment's. */
export const NodesFileSchema = z.strictObject({ nodes: z.array(NodeSchema).check(z.minLength(1)) })

const HostSchema = z.strictObject({
  name: filled(),
  address: filled(),
  port: z._default(positiveInt(), 22),
  user: filled(),
  /** path of a private key file (~ expands), or env:NAME to read the key from a variable */
  key: filled(),
  /** directory on the host where node bundles and data go */
  workdir: z._default(z.string(), '/tmp/bdd-matrix'),
  node: z._default(z.string(), 'node'),
  region: z.optional(z.string()),
})

export const CustomProgramSchema = z.strictObject({
  /** argv; {node} {dir} {name} {host} {apiPort} {p2pPort} {dataDir} {heartbeatMs} {parentPid} {allowFrom} are filled in */
  command: z.array(filled()).check(z.minLength(1)),
  /** files the program needs, relative to the project: copied into the image, uploaded to remote hosts */
  upload: z._default(z.array(filled()), []),
  /** readiness: an HTTP path on the API port that answers 2xx, and/or a log line (regular expression) */
  ready: z._default(z.strictObject({ http: z.optional(z.string().check(z.startsWith('/'))), log: z.optional(z.string()) }), {}),
})

export const EnvironmentSchema = z
  .strictObject({
    name: z.string().check(z.regex(/^[a-z0-9-]+$/, 'must be lower-kebab-case')),
    description: z.optional(z.string()),
    provider: z.enum(['local', 'docker', 'remote']),
    node: z._default(
      z.strictObject({
        /**
         * The node program every provider starts: `reference` (the bundled reference node), a
         * path to a Node script taking the reference node's flags, or a custom build:
         * { command: [...], upload: [files], ready: { http: /path } } (see node-program.ts).
         */
        program: z._default(z.union([filled(), CustomProgramSchema]), 'reference'),
        /** how steps reach a node: `reference` (its HTTP API) or a module exporting createNodeClient */
        client: z._default(filled(), 'reference'),
      }),
      { program: 'reference', client: 'reference' },
    ),
    defaults: z._default(z.strictObject({ resources: ResourcesSchema }), { resources: { cpu: 4, ram: '8GB', disk: '20GB' } }),
    timeouts: z._default(z.strictObject({ readyMs: z._default(positiveInt(), 20_000), stepMs: z._default(positiveInt(), 15_000) }), { readyMs: 20_000, stepMs: 15_000 }),
    heartbeatMs: z._default(positiveInt(), 500),
    /**
     * `full`: every node connects to every other. A number: each node to about that many others
     * (a circulant graph: node i to i±1, i±2, i±4 …, so any two are a few hops apart), and nodes
     * hear of the others through their neighbours (relayed liveness) — a full mesh of fifty nodes
     * is 1,225 connections.
     */
    mesh: z._default(z.union([z.literal('full'), z.number().check(z.int(), z.gte(2))]), 'full'),
    nodes: z.array(NodeSchema).check(z.minLength(1)),
    hosts: z._default(z.array(HostSchema), []),
  })
  .check(
    z.superRefine((env, ctx) => {
      const names = new Set<string>()
      // A node program of the project's own is told nothing of how to say it is alive beyond its
      // connections: a partial mesh would never be ready (every node must see every other).
      if (env.mesh !== 'full' && typeof env.node.program !== 'string')
        ctx.addIssue({ code: 'custom', path: ['mesh'], message: `mesh: ${env.mesh} needs the reference node program (it relays liveness beyond its connections); use mesh: full with node.program.command` })
      env.nodes.forEach((node, i) => {
        if (names.has(node.name)) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'name'], message: `duplicate node name '${node.name}'` })
        names.add(node.name)
        if (env.provider === 'remote' && !env.hosts.some((h) => h.name === node.host))
          ctx.addIssue({ code: 'custom', path: ['nodes', i, 'host'], message: `remote nodes need a host: one of ${env.hosts.map((h) => h.name).join(', ') || '(no hosts declared)'}` })
      })
    }),
  )

export type EnvironmentFile = z.infer<typeof EnvironmentSchema>
export type HostSpec = z.infer<typeof HostSchema>
export interface Environment extends EnvironmentFile {
  /** absolute path of the file it was read from */
  file: string
  /** folder that relative paths in the file are resolved against (the project root) */
  root: string
}

/** How a node tells the others it is alive: over each connection, or also relayed by its neighbours where the cluster is not a full mesh. */
export function livenessOf(env: Pick<EnvironmentFile, 'mesh'>): 'pairs' | 'relayed' {
  return env.mesh === 'full' ? 'pairs' : 'relayed'
}

/**
 * Loads `environments/<name>.yaml` (or a path to a YAML file) and validates it; errors name the
 * file, line and key.
 */
export function loadEnvironment(nameOrPath: string, root: string): Environment {
  const file = /[\\/]|\.ya?ml$/.test(nameOrPath) ? path.resolve(root, nameOrPath) : path.join(root, 'environments', `${nameOrPath}.yaml`)
  const shown = path.relative(root, file)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if (fsErrorCode(error) === 'ENOENT') {
      const known = knownEnvironments(root)
      const instead = known.length ? `use one of ${known.join(', ')}` : 'this project has no environments/ yet: describe a cluster there (README: "Clusters"), or run the suite with your own runner and ingest its report (README: "Bring your own runner")'
      throw new UserError('ENV_UNKNOWN', `unknown environment '${nameOrPath}': ${shown} does not exist; ${instead}`)
    }
    throw new UserError('ENV_UNREADABLE', `${shown}: cannot read environment file (${fsErrorCode(error) ?? String(error)})`)
  }
  // (one reader for every YAML file bdd-matrix reads: problems located and worded alike)
  const parsed = parseLocatedYaml(text, shown, EnvironmentSchema, { code: 'ENV_INVALID', notMapping: 'an environment file is a mapping (name, provider, nodes…)' })
  return { ...parsed, file, root }
}

function knownEnvironments(root: string): string[] {
  try {
    return readdirSync(path.join(root, 'environments'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
  } catch {
    return []
  }
}

/** The environment's default nodes, with defaults filled in. */
export function defaultNodes(env: Environment): NodeSpec[] {
  return nodeSpecsOf(env, env.nodes)
}

/** Nodes as an environment file writes them, with the environment's defaults filled in. */
export function nodeSpecsOf(env: Environment, nodes: z.infer<typeof NodeSchema>[]): NodeSpec[] {
  return nodes.map((n) => ({
    name: n.name,
    role: n.role,
    onboarded: n.onboarded,
    org: n.org,
    resources: n.resources ?? env.defaults.resources,
    // a remote node is where its host is, unless it says otherwise
    ...((n.region ?? env.hosts.find((h) => h.name === n.host)?.region) ? { region: (n.region ?? env.hosts.find((h) => h.name === n.host)?.region)! } : {}),
    labels: {},
  }))
}
