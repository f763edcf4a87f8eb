import { spawn } from 'node:child_process'
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { BIN } from './run-bin.ts'

/**
 * The crash-point harness every publisher's exactly-once test uses. A proxy in front of the
 * service (Testmo, GitLab, the results hub) numbers the requests of a command and, at the one it
 * is armed for, kills the command's whole process group (SIGKILL):
 *   - `before`: the request reached the proxy but not the service: nothing was applied;
 *   - `applied`: the service applied it and answered, the answer never reaches the command;
 *   - `answered`: the command got its answer and dies before recording it (the command's own
 *     crash point, BDD_MATRIX_CRASH_AFTER_ANSWER, in the shared request layer);
 *   - `waiting`: the proxy answers 429 with `Retry-After: 600` for the service (nothing applied);
 *     the command is killed when it says it waits to send it again (its retry line on stderr).
 * Then the same command is run again; the caller asserts the service holds everything once.
 */
export const BOUNDARIES = ['before', 'applied', 'answered', 'waiting'] as const
export type Boundary = (typeof BOUNDARIES)[number]

export class CrashProxy {
  private server?: Server
  /** requests seen since the last reset, in order */
  readonly seen: { method: string; path: string; status?: number }[] = []
  private armed?: { index: number; boundary: Boundary; kill: () => void }

