import { spawn } from 'node:child_process'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { eventually } from '../helpers/eventually.ts'

// The bundle the providers start (npm test builds it), not the sources: the node validates
// ensembles with zod/mini, which says only "Invalid input" unless the bundle gives it its messages.
describe('the reference node refuses a malformed ensemble', () => {
  let node: ReturnType<typeof spawn>
  let api = ''

  beforeAll(async () => {
    node = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/reference-node.mjs'), '--name', 'Solo', '--data-dir', tempTree(), '--api-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
    api = await new Promise<string>((resolve, reject) => {
      let out = ''
      node.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const ready = /ready: pid \d+ api (\S+)/.exec(out)
        if (ready) resolve(ready[1]!)
      })
      node.on('exit', (code) => reject(new Error(`the node exited (${code}) before it was ready:\n${out}`)))
    })
    await fetch(`${api}/onboard`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cpu: 2, ram: '4GB', disk: '10GB' }) })
  })
  afterAll(async () => {
    if (node?.exitCode !== null) return
    const exited = new Promise((resolve) => node.on('exit', resolve))
    node.kill('SIGTERM')
    await exited
  })

  const deploy = async (ensemble: string) => {
    const res = await fetch(`${api}/deployments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ensemble }) })
    return { status: res.status, body: (await res.json()) as { error?: string; id?: string } }
  }

  it('with a 400 that names each wrong field and what it must be', async () => {
    const { status, body } = await deploy('allocations:\n  web:\n    command: []\n    resources: { cpu: -1, ram: 1GB, disk: 1GB }\n')
    expect(status).toBe(400)
    expect(body.error).toBe('invalid ensemble: allocations.web.command: Too small: expected array to have >=1 items; allocations.web.resources.cpu: Too small: expected number to be >0')
    const missing = await deploy('allocations: 3\n')
    expect(missing).toEqual({ status: 400, body: { error: 'invalid ensemble: allocations: Invalid input: expected record, received number' } })
  })

  it('and runs a well-formed one', async () => {
    const { status, body } = await deploy(`allocations:\n  hello:\n    command: [${JSON.stringify(process.execPath)}, -e, "console.log('hi')"]\n    resources: { cpu: 1, ram: 1GB, disk: 1GB }\n`)
    expect(status).toBe(200)
    let seen = ''
    await eventually('the deployment to complete', async () => (seen = ((await (await fetch(`${api}/deployments/${body.id}`)).json()) as { status: string }).status) === 'completed', { seen: () => seen })
    expect(await (await fetch(`${api}/deployments/${body.id}/output`)).json()).toEqual({ output: 'hi\n' })
  })
})
