import { cpSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import { loadScope } from '../../src/catalogue/scope.ts'
import { parseLocatedYaml } from '../../src/located-yaml.ts'
import { GateFileSchema, type GateFile } from '../../src/gates/gate-file.ts'
import { evaluateGates, type GateInputs, type GateReport } from '../../src/gates/evaluate-gates.ts'
import { MODEL_VERSION, caseIdOf, type Case, type Stage, type Status } from '../../src/model/results.ts'
import { mergeResults } from '../../src/results/merge-results.ts'
import { ResultsWriter } from '../../src/results/results-writer.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempDir } from '../helpers/temp-tree.ts'

export const GATE_PROJECT = path.join(PROJECT_ROOT, 'test/fixtures/gate-project')

const SCENARIOS: Record<string, { uri: string; feature: string; featureIds: string[]; tags: string[] }> = {
  'alpha one': { uri: 'features/alpha.feature', feature: 'Alpha', featureIds: ['alpha'], tags: ['@feature:alpha'] },
  'alpha two': { uri: 'features/alpha.feature', feature: 'Alpha', featureIds: ['alpha'], tags: ['@feature:alpha'] },
  'alpha by hand': { uri: 'features/alpha.feature', feature: 'Alpha', featureIds: ['alpha'], tags: ['@feature:alpha', '@manual'] },
  'beta one': { uri: 'features/beta.feature', feature: 'Beta', featureIds: ['beta'], tags: ['@feature:beta'] },
  'beta later': { uri: 'features/beta.feature', feature: 'Beta', featureIds: ['beta'], tags: ['@feature:beta', '@wip'] },
  // unit and functional tests: no scenario of the scope
  'reads the scope': { uri: 'test/scope.test.ts', feature: 'scope', featureIds: [], tags: [] },
  'pushes a run': { uri: 'test/push.test.ts', feature: 'push', featureIds: [], tags: [] },
  // known only from its results: no feature file of the fixture defines it
  'alpha elsewhere': { uri: 'elsewhere/alpha.feature', feature: 'Alpha', featureIds: ['alpha'], tags: ['@feature:alpha', '@slow'] },
}

export interface RunSpec {
  build: string
  environment: string
  stage?: Stage
  at: string
  /** scenario name → status, or [status, {flaky, tester, awaitingReview}] */
  cases: Record<string, Status | [Status, { flaky?: boolean; tester?: string; awaitingReview?: { tester: string; status: Status }[]; earlierText?: string[] }]>
  /** failures outside any scenario (a BeforeAll hook…) */
  errors?: { where: string; message: string }[]
}

let runNumber = 0

/** Writes results files of the given runs into a new folder. */
export function writeRuns(runs: RunSpec[], dir = tempDir('gate-results')): string {
  for (const spec of runs) {
    const writer = new ResultsWriter(dir)
    for (const [scenario, given] of Object.entries(spec.cases)) {
      const [status, extra] = Array.isArray(given) ? given : [given, {}]
      const s = SCENARIOS[scenario]!
      const c: Case = { kind: 'case', id: caseIdOf({ uri: s.uri, scenario }), uri: s.uri, feature: s.feature, scenario, name: scenario, featureIds: s.featureIds, tags: s.tags, status, flaky: extra.flaky ?? false, attempts: 1, durationMs: 5, steps: [], attachments: [], nodes: [], source: spec.stage === 'manual' ? 'manual' : 'automated', ...(extra.tester ? { tester: extra.tester } : {}), ...(extra.awaitingReview ? { awaitingReview: extra.awaitingReview } : {}), ...(extra.earlierText ? { earlierText: extra.earlierText } : {}) }
      writer.write(c)
    }
    writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `run-${++runNumber}-${spec.build}-${spec.environment}`, milestone: 'gate-fixture', build: spec.build, stage: spec.stage ?? 'acceptance', environment: spec.environment, startedAt: spec.at, finishedAt: spec.at, source: { format: spec.stage === 'manual' ? 'manual' : 'cucumber-messages' }, ...(spec.errors ? { errors: spec.errors } : {}) })
  }
  return dir
}

/** Every scenario passing on every environment it must, signed off by a tester. */
export function greenBuild(build: string, at: string, overrides: Partial<Record<'local' | 'docker' | 'manual', RunSpec['cases']>> = {}): RunSpec[] {
  return [
    { build, environment: 'local', at, cases: { 'alpha one': 'passed', 'alpha two': 'passed', 'beta one': 'passed', ...overrides.local } },
    { build, environment: 'docker', at, cases: { 'alpha one': 'passed', 'alpha two': 'passed', ...overrides.docker } },
    { build, environment: 'community', stage: 'manual', at, cases: { 'alpha by hand': ['passed', { tester: 'alice' }], ...overrides.manual } },
  ]
}

export function gateFile(yaml: string): GateFile {
  return { ...parseLocatedYaml(yaml, 'gate.gates.yaml', GateFileSchema, { code: 'GATES_INVALID', notMapping: 'mapping' }), file: 'gate.gates.yaml', text: yaml }
}

export const HEADER = 'milestone: gate-fixture\napplies-to: v1.0.0-rc*\nbaseline: previous-rc\n'

/** Evaluates a gate file on result sets, with the fixture's catalogue and scope. */
export async function gate(yaml: string, resultsDir: string, build: string, extra: Partial<GateInputs> = {}): Promise<GateReport> {
  const scope = loadScope(path.join(GATE_PROJECT, 'features/milestones/gate.yaml'))
  return evaluateGates({
    gates: gateFile(yaml),
    build,
    results: await mergeResults(resultsDir),
    scope,
    catalogue: buildCatalogue(path.join(GATE_PROJECT, 'features')),
    uriPrefix: 'features',
    lintErrors: [],
    scopeChanges: [],
    today: '2026-06-01',
    ...extra,
  })
}

/** A copy of the fixture project to run the CLI in. */
export function gateProjectCopy(): string {
  const root = tempDir('gate-project')
  cpSync(GATE_PROJECT, root, { recursive: true })
  writeFileSync(path.join(root, 'package.json'), '{ "type": "module" }\n')
  // its step definitions import @cucumber/cucumber, as a project's own would
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'))
  return root
}