  constructor(private readonly upstream: string, private readonly tls?: { key: Buffer; cert: Buffer }) {}

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server!.address() as AddressInfo).port}`
  }

  async start(): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res)
    this.server = this.tls ? createHttpsServer({ key: this.tls.key, cert: this.tls.cert }, handler) : createHttpServer(handler)
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    return this
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
  }

  /** The next command's requests are counted from 1; the one numbered `index` meets `boundary`. */
  arm(index: number, boundary: Boundary, kill: () => void): void {
    this.seen.length = 0
    this.armed = { index, boundary, kill }
  }

  disarm(): void {
    this.seen.length = 0
    this.armed = undefined
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const entry: { method: string; path: string; status?: number } = { method: req.method ?? '', path: req.url ?? '' }
    this.seen.push(entry)
    const armed = this.armed && this.armed.index === this.seen.length ? this.armed : undefined
    if (armed?.boundary === 'before') {
      armed.kill()
      return void req.socket.destroy()
    }
    if (armed?.boundary === 'waiting') {
      // as a busy service answers, at any request: the wait is longer than any test
      entry.status = 429
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '600' })
      return void res.end(JSON.stringify({ message: 'Too Many Requests' }))
    }
    const upstream = new URL(req.url ?? '/', this.upstream)
    const answer = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host }
      const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest
      const out = send(upstream, { method: req.method, headers, rejectUnauthorized: false }, (response) => {
        const parts: Buffer[] = []
        response.on('data', (d: Buffer) => parts.push(d))
        response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(parts) }))
      })
      out.on('error', reject)
      out.end(Buffer.concat(chunks))
    })
    entry.status = answer.status
    if (armed?.boundary === 'applied') {
      armed.kill()
      return void req.socket.destroy()
    }
    res.writeHead(answer.status, answer.headers)
    res.end(answer.body)
  }
}

export interface CommandRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * `bdd-matrix ARGS` in its own process group, so a kill takes all of it; `onStart` gets the
 * function that kills the group (SIGKILL).
 */
export function runGroup(args: string[], options: { cwd: string; env: Record<string, string>; onStart?: (kill: () => void) => void; /** the group is killed when stderr first matches */ killOn?: RegExp }): Promise<CommandRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    child.stderr.on('data', (d: Buffer) => {
      const seen = stderr
      stderr += d.toString()
      if (options.killOn && !options.killOn.test(seen) && options.killOn.test(stderr)) kill()
    })
    options.onStart?.(kill)
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/**
 * Runs a command once to count its requests, then for each boundary and each request number: the
 * command killed there, run again to the end, and `check` of the service's state (exactly once).
 * `prepare` starts each round from a clean slate (a fresh journal, a new merge request…).
 */
export async function everyCrashPoint(options: {
  proxy: CrashProxy
  /** where each request is killed (default: every boundary) */
  boundaries?: readonly Boundary[]
  command: (round: string) => Command
  prepare?: (round: string) => void | Promise<void>
  check: (round: string, runs: { killed: CommandRun; rerun: CommandRun }) => void | Promise<void>
  /** between the kill and the rerun (e.g. the journal lost, as a retried CI job starts without it) */
  beforeRerun?: (round: string) => void
  /** requests an uninterrupted run makes: counted by a first run when not given */
  requests?: number
  /**
   * every round's command gets as far as its point and is killed there (default); false where a
   * round may ask less than the first run (a pull into a folder that holds the build) — a run not
   * killed must then have succeeded
   */
  everyPointReached?: boolean
}): Promise<{ rounds: number; requests: number }> {
  const { proxy } = options
  let requests = options.requests
  if (requests === undefined) {
    await options.prepare?.('count')
    proxy.disarm()
    const { args, cwd, env } = options.command('count')
    const clean = await runGroup(args, { cwd, env })
    if (clean.code !== 0) throw new Error(`the uninterrupted run failed (exit ${clean.code}): ${clean.stderr}`)
    requests = proxy.seen.length
    await options.check('count', { killed: clean, rerun: clean })
  }
  let rounds = 0
  for (const boundary of options.boundaries ?? BOUNDARIES)
    for (let index = 1; index <= requests; index++) {
      const round = `${boundary}-${index}`
      await options.prepare?.(round)
      const { args, cwd, env } = options.command(round)
      const killed = await killedAt(proxy, { args, cwd, env }, { index, boundary })
      if (killed.signal !== 'SIGKILL' && (options.everyPointReached ?? true)) throw new Error(`round ${round}: the command was to be killed, and ended (exit ${killed.code}): ${killed.stderr}`)
      if (killed.signal !== 'SIGKILL' && killed.code !== 0) throw new Error(`round ${round}: a run not killed failed (exit ${killed.code}): ${killed.stderr}`)
      options.beforeRerun?.(round)
      const rerun = await runGroup(args, { cwd, env })
      if (rerun.code !== 0) throw new Error(`round ${round}: the run after the kill failed (exit ${rerun.code}): ${rerun.stderr}`)
      await options.check(round, { killed, rerun })
      rounds++
    }
  return { rounds, requests }
}

/** the line of the shared request layer (reporters/retrying-request.ts) as a command starts waiting out the proxy's 429 */
const WAITING = /: HTTP 429, retrying in 600 s$/m

/** A command line of bdd-matrix, where and with what environment it runs. */
export interface Command {
  args: string[]
  cwd: string
  env: Record<string, string>
}

/** Where one process is killed: at the `index`th request it makes, at `boundary`. */
export interface KillPoint {
  index: number
  boundary: Boundary
}

/** The command run once, killed at `point` (when it gets that far: a resumed command may make fewer requests). */
export async function killedAt(proxy: CrashProxy, command: Command, point: KillPoint): Promise<CommandRun> {
  const { args, cwd, env } = command
  let kill: () => void = () => {}
  proxy.arm(point.index, point.boundary, () => kill())
  const killed = await runGroup(args, {
    cwd,
    env: point.boundary === 'answered' ? { ...env, BDD_MATRIX_CRASH_AFTER_ANSWER: String(point.index) } : env,
    onStart: (k) => (kill = k),
    ...(point.boundary === 'waiting' ? { killOn: WAITING } : {}),
  })
  proxy.disarm()
  return killed
}

/**
 * A sequence of kills and reruns: the same command killed at each point in turn, each run
 * resuming what the one before left, then run once more to its end. A run that got to its end
 * before its point (a resumed command makes fewer requests) must have succeeded, as the last.
 */
export async function killedInTurn(proxy: CrashProxy, command: Command, points: KillPoint[], options: { /** after the run killed at points[i] */ between?: (i: number) => void } = {}): Promise<{ killed: CommandRun[]; final: CommandRun }> {
  const killed: CommandRun[] = []
  for (const point of points) {
    const run = await killedAt(proxy, command, point)
    if (run.signal === null && run.code !== 0) throw new Error(`after kills at ${points.slice(0, killed.length).map((p) => `${p.boundary} ${p.index}`).join(', ') || 'none'}: a run not killed failed (exit ${run.code}): ${run.stderr}`)
    options.between?.(killed.length)
    killed.push(run)
  }
  const final = await runGroup(command.args, command)
  if (final.code !== 0) throw new Error(`after kills at ${points.map((p) => `${p.boundary} ${p.index}`).join(', ')}: the last run failed (exit ${final.code}): ${final.stderr}`)
  return { killed, final }
}

/** Sequences of two to `most` kill points among a command's first `requests` requests, for fast-check. */
export function killSequences(requests: number, most = 3): fc.Arbitrary<KillPoint[]> {
  return fc.array(fc.record({ index: fc.integer({ min: 1, max: requests }), boundary: fc.constantFrom<KillPoint['boundary']>(...BOUNDARIES) }), { minLength: 2, maxLength: most })
}
