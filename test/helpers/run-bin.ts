import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(PROJECT_ROOT, 'bin/bdd-matrix.js')

/** How long a command may run before the helper gives up on it: a deadline for a hung child, not a time window. */
export const BIN_DEADLINE_MS = 240_000

/**
 * Runs the real `bdd-matrix` executable as a user would. A child still running at the deadline
 * is killed, and the test fails saying so, with the time it ran and what it printed.
 */
export function runBin(args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }) {
  const started = Date.now()
  const timeout = options.timeoutMs ?? BIN_DEADLINE_MS
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd, encoding: 'utf8', env: { ...process.env, ...options.env }, timeout, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 })
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT')
    throw new Error(`bdd-matrix ${args.join(' ')}: killed by the test helper after ${((Date.now() - started) / 1000).toFixed(1)} s (its deadline is ${timeout / 1000} s); it printed:\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`)
  if (result.error) throw result.error
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/**
 * runBin without blocking: for commands that talk to a server running in the test's own process
 * (spawnSync would stop its event loop). Same deadline, same environment.
 */
export function runBinAsync(args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const timeout = options.timeoutMs ?? BIN_DEADLINE_MS
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const deadline = setTimeout(() => child.kill('SIGKILL'), timeout)
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(deadline)
      if (signal === 'SIGKILL' && Date.now() - started >= timeout)
        reject(new Error(`bdd-matrix ${args.join(' ')}: killed by the test helper after ${((Date.now() - started) / 1000).toFixed(1)} s (its deadline is ${timeout / 1000} s); it printed:\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`))
      else resolve({ code, stdout, stderr })
    })
  })
}

function tail(text: string | null): string {
  return (text ?? '').split('\n').slice(-40).join('\n')
}
