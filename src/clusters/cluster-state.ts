import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { writeFileAtomically, makeDirectory } from '../files.ts'
import path from 'node:path'
import { UserError } from '../errors.ts'
import type { NodeSpec } from './node-spec.ts'

/** What `cluster up` leaves behind for `ls`, `down`, `logs` and `run --cluster`. */
export interface ClusterState {
  name: string
  /** the environment file the cluster was started from */
  envFile: string
  provider: string
  status: 'starting' | 'up' | 'failed'
  error?: string
  /** the process that owns the cluster (its nodes, containers, SSH sessions) */
  keeperPid: number
  /** the keeper's control API on loopback (faults, logs), with its bearer token */
  control?: { url: string; token: string }
  slot: number
  createdAt: string
  logDir: string
  nodes: { name: string; spec: NodeSpec; host: string; peerId: string; addrs: string[]; apiUrl: string; localAddress?: string; logFile: string; clientModule?: string }[]
}

export const clustersDir = (root: string): string => path.join(root, '.bdd-matrix', 'clusters')
export const statePath = (root: string, name: string): string => path.join(clustersDir(root), `${name}.json`)

export function checkClusterName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(name)) throw new UserError('BAD_OPTION', `--name "${name}": a cluster name is lower-case letters, digits and -, up to 40 characters`)
}

/** Written whole or not at all; readable by its owner only (it holds the control token). */
export function writeState(root: string, state: ClusterState): void {
  makeDirectory(clustersDir(root))
  writeFileAtomically(statePath(root, state.name), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 })
}

export function readState(root: string, name: string): ClusterState | undefined {
  const file = statePath(root, name)
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterState
  } catch {
    throw new UserError('CLUSTER_STATE', `${path.relative(root, file)}: not a cluster state file; remove it`)
  }
}

export function listStates(root: string): ClusterState[] {
  if (!existsSync(clustersDir(root))) return []
  return readdirSync(clustersDir(root))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      const state = readState(root, f.replace(/\.json$/, ''))
      return state ? [state] : []
    })
}

export function removeState(root: string, name: string): void {
  rmSync(statePath(root, name), { force: true })
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM'
  }
}

/**
 * A slot no live cluster of this project uses: local nodes take addresses 127.<100+slot>.x.y, so
 * two clusters up at once never share an address. Cucumber workers use slots from 0; kept
 * clusters take them from 60.
 */
export function freeSlot(root: string): number {
  const used = new Set(listStates(root).filter((s) => processAlive(s.keeperPid)).map((s) => s.slot))
  for (let slot = 60; slot < 150; slot++) if (!used.has(slot)) return slot
  throw new UserError('CLUSTER_SLOTS', 'ninety clusters are up: bring some down first (bdd-matrix cluster down --all)')
}

/** A kept cluster's node as it answers now: its status, or why it does not answer. */
export async function nodeStatus(node: ClusterState['nodes'][number], timeoutMs: number, root: string): Promise<import('./node-client.ts').NodeStatus | Error> {
  const client = await stateNodeClient(node, timeoutMs, root)
  try {
    return await client.status()
  } catch (error) {
    return error as Error
  } finally {
    client.close()
  }
}

/** A client for a kept cluster's node: the reference client, or the environment's own module. */
export async function stateNodeClient(node: ClusterState['nodes'][number], timeoutMs: number, root: string): Promise<import('./node-program.ts').ProviderNodeClient> {
  const { loadClientFactory } = await import('./node-program.ts')
  const factory = await loadClientFactory(node.clientModule ?? 'reference', root)
  return factory({ name: node.name, baseUrl: node.apiUrl, ...(node.localAddress ? { localAddress: node.localAddress } : {}), timeoutMs })
}
