import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { tempTree } from '../helpers/temp-tree.ts'

// @ts-expect-error the bin's own module (plain JavaScript, loaded before anything is built)
import { STREAMING_COMMANDS } from '../../bin/young-generation.js'

const url = (file: string) => pathToFileURL(path.join(PROJECT_ROOT, file)).href

/**
 * Runs `setup` (a module's body) in a new process, then makes garbage with some of it kept a
 * while, as merging and writing reports do; returns its young generation's size in MB.
 */
const youngGenerationAfter = (setup: string, args: string[] = []): number => {
  const script = `import { getHeapSpaceStatistics } from 'node:v8'
${setup}
let kept = []
for (let i = 0; i < 2e6; i++) { kept.push({ i, name: 'case ' + i }); if (kept.length > 50000) kept = [] }
console.log(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576)
`
  const dir = tempTree({ 'process.mjs': script })
  const run = spawnSync(process.execPath, [path.join(dir, 'process.mjs'), ...args], { encoding: 'utf8' })
  expect(run.stderr).toBe('')
  return Number(run.stdout.trim())
}

// A process started as `bdd-matrix <command>` starts, that may ingest a file in the worker thread
// the CLI uses (the compiled one: npm test builds first).
const youngGenerationMb = (command: string, withWorker: boolean): number =>
  youngGenerationAfter(
    `import { keepYoungGenerationSmall } from '${url('bin/young-generation.js')}'
keepYoungGenerationSmall(process.argv[2])
if (process.argv[3]) {
  const { ingestLargeFileInWorker } = await import('${url('dist/src/results/ingest-file.js')}')
  const outcome = await ingestLargeFileInWorker(process.argv[3], { build: 'v1', environment: 'local', stage: 'acceptance', resultsDir: process.argv[4] }, { thresholdBytes: 0 })
  if (!outcome.cases) throw new Error('nothing ingested')
}`,
    [command, ...(withWorker ? [path.join(PROJECT_ROOT, 'test/fixtures/messages/flaky.ndjson'), path.join(tempTree(), 'results')] : [])],
  )

describe('the young generation of commands that stream results', () => {
  it('stays at its first size through an ingest worker’s start, where V8 resets the flag; other commands keep V8’s default growth', () => {
    // 1 MB semi-spaces, 2 MB in all (V8 counts both); V8 grows a busy one to 16 MB each
    expect(youngGenerationMb('ingest', true)).toBeLessThanOrEqual(2)
    expect(youngGenerationMb('matrix', false)).toBeLessThanOrEqual(2)
    expect(youngGenerationMb('publish', false)).toBeGreaterThan(2)
  })

  it('grows for an input past a gigabyte, where the time lost to a small nursery shows', () => {
    const churnAfter = (bytes: number): number =>
      youngGenerationAfter(`import { keepYoungGenerationSmall, sizeYoungGenerationFor } from '${url('dist/src/young-generation.js')}'
keepYoungGenerationSmall()
sizeYoungGenerationFor(${bytes})`)
    expect(churnAfter(1024 ** 3)).toBeLessThanOrEqual(2)
    expect(churnAfter(1024 ** 3 + 1)).toBeGreaterThan(2)
  })

  it('names commands the CLI has', async () => {
    const help = (await runCliInProcess(['--help'], { cwd: tempTree() })).stdout
    const commands = new Set([...help.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]))
    for (const command of STREAMING_COMMANDS as Set<string>) expect(commands, command).toContain(command)
  })
})
