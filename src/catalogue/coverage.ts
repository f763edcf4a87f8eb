import { catalogueFiles } from './build-catalogue.ts'
import type { Catalogue, CatalogueError, CatalogueFile, CataloguedPickle, Complexity } from './catalogue-types.ts'
import type { Scope } from './scope.ts'
import { ownRecord } from '../own-record.ts'
import { isUncovered } from './uncovered.ts'

export interface FeatureCoverage {
  name: string
  /** the scope's status of it, when it gives one */
  status?: string
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
  /** scope features no scenario defines that is not wip (isUncovered) */
  uncovered: string[]
  orphans: Record<string, number>
  untagged: number
  /** scenarios under more than one scope feature: in each one's row, once in `pickles` */
  shared: number
  errors: CatalogueError[]
}

/** Counts pickles per scope feature. A pickle tagged with two features counts for both. */
export function coverageFrom(catalogue: Catalogue, scope: Scope): Coverage {
  const counter = new CoverageCounter(scope)
  for (const file of catalogue.files) counter.add({ file, errors: [] })
  for (const error of catalogue.errors) counter.add({ errors: [error] })
  return counter.result()
}

/** Coverage accumulated file by file, so a large suite need not be held in memory. */
export class CoverageCounter {
  // keyed by the ids tags give (ownRecord: a tag @feature:constructor is an orphan like any other)
  private readonly features = ownRecord<FeatureCoverage>()
  private readonly orphans = ownRecord<number>()
  private readonly errors: CatalogueError[] = []
  private files = 0
  private pickles = 0
  private untagged = 0
  private shared = 0

  constructor(private readonly scope: Scope) {
    for (const feature of scope.features) {
      this.features[feature.id] = { name: feature.name, ...(feature.status ? { status: feature.status } : {}), scenarios: 0, wip: 0, manual: 0, automated: 0, complexity: { low: 0, medium: 0, high: 0, unset: 0 } }
    }
  }

  add(parsed: { file?: CatalogueFile; errors: CatalogueError[] }): void {
    this.errors.push(...parsed.errors)
    if (!parsed.file) return
    this.files++
    for (const scenario of parsed.file.scenarios) {
      for (const pickle of scenario.pickles) {
        this.pickles++
        if (pickle.featureIds.length === 0) this.untagged++
        let inScope = 0
        for (const id of pickle.featureIds) {
          const entry = this.features[id]
          if (entry) {
            count(entry, pickle)
            inScope++
          } else this.orphans[id] = (this.orphans[id] ?? 0) + 1
        }
        if (inScope > 1) this.shared++
      }
    }
  }

  result(): Coverage {
    const uncovered = this.scope.features.filter((f) => isUncovered(this.features[f.id]!)).map((f) => f.id)
    const { features, orphans, untagged, shared, pickles, files, errors } = this
    return { milestone: this.scope.milestone, frozen: this.scope.frozen, files, pickles, features, uncovered, orphans, untagged, shared, errors }
  }
}

function count(entry: FeatureCoverage, pickle: CataloguedPickle): void {
  entry.scenarios++
  if (pickle.wip) entry.wip++
  if (pickle.manual) entry.manual++
  if (!pickle.wip && !pickle.manual) entry.automated++
  entry.complexity[pickle.complexity ?? 'unset']++
}

/** Coverage of a features folder, streamed file by file. */
export function coverageOf(featuresDir: string, scope: Scope): Coverage {
  const counter = new CoverageCounter(scope)
  for (const parsed of catalogueFiles(featuresDir, 'coverage')) counter.add(parsed)
  return counter.result()
}
