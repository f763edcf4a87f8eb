import { AstBuilder, GherkinClassicTokenMatcher, Parser, compile, dialects } from '@cucumber/gherkin'
import { IdGenerator, type Feature, type GherkinDocument, type Scenario, type Step, type Background, type Tag } from '@cucumber/messages'
import type { CatalogueError, CatalogueFile, CataloguedExamples, CataloguedScenario, CataloguedStep, CataloguedPickle, TagMeaning } from './catalogue-types.ts'
import { tagMeaning } from './tag-meaning.ts'
import { scenariosOf } from '../results/outline-rows.ts'
import { ownRecord } from '../own-record.ts'

export interface ParsedFeature {
  file?: CatalogueFile
  errors: CatalogueError[]
}

type RowInfo = NonNullable<CataloguedPickle['row']>

/**
 * Parses Gherkin sources with @cucumber/gherkin (reporting all syntax errors, not just the first)
 * and catalogues them. Each file gets a parser of its own, as Cucumber does: one parser reused
 * over 5,000 files measured 10% slower and held 20 MB more.
 */
export class FeatureParser {
  /**
   * `coverage` catalogues what coverage counts (each pickle's tags, features, wip, manual,
   * complexity, by the same rules) and leaves steps, examples and row names out: a
   * 60,000-pickle suite is counted at little more than the parse.
   */
  parse(uri: string, text: string, detail: Detail = 'full'): ParsedFeature {
    const newId = IdGenerator.incrementing()
    const parsed = parseGherkin(uri, text, newId)
    if ('errors' in parsed) return parsed
    return { file: catalogueDocument(uri, parsed, compile(parsed, uri, newId), detail), errors: [] }
  }
}

/** A source's Gherkin document, or every syntax error located (a file without a Feature is one). */
export function parseGherkin(uri: string, text: string, newId = IdGenerator.incrementing()): (GherkinDocument & { feature: Feature }) | { errors: CatalogueError[] } {
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
  return document as GherkinDocument & { feature: Feature }
}

export type Detail = 'full' | 'coverage'

