import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(PROJECT_ROOT, 'bin/bdd-matrix.js')

/** Runs the real `bdd-matrix` executable as a user would. */
export function runBin(args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd, encoding: 'utf8', env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 60_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}
