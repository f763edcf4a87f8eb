import { execFileSync } from 'node:child_process'

/** Node processes started on behalf of `parentPid`: every node gets --data-dir and --parent-pid. */
export function localLeftovers(parentPid = process.pid): number {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
  return ps.split('\n').filter((line) => line.includes('--data-dir') && line.includes(`--parent-pid ${parentPid}`)).length
}
