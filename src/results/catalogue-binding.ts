import { existsSync } from 'node:fs'
import path from 'node:path'
import { buildCatalogue } from '../catalogue/build-catalogue.ts'
import { caseFieldsOf, catalogueCases, type CatalogueCase } from '../catalogue/catalogue-cases.ts'
import type { Case } from '../model/results.ts'

/** What a report's case takes from the catalogue scenario it is bound to. */
export type BoundFields = Pick<Case, 'id' | 'uri' | 'line' | 'feature' | 'scenario' | 'name' | 'example' | 'featureIds' | 'tags'>

/** A report's test bound to its pickle: the fields it takes, and how many steps the pickle has. */
export interface BoundScenario {
  fields: BoundFields
  stepCount: number
  /** the scenario's own steps, Backgrounds' left out */
  ownStepCount: number
}

const bindingOf = (c: CatalogueCase): BoundScenario => ({ fields: caseFieldsOf(c), stepCount: c.pickle.steps.length, ownStepCount: c.scenario.steps.length })

/**
 * The project's scenarios, for reports that do not carry the Gherkin (Cucumber JSON, JUnit from
 * godog and other BDD runners): a report's test is bound to the catalogue's pickle, and takes its
 * case id, name, example row, tags and scope features, so it lands in the same matrix row as the
 * same scenario run by bdd-matrix. Cucumber JSON names each test by file and line (an outline
 * row by its Examples row's line); JUnit by feature and scenario name.
 */
export class CatalogueBinding {
  private readonly files = new Map<string, { byLine: Map<number, CatalogueCase[]>; cases: CatalogueCase[] }>()
  private readonly byName = new Map<string, CatalogueCase[]>()
  private readonly byOutlineName = new Map<string, CatalogueCase[]>()
  private readonly fileOfUri = new Map<string, string | undefined>()
  private readonly featureNames = new Set<string>()
  /** pytest-bdd's test function names: made when a report first needs them */
  private byPython?: Map<string, CatalogueCase[]>
  /** Go's subtest names of the pickles, alone and after their feature's: made when a report first needs them */
  private byGo?: Map<string, CatalogueCase[]>
  /** Cucumber-JVM's JUnit Platform names, whole (`long`) and without the feature: made when a report first needs them */
  private byJvm?: { long: Map<string, CatalogueCase[]>; path: Map<string, CatalogueCase[]> }

  private constructor(cases: CatalogueCase[]) {
    for (const c of cases) {
      const key = c.file.uri
      const file = this.files.get(key) ?? { byLine: new Map<number, CatalogueCase[]>(), cases: [] as CatalogueCase[] }
      this.files.set(key, file)
      file.cases.push(c)
      this.featureNames.add(c.scenario.featureName.trim())
      // a row by its line, and every row of an outline by the outline's line (pytest-bdd names rows so)
      for (const line of new Set([c.pickle.line, c.scenario.line])) add(file.byLine, line, c)
      // An outline row's own names: by its values, as cucumber-js's JUnit numbers it, and as
      // Cucumber names its pickle where the values change the name. By its outline's name (as
      // other reports name rows) only where no test is named so itself: two files sharing a
      // Feature title must not lend a row the name of another file's scenario.
      // behave's JUnit names the feature after its file too ("sub.n.Nested" for sub/n.feature).
      const row = rowOf(c)
      // Cucumber-JVM's JUnit Platform engine under Surefire (naming strategy `surefire`, Surefire
      // up to 3.5.2) names the test by its path below the feature, the feature the class.
      const own = new Set([c.name, cucumberPath(c, row, 'cucumber-js').join(' - '), cucumberPath(c, row, 'junit-platform').join(' - '), ...(row ? [behaveRowName(c, row), rubyRowName(c, row)] : []), ...(row && c.pickle.name === c.scenario.name ? [] : [c.pickle.name])])
      for (const feature of [c.scenario.featureName, `${c.file.uri.replace(/\.feature$/, '').split('/').join('.')}.${c.scenario.featureName}`]) {
        for (const name of own) add(this.byName, nameKey(feature, name), c)
        if (row) add(this.byOutlineName, nameKey(feature, c.scenario.name), c)
      }
      // ("short" under a Surefire up to 3.5.2: a scenario of a Rule has the rule for its class)
      if (c.scenario.rule && !row) add(this.byName, nameKey(c.scenario.rule, c.scenario.name), c)
    }
  }

