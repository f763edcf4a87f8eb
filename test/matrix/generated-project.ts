import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { expect } from 'vitest'
import { FeatureParser } from '../../src/catalogue/parse-feature.ts'
import { catalogueCases, type CatalogueCase } from '../../src/catalogue/catalogue-cases.ts'
import type { Catalogue } from '../../src/catalogue/catalogue-types.ts'
import type { Scope } from '../../src/catalogue/scope.ts'
import type { ResultSet, RunSource } from '../../src/results/merge-results.ts'
import { writeAllureResults } from '../../reporters/allure/allure-reporter.ts'
import { tempDir } from '../helpers/temp-tree.ts'
import { MODEL_VERSION, STATUSES, type Case, type Run, type Status } from '../../src/model/results.ts'

// Generated projects and result sets for the property tests that recount the outputs
// (cross-check) and compare them before and after a worse result (never-greener): scope features
// required on some environments, scenarios and outlines (rows repeated, wip, manual) tied to zero,
// one or two of them, results in required and not-required columns, reruns and retries, the same
// case twice in a run (Playwright's projects), manual outcomes, results outside the scope, and
// runs that failed outside any scenario.

// (one named as objects' own properties are: a scope's environment id may be 'constructor')
export const ENVIRONMENTS = ['local', 'docker', 'constructor'] as const
export const SEVERITY = ['failed', 'blocked', 'not-run', 'skipped', 'flaky', 'passed']
export const FAILURES: Status[] = ['failed', 'pending', 'undefined', 'ambiguous']

export const scenarioArb = fc.record({
  features: fc.subarray([0, 1, 2]),
  rows: fc.array(fc.constantFrom('NAT', 'carrier-grade NAT', 'none'), { maxLength: 3 }),
  wip: fc.boolean(),
  manual: fc.boolean(),
  // @env:<name>: expected only there, in place of its features' environments (mostly none)
  environments: fc.oneof({ weight: 3, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.subarray(['local', 'scale'], { minLength: 1 }) }),
})
export const resultArb = fc.record({
  scenario: fc.nat(7),
  row: fc.nat(3),
  environment: fc.constantFrom(...ENVIRONMENTS, 'community', 'scale'),
  stage: fc.constantFrom('acceptance', 'acceptance', 'manual', 'unit'),
  status: fc.constantFrom(...STATUSES),
  flaky: fc.boolean(),
  attempts: fc.integer({ min: 1, max: 3 }),
  run: fc.nat(2),
})
export const projectArb = fc.record({
  features: fc.array(fc.subarray([...ENVIRONMENTS]), { minLength: 1, maxLength: 3 }),
  scenarios: fc.array(scenarioArb, { minLength: 1, maxLength: 8 }),
  results: fc.array(resultArb, { maxLength: 40 }),
  unscoped: fc.array(fc.constantFrom(...STATUSES), { maxLength: 3 }),
  runErrors: fc.array(fc.record({ environment: fc.constantFrom(...ENVIRONMENTS), run: fc.nat(2) }), { maxLength: 2 }),
})
export type Project = typeof projectArb extends fc.Arbitrary<infer T> ? T : never

// scope feature ids and an Examples header named as objects' own properties are, among others
export const FEATURE_IDS = ['f0', 'constructor', 'f2']
const HEADER = '__proto__'

export function featureText(project: Project): string {
  const lines = ['Feature: Generated', '']
  project.scenarios.forEach((s, i) => {
    const tags = [...s.features.filter((f) => f < project.features.length).map((f) => `@feature:${FEATURE_IDS[f]}`), ...(s.wip ? ['@wip'] : []), ...(s.manual ? ['@manual'] : []), ...s.environments.map((e) => `@env:${e}`)]
    if (tags.length) lines.push(`  ${tags.join(' ')}`)
    lines.push(`  Scenario${s.rows.length ? ' Outline' : ''}: scenario ${i}`, '    Given a step', ...(s.rows.length ? ['', '    Examples:', `      | ${HEADER} |`, ...s.rows.map((r) => `      | ${r} |`)] : []), '')
  })
  return lines.join('\n')
}

export interface Built {
  catalogue: Catalogue
  scope: Scope
  cases: CatalogueCase[]
  runs: { run: Run; cases: Case[] }[]
}

