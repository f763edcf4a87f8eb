import type { GherkinDocument } from '@cucumber/messages'
import { outlineRowNames, repeatedName, occurrenceCounter } from '../model/case-name.ts'
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
export function outlineRows(scenario: Scenario, occurrence = 1): OutlineRow[] {
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

/** Every scenario of a document, with the rule it is under and its occurrence of its name there (occurrenceCounter). */
export function scenariosOf(document: GherkinDocument): { scenario: Scenario; rule?: string; occurrence: number }[] {
  const found: { scenario: Scenario; rule?: string; occurrence: number }[] = []
  const occurrenceOf = occurrenceCounter()
  for (const child of document.feature?.children ?? []) {
    if (child.scenario) found.push({ scenario: child.scenario, occurrence: occurrenceOf(child.scenario.name) })
    for (const ruleChild of child.rule?.children ?? []) if (ruleChild.scenario) found.push({ scenario: ruleChild.scenario, rule: child.rule!.name, occurrence: occurrenceOf(ruleChild.scenario.name, child.rule!.name) })
  }
  return found
}