  /** The catalogue of a features folder; undefined when there is none (then reports stand alone). */
  static load(featuresDir: string, uriPrefix: string): CatalogueBinding | undefined {
    if (!existsSync(featuresDir)) return undefined
    const cases = catalogueCases(buildCatalogue(featuresDir), uriPrefix)
    return cases.length ? new CatalogueBinding(cases) : undefined
  }

  /**
   * The pickle at a report's file and line; `nth` (from 1) picks among the rows of an outline
   * named by its own line. Undefined when the file or line is not the catalogue's.
   */
  atLine(reportUri: string, line: number, nth = 1): BoundScenario | undefined {
    const key = this.fileKey(reportUri)
    if (!key) return undefined
    const found = this.files.get(key)!.byLine.get(line) ?? []
    const exact = found.filter((c) => c.pickle.line === line)
    const pick = exact.length === 1 ? exact[0] : (exact.length ? exact : found)[nth - 1]
    return pick && bindingOf(pick)
  }

  /** The pickle a JUnit test names: feature (suite or classname) and scenario; `nth` for repeats. */
  byNames(feature: string, scenario: string, nth = 1): BoundScenario | undefined {
    // godog names an outline's rows "<outline> #1", "#2"… across all its Examples
    const row = /^(.*) #(\d+)$/.exec(scenario.trim())
    const key = nameKey(feature, scenario)
    const rows = row ? this.byOutlineName.get(nameKey(feature, row[1]!)) : undefined
    const pick = this.byName.get(key)?.[nth - 1] ?? this.byOutlineName.get(key)?.[nth - 1] ?? rows?.[Number(row![2]) - 1]
    return pick && bindingOf(pick)
  }

  /**
   * The pickle a test names as "<Feature> <scenario>" in one string: jest-junit's default name
   * ("{classname} {title}", the describe blocks' titles before the test's), and jest-cucumber
   * describes a feature by its title and tests a scenario (an outline's row) by its name.
   */
  byJoinedNames(joined: string, nth = 1): BoundScenario | undefined {
    for (let at = joined.indexOf(' '); at !== -1; at = joined.indexOf(' ', at + 1)) {
      const feature = joined.slice(0, at)
      const found = this.featureNames.has(feature.trim()) ? this.byNames(feature, joined.slice(at + 1), nth) : undefined
      if (found) return found
    }
    return undefined
  }

  /**
   * The pickle a pytest-bdd test names in pytest's JUnit (`--junitxml`): `scenarios()` names the
   * test function after the scenario (`test_a_number_is_added`) and an outline's row by its values
   * (`test_sums_of_two_numbers[1-2-3]`); the classname is the Python module, which names no
   * feature. Bound only where one scenario of the features folder has that name: a function
   * named by hand, or a name two features share (pytest-bdd adds `_1`), stays as the report says.
   */
  byPytestName(name: string): BoundScenario | undefined {
    const test = /^(test_[^[\]]*)(?:\[(.*)\])?$/.exec(name.trim())
    if (!test) return undefined
    this.byPython ??= this.pythonNames()
    const cases = this.byPython.get(test[1]!) ?? []
    if (!oneScenario(cases)) return undefined
    const id = test[2]
    const picks = id === undefined ? cases.filter((c) => !c.example) : cases.filter((c) => c.example && Object.values(c.example.values).join('-') === id)
    const pick = picks.length === 1 ? picks[0] : undefined
    return pick && bindingOf(pick)
  }

  private pythonNames(): Map<string, CatalogueCase[]> {
    const names = new Map<string, CatalogueCase[]>()
    for (const file of this.files.values()) for (const c of file.cases) add(names, `test_${pythonName(c.scenario.name)}`, c)
    return names
  }

