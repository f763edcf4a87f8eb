/** A problem with a feature file, located for humans and for compiler-style output. */
export interface CatalogueError {
  /** path relative to the features directory, `/`-separated */
  file: string
  line: number
  column: number
  message: string
}

export type Complexity = 'low' | 'medium' | 'high'

/** What the tags on a pickle or scenario mean to bdd-matrix. */
export interface TagMeaning {
  featureIds: string[]
  wip: boolean
  manual: boolean
  complexity?: Complexity
  /** `@env:<name>`: the only environments the scenario is expected (run, required) in */
  environments?: string[]
}

export interface CataloguedStep {
  keyword: string
  text: string
  line: number
  docString?: { mediaType?: string; content: string }
  dataTable?: string[][]
}

export interface CataloguedExamples {
  name: string
  line: number
  column: number
  tags: string[]
  header: string[]
  rows: { line: number; cells: string[] }[]
}

/** One runnable test: a Scenario, or one Examples row of an Outline (what Cucumber and Testmo count). */
export interface CataloguedPickle extends TagMeaning {
  /** as Cucumber names the pickle (placeholders interpolated) */
  name: string
  /** what every output calls this case: an outline row by its values (src/model/case-name.ts) */
  caseName: string
  /** line of the Examples row for outline rows, of the Scenario otherwise */
  line: number
  tags: string[]
  /** name/occurrence: the row's case name, and 2, 3… for a repeated one */
  row?: { examples: string; index: number; line: number; cells: Record<string, string>; name: string; occurrence: number }
  /** steps after outline substitution, Background steps first (what step definitions must match) */
  steps: { text: string; line: number }[]
}

/** A Scenario or Scenario Outline as written, with the pickles it compiles to. */
export interface CataloguedScenario extends TagMeaning {
  uri: string
  line: number
  column: number
  keyword: string
  name: string
  featureName: string
  rule?: string
  /** its occurrence of its name (with its rule) in its file, from the second on: its cases are named and keyed by it (repeatedName) */
  occurrence?: number
  /** a plain scenario's case name where it is not its name: repeated, or an earlier case's (scenariosOf) */
  caseName?: string
  /** tags in effect: Feature, Rule and Scenario tags (Examples tags live on the pickles) */
  tags: string[]
  outline: boolean
  /** the scenario's own steps (Backgrounds excluded) */
  steps: CataloguedStep[]
  /** Feature and Rule Background steps that run before this scenario */
  background: CataloguedStep[]
  examples: CataloguedExamples[]
  pickles: CataloguedPickle[]
}

export interface CatalogueFile {
  uri: string
  featureName?: string
  featureLine?: number
  language: string
  /** every tag written in the file, where it is written (for located lint findings) */
  tagLocations: { name: string; line: number; column: number }[]
  scenarios: CataloguedScenario[]
}

export interface Catalogue {
  featuresDir: string
  files: CatalogueFile[]
  errors: CatalogueError[]
}
