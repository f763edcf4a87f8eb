import type { MatrixScopeDrift } from '../matrix/matrix-scope-drift.ts'
import type { Catalogue, CatalogueError, CataloguedScenario, Complexity } from './catalogue-types.ts'
import type { Scope } from './scope.ts'
import { unbackedStatus } from './unbacked-status.ts'
import { isUncovered, uncoveredWhy } from './uncovered.ts'

export type EffortTable = Record<Complexity, number>

export interface EffortOptions {
  /** days of work per complexity level for a wip scenario (NuNet: 1/3/5) */
  days: EffortTable
  /** level assumed when a wip scenario has no @complexity tag */
  defaultComplexity: Complexity
}

export const DEFAULT_EFFORT: EffortOptions = { days: { low: 1, medium: 3, high: 5 }, defaultComplexity: 'medium' }

export type DocStatus = 'automated' | 'manual' | 'wip'

export interface DocRow {
  examples: string
  index: number
  line: number
  cells: Record<string, string>
  status: DocStatus
}

export interface DocScenario {
  file: string
  line: number
  featureName: string
  rule?: string
  keyword: string
  /** never blank: unnamed scenarios get a located placeholder */
  title: string
  tags: string[]
  status: DocStatus
  complexity?: Complexity
  /** estimated days of work, for wip scenarios (an Outline is one piece of work) */
  effortDays?: number
  pickles: number
  steps: number
  rows: DocRow[]
  /** an Outline with no Examples (runs nothing) */
  missingExamples: boolean
}

export interface DocFeature {
  id: string
  name: string
  status?: string
  environments: string[]
  acceptance: string
  pickles: number
  automated: number
  manual: number
  wip: number
  effortDays: number
  scenarios: DocScenario[]
}

/** Pickles by status and wip effort, each scenario once however many features hold it. */
export type DocTotals = Pick<DocFeature, 'pickles' | 'automated' | 'manual' | 'wip' | 'effortDays'>

/** A feature's status as the documentation shows it: the scope's, with what its scenarios do not back (unbackedStatus). */
export function statusText(f: Pick<DocFeature, 'status' | 'pickles' | 'wip'>): string {
  return unbackedStatus(f.status, { scenarios: f.pickles, wip: f.wip }) ?? f.status ?? ''
}

export interface LivingDocs {
  milestone: string
  title: string
  frozen: string
  effort: EffortOptions
  features: DocFeature[]
  /** the scope's totals: a scenario under two features is counted once, as the catalogue and the matrix count it */
  totals: DocTotals
  /** scenarios under more than one feature of the scope (in each one's row, once in the totals) */
  shared: number
  /** scope features no scenario defines that is not wip (isUncovered), and why */
  uncovered: { id: string; why: string }[]
  orphans: { id: string; scenarios: DocScenario[] }[]
  untagged: DocScenario[]
  errors: CatalogueError[]
  /** the scope's changes since its freeze (read-scope-drift.ts), when it was frozen */
  scopeDrift?: MatrixScopeDrift
}

/** Builds the living documentation of one milestone from the catalogue (the Gherkin AST). */
export function livingDocsFrom(catalogue: Catalogue, scope: Scope, effort: EffortOptions = DEFAULT_EFFORT): LivingDocs {
  const byFeature = new Map<string, DocScenario[]>(scope.features.map((f) => [f.id, []]))
  const orphans = new Map<string, DocScenario[]>()
  const untagged: DocScenario[] = []
  for (const file of catalogue.files) {
    for (const scenario of file.scenarios) {
      const doc = docScenario(scenario, effort)
      const ids = [...new Set([...scenario.featureIds, ...scenario.pickles.flatMap((p) => p.featureIds)])]
      if (ids.length === 0) untagged.push(doc)
      for (const id of ids) {
        const list = byFeature.get(id)
        if (list) list.push(doc)
        else orphans.set(id, [...(orphans.get(id) ?? []), doc])
      }
    }
  }
  const features = scope.features.map((feature): DocFeature => {
    const scenarios = byFeature.get(feature.id)!
    return { id: feature.id, name: feature.name, ...(feature.status ? { status: feature.status } : {}), environments: feature.environments, acceptance: feature.acceptance.trim(), ...totalsOf(scenarios), scenarios }
  })
  const timesListed = new Map<DocScenario, number>()
  for (const feature of features) for (const s of feature.scenarios) timesListed.set(s, (timesListed.get(s) ?? 0) + 1)
  return {
    milestone: scope.milestone,
    title: scope.name ?? scope.milestone,
    frozen: scope.frozen,
    effort,
    features,
    // (a scenario under several features is one object in each of their lists)
    totals: totalsOf([...timesListed.keys()]),
    shared: [...timesListed.values()].filter((n) => n > 1).length,
    uncovered: features.filter((f) => isUncovered({ scenarios: f.pickles, wip: f.wip })).map((f) => ({ id: f.id, why: uncoveredWhy({ scenarios: f.pickles, wip: f.wip }) })),
    orphans: [...orphans].map(([id, scenarios]) => ({ id, scenarios })),
    untagged,
    errors: catalogue.errors,
  }
}

/** Why the total is less than the sum of the features' rows, when it is. */
export function sharedNote(docs: LivingDocs): string | undefined {
  return docs.shared ? `${docs.shared} scenario(s) under more than one feature: in each one's row, once in the total (as the catalogue and the matrix count them).` : undefined
}

function totalsOf(scenarios: DocScenario[]): DocTotals {
  const statuses = scenarios.flatMap((s) => (s.rows.length ? s.rows : [{ status: s.status }])).map((r) => r.status)
  return {
    pickles: scenarios.reduce((n, s) => n + s.pickles, 0),
    automated: statuses.filter((s) => s === 'automated').length,
    manual: statuses.filter((s) => s === 'manual').length,
    wip: statuses.filter((s) => s === 'wip').length,
    effortDays: scenarios.reduce((n, s) => n + (s.effortDays ?? 0), 0),
  }
}

function statusOf(meaning: { wip: boolean; manual: boolean }): DocStatus {
  return meaning.wip ? 'wip' : meaning.manual ? 'manual' : 'automated'
}

function docScenario(scenario: CataloguedScenario, effort: EffortOptions): DocScenario {
  const status = statusOf(scenario)
  const complexity = scenario.complexity
  const effortComplexity = complexity ?? effort.defaultComplexity
  return {
    file: scenario.uri,
    line: scenario.line,
    featureName: scenario.featureName,
    ...(scenario.rule !== undefined ? { rule: scenario.rule } : {}),
    keyword: scenario.keyword,
    title: scenario.name || `(unnamed ${scenario.keyword} at ${scenario.uri}:${scenario.line})`,
    tags: scenario.tags,
    status,
    ...(complexity ? { complexity } : {}),
    ...(status === 'wip' ? { effortDays: effort.days[effortComplexity] } : {}),
    pickles: scenario.pickles.length,
    steps: scenario.steps.length,
    rows: scenario.pickles.flatMap((p) => (p.row ? [{ ...p.row, status: statusOf(p) }] : [])),
    missingExamples: scenario.outline && scenario.examples.length === 0,
  }
}