  /**
   * The pickle a Go test names when godog runs the features under `go test` (`TestingT` in its
   * options): each scenario is a subtest of the test function, `TestFeatures/Deploy_a_job` in
   * go-junit-report's and gotestsum's JUnit (`TestFeatures/<Feature>/<scenario>` where each
   * feature is a subtest of its own). Go's testing rewrites a subtest's name (spaces to
   * underscores, unprintable characters escaped) and tells a name run again apart by `#01`,
   * `#02`… in the order run. Bound only where the name is one scenario's: a plain scenario, or
   * a row of an outline by its place among the outline's rows (godog runs them in order); a name
   * two scenarios share stays as the report says.
   */
  byGoSubtest(name: string): BoundScenario | undefined {
    const test = /^Test[^/]*\/(.+)$/s.exec(name)
    if (!test) return undefined
    this.byGo ??= this.goNames()
    const subtest = test[1]!
    // a scenario named "… #12" is found as it is before the repeat count is taken off
    const repeat = /^(.*)#(\d{2,})$/s.exec(subtest)
    const [cases, nth] = this.byGo.has(subtest) ? [this.byGo.get(subtest)!, 0] : repeat ? [this.byGo.get(repeat[1]!) ?? [], Number(repeat[2])] : [[], 0]
    if (!oneScenario(cases)) return undefined
    const pick = cases[nth]
    return pick && bindingOf(pick)
  }

  private goNames(): Map<string, CatalogueCase[]> {
    const names = new Map<string, CatalogueCase[]>()
    for (const file of this.files.values())
      for (const c of file.cases) {
        const scenario = goSubtestName(c.pickle.name)
        add(names, scenario, c)
        add(names, `${goSubtestName(c.scenario.featureName)}/${scenario}`, c)
      }
    return names
  }

  /**
   * The pickle a test names as Cucumber-JVM's JUnit Platform engine names it in Surefire's or
   * Gradle's JUnit, whatever the class: `long` naming, "<Feature> - <Rule> - <Scenario>" (an
   * outline's row "… - <Outline> - <Examples> - Example #1.2", ": <pickle name>" after it where
   * the row's values change the name), which Cucumber's documentation advises for Surefire and
   * Gradle; or, from a Surefire 3.5.4 or later that names the class after the suite that ran
   * Cucumber (`RunCucumberTest`), the same path without the feature (`surefire` naming), bound
   * only where one scenario of the features folder has that path. Cucumber names a nameless
   * part by its keyword.
   */
  byJUnitPlatformName(classname: string, name: string, nth = 1): BoundScenario | undefined {
    this.byJvm ??= this.junitPlatformNames()
    const whole = this.byJvm.long.get(name.trim())
    if (whole) return whole[nth - 1] && bindingOf(whole[nth - 1]!)
    // the class a suite (a Java class name): the path alone says which scenario, when one has it
    if (!JAVA_CLASS.test(classname.trim())) return undefined
    const cases = this.byJvm.path.get(name.trim()) ?? []
    if (!oneScenario(cases)) return undefined
    const pick = cases[nth - 1]
    return pick && bindingOf(pick)
  }

  private junitPlatformNames(): { long: Map<string, CatalogueCase[]>; path: Map<string, CatalogueCase[]> } {
    const names = { long: new Map<string, CatalogueCase[]>(), path: new Map<string, CatalogueCase[]>() }
    for (const file of this.files.values())
      for (const c of file.cases) {
        const path = cucumberPath(c, rowOf(c), 'junit-platform')
        add(names.path, path.join(' - '), c)
        add(names.long, [c.scenario.featureName.trim() || 'Feature', ...path].join(' - '), c)
      }
    return names
  }

