import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ingestFile } from '../../src/results/ingest-file.ts'
import type { IngestContext, IngestOutcome } from '../../src/results/ingest-types.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'

// The worker exists only compiled (npm test builds dist/ first): by tsc for the modules, and
// bundled beside the CLI (dist/cli/ingest-worker.js), which is the one the CLI starts.
type InWorker = (file: string, ctx: IngestContext, options?: { thresholdBytes?: number }) => Promise<IngestOutcome>
const compiled = async (): Promise<InWorker> => (await import(pathToFileURL(path.join(PROJECT_ROOT, 'dist/src/results/ingest-file.js')).href)).ingestLargeFileInWorker
const MESSAGES = path.join(PROJECT_ROOT, 'test/fixtures/messages')
const ctx = (resultsDir: string): IngestContext => ({ build: 'v0.5.0-rc1', environment: 'local', stage: 'acceptance', resultsDir })

describe('ingesting a large file in a worker thread', () => {
  it('writes the same results as ingesting in-process (the run id from the input hashed by this thread meanwhile)', async () => {
    const inWorker = await compiled()
    // a Cucumber JSON report too, in godog's shape
    const step = (status: string) => ({ keyword: 'Given ', name: 'a step', line: 4, match: { location: 'steps_test.go:9' }, result: { status, duration: 1000 } })
    const scenarios = ['passed', 'failed'].map((status, i) => ({ id: `a;s${i}`, keyword: 'Scenario', name: `s${i}`, line: 3 + i * 3, type: 'scenario', tags: [{ name: '@feature:p2p-network', line: 1 }], steps: [step(status)] }))
    const godog = path.join(tempTree({ 'godog.json': JSON.stringify([{ uri: 'features/a.feature', id: 'a', keyword: 'Feature', name: 'A', line: 2, elements: scenarios }], null, 2) }), 'godog.json')
    for (const input of [...['flaky.ndjson', 'failing.ndjson', 'go-unit.xml'].map((f) => path.join(MESSAGES, f)), godog]) {
      const viaWorker = await inWorker(input, ctx(tempTree()), { thresholdBytes: 0 })
      const inProcess = await ingestFile(input, ctx(tempTree()))
      expect(viaWorker.cases).toBeGreaterThan(0)
      expect({ ...viaWorker, path: undefined }).toEqual({ ...inProcess, path: undefined })
      expect(readFileSync(viaWorker.path!, 'utf8')).toBe(readFileSync(inProcess.path!, 'utf8'))
    }
  })

  it('hands back the error of a file it cannot read, with its code', async () => {
    const inWorker = await compiled()
    const dir = tempTree({ 'a-folder/x.txt': 'x' })
    await expect(inWorker(path.join(dir, 'a-folder'), ctx(tempTree()), { thresholdBytes: 0 })).rejects.toMatchObject({ code: 'EISDIR' })
  })

  it('runs bundled beside the CLI: the worker the command line starts writes the same results', async () => {
    const input = path.join(MESSAGES, 'flaky.ndjson')
    const resultsDir = tempTree()
    const answer = await new Promise<{ outcome?: IngestOutcome }>((resolve, reject) => {
      const worker = new Worker(path.join(PROJECT_ROOT, 'dist/cli/ingest-worker.js'), { workerData: { file: input, ctx: ctx(resultsDir) } })
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    const inProcess = await ingestFile(input, ctx(tempTree()))
    expect(answer.outcome?.cases).toBe(inProcess.cases)
    expect(readFileSync(answer.outcome!.path!, 'utf8')).toBe(readFileSync(inProcess.path!, 'utf8'))
  })
})
