import { writeFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HubClient } from '../../hub/client/hub-client.ts'
import { pushResults } from '../../hub/client/push-results.ts'
import { previewGate } from '../../src/gates/preview-gate.ts'
import { matrixFrom } from '../../src/matrix/matrix-from.ts'
import { MODEL_VERSION, type Case, type Status } from '../../src/model/results.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { ResultsWriter } from '../../src/results/results-writer.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { tempTree } from '../helpers/temp-tree.ts'

const ENVIRONMENTS = ['local', 'docker']
// every status a pushed run may hold (a JUnit failure of type blocked reads back blocked)
const STATUSES: Status[] = ['passed', 'passed', 'passed', 'failed', 'skipped', 'undefined', 'pending', 'ambiguous', 'blocked']

/**
 * The hub reads a build's matrix and gate from the build in full and a window of earlier builds as
 * statuses alone (a year of history is never read whole). Whatever the history, that view must
 * give exactly what the same rules give over every result: history strips, the gate's baseline
 * beyond the window (last-release), its flaky-rate window, reruns that make a cell flaky.
 */
describe('the hub\'s view of a build against all results', () => {
  let hub: TestHub
  const resultsDir = tempTree()
  let release = 0

  beforeAll(async () => {
    hub = await startHub()
    writeFileSync(
      path.join(hub.root, 'features/milestones/run.gates.yaml'),
      [
        'milestone: run-fixture',
        "applies-to: 'v*'",
        'baseline: last-release',
        'criteria:',
        '  - { id: all-pass, kind: scenarios-pass, severity: blocking, consecutive-green: 3 }',
        '  - { id: no-new, kind: no-new-failures, severity: blocking }',
        '  - { id: flaky, kind: flaky-rate, severity: informing, max: 0.2, window: 13 }',
        '  - { id: tested, kind: environments-tested, severity: blocking }',
        '  - { id: unit, kind: tests-pass, severity: blocking, stages: [unit] }',
        '',
      ].join('\n'),
    )
  })
  afterAll(async () => {
    await hub?.close()
  })

  it('gives the same matrix and gate as the whole results, for builds deep in a long history', async () => {
    const scenarios = [...hub.service.project.scenarios.values()].filter((s) => !s.manual)
    const client = new HubClient(hub.url, hub.tokens.ci)
    const build = fc.record({
      // (a unit run too, now and then: the hub keeps every stage of a build, tests-pass reads it)
      runs: fc.array(fc.record({ environment: fc.constantFrom(...ENVIRONMENTS), stage: fc.constantFrom('acceptance', 'acceptance', 'acceptance', 'unit'), statuses: fc.array(fc.constantFrom(...STATUSES), { minLength: scenarios.length, maxLength: scenarios.length }) }), { minLength: 1, maxLength: 4 }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(build, { minLength: 12, maxLength: 16 }), async (builds) => {
        // one release, then its candidates: the release is the baseline, beyond the matrix's window
        release++
        const names = [`v${release}.0.0`, ...builds.slice(1).map((_, i) => `v${release}.1.0-rc${i + 1}`)]
        let clock = Date.UTC(2026, 0, release)
        for (const [b, { runs }] of builds.entries())
          for (const [r, run] of runs.entries()) {
            const writer = new ResultsWriter(resultsDir)
            for (const [i, s] of scenarios.entries()) {
              const status = run.statuses[i]!
              const c: Case = { kind: 'case', id: s.id, uri: s.uri, feature: s.feature, scenario: s.scenario, name: s.name, ...(s.example ? { example: s.example } : {}), featureIds: s.featureIds, tags: s.tags, status, flaky: false, attempts: 1, durationMs: 5, steps: [{ keyword: 'Given', text: 'a step', status, durationMs: 5, ...(status === 'failed' ? { error: `broke in ${names[b]}` } : {}) }], ...(status === 'failed' ? { error: `broke in ${names[b]}` } : {}), attachments: [], nodes: [], source: 'automated' }
              writer.write(c)
            }
            clock += 60_000
            writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `h${release}-${b}-${r}`, build: names[b]!, milestone: 'run-fixture', stage: run.stage, environment: run.environment, startedAt: new Date(clock - 30_000).toISOString(), finishedAt: new Date(clock).toISOString(), source: { format: 'cucumber-messages' } })
          }
        await pushResults(client, resultsDir)

        const project = hub.service.project
        const all = await mergeResults(resultsDir, { milestone: 'run-fixture' })
        for (const shown of [names.at(-1)!, names[names.length - 3]!]) {
          const hubMatrix = await hub.service.matrix(shown)
          const whole = matrixFrom(all, project.scope!, { build: shown, catalogue: project.catalogue, uriPrefix: project.uriPrefix })
          expect(hubMatrix).toEqual(whole)
          const hubGate = await hub.service.gate(shown)
          const wholeGate = previewGate({ build: shown, results: all, scope: project.scope!, catalogue: project.catalogue, uriPrefix: project.uriPrefix, today: new Date().toISOString().slice(0, 10), approvals: [], openIssuesWhy: 'the hub does not ask GitLab (the CI gate job does)', cwd: project.root })
          expect(hubGate).toEqual(wholeGate)
          expect(hubGate.baseline.build).toBe(names[0])
        }

        // A rerun pushed to a build already shown is merged on top of what the hub kept; one that
        // finished before the build's other runs makes the hub merge the build again: both as the CLI.
        const shown = names.at(-1)!
        for (const [k, finished] of [clock + 3_600_000, Date.UTC(2020, 0, 1)].entries()) {
          const writer = new ResultsWriter(resultsDir)
          for (const [i, s] of scenarios.entries()) {
            const status: Status = (i + k) % 2 ? 'failed' : 'passed'
            writer.write({ kind: 'case', id: s.id, uri: s.uri, feature: s.feature, scenario: s.scenario, name: s.name, ...(s.example ? { example: s.example } : {}), featureIds: s.featureIds, tags: s.tags, status, flaky: false, attempts: 1, durationMs: 5, steps: [], ...(status === 'failed' ? { error: 'rerun broke' } : {}), attachments: [], nodes: [], source: 'automated' })
          }
          writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `h${release}-rerun-${k}`, build: shown, milestone: 'run-fixture', stage: 'acceptance', environment: 'local', startedAt: new Date(finished - 30_000).toISOString(), finishedAt: new Date(finished).toISOString(), source: { format: 'cucumber-messages' } })
          await pushResults(client, resultsDir)
          const again = await mergeResults(resultsDir, { milestone: 'run-fixture' })
          expect(await hub.service.matrix(shown)).toEqual(matrixFrom(again, project.scope!, { build: shown, catalogue: project.catalogue, uriPrefix: project.uriPrefix }))
          expect(await hub.service.gate(shown)).toEqual(previewGate({ build: shown, results: again, scope: project.scope!, catalogue: project.catalogue, uriPrefix: project.uriPrefix, today: new Date().toISOString().slice(0, 10), approvals: [], openIssuesWhy: 'the hub does not ask GitLab (the CI gate job does)', cwd: project.root }))
        }

        // A rerun pushed to a build in the shown one's history: the hub reads that build again on
        // top of the history index it kept, and the strips say what the whole results say.
        const before = names.at(-2)!
        const writer = new ResultsWriter(resultsDir)
        for (const [i, s] of scenarios.entries()) writer.write({ kind: 'case', id: s.id, uri: s.uri, feature: s.feature, scenario: s.scenario, name: s.name, ...(s.example ? { example: s.example } : {}), featureIds: s.featureIds, tags: s.tags, status: i % 3 ? 'passed' : 'skipped', flaky: false, attempts: 1, durationMs: 5, steps: [], attachments: [], nodes: [], source: 'automated' })
        clock += 7_200_000
        writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `h${release}-earlier-rerun`, build: before, milestone: 'run-fixture', stage: 'acceptance', environment: 'docker', startedAt: new Date(clock - 30_000).toISOString(), finishedAt: new Date(clock).toISOString(), source: { format: 'cucumber-messages' } })
        await pushResults(client, resultsDir)
        const latest = await mergeResults(resultsDir, { milestone: 'run-fixture' })
        expect(await hub.service.matrix(shown)).toEqual(matrixFrom(latest, project.scope!, { build: shown, catalogue: project.catalogue, uriPrefix: project.uriPrefix }))
      }),
      { numRuns: 8, endOnFailure: true },
    )
  })

  it('ends a waiver at a build named by commit beyond its window, as over every result', async () => {
    const scenarios = [...hub.service.project.scenarios.values()].filter((s) => !s.manual)
    const names = Array.from({ length: 13 }, (_, i) => `c0ffee${i.toString(16)}`)
    let clock = Date.UTC(2027, 0, 1)
    for (const [b, name] of names.entries())
      for (const environment of ENVIRONMENTS) {
        const writer = new ResultsWriter(resultsDir)
        for (const [i, s] of scenarios.entries()) {
          const status: Status = b === names.length - 1 && i === 0 ? 'failed' : 'passed'
          writer.write({ kind: 'case', id: s.id, uri: s.uri, feature: s.feature, scenario: s.scenario, name: s.name, ...(s.example ? { example: s.example } : {}), featureIds: s.featureIds, tags: s.tags, status, flaky: false, attempts: 1, durationMs: 5, steps: [{ keyword: 'Given', text: 'a step', status, durationMs: 5 }], attachments: [], nodes: [], source: 'automated' })
        }
        clock += 60_000
        writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `w-${name}-${environment}`, build: name, milestone: 'run-fixture', stage: 'acceptance', environment, startedAt: new Date(clock - 30_000).toISOString(), finishedAt: new Date(clock).toISOString(), source: { format: 'cucumber-messages' } })
      }
    await pushResults(new HubClient(hub.url, hub.tokens.ci), resultsDir)
    writeFileSync(
      path.join(hub.root, 'features/milestones/run.gates.yaml'),
      `milestone: run-fixture\napplies-to: 'c0ffee*'\nbaseline: previous-rc\ncriteria:\n  - { id: all-pass, kind: scenarios-pass, severity: blocking }\nwaivers:\n  - { criterion: all-pass, category: known-issue, issue: "https://gitlab.example/1", reason: r, requested-by: alice, approved-by: bob, expires: { build: ${names[0]} } }\n`,
    )
    const project = hub.service.project
    const all = await mergeResults(resultsDir, { milestone: 'run-fixture' })
    const shown = names.at(-1)!
    const whole = previewGate({ build: shown, results: all, scope: project.scope!, catalogue: project.catalogue, uriPrefix: project.uriPrefix, today: new Date().toISOString().slice(0, 10), approvals: [], openIssuesWhy: 'the hub does not ask GitLab (the CI gate job does)', cwd: project.root })!
    expect(whole.waivers.expired.map((w) => w.index)).toEqual([0])
    expect(await hub.service.gate(shown)).toEqual(whole)
  })
})