export function build(project: Project): Built {
  const parsed = new FeatureParser().parse('generated.feature', featureText(project))
  expect(parsed.errors).toEqual([])
  const catalogue: Catalogue = { featuresDir: '/generated/features', files: [parsed.file!], errors: [] }
  const scope: Scope = { milestone: 'm', frozen: '2024-09-15', file: '/generated/features/milestones/m.yaml', features: project.features.map((environments, i) => ({ id: FEATURE_IDS[i]!, name: `Feature ${i}`, environments })) } as Scope
  const cases = catalogueCases(catalogue, 'features')
  const byScenario = (i: number): CatalogueCase[] => cases.filter((c) => c.scenario.name === `scenario ${i}`)
  const runs = new Map<string, { run: Run; cases: Case[] }>()
  const runOf = (environment: string, stage: string, slot: number): { run: Run; cases: Case[] } => {
    const id = `${environment}-${stage}-${slot}`
    let entry = runs.get(id)
    if (!entry) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, slot)).toISOString()
      runs.set(id, (entry = { run: { kind: 'run', modelVersion: MODEL_VERSION, id, milestone: 'm', build: 'v1', stage: stage as Run['stage'], environment, startedAt: at, finishedAt: at, source: { format: stage === 'manual' ? 'manual' : 'cucumber-messages' } }, cases: [] }))
    }
    return entry
  }
  for (const r of project.results) {
    const candidates = byScenario(r.scenario % project.scenarios.length)
    const c = candidates[r.row % candidates.length]
    if (!c) continue
    const entry = runOf(r.environment, r.stage, r.run)
    // the same case twice in one run: as Playwright's projects (browsers) run a scenario
    const status = statusOf(r)
    entry.cases.push({ kind: 'case', id: c.id, uri: c.uri, feature: 'Generated', scenario: c.scenario.name, name: c.name, featureIds: c.pickle.featureIds, tags: c.pickle.tags, status, flaky: status === 'passed' && r.flaky && r.attempts > 1, attempts: r.attempts, durationMs: 1, steps: [], ...(status !== 'passed' ? { error: `${status} here` } : {}), attachments: [], nodes: [], source: r.stage === 'manual' ? 'manual' : 'automated', ...(r.stage === 'manual' ? { tester: 'alice' } : {}) })
  }
  project.unscoped.forEach((status, i) => runOf('local', 'unit', 0).cases.push({ kind: 'case', id: `unit-${i}`, uri: 'pkg', feature: 'pkg', scenario: `Test${i}`, name: `Test${i}`, featureIds: [], tags: [], status, flaky: false, attempts: 1, durationMs: 1, steps: [], attachments: [], nodes: [], source: 'automated' }))
  for (const e of project.runErrors) {
    const entry = runOf(e.environment, 'acceptance', e.run)
    entry.run.errors = [...(entry.run.errors ?? []), { where: 'BeforeAll hook', message: 'it broke' }]
  }
  return { catalogue, scope, cases, runs: [...runs.values()] }
}

/** The status a generated result is written with: a tester's one of four, automation's any but blocked. */
export function statusOf(r: { stage: string; status: Status }): Status {
  return r.stage === 'manual' ? (['passed', 'failed', 'blocked', 'skipped'] as Status[])[STATUSES.indexOf(r.status) % 4]! : r.status === 'blocked' ? 'skipped' : r.status
}

export const sources = (built: Built): RunSource[] => built.runs.map(({ run, cases }) => ({ run, file: run.id, readCases: async (onCase) => cases.forEach((c, i) => onCase(JSON.stringify(c), i + 2)) }))

/** The Allure results of build v1 as Allure shows them: by historyId, the latest attempt (earlier ones are its retries). */
export function allureLatest(results: ResultSet, notRun: Parameters<typeof writeAllureResults>[1]['notRun']): Map<string, { status: string; stop: number }> {
  const dir = tempDir('generated-allure')
  writeAllureResults(results, { build: 'v1', resultsDir: '/r', outDir: dir, env: {}, notRun })
  const latest = new Map<string, { status: string; stop: number }>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('-result.json'))) {
    const r = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { historyId: string; status: string; stop: number }
    if ((latest.get(r.historyId)?.stop ?? -Infinity) < r.stop) latest.set(r.historyId, r)
  }
  return latest
}
