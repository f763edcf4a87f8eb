import { AstBuilder, GherkinClassicTokenMatcher, Parser, compile, dialects } from '@cucumber/gherkin'
import { IdGenerator, type GherkinDocument, type Scenario, type Step, type Background, type Tag } from '@cucumber/messages'
import type { CatalogueError, CatalogueFile, CataloguedScenario, CataloguedStep, CataloguedPickle } from './catalogue-types.ts'
import { tagMeaning } from './tag-meaning.ts'

export interface ParsedFeature {
  file?: CatalogueFile
  errors: CatalogueError[]
}

/** Parses one Gherkin source with @cucumber/gherkin (all syntax errors, not just the first) and catalogues it. */
export function parseFeature(uri: string, text: string): ParsedFeature {
  const newId = IdGenerator.incrementing()
  const parser = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher())
  parser.stopAtFirstError = false
  let document: GherkinDocument
  try {
    document = parser.parse(text)
  } catch (error) {
    return { errors: syntaxErrors(uri, error) }
  }
  if (!document.feature) {
    const message = text.trim() === '' ? 'file is empty: a feature file needs a "Feature:" line' : 'no "Feature:" line found: a feature file must declare one Feature'
    return { errors: [{ file: uri, line: 1, column: 1, message }] }
  }
  return { file: catalogueDocument(uri, document, compile(document, uri, newId)), errors: [] }
}

function catalogueDocument(uri: string, document: GherkinDocument, pickles: ReturnType<typeof compile>): CatalogueFile {
  const feature = document.feature!
  const scenariosById = new Map<string, CataloguedScenario>()
  const rowsById = new Map<string, { examples: string; index: number; line: number; cells: Record<string, string> }>()
  const stepLines = new Map<string, number>()
  const scenarios: CataloguedScenario[] = []
  const featureTags = tagNames(feature.tags)
  const outlineKeywords = dialects[feature.language]?.scenarioOutline ?? []

  const addScenario = (scenario: Scenario, background: CataloguedStep[], ruleName: string | undefined, ruleTags: string[]): void => {
    const tags = [...featureTags, ...ruleTags, ...tagNames(scenario.tags)]
    const meaning = tagMeaning(tags)
    for (const step of scenario.steps) stepLines.set(step.id, step.location.line)
    const entry: CataloguedScenario = {
      uri,
      line: scenario.location.line,
      column: scenario.location.column ?? 1,
      keyword: scenario.keyword.trim(),
      name: scenario.name.trim(),
      featureName: feature.name.trim(),
      ...(ruleName !== undefined ? { rule: ruleName } : {}),
      tags,
      ...meaning,
      // A scenario without steps is planned work, whatever its tags say.
      wip: meaning.wip || scenario.steps.length === 0,
      outline: scenario.examples.length > 0 || outlineKeywords.includes(scenario.keyword),
      steps: scenario.steps.map(toStep),
      background,
      examples: scenario.examples.map((examples) => {
        const header = examples.tableHeader?.cells.map((c) => c.value) ?? []
        const name = examples.name.trim()
        const rows = examples.tableBody.map((row, index) => {
          const cells = row.cells.map((c) => c.value)
          rowsById.set(row.id, { examples: name, index: index + 1, line: row.location.line, cells: Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])) })
          return { line: row.location.line, cells }
        })
        return { name, line: examples.location.line, tags: tagNames(examples.tags), header, rows }
      }),
      pickles: [],
    }
    scenariosById.set(scenario.id, entry)
    scenarios.push(entry)
  }

  const backgroundSteps = (background: Background): CataloguedStep[] => {
    for (const step of background.steps) stepLines.set(step.id, step.location.line)
    return background.steps.map(toStep)
  }

  let featureBackground: CataloguedStep[] = []
  for (const child of feature.children) {
    if (child.background) featureBackground = backgroundSteps(child.background)
    else if (child.scenario) addScenario(child.scenario, featureBackground, undefined, [])
    else if (child.rule) {
      const rule = child.rule
      let ruleBackground = featureBackground
      for (const ruleChild of rule.children) {
        if (ruleChild.background) ruleBackground = [...featureBackground, ...backgroundSteps(ruleChild.background)]
        else if (ruleChild.scenario) addScenario(ruleChild.scenario, ruleBackground, rule.name.trim(), tagNames(rule.tags))
      }
    }
  }

  for (const pickle of pickles) {
    const scenario = scenariosById.get(pickle.astNodeIds[0] ?? '')
    if (!scenario) continue
    const rowId = pickle.astNodeIds[1]
    const row = rowId ? rowsById.get(rowId) : undefined
    const tags = pickle.tags.map((t) => t.name)
    const meaning = tagMeaning(tags)
    const entry: CataloguedPickle = {
      name: pickle.name.trim(),
      line: row?.line ?? scenario.line,
      tags,
      ...meaning,
      wip: meaning.wip || scenario.steps.length === 0,
      ...(row ? { row } : {}),
      steps: pickle.steps.map((s) => ({ text: s.text, line: stepLines.get(s.astNodeIds[0] ?? '') ?? scenario.line })),
    }
    scenario.pickles.push(entry)
  }

  const tagLocations = collectTags(feature).map((t) => ({ name: t.name, line: t.location.line, column: t.location.column ?? 1 }))
  return { uri, featureName: feature.name.trim(), featureLine: feature.location.line, language: feature.language, tagLocations, scenarios }
}

