import type { GherkinDocument } from '@cucumber/messages'
import { outlineRowNames, repeatedName, occurrenceCounter, uniqueNamer } from '../model/case-name.ts'
import { ownRecord } from '../own-record.ts'

type Scenario = NonNullable<NonNullable<GherkinDocument['feature']>['children'][number]['scenario']>

/** An Examples row of a Scenario Outline in a Cucumber Messages document. */
export interface OutlineRow {
  /** the row's id, which its pickle's astNodeIds name second */
  id: string
  examples: string
  /** 1-based within its Examples table */
  index: number
  values: Record<string, string>
  /** the row's case name and occurrence, as every output names it (src/model/case-name.ts) */
  name: string
  occurrence: number
}

/** The Examples rows of a scenario (none for a plain scenario), named (after the outline's name as repeatedName gives it). */
function outlineRows(scenario: Scenario, occurrence = 1): OutlineRow[] {
  const rows: OutlineRow[] = []
  for (const examples of scenario.examples) {
    const header = examples.tableHeader?.cells.map((c) => c.value) ?? []
    examples.tableBody.forEach((row, index) => {
      const values = ownRecord<string>()
      header.forEach((h, i) => (values[h] = row.cells[i]?.value ?? ''))
      rows.push({ id: row.id, examples: examples.name, index: index + 1, values, name: '', occurrence: 1 })
    })
  }
  if (rows.length) outlineRowNames(repeatedName(scenario.name, occurrence), rows.map((r) => r.values)).forEach((n, i) => Object.assign(rows[i]!, n))
  return rows
}

export interface DocumentScenario {
  scenario: Scenario
  rule?: string
  /** its occurrence of its name in its file (and rule) (occurrenceCounter) */
  occurrence: number
  /** a plain scenario's case name, as every output names it (repeatedName, then uniqueNamer) */
  name: string
  /** an outline's Examples rows, named likewise */
  rows: OutlineRow[]
}

/** Every scenario of a document, in the order written, with its rule, occurrence and case names (as the catalogue has them). */
export function scenariosOf(document: GherkinDocument): DocumentScenario[] {
  const found: DocumentScenario[] = []
  const occurrenceOf = occurrenceCounter()
  const uniqueName = uniqueNamer()
  const add = (scenario: Scenario, rule?: string): void => {
    const occurrence = occurrenceOf(scenario.name, rule)
    const rows = outlineRows(scenario, occurrence)
    for (const row of rows) row.name = uniqueName(row.name, rule)
    const name = rows.length ? repeatedName(scenario.name, occurrence) : uniqueName(repeatedName(scenario.name, occurrence), rule)
    found.push({ scenario, ...(rule !== undefined ? { rule } : {}), occurrence, name, rows })
  }
  for (const child of document.feature?.children ?? []) {
    if (child.scenario) add(child.scenario)
    for (const ruleChild of child.rule?.children ?? []) if (ruleChild.scenario) add(ruleChild.scenario, child.rule!.name)
  }
  return found
}
