import { Given, When, Then, type DataTable } from '@cucumber/cucumber'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse, stringify } from 'yaml'
import { waitFor } from '../src/clusters/prepare-cluster.ts'
import type { MatrixWorld } from './support/world.ts'

function ensemble(file: string, cpu?: number): string {
  const text = readFileSync(path.join(process.cwd(), 'features', 'ensembles', file), 'utf8')
  if (cpu === undefined) return text
  const doc = parse(text) as { allocations: Record<string, { resources: { cpu: number } }> }
  for (const allocation of Object.values(doc.allocations)) allocation.resources.cpu = cpu
  return stringify(doc)
}

async function deploy(world: MatrixWorld, by: string, text: string, target?: string): Promise<void> {
  await world.attempt(() => world.client(by).deploy(text, target ? world.node(target).peerId : undefined))
  if (world.last.value) world.deployment = { ...(world.last.value as { id: string; node: string }), by }
}

Given('{string} is onboarded with:', async function (this: MatrixWorld, name: string, table: DataTable) {
  const [row] = table.hashes()
  await this.client(name).onboard({ cpu: Number(row!.CPU), ram: row!.RAM!, disk: row!.Disk! })
})

Given('{string} has deployed {string} on {string}', async function (this: MatrixWorld, by: string, file: string, target: string) {
  this.freeBefore = (await this.client(target).status()).free
  await deploy(this, by, ensemble(file), target)
  assert.ifError(this.last.error)
})

When('{string} submits a deployment requiring {int} CPU, {word} RAM and {word} Disk to {string}', async function (this: MatrixWorld, by: string, cpu: number, ram: string, disk: string, target: string) {
  const text = stringify({ allocations: { job: { command: ['node', '-e', "console.log('job')"], resources: { cpu, ram, disk } } } })
  await deploy(this, by, text, target)
})

When('{string} deploys {string} requiring {int} CPU to the network', async function (this: MatrixWorld, by: string, file: string, cpu: number) {
  await deploy(this, by, ensemble(file, cpu))
  assert.ifError(this.last.error)
})

When('{string} deployment is completed', async function (this: MatrixWorld, by: string) {
  const { id } = this.deployment!
  const status = await waitFor(
    async () => {
      const s = await this.client(by).deployment(id)
      if (s.status === 'running') throw new Error('still running')
      return s
    },
    { timeoutMs: 20_000, intervalMs: 100, what: `deployment ${id}` },
  )
  assert.equal(status.status, 'completed', `deployment ended ${status.status}: ${await this.client(by).deploymentLogs(id)}`)
})

Then('{string} ensemble should return {string}', async function (this: MatrixWorld, by: string, expected: string) {
  assert.equal((await this.client(by).deploymentOutput(this.deployment!.id)).trim(), expected)
})

When('{string} cancels the deployment', async function (this: MatrixWorld, by: string) {
  await this.client(by).cancelDeployment(this.deployment!.id)
})

Then('the deployment should be cancelled', async function (this: MatrixWorld) {
  const { id, by } = this.deployment!
  assert.equal((await this.client(by).deployment(id)).status, 'cancelled')
})

Then('the free resources of {string} should be as before the deployment', async function (this: MatrixWorld, name: string) {
  assert.deepEqual((await this.client(name).status()).free, this.freeBefore)
})

Then('the deployment should be rejected due to insufficient resources', function (this: MatrixWorld) {
  assert.ok(this.last.error, 'the deployment was accepted')
  assert.match(this.last.error.message, /insufficient resources/)
})

Then('the deployment should run on {string}', async function (this: MatrixWorld, name: string) {
  assert.equal(this.deployment!.node, this.node(name).peerId, `the deployment landed on another node than ${name}`)
})

Then('{string} should report a machine benchmark', async function (this: MatrixWorld, name: string) {
  const { benchmark } = await this.client(name).status()
  assert.ok(benchmark && benchmark.hashesPerSecond > 0, `${name} reports no benchmark`)
})

Then('the benchmark of {string} should be stored in its database', async function (this: MatrixWorld, name: string) {
  const stored = (await this.client(name).kvGet('benchmark')) as { hashesPerSecond?: number }
  assert.ok(stored?.hashesPerSecond && stored.hashesPerSecond > 0, `no benchmark stored in ${name}'s database`)
})
