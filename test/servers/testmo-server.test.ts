import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import https from 'node:https'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { LocalTestmo } from './testmo-server.ts'
import { BIN_DEADLINE_MS, PROJECT_ROOT } from '../helpers/run-bin.ts'

const TOKEN = 'testmo-SECRET-token-abcdef'
const TESTMO = path.join(PROJECT_ROOT, 'node_modules/.bin/testmo')
const GOLDEN = path.join(PROJECT_ROOT, 'test/fixtures/golden')
const UNIT = path.join(PROJECT_ROOT, 'test/fixtures/messages/go-unit.xml')

describe('the local Testmo server is faithful: the official testmo CLI 1.4.5 works against it', () => {
  let testmo: LocalTestmo
  beforeAll(async () => {
    testmo = await new LocalTestmo({ token: TOKEN, projects: [1, 7] }).start()
  })
  afterAll(async () => {
    await testmo.stop()
  })

  // Asynchronous: the server answers from this very process, so a blocking spawn would deadlock.
  const cli = (args: string[], token = TOKEN) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [TESTMO, ...args, '--instance', testmo.url], { env: { ...process.env, TESTMO_TOKEN: token, NODE_EXTRA_CA_CERTS: testmo.certificateFile, CI: 'true' } })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      // a deadline for a hung CLI: the failure then says it was killed
      const timer = setTimeout(() => {
        stderr += `\n[killed by the test after ${BIN_DEADLINE_MS / 1000} s]`
        child.kill('SIGKILL')
      }, BIN_DEADLINE_MS)
      child.on('exit', (status) => {
        clearTimeout(timer)
        resolve({ status, stdout, stderr })
      })
    })

  it('records a complete, correct run from automation:run:submit', async () => {
    const result = await cli(['automation:run:submit', '--project-id', '1', '--name', 'Nightly BDD', '--source', 'bdd-matrix', '--results', path.join(GOLDEN, 'junit-rc1.xml'), UNIT, '--tags', 'nightly', '--config', 'local', '--milestone', 'DMS 0.5'])
    expect(result.status, result.stdout + result.stderr).toBe(0)
    const run = [...testmo.runs.values()].at(-1)!
    expect(run.body).toMatchObject({ name: 'Nightly BDD', source: 'bdd-matrix', tags: ['nightly'], config: 'local', milestone: 'DMS 0.5' })
    expect(run.completed).toBe(true)
    expect(run.measureElapsed).toBe(false)
    const junitCases = [readFileSync(path.join(GOLDEN, 'junit-rc1.xml'), 'utf8'), readFileSync(UNIT, 'utf8')].reduce((n, xml) => n + (xml.match(/<testcase /g) ?? []).length, 0)
    const tests = testmo.testsOf(run.id)
    expect(tests).toHaveLength(junitCases)
    expect(tests.filter((t) => t.status === 'failure').map((t) => t.name).sort()).toEqual(['TestOnboard/too_little_ram', 'a flaky check passes on its second attempt [local]'])
    expect(tests.find((t) => t.name === 'TestGPU')).toMatchObject({ status: 'skipped', folder: 'node' })
    expect(tests.find((t) => t.name.startsWith('number 1 is counted'))).toMatchObject({ status: 'passed', folder: 'Numbers', file: 'features/numbers.feature' })
    expect(tests.every((t) => /^[a-z0-9]{64}$/.test(t.key))).toBe(true)
  })

  it('records the parallel flow: create, one thread per job, complete', async () => {
    const create = await cli(['automation:run:create', '--project-id', '7', '--name', 'Sharded', '--source', 'bdd-matrix'])
    expect(create.status, create.stderr).toBe(0)
    const runId = create.stdout.trim()
    expect(runId).toMatch(/^\d+$/)
    for (const file of [path.join(GOLDEN, 'junit-rc2.xml'), UNIT]) expect((await cli(['automation:run:submit-thread', '--run-id', runId, '--results', file])).status).toBe(0)
    expect((await cli(['automation:run:complete', '--run-id', runId])).status).toBe(0)
    const run = testmo.runs.get(Number(runId))!
    expect(run.threads).toHaveLength(2)
    expect(run.threads.every((t) => testmo.threads.get(t)!.completed)).toBe(true)
    expect(run).toMatchObject({ completed: true, measureElapsed: true })
  })

  it('refuses a wrong token the way Testmo does, and the CLI says so', async () => {
    const result = await cli(['automation:run:submit', '--project-id', '1', '--name', 'x', '--source', 'bdd-matrix', '--results', UNIT], 'wrong')
    expect(result.status).toBe(1)
    expect(result.stdout + result.stderr).toMatch(/401[\s\S]*Please verify your Testmo API token/)
  })

  it('validates bodies as the API documents them (422 with field errors)', async () => {
    const post = (p: string, body: unknown) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = https.request(`${testmo.url}${p}`, { method: 'POST', ca: readFileSync(testmo.certificateFile), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }, (res) => {
          let text = ''
          res.on('data', (d) => (text += d))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        })
        req.on('error', reject)
        req.end(JSON.stringify(body))
      })
    expect((await post('/api/v1/projects/1/automation/runs', { name: 'no source' })).status).toBe(422)
    expect((await post('/api/v1/projects/99/automation/runs', { name: 'n', source: 's' })).status).toBe(404)
    const { body } = await post('/api/v1/projects/1/automation/runs', { name: 'n', source: 's' })
    const thread = JSON.parse((await post(`/api/v1/automation/runs/${JSON.parse(body).id}/threads`, {})).body).id
    const bad = await post(`/api/v1/automation/runs/threads/${thread}/append`, { tests: [{ key: 'UPPER', name: 'n', status: 'weird', folder: 'f', elapsed: 1.5 }] })
    expect(bad.status).toBe(422)
    expect(Object.keys(JSON.parse(bad.body).errors).sort()).toEqual(['tests.0.elapsed', 'tests.0.key', 'tests.0.status'])
    expect(testmo.log.every((l) => !JSON.stringify(l).includes(TOKEN))).toBe(true)
  })
})