function catalogueDocument(uri: string, document: GherkinDocument, pickles: ReturnType<typeof compile>, detail: Detail): CatalogueFile {
  const full = detail === 'full'
  const feature = document.feature!
  const scenariosById = new Map<string, CataloguedScenario>()
  const rowsById = new Map<string, RowInfo>()
  const stepLines = new Map<string, number>()
  const plannedScenarios = new Set<string>()
  // A pickle's tags are its scenario's (with its Examples block's): interpreted once a block, not once a pickle.
  const inherited = new Map<string, { tags: string[]; meaning: TagMeaning }>()
  const scenarios: CataloguedScenario[] = []
  const featureTags = tagNames(feature.tags)
  const featureName = feature.name.trim()
  const outlineKeywords = dialects[feature.language]?.scenarioOutline ?? []
  // Most pickles of a file share their tags: interpret each distinct tag list once.
  const meanings = new Map<string, TagMeaning>()
  const meaningOf = (tags: string[]): TagMeaning => {
    const key = tags.join(' ')
    let meaning = meanings.get(key)
    if (!meaning) meanings.set(key, (meaning = tagMeaning(tags)))
    return meaning
  }

  // Cases are named (and a repeated scenario keyed) as the message stream's reader names them:
  // by one rule, scenariosOf (counting only needs no names)
  const namedScenarios = full ? new Map(scenariosOf(document).map((s) => [s.scenario.id, s])) : undefined
  const addScenario = (scenario: Scenario, background: CataloguedStep[], ruleName: string | undefined, ruleTags: string[]): void => {
    const own = namedScenarios?.get(scenario.id)
    const occurrence = own?.occurrence ?? 1
    const namedRows = new Map(own?.rows.map((r) => [r.id, r]))
    const tags = featureTags.concat(ruleTags, tagNames(scenario.tags))
    const meaning = meaningOf(tags)
    inherited.set(scenario.id, { tags, meaning })
    for (const block of scenario.examples) {
      const blockTags = block.tags.length ? tags.concat(tagNames(block.tags)) : tags
      const ofBlock = { tags: blockTags, meaning: meaningOf(blockTags) }
      for (const row of block.tableBody) inherited.set(row.id, ofBlock)
    }
    const steps: CataloguedStep[] = []
    if (full)
      for (const step of scenario.steps) {
        stepLines.set(step.id, step.location.line)
        steps.push(toStep(step))
      }
    const examples: CataloguedExamples[] = []
    const outlineRows: RowInfo[] = []
    if (full)
      for (const block of scenario.examples) {
      const header = block.tableHeader ? block.tableHeader.cells.map((c) => c.value) : []
      const name = block.name.trim()
      const rows: CataloguedExamples['rows'] = []
      block.tableBody.forEach((row, index) => {
        const cells = row.cells.map((c) => c.value)
        const named = ownRecord<string>()
        header.forEach((h, i) => (named[h] = cells[i] ?? ''))
        const info: RowInfo = { examples: name, index: index + 1, line: row.location.line, cells: named, name: namedRows.get(row.id)?.name ?? '', occurrence: namedRows.get(row.id)?.occurrence ?? 1 }
        rowsById.set(row.id, info)
        outlineRows.push(info)
        rows.push({ line: row.location.line, cells })
      })
      examples.push({ name, line: block.location.line, column: block.location.column ?? 1, tags: tagNames(block.tags), header, rows })
      }
    // A scenario without steps is planned work, whatever its tags say.
    const planned = scenario.steps.length === 0
    if (planned) plannedScenarios.add(scenario.id)
    const entry: CataloguedScenario = {
      uri,
      line: scenario.location.line,
      column: scenario.location.column ?? 1,
      keyword: scenario.keyword.trim(),
      name: scenario.name.trim(),
      featureName,
      tags,
      featureIds: meaning.featureIds,
      wip: meaning.wip || planned,
      manual: meaning.manual,
      outline: scenario.examples.length > 0 || outlineKeywords.includes(scenario.keyword),
      steps,
      background,
      examples,
      pickles: [],
    }
    if (meaning.complexity) entry.complexity = meaning.complexity
    if (meaning.environments) entry.environments = meaning.environments
    if (ruleName !== undefined) entry.rule = ruleName
    if (occurrence > 1) entry.occurrence = occurrence
    if (own && !own.rows.length && own.name !== entry.name) entry.caseName = own.name
    scenariosById.set(scenario.id, entry)
    scenarios.push(entry)
  }

  const backgroundSteps = (background: Background): CataloguedStep[] => {
    if (!full) return []
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
        if (ruleChild.background) ruleBackground = featureBackground.concat(backgroundSteps(ruleChild.background))
        else if (ruleChild.scenario) addScenario(ruleChild.scenario, ruleBackground, rule.name.trim(), tagNames(rule.tags))
      }
    }
  }

  for (const pickle of pickles) {
    const scenarioId = pickle.astNodeIds[0] ?? ''
    const scenario = scenariosById.get(scenarioId)
    if (!scenario) continue
    const rowId = pickle.astNodeIds[1]
    const row = rowId ? rowsById.get(rowId) : undefined
    const known = inherited.get(rowId ?? scenarioId)
    const tags = known?.tags ?? tagNames(pickle.tags)
    const meaning = known?.meaning ?? meaningOf(tags)
    const steps = full ? pickle.steps.map((s) => ({ text: s.text, line: stepLines.get(s.astNodeIds[0] ?? '') ?? scenario.line })) : []
    const entry: CataloguedPickle = {
      name: pickle.name.trim(),
      caseName: row ? row.name : (scenario.caseName ?? pickle.name.trim()),
      line: row ? row.line : scenario.line,
      tags,
      featureIds: meaning.featureIds,
      wip: meaning.wip || plannedScenarios.has(scenarioId),
      manual: meaning.manual,
      steps,
    }
    if (meaning.complexity) entry.complexity = meaning.complexity
    if (meaning.environments) entry.environments = meaning.environments
    if (row) entry.row = row
    scenario.pickles.push(entry)
  }

  const tagLocations = full ? collectTags(feature).map((t) => ({ name: t.name, line: t.location.line, column: t.location.column ?? 1 })) : []
  return { uri, featureName, featureLine: feature.location.line, language: feature.language, tagLocations, scenarios }
}

function toStep(step: Step): CataloguedStep {
  const entry: CataloguedStep = { keyword: step.keyword.trim(), text: step.text, line: step.location.line }
  if (step.docString) entry.docString = step.docString.mediaType ? { content: step.docString.content, mediaType: step.docString.mediaType } : { content: step.docString.content }
  if (step.dataTable) entry.dataTable = step.dataTable.rows.map((r) => r.cells.map((c) => c.value))
  return entry
}

function collectTags(feature: NonNullable<GherkinDocument['feature']>): Tag[] {
  const tags: Tag[] = [...feature.tags]
  const fromScenario = (scenario: Scenario): void => {
    tags.push(...scenario.tags)
    for (const examples of scenario.examples) tags.push(...examples.tags)
  }
  for (const child of feature.children) {
    if (child.scenario) fromScenario(child.scenario)
    else if (child.rule) {
      tags.push(...child.rule.tags)
      for (const ruleChild of child.rule.children) if (ruleChild.scenario) fromScenario(ruleChild.scenario)
    }
  }
  return tags
}

function tagNames(tags: readonly { name: string }[]): string[] {
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
