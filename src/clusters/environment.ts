import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { parseLocatedYaml } from '../located-yaml.ts'
import { UserError, fsErrorCode } from '../errors.ts'
import type { NodeSpec } from './node-spec.ts'

const ResourcesSchema = z.object({ cpu: z.number().positive(), ram: z.union([z.string(), z.number()]), disk: z.union([z.string(), z.number()]) }).strict()

export const NodeSchema = z
  .object({
    name: z.string().min(1),
    role: z.enum(['SP', 'CP', 'CH']),
    onboarded: z.boolean().default(false),
    org: z.string().default('nunet'),
    resources: ResourcesSchema.optional(),
    region: z.string().optional(),
    /** remote provider: which entry of `hosts` runs this node */
    host: z.string().optional(),
  })
  .strict()

const HostSchema = z
  .object({
    name: z.string().min(1),
    address: z.string().min(1),
    port: z.number().int().positive().default(22),
    user: z.string().min(1),
    /** path of a private key file (~ expands), or env:NAME to read the key from a variable */
    key: z.string().min(1),
    /** directory on the host where node bundles and data go */
    workdir: z.string().default('/tmp/bdd-matrix'),
    node: z.string().default('node'),
    region: z.string().optional(),
  })
  .strict()

export const CustomProgramSchema = z
  .object({
    /** argv; {node} {dir} {name} {host} {apiPort} {p2pPort} {dataDir} {heartbeatMs} {parentPid} {allowFrom} are filled in */
    command: z.array(z.string().min(1)).min(1),
    /** files the program needs, relative to the project: copied into the image, uploaded to remote hosts */
    upload: z.array(z.string().min(1)).default([]),
    /** readiness: an HTTP path on the API port that answers 2xx, and/or a log line (regular expression) */
    ready: z.object({ http: z.string().startsWith('/').optional(), log: z.string().optional() }).strict().default({}),
  })
  .strict()

export const EnvironmentSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/, 'must be lower-kebab-case'),
    description: z.string().optional(),
    provider: z.enum(['local', 'docker', 'remote']),
    node: z
      .object({
        /**
         * The node program every provider starts: `reference` (the bundled reference node), a
         * path to a Node script taking the reference node's flags, or a custom build:
         * { command: [...], upload: [files], ready: { http: /path } } (see node-program.ts).
         */
        program: z.union([z.string().min(1), CustomProgramSchema]).default('reference'),
        /** how steps reach a node: `reference` (its HTTP API) or a module exporting createNodeClient */
        client: z.string().min(1).default('reference'),
      })
      .strict()
      .default({ program: 'reference', client: 'reference' }),
    defaults: z.object({ resources: ResourcesSchema }).strict().default({ resources: { cpu: 4, ram: '8GB', disk: '20GB' } }),
    timeouts: z
      .object({ readyMs: z.number().int().positive().default(20_000), stepMs: z.number().int().positive().default(15_000) })
      .strict()
      .default({ readyMs: 20_000, stepMs: 15_000 }),
    heartbeatMs: z.number().int().positive().default(500),
    /**
     * `full`: every node connects to every other. A number: each node to about that many others
     * (a circulant graph: node i to i±1, i±2, i±4 …, so any two are a few hops apart), and nodes
     * hear of the others through their neighbours (relayed liveness) — a full mesh of fifty nodes
     * is 1,225 connections.
     */
    mesh: z.union([z.literal('full'), z.number().int().min(2)]).default('full'),
    nodes: z.array(NodeSchema).min(1),
    hosts: z.array(HostSchema).default([]),
  })
  .strict()
  .superRefine((env, ctx) => {
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
  })

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
