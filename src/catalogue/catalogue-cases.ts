import type { Catalogue, CataloguedPickle, CataloguedScenario, CatalogueFile } from './catalogue-types.ts'
import { caseIdOf } from '../model/vocabulary.ts'
import { caseNameOr } from '../model/case-name.ts'

/** A catalogued pickle as the results know it: its case id and the name every output shows. */
export interface CatalogueCase {
  id: string
  name: string
  /** the feature file as results name it (features folder prefix included) */
  uri: string
  file: CatalogueFile
  scenario: CataloguedScenario
  pickle: CataloguedPickle
  example?: { name: string; index: number; values: Record<string, string>; occurrence?: number }
}

/**
 * Every pickle of the catalogue with the case id ingest gives its results (the same hash of
 * file, rule, scenario and example row): the one place the matrix, the gate and the hub join the
 * catalogue to results. `uriPrefix` is the features folder relative to where the run started.
 */
export function catalogueCases(catalogue: Catalogue, uriPrefix = ''): CatalogueCase[] {
  const out: CatalogueCase[] = []
  for (const file of catalogue.files) {
    const uri = uriPrefix ? `${uriPrefix}/${file.uri}` : file.uri
    for (const scenario of file.scenarios)
      for (const pickle of scenario.pickles) {
        const row = pickle.row
        const example = row ? { name: row.examples, index: row.index, values: row.cells, ...(row.occurrence > 1 ? { occurrence: row.occurrence } : {}) } : undefined
        const id = caseIdOf({ uri, scenario: scenario.name, ...(scenario.rule ? { rule: scenario.rule } : {}), ...(example ? { example } : {}), ...(scenario.occurrence ? { scenarioOccurrence: scenario.occurrence } : {}) })
        out.push({ id, name: caseNameOr(pickle.caseName, uri, pickle.line), uri, file, scenario, pickle, ...(example ? { example } : {}) })
      }
  }
  return out
}

/** What a result of a catalogued pickle says of it: the fields a case takes from the catalogue. */
export function caseFieldsOf(c: CatalogueCase): { id: string; uri: string; line: number; feature: string; scenario: string; name: string; example?: CatalogueCase['example']; featureIds: string[]; tags: string[] } {
  return {
    id: c.id,
    uri: c.uri,
    line: c.pickle.line,
    feature: c.scenario.featureName,
    scenario: c.scenario.name,
    name: c.name,
    ...(c.example ? { example: c.example } : {}),
    featureIds: c.pickle.featureIds,
    tags: c.pickle.tags,
  }
}
