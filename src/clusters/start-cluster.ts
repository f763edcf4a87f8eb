import { existsSync, readFileSync } from 'node:fs'
import type { ClusterNode, StartedCluster } from './cluster-provider.ts'
import { tailOf } from './tail-of.ts'

/**
 * Starts a cluster so that it never leaks: aborting (a signal mid-start) or any failure tears
 * down whatever did start, then the error is passed on.
 */
export async function startOrTearDown<C extends StartedCluster>(cluster: C & { start(): Promise<void> }, signal: AbortSignal | undefined): Promise<C> {
  const onAbort = (): void => void cluster.down()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    signal?.throwIfAborted()
    await cluster.start()
    signal?.throwIfAborted()
    return cluster
  } catch (error) {
    await cluster.down()
    throw error
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

export function findNode<N extends ClusterNode>(nodes: readonly N[], name: string): N {
  const node = nodes.find((n) => n.name === name)
  if (!node) throw new Error(`no node named "${name}" in this cluster (nodes: ${nodes.map((n) => n.name).join(', ')})`)
  return node
}

/** The last lines of a node's log file ('' before it exists). */
export function logTail(file: string, lines: number): string {
  return existsSync(file) ? tailOf(readFileSync(file, 'utf8'), lines) : ''
}
