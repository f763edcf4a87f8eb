/**
 * What a person reads for each Examples row of a Scenario Outline, the same in every output (the
 * matrix, Markdown, JUnit, Allure, Testmo, the gate, the hub): the row is named by its values,
 * never by its position, so names do not shift when a row is inserted or the rows are reordered
 * (GitLab keeps a test's history by its name).
 *
 * - A scenario name with `<placeholders>` is interpolated, as Cucumber names its pickles:
 *   `Ping <node>` → `Ping Bob`.
 * - Otherwise the values follow in brackets: `Peers see each other (topic: carrier-grade NAT)`.
 * - Rows that would still share a name — an interpolated name that leaves columns out, or rows
 *   repeated as they are — get the values of the other columns, then `#2`, `#3`… in the order
 *   they are written (the first keeps the plain name). `occurrence` is that number: the case id
 *   takes it, so repeated rows stay distinct cases.
 */
export interface RowName {
  name: string
  /** 1 for the first row with its name, 2 for the next one with the same, … */
  occurrence: number
}

export function outlineRowNames(scenario: string, rows: readonly Record<string, string>[]): RowName[] {
  const interpolated = rows.map((values) => interpolate(scenario, values))
  const names = rows.map((values, i) => (interpolated[i] !== scenario ? interpolated[i]! : withValues(scenario, Object.entries(values))))
  // Interpolated names that collide: add the columns the name leaves out.
  const counts = countOf(names)
  for (let i = 0; i < rows.length; i++) {
    if (counts.get(names[i]!)! < 2 || interpolated[i] === scenario) continue
    const unused = Object.entries(rows[i]!).filter(([header]) => !scenario.includes(`<${header}>`))
    if (unused.length) names[i] = withValues(interpolated[i]!, unused)
  }
  const seen = new Map<string, number>()
  return names.map((name) => {
    const occurrence = (seen.get(name) ?? 0) + 1
    seen.set(name, occurrence)
    return { name: occurrence === 1 ? name : `${name} #${occurrence}`, occurrence }
  })
}

/** Cucumber's interpolation: each `<header>` in the name replaced by the row's value. */
export function interpolate(text: string, values: Record<string, string>): string {
  let out = text
  for (const [header, value] of Object.entries(values)) out = out.split(`<${header}>`).join(value)
  return out
}

function withValues(name: string, entries: [string, string][]): string {
  if (entries.length === 0) return name
  return `${name} (${entries.map(([header, value]) => `${header}: ${value}`).join(', ')})`
}

function countOf(names: string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1)
  return counts
}

/** A scenario written without a name (Gherkin allows `Scenario:` alone) is named by where it is. */
export function caseNameOr(name: string, uri: string, line?: number): string {
  return name || `Unnamed scenario (${uri}${line ? `:${line}` : ''})`
}

/**
 * A scenario named as one before it in its file (and rule) is named, in every output, with its
 * occurrence — `Peers connect #2` — as repeated rows and test names are: results and reports key
 * scenarios by name, and two merged into one would hide one's result (lint calls it an error).
 */
export function repeatedName(name: string, occurrence: number): string {
  return occurrence > 1 ? `${name} #${occurrence}` : name
}

/**
 * Keeps the cases of a file (and rule) apart by name, in the order met: a name an earlier case
 * already has — a plain scenario and an outline's row in the same words (`Ping Bob` and `Ping
 * <node>`'s Bob), or rows of two outlines of one name — takes the next free number, `Ping Bob
 * #2`, as a Cucumber JSON report's repeated names do. Two tests of one name in a feature are one
 * in GitLab's eyes (its test report keys a test by suite, class and name: two passed, one counted).
 * Names that collide with none are left as they are.
 */
export function uniqueNamer(): (name: string, rule?: string) => string {
  const used = new Set<string>()
  return (name, rule) => {
    const key = (n: string): string => `${rule ?? ''}\u0000${n}`
    let unique = name
    if (used.has(key(name))) {
      const base = name.replace(/ #\d+$/, '')
      let n = 2
      while (used.has(key(`${base} #${n}`))) n++
      unique = `${base} #${n}`
    }
    used.add(key(unique))
    return unique
  }
}

/** Counts scenarios by name (with their rule) in the order met: each call gives that one's occurrence, 1, 2 … */
export function occurrenceCounter(): (name: string, rule?: string) => number {
  const seen = new Map<string, number>()
  return (name, rule) => {
    const key = `${rule ?? ''}\u0000${name}`
    const occurrence = (seen.get(key) ?? 0) + 1
    seen.set(key, occurrence)
    return occurrence
  }
}
