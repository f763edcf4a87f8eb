import { UserError } from '../errors.ts'

export interface Shard {
  index: number
  total: number
}

/**
 * `--shard i/n`, or GitLab's CI_NODE_INDEX/CI_NODE_TOTAL of a `parallel:` job. cucumber-js
 * silently runs nothing for an index beyond the total, so bdd-matrix refuses it.
 */
export function shardFrom(option: string | undefined, env: Record<string, string | undefined>): Shard | undefined {
  const text = option ?? (env.CI_NODE_INDEX && env.CI_NODE_TOTAL ? `${env.CI_NODE_INDEX}/${env.CI_NODE_TOTAL}` : undefined)
  if (text === undefined) return undefined
  const source = option !== undefined ? '--shard' : 'CI_NODE_INDEX/CI_NODE_TOTAL'
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  if (!match) throw new UserError('BAD_SHARD', `${source} "${text}": write the shard as INDEX/TOTAL, e.g. 2/4`)
  const index = Number(match[1])
  const total = Number(match[2])
  if (total < 1 || index < 1 || index > total) throw new UserError('BAD_SHARD', `${source} "${text}": the index must be between 1 and the total (${total}), or the shard would run nothing`)
  return { index, total }
}