  /**
   * The pickle a Playwright test generated by playwright-bdd names: its file (`<feature
   * file>.spec.js`, the JUnit classname) and its title path (`Feature › Rule › Outline › row`,
   * Playwright's JUnit name, `[project] ` first when the reporter is asked to). An outline row is
   * titled as playwright-bdd titles it by default: by its values where the outline's or Examples'
   * name has `<placeholders>`, else `Example #<n>` (numbered across the outline's Examples).
   */
  byTestTitle(specFile: string, title: string, nth = 1): BoundScenario | undefined {
    const feature = /^(.*\.feature)\.spec\.[cm]?[jt]s$/.exec(specFile.trim())
    const key = feature && this.fileKey(feature[1]!)
    if (!key) return undefined
    const cases = this.files.get(key)!.cases
    for (const candidate of [title, title.replace(/^\[[^\]]*\] /, '')]) {
      const path = candidate.split(' \u203a ').map((part) => part.trim())
      const pick = cases.filter((c) => sameTitlePath(c, path))[nth - 1]
      if (pick) return bindingOf(pick)
    }
    return undefined
  }

  /** The catalogue file a report's uri names (absolute, file://, or relative to anywhere): the longest one it ends with. */
  private fileKey(reportUri: string): string | undefined {
    if (this.fileOfUri.has(reportUri)) return this.fileOfUri.get(reportUri)
    let normal = reportUri.replace(/^file:\/\//, '').replace(/\\/g, '/')
    try {
      normal = decodeURI(normal)
    } catch {
      // kept as written
    }
    normal = path.posix.normalize(normal)
    let best: string | undefined
    for (const key of this.files.keys()) if ((normal === key || normal.endsWith(`/${key}`)) && key.length > (best?.length ?? 0)) best = key
    // named from deeper in the tree (relative to the features folder itself): the one file that ends so
    if (!best && !normal.startsWith('/')) {
      const deeper = [...this.files.keys()].filter((key) => key.endsWith(`/${normal}`))
      if (deeper.length === 1) best = deeper[0]
    }
    this.fileOfUri.set(reportUri, best)
    return best
  }
}

/** An outline row's Examples (and its place among the outline's, from 0) and its place among their rows, from 0. */
interface RowPlace {
  examples: { name: string; rows: readonly { cells: readonly string[] }[] }
  examplesIndex: number
  rowIndex: number
}

function rowOf(c: CatalogueCase): RowPlace | undefined {
  const line = c.pickle.row?.line
  if (line === undefined) return undefined
  const examplesIndex = c.scenario.examples.findIndex((e) => e.rows.some((r) => r.line === line))
  const examples = c.scenario.examples[examplesIndex]
  return examples && { examples, examplesIndex, rowIndex: examples.rows.findIndex((r) => r.line === line) }
}

/**
 * A pickle's place below its feature as Cucumber's JUnit writers name it: its Rule, Scenario and
 * Examples and, for an outline's row, its number among them, ": <pickle name>" after it where the
 * row's values change the name.
 * - cucumber-js's JUnit formatter (@cucumber/junit-xml-formatter, @cucumber/query's long naming,
 *   the feature left to the classname): a row "#<examples>.<row>", a nameless part left out;
 * - Cucumber-JVM's JUnit Platform engine (DefaultNamingStrategyProvider): a row
 *   "Example #<examples>.<row>", a nameless part named by its keyword.
 */
function cucumberPath(c: CatalogueCase, row: RowPlace | undefined, engine: 'cucumber-js' | 'junit-platform'): string[] {
  const { scenario, pickle } = c
  const jvm = engine === 'junit-platform'
  const parts = [scenario.rule === undefined ? undefined : scenario.rule.trim() || (jvm ? 'Rule' : ''), scenario.name.trim() || (jvm ? scenario.keyword.trim() : pickle.name)]
  if (row) {
    const number = `${jvm ? 'Example ' : ''}#${row.examplesIndex + 1}.${row.rowIndex + 1}`
    parts.push(row.examples.name.trim() || (jvm ? 'Examples' : ''), scenario.name === pickle.name ? number : `${number}: ${pickle.name}`)
  }
  return parts.filter((part): part is string => Boolean(part))
}

/**
 * A Java class's name, plain or qualified (`RunCucumberTest`, `io.cucumber.skeleton.RunCucumberTest`),
 * capitalised as Java's are: a Python module (`tests.test_steps`) or a spec file (`login.spec.ts`) is none.
 */