function toStep(step: Step): CataloguedStep {
  return {
    keyword: step.keyword.trim(),
    text: step.text,
    line: step.location.line,
    ...(step.docString ? { docString: { content: step.docString.content, ...(step.docString.mediaType ? { mediaType: step.docString.mediaType } : {}) } } : {}),
    ...(step.dataTable ? { dataTable: step.dataTable.rows.map((r) => r.cells.map((c) => c.value)) } : {}),
  }
}

function collectTags(feature: NonNullable<GherkinDocument['feature']>): Tag[] {
  const fromScenario = (s: Scenario): Tag[] => [...s.tags, ...s.examples.flatMap((e) => e.tags)]
  return [
    ...feature.tags,
    ...feature.children.flatMap((child) =>
      child.scenario ? fromScenario(child.scenario) : child.rule ? [...child.rule.tags, ...child.rule.children.flatMap((c) => (c.scenario ? fromScenario(c.scenario) : []))] : [],
    ),
  ]
}

function tagNames(tags: readonly Tag[]): string[] {
  return tags.map((t) => t.name)
}

const TOKEN_NAMES: Record<string, string> = {
  '#EOF': 'the end of the file',
  '#Language': 'a "# language:" header',
  '#TagLine': 'tags (@...)',
  '#FeatureLine': '"Feature:"',
  '#RuleLine': '"Rule:"',
  '#BackgroundLine': '"Background:"',
  '#ScenarioLine': '"Scenario:" or "Scenario Outline:"',
  '#ExamplesLine': '"Examples:"',
  '#StepLine': 'a step (Given/When/Then/And/But)',
  '#DocStringSeparator': 'a doc string delimiter (""" or ```)',
  '#TableRow': 'a table row (| ... |)',
  '#Other': 'free description text',
}

/** Turns gherkin's parser errors into messages a QA person can act on. */
function syntaxErrors(uri: string, error: unknown): CatalogueError[] {
  const list = (error as { errors?: unknown[] }).errors ?? [error]
  return list.map((e) => {
    const err = e as { message?: string; location?: { line: number; column?: number } }
    const line = err.location?.line ?? 1
    const column = err.location?.column ?? 1
    return { file: uri, line, column, message: explainParserMessage(err.message ?? String(e)) }
  })
}

export function explainParserMessage(raw: string): string {
  const message = raw.replace(/^\(\d+:\d+\): /, '')
  const unexpected = /^expected: (.*), got '(.*)'$/s.exec(message)
  if (unexpected) {
    const expected = tokenList(unexpected[1]!)
    const got = unexpected[2]!.trim()
    if (expected.has('#TableRow') && expected.has('#StepLine') && !expected.has('#Other'))
      return `unexpected text "${got}" after a data table: a step cannot continue after its table; if this text belongs to the step above, move it onto the step line before the table, otherwise start it with Given/When/Then/And/But`
    const hint = expected.has('#FeatureLine') ? '; every feature file starts with "Feature:" (tags, comments and a "# language:" header may come first)' : ''
    return `unexpected text "${got}": here Gherkin expects ${describeTokens(expected)}${hint}`
  }
  const eof = /^unexpected end of file, expected: (.*)$/s.exec(message)
  if (eof) {
    const expected = tokenList(eof[1]!)
    if (expected.has('#DocStringSeparator')) return 'a doc string is opened but never closed: add the closing """ (or ```)'
    return `the file ends too early: Gherkin expects ${describeTokens(expected)}`
  }
  if (/inconsistent cell count/i.test(message)) return 'a table row has a different number of cells than the first row; every row needs the same number of | cells |'
  if (/Language not supported/i.test(message)) return `${message}; use a language code Gherkin knows, e.g. "# language: fr"`
  return message
}

function tokenList(text: string): Set<string> {
  return new Set(text.split(',').map((t) => t.trim()))
}

function describeTokens(tokens: Set<string>): string {
  const names = [...tokens].filter((t) => t !== '#Comment' && t !== '#Empty').map((t) => TOKEN_NAMES[t] ?? t)
  return names.length <= 1 ? (names[0] ?? 'something else') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`
}
