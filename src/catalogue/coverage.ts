import type { Catalogue, CatalogueError, CataloguedPickle, Complexity } from './catalogue-types.ts'
import type { Scope } from './scope.ts'

export interface FeatureCoverage {
  name: string
  /** pickles tied to the feature (each Examples row counts) */
  scenarios: number
  wip: number
  manual: number
  /** neither wip nor manual: what CI runs */
  automated: number
  complexity: Record<Complexity | 'unset', number>
}

export interface Coverage {
  milestone: string
  frozen: string
  files: number
  pickles: number
  features: Record<string, FeatureCoverage>
  uncovered: string[]
  orphans: Record<string, number>
  untagged: number
  errors: CatalogueError[]
}

/** Counts pickles per scope feature. A pickle tagged with two features counts for both. */
export function coverageFrom(catalogue: Catalogue, scope: Scope): Coverage {
  const features: Record<string, FeatureCoverage> = {}
  for (const feature of scope.features) {
    features[feature.id] = { name: feature.name, scenarios: 0, wip: 0, manual: 0, automated: 0, complexity: { low: 0, medium: 0, high: 0, unset: 0 } }
  }
  const orphans: Record<string, number> = {}
  let pickles = 0
  let untagged = 0
  for (const file of catalogue.files) {
    for (const scenario of file.scenarios) {
      for (const pickle of scenario.pickles) {
        pickles++
        if (pickle.featureIds.length === 0) untagged++
        for (const id of pickle.featureIds) {
          const entry = features[id]
          if (entry) count(entry, pickle)
          else orphans[id] = (orphans[id] ?? 0) + 1
        }
      }
    }
  }
  const uncovered = scope.features.filter((f) => features[f.id]!.scenarios === 0).map((f) => f.id)
  return { milestone: scope.milestone, frozen: scope.frozen, files: catalogue.files.length, pickles, features, uncovered, orphans, untagged, errors: catalogue.errors }
}

function count(entry: FeatureCoverage, pickle: CataloguedPickle): void {
  entry.scenarios++
  if (pickle.wip) entry.wip++
  if (pickle.manual) entry.manual++
  if (!pickle.wip && !pickle.manual) entry.automated++
  entry.complexity[pickle.complexity ?? 'unset']++
}
