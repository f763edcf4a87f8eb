import fc from 'fast-check'
import { readFileSync, truncateSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { MODEL_VERSION, type Case, type Run, type Status } from '../../src/model/results.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { PreparedCases } from '../../src/results/prepared-cases.ts'
import { ResultsWriter, headerRoomFor } from '../../src/results/results-writer.ts'
import type { IngestContext, IngestOutcome } from '../../src/results/ingest-types.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'

const STATUSES: Status[] = ['passed', 'failed', 'skipped', 'pending', 'undefined']

const aCase = fc.record({
  id: fc.constantFrom('c1', 'c2', 'c3', 'c4'),
  status: fc.constantFrom(...STATUSES),
  flaky: fc.boolean(),
  steps: fc.array(fc.record({ text: fc.string({ maxLength: 8 }), status: fc.constantFrom(...STATUSES) }), { maxLength: 3 }),
  tags: fc.array(fc.constantFrom('@feature:a', '@wip', '@env:local'), { maxLength: 2 }),
})
// room kept for the header: none, too little (the header is copied in front), enough (written in place)
const aRun = fc.record({ build: fc.constantFrom('v1', 'v2'), environment: fc.constantFrom('local', 'docker'), minute: fc.integer({ min: 0, max: 50 }), cases: fc.array(aCase, { maxLength: 12 }), room: fc.constantFrom(0, 64, 4096) })

function runOf(i: number, r: { build: string; environment: string; minute: number }): Run {
  return { kind: 'run', modelVersion: MODEL_VERSION, id: `run-${i}`, build: r.build, milestone: 'm', stage: 'acceptance', environment: r.environment, startedAt: new Date(Date.UTC(2026, 0, 1, 0, r.minute)).toISOString(), finishedAt: new Date(Date.UTC(2026, 0, 1, 0, r.minute, 30)).toISOString(), source: { format: 'cucumber-messages' } }
}

function caseOf(c: { id: string; status: Status; flaky: boolean; steps: { text: string; status: Status }[]; tags: string[] }): Case {
  const featureIds = c.tags.filter((t) => t.startsWith('@feature:')).map((t) => t.slice(9))
  return { kind: 'case', id: c.id, uri: 'features/a.feature', feature: 'A', scenario: `s ${c.id}`, name: `s ${c.id}`, featureIds, tags: c.tags, status: c.status, flaky: c.flaky, attempts: 1, durationMs: 3, steps: c.steps.map((s) => ({ keyword: 'Given', text: s.text, status: s.status, durationMs: 1 })), attachments: [], nodes: [], source: 'automated' }
}

/** Writes each run as ingest does; the cases of those marked are also collected as they are written. */
function writeRuns(dir: string, runs: { build: string; environment: string; minute: number; cases: Parameters<typeof caseOf>[0][]; room?: number }[], collected: Set<number>, prepared: PreparedCases): void {
  runs.forEach((r, i) => {
    const collector = collected.has(i) ? prepared.collect() : undefined
    const writer = new ResultsWriter(dir, collector?.onCaseLines, { headerRoom: r.room ?? 0 })
    for (const c of r.cases) writer.write(caseOf(c))
    const file = writer.close(runOf(i, r))
    collector?.keep(path.resolve(file))
  })
}

// `run` parses what its ingest worker writes while the worker goes on, and merges those cases
// instead of reading the file again: the reports must be the same as from the files.
describe('cases prepared while they are written', () => {
  it('merge into exactly what merging the files gives, whatever the runs before and after and whichever steps the reports keep', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(aRun, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 3 }), fc.boolean(), fc.boolean(), async (runs, marks, prepareKeeps, mergeKeeps) => {
        const dir = tempTree()
        const prepared = new PreparedCases({ keepStepsOfPassed: prepareKeeps })
        const marked = new Set(marks.map((m) => m % runs.length))
        writeRuns(dir, runs, marked, prepared)
        for (const i of marked) expect(prepared.has(path.join(dir, `run-${i}.ndjson`))).toBe(true)
        const fromFiles = await mergeResults(dir, { keepStepsOfPassed: mergeKeeps })
        // the room kept for a header changes nothing of what the files hold
        const roomless = tempTree()
        writeRuns(roomless, runs.map((r) => ({ ...r, room: 0 })), new Set(), new PreparedCases())
        expect(fromFiles).toEqual(await mergeResults(roomless, { keepStepsOfPassed: mergeKeeps }))
        const withPrepared = await mergeResults(dir, { keepStepsOfPassed: mergeKeeps, prepared })
        expect(withPrepared).toEqual(fromFiles)
        // taken once: a second merge reads the files (the first changed the cases it was given)
        expect(await mergeResults(dir, { keepStepsOfPassed: mergeKeeps, prepared })).toEqual(fromFiles)
      }),
      { numRuns: 150 },
    )
  })

  it('gives back the steps of a pass that an earlier run of the same build makes flaky', async () => {
    const dir = tempTree()
    const prepared = new PreparedCases()
    const steps = [{ text: 'it works now', status: 'passed' as Status }]
    writeRuns(dir, [{ build: 'v1', environment: 'local', minute: 1, cases: [{ id: 'c1', status: 'failed', flaky: false, steps, tags: [] }] }, { build: 'v1', environment: 'local', minute: 2, cases: [{ id: 'c1', status: 'passed', flaky: false, steps, tags: [] }] }], new Set([1]), prepared)
    const cell = [...(await mergeResults(dir, { prepared })).builds.get('v1')!.values()][0]!
    expect(cell).toMatchObject({ status: 'passed', flaky: true, seen: ['failed', 'passed'] })
    expect(cell.steps.map((s) => s.text)).toEqual(['it works now'])
  })

  it('says which file and line when a results file changed under a prepared run', async () => {
    const dir = tempTree()
    const prepared = new PreparedCases()
    const steps = [{ text: 'x', status: 'passed' as Status }]
    writeRuns(dir, [{ build: 'v1', environment: 'local', minute: 1, cases: [{ id: 'c1', status: 'failed', flaky: false, steps, tags: [] }] }, { build: 'v1', environment: 'local', minute: 2, cases: [{ id: 'c1', status: 'passed', flaky: false, steps, tags: [] }] }], new Set([1]), prepared)
    const file = path.join(dir, 'run-1.ndjson')
    writeFileSync(file, `${JSON.stringify(runOf(1, { build: 'v1', environment: 'local', minute: 2 }))}\n${JSON.stringify(caseOf({ id: 'c9', status: 'passed', flaky: false, steps, tags: [] }))}\n`)
    await expect(mergeResults(dir, { prepared })).rejects.toThrow(`${file}:2: holds case c9 where this run wrote c1`)
  })

  it('are handed over by the ingest worker (the compiled one run uses) line for line', async () => {
    type InWorker = (file: string, ctx: IngestContext, options?: { thresholdBytes?: number; prepared?: unknown }) => Promise<IngestOutcome>
    const dist = (module: string) => pathToFileURL(path.join(PROJECT_ROOT, `dist/src/results/${module}.js`)).href
    const inWorker = (await import(dist('ingest-file'))).ingestLargeFileInWorker as InWorker
    // the compiled classes, as the compiled merge checks its options with them
    const { PreparedCases: Compiled } = (await import(dist('prepared-cases'))) as { PreparedCases: typeof PreparedCases }
    const { mergeResults: compiledMerge } = (await import(dist('merge-results'))) as { mergeResults: typeof mergeResults }
    for (const fixture of ['flaky.ndjson', 'failing.ndjson', 'go-unit.xml']) {
      const resultsDir = tempTree()
      const prepared = new Compiled({ keepStepsOfPassed: true })
      const outcome = await inWorker(path.join(PROJECT_ROOT, 'test/fixtures/messages', fixture), { build: 'v1', environment: 'local', stage: 'acceptance', resultsDir }, { thresholdBytes: 0, prepared })
      expect(outcome.cases).toBeGreaterThan(0)
      expect(prepared.has(path.resolve(outcome.path!))).toBe(true)
      const fromFile = await compiledMerge(resultsDir, { keepStepsOfPassed: true })
      expect(await compiledMerge(resultsDir, { keepStepsOfPassed: true, prepared })).toEqual(fromFile)
      expect(prepared.has(path.resolve(outcome.path!))).toBe(false)
    }
  })
})

