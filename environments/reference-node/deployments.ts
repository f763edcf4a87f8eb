import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { parse } from 'yaml'
// zod/mini, not zod: the node's bundle is compiled at every node's start, and classic zod (with
// every locale) was a third of it: 30 ms of CPU and 3 MB a node. Mini has no messages until given one.
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { NONE, add, fits, megabytes, shortfall, subtract, type Resources } from './resources.ts'

z.config(en())

const AllocationSchema = z.object({
  command: z.array(z.string()).check(z.minLength(1)),
  resources: z.object({ cpu: z.number().check(z.positive()), ram: z.union([z.string(), z.number()]), disk: z.union([z.string(), z.number()]) }),
})
/** A small "ensemble": named allocations, each a command with the resources it requires. */
const EnsembleSchema = z.object({ allocations: z.record(z.string(), AllocationSchema) })

export interface Allocation {
  name: string
  command: string[]
  resources: Resources
}

export type DeploymentStatus = 'running' | 'completed' | 'failed' | 'cancelled'

interface Running {
  id: string
  status: DeploymentStatus
  allocations: { name: string; process: ChildProcess; exitCode?: number | null }[]
  reserved: Resources
  output: string
  logs: string
  startedAt: string
  finishedAt?: string
}

export class InsufficientResources extends Error {}

export function parseEnsemble(text: string): Allocation[] {
  const parsed = EnsembleSchema.safeParse(parse(text))
  if (!parsed.success) throw new Error(`invalid ensemble: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return Object.entries(parsed.data.allocations).map(([name, a]) => ({
    name,
    command: a.command,
    resources: { cpu: a.resources.cpu, ramMb: megabytes(a.resources.ram), diskMb: megabytes(a.resources.disk) },
  }))
}

export const requirementsOf = (allocations: Allocation[]): Resources => allocations.reduce((sum, a) => add(sum, a.resources), NONE)

/**
 * Each job runs under a small supervisor whose stdin is a pipe from this node: when the node dies,
 * even by SIGKILL, the pipe closes and the supervisor kills the job's process group — as a DMS
 * node's jobs do not outlive it. SIGTERM (cancel) does the same. The job's exit code is passed on;
 * a command that cannot be started exits 127 with the reason on stderr.
 */
const SUPERVISOR = `
const [command, ...args] = process.argv.slice(1)
const job = require('node:child_process').spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true })
const stop = () => { try { process.kill(-job.pid, 'SIGKILL') } catch {} process.exit(137) }
job.on('error', (error) => { process.stderr.write(error.message + '\\n'); process.exit(127) })
job.on('exit', (code, signal) => process.exit(code ?? 128 + (require('node:os').constants.signals[signal] ?? 0)))
process.stdin.on('end', stop).on('error', stop).resume()
process.on('SIGTERM', stop)
`

/** Runs deployments as child processes, holding their resources until they end. */
export class Deployments {
  private readonly running = new Map<string, Running>()
  private capacity: Resources | undefined

  constructor(private readonly log: (line: string) => void) {}

  /** Declared resources of an onboarded node; undefined when offboarded. */
  setCapacity(capacity: Resources | undefined): void {
    this.capacity = capacity
  }

  get onboarded(): boolean {
    return this.capacity !== undefined
  }

  free(): Resources {
    if (!this.capacity) return NONE
    const used = [...this.running.values()].filter((d) => d.status === 'running').reduce((sum, d) => add(sum, d.reserved), NONE)
    return subtract(this.capacity, used)
  }

  start(ensemble: string): string {
    if (!this.capacity) throw new InsufficientResources('node is not onboarded: it accepts no deployments')
    const allocations = parseEnsemble(ensemble)
    const need = requirementsOf(allocations)
    if (!fits(need, this.free())) throw new InsufficientResources(`insufficient resources: ${shortfall(need, this.free())}`)
    const id = randomUUID()
    const deployment: Running = { id, status: 'running', allocations: [], reserved: need, output: '', logs: '', startedAt: new Date().toISOString() }
    this.running.set(id, deployment)
    for (const allocation of allocations) {
      const [command, ...args] = allocation.command
      const child = spawn(process.execPath, ['-e', SUPERVISOR, '--', command!, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
      const entry: Running['allocations'][number] = { name: allocation.name, process: child }
      deployment.allocations.push(entry)
      child.stdout.on('data', (chunk: Buffer) => (deployment.output += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (deployment.logs += chunk.toString()))
      child.on('error', (error) => {
        deployment.logs += `${error.message}\n`
        entry.exitCode = -1
        this.settle(deployment)
      })
      child.on('exit', (code) => {
        entry.exitCode = code
        this.settle(deployment)
      })
    }
    this.log(`deployment ${id} started: ${allocations.map((a) => a.name).join(', ')}`)
    return id
  }

  status(id: string): { id: string; status: DeploymentStatus; startedAt: string; finishedAt?: string; allocations: { name: string; exitCode?: number | null }[] } {
    const d = this.get(id)
    return { id, status: d.status, startedAt: d.startedAt, ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}), allocations: d.allocations.map((a) => ({ name: a.name, ...(a.exitCode !== undefined ? { exitCode: a.exitCode } : {}) })) }
  }

  output(id: string): string {
    return this.get(id).output
  }

  logs(id: string): string {
    return this.get(id).logs
  }

  cancel(id: string): void {
    const d = this.get(id)
    if (d.status !== 'running') return
    d.status = 'cancelled'
    d.finishedAt = new Date().toISOString()
    // The supervisor kills the job's whole process group, then exits.
    for (const a of d.allocations) if (a.exitCode === undefined) a.process.kill('SIGTERM')
    this.log(`deployment ${id} cancelled`)
  }

  cancelAll(): void {
    for (const id of this.running.keys()) this.cancel(id)
    this.running.clear()
  }

  private settle(d: Running): void {
    if (d.status !== 'running' || d.allocations.some((a) => a.exitCode === undefined)) return
    d.status = d.allocations.every((a) => a.exitCode === 0) ? 'completed' : 'failed'
    d.finishedAt = new Date().toISOString()
    this.log(`deployment ${d.id} ${d.status}`)
  }

  private get(id: string): Running {
    const d = this.running.get(id)
    if (!d) throw new NotFound(`no deployment ${id}`)
    return d
  }
}

export class NotFound extends Error {}
