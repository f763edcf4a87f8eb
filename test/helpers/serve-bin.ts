import { spawn, type ChildProcess } from 'node:child_process'
import { BIN } from './run-bin.ts'

/** `bdd-matrix serve --port 0` as a user starts it; resolves with the address it printed. */
export function serveBin(cwd: string, options: { args?: string[]; env?: Record<string, string>; stderr?: 'pipe' | 'inherit' } = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...(options.args ?? [])], { cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', options.stderr ?? 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /hub on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)
      if (m) resolve({ child, url: m[1]! })
    })
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)))
  })
}
