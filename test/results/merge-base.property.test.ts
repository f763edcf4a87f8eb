import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MODEL_VERSION, type Case, type Run, type Status } from '../../src/model/results.ts'
import { mergeRuns, OutOfOrder, type RunSource } from '../../src/results/merge-results.ts'

const STATUSES: Status[] = ['passed', 'failed', 'skipped', 'pending', 'undefined']

function source(i: number, build: string, environment: string, minute: number, statuses: Status[]): RunSource {
  const run: Run = { kind: 'run', modelVersion: MODEL_VERSION, id: `run-${i}`, build, milestone: 'm', stage: 'acceptance', environment, startedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), finishedAt: new Date(Date.UTC(2026, 0, 1, 0, minute, 30)).toISOString(), source: { format: 'cucumber-messages' } }
  const cases = statuses.map((status, c): Case => ({ kind: 'case', id: `case-${c}`, uri: 'features/a.feature', feature: 'A', scenario: `s${c}`, name: `s${c}`, featureIds: ['f'], tags: [], status, flaky: false, attempts: 1, durationMs: 1, steps: [], attachments: [], nodes: [], source: 'automated' }))
  return { run, file: run.id, readCases: async (onCase) => cases.forEach((c, n) => onCase(JSON.stringify(c), n + 2)) }
}

// The results hub merges a push on top of what it kept: that must be the merge of everything.
describe('merging on top of earlier results', () => {
  it('gives what merging every run at once gives, when the new runs come after the base', async () => {
    const runs = fc.array(fc.record({ build: fc.constantFrom('v1', 'v2'), environment: fc.constantFrom('local', 'docker'), minute: fc.integer({ min: 0, max: 50 }), statuses: fc.array(fc.constantFrom(...STATUSES), { minLength: 4, maxLength: 4 }) }), { minLength: 1, maxLength: 8 })
    await fc.assert(
      fc.asyncProperty(runs, fc.nat(), async (list, cut) => {
        const sources = list.map((r, i) => source(i, r.build, r.environment, r.minute, r.statuses))
        const ordered = [...sources].sort((a, b) => a.run.finishedAt.localeCompare(b.run.finishedAt) || a.run.id.localeCompare(b.run.id))
        const k = cut % (ordered.length + 1)
        const whole = await mergeRuns(sources)
        const base = await mergeRuns(ordered.slice(0, k))
        const before = JSON.stringify([...base.builds].map(([b, cells]) => [b, [...cells]]))
        const onTop = await mergeRuns([...ordered.slice(k), ...ordered.slice(0, k)], { base })
        expect(onTop).toEqual(whole)
        // the base is left as it was
        expect(JSON.stringify([...base.builds].map(([b, cells]) => [b, [...cells]]))).toBe(before)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses a run that comes before the base, so the caller merges everything again', async () => {
    const base = await mergeRuns([source(1, 'v1', 'local', 10, ['passed', 'passed', 'passed', 'passed'])])
    await expect(mergeRuns([source(2, 'v1', 'local', 5, ['failed', 'failed', 'failed', 'failed'])], { base })).rejects.toBeInstanceOf(OutOfOrder)
  })
})

// A rerun that skipped a scenario (a dry run, --fail-fast stopping before it) verified nothing.
describe('a skip in a later run', () => {
  const merged = async (...runs: Status[][]) => {
    const results = await mergeRuns(runs.map((statuses, i) => source(i, 'v1', 'local', i * 10, statuses)))
    return [...results.builds.get('v1')!.values()].map((c) => ({ status: c.status, flaky: c.flaky, seen: c.seen, retries: (c.retries ?? []).map((r) => r.status) }))
  }

  it('never hides what an earlier run found: a failure stays a failure, a pass a pass', async () => {
    expect(await merged(['failed', 'passed', 'pending', 'skipped'], ['skipped', 'skipped', 'skipped', 'skipped'])).toEqual([
      { status: 'failed', flaky: false, seen: ['failed'], retries: [] },
      { status: 'passed', flaky: false, seen: ['passed'], retries: [] },
      { status: 'pending', flaky: false, seen: ['pending'], retries: [] },
      { status: 'skipped', flaky: false, seen: ['skipped', 'skipped'], retries: ['skipped'] },
    ])
    // …and what a run after the skip carried out counts as usual
    expect((await merged(['failed', 'passed', 'skipped', 'skipped'], ['skipped', 'skipped', 'skipped', 'skipped'], ['passed', 'failed', 'skipped', 'skipped'])).slice(0, 2)).toEqual([
      { status: 'passed', flaky: true, seen: ['failed', 'passed'], retries: ['failed'] },
      { status: 'failed', flaky: true, seen: ['passed', 'failed'], retries: ['passed'] },
    ])
  })

  it('beside a result carried out in the same run (a browser that skips what another ran) takes nothing back', async () => {
    const twice = (first: Status[], second: Status[]): RunSource => {
      const one = source(0, 'v1', 'local', 0, first)
      const other = source(0, 'v1', 'local', 0, second)
      return { ...one, readCases: async (onCase) => { await one.readCases(onCase); await other.readCases((line, n) => onCase(line, n + first.length)) } }
    }
    const results = await mergeRuns([twice(['passed', 'skipped', 'failed', 'skipped'], ['skipped', 'passed', 'skipped', 'skipped'])])
    expect([...results.builds.get('v1')!.values()].map((c) => ({ status: c.status, flaky: c.flaky, seen: c.seen }))).toEqual([
      { status: 'passed', flaky: false, seen: ['passed'] },
      { status: 'passed', flaky: false, seen: ['passed'] },
      { status: 'failed', flaky: false, seen: ['failed'] },
      { status: 'skipped', flaky: false, seen: ['skipped'] },
    ])
  })

  it('before a run that carried the scenario out is no attempt of it and makes it no flakier', async () => {
    expect(await merged(['skipped', 'skipped', 'skipped', 'skipped'], ['passed', 'failed', 'blocked', 'skipped'])).toEqual([
      { status: 'passed', flaky: false, seen: ['passed'], retries: [] },
      { status: 'failed', flaky: false, seen: ['failed'], retries: [] },
      { status: 'blocked', flaky: false, seen: ['blocked'], retries: [] },
      { status: 'skipped', flaky: false, seen: ['skipped', 'skipped'], retries: ['skipped'] },
    ])
  })
})