const JAVA_CLASS = /^(?:[\p{L}_$][\p{L}\p{N}_$]*\.)*[\p{Lu}$][\p{L}\p{N}_$]*$/u

/** Whether a Playwright title path (split at ` › `) is playwright-bdd's for this pickle. */
function sameTitlePath(c: CatalogueCase, path: string[]): boolean {
  const { scenario, pickle } = c
  const row = rowOf(c)
  const expected = [scenario.featureName, scenario.rule, row ? scenario.name : undefined].filter((part) => part !== undefined).map((part) => part.trim())
  if (path.length !== expected.length + 1 || expected.some((part, i) => part !== path[i])) return false
  const title = path.at(-1)!
  if (!row) return title === (scenario.name.trim() || pickle.name.trim())
  const number = scenario.examples.slice(0, row.examplesIndex).reduce((n, e) => n + e.rows.length, 0) + row.rowIndex + 1
  const values = c.example?.values ?? {}
  const named = [pickle.name, row.examples.name].map((name) => name.replace(/<([^<>]*)>/g, (whole, column: string) => (Object.hasOwn(values, column) ? values[column]! : whole)).trim())
  return named.includes(title) || new RegExp(`(^|\\s)#${number}$`).test(title)
}

/** pytest-bdd's make_python_name: spaces to underscores, other non-word characters dropped, leading digits too, lower case. */
function pythonName(name: string): string {
  return name.replace(/ /g, '_').replace(/[^\p{L}\p{N}_]/gu, '').replace(/^\d+_*/, '').toLowerCase()
}

/**
 * A subtest's name as Go's testing writes it (testing/match.go, rewrite): each space (Go's list:
 * not Unicode's Z class) an underscore, each rune strconv.IsPrint refuses escaped as
 * strconv.QuoteRune escapes it.
 */
export function goSubtestName(name: string): string {
  let out = ''
  for (const ch of name) {
    const r = ch.codePointAt(0)!
    if (GO_SPACES.has(r) || (r >= 0x2000 && r <= 0x200a)) out += '_'
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch
    else out += goEscape(r)
  }
  return out
}

const GO_SPACES = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000])

/** strconv.QuoteRune's escape of an unprintable rune, without the quotes. */
function goEscape(r: number): string {
  // (the other letters QuoteRune knows, \f \n \r \t \v, name spaces: underscores here)
  if (r === 0x07) return '\\a'
  if (r === 0x08) return '\\b'
  const hex = r.toString(16)
  if (r < 0x80) return `\\x${hex.padStart(2, '0')}`
  return r < 0x10000 ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`
}

/** behave's JUnit name of an outline row: "<pickle name> -- @<examples>.<row> <examples name>". */
function behaveRowName(c: CatalogueCase, row: RowPlace): string {
  return `${c.pickle.name} -- @${row.examplesIndex + 1}.${row.rowIndex + 1} ${row.examples.name}`
}

/**
 * cucumber-ruby's JUnit name of an outline row: the outline's name as written, then the row's
 * cells as they are written, "<outline> (outline example : | 1 | 2 | 3 |)".
 */
function rubyRowName(c: CatalogueCase, row: RowPlace): string {
  const cells = row.examples.rows[row.rowIndex]!.cells
  return `${c.scenario.name} (outline example : | ${cells.join(' | ')} |)`
}

/** Whether pickles are all of one scenario (an outline's rows), which a name shared by two is not. */
function oneScenario(cases: CatalogueCase[]): boolean {
  return new Set(cases.map((c) => `${c.file.uri}\u0000${c.scenario.line}`)).size === 1
}

function add<K>(index: Map<K, CatalogueCase[]>, key: K, c: CatalogueCase): void {
  const list = index.get(key)
  if (list) list.push(c)
  else index.set(key, [c])
}

function nameKey(feature: string, scenario: string): string {
  return `${feature.trim()}\u0000${scenario.trim()}`
}