describe('room kept for a results file\'s header', () => {
  const run = runOf(0, { build: 'v1', environment: 'local', minute: 1 })
  const write = (room: number) => {
    const dir = tempTree()
    const writer = new ResultsWriter(dir, undefined, { headerRoom: room })
    for (const id of ['c1', 'c2']) writer.write(caseOf({ id, status: 'passed', flaky: false, steps: [], tags: [] }))
    return readFileSync(writer.close(run), 'utf8')
  }

  it('is overwritten by the header in place, spaces after it; a header that does not fit is written in front, the room left out', () => {
    const plain = write(0)
    const [header, ...cases] = plain.split('\n')
    const roomy = write(4096)
    expect(roomy.slice(0, 4096)).toBe(`${header}${' '.repeat(4095 - header!.length)}\n`)
    expect(roomy.slice(4096)).toBe(cases.join('\n'))
    expect(JSON.parse(roomy.split('\n')[0]!)).toEqual(run)
    expect(write(64)).toBe(plain)
  })

  it('is kept for inputs of 64 MiB and more only, by their size', () => {
    const dir = tempTree()
    const large = path.join(dir, 'large.ndjson')
    const small = path.join(dir, 'small.ndjson')
    for (const [file, size] of [[large, 64 * 1024 * 1024], [small, 64 * 1024 * 1024 - 1]] as const) {
      writeFileSync(file, '')
      truncateSync(file, size) // sparse: no 64 MiB written
    }
    expect(headerRoomFor(large)).toBe(64 * 1024)
    expect(headerRoomFor(small)).toBe(0)
    expect(headerRoomFor(path.join(dir, 'missing'))).toBe(0)
  })
})
