import { repeatedName } from '../model/case-name.ts'
import type { Catalogue, CatalogueFile, CataloguedScenario } from './catalogue-types.ts'
import type { Scope } from './scope.ts'
import type { StepMatcher } from './load-step-definitions.ts'
import { stepsUnmatched } from './steps-unmatched.ts'
import { ENV_TAG_PREFIX, FEATURE_TAG_PREFIX, isValidComplexityTag } from './tag-meaning.ts'

export type Severity = 'error' | 'warning'

export interface LintFinding {
  file: string
  line: number
  column: number
  severity: Severity
  rule: LintRule
  message: string
}

export type LintRule =
  | 'syntax'
  | 'undefined-step'
  | 'ambiguous-step'
  | 'duplicate-scenario'
  | 'untagged-scenario'
  | 'unknown-feature'
  | 'outline-without-examples'
  | 'examples-without-rows'
  | 'empty-scenario'
  | 'invalid-tag'
  | 'unknown-environment'
  | 'shared-feature-title'
  | 'tag-case'

/**
 * Checks the catalogue against the scope and (when given, and found: stepsUnmatched) the step
 * definitions.
 * Steps of @wip scenarios are not matched: wip declares them not implemented yet; nor those of
 * @manual ones: a person carries them out.
 */
export function lintCatalogue(catalogue: Catalogue, scope: Scope, steps?: StepMatcher, environments?: readonly string[]): LintFinding[] {
  const findings: LintFinding[] = catalogue.errors.map((e) => ({ ...e, severity: 'error', rule: 'syntax' }))
  const scopeIds = new Set(scope.features.map((f) => f.id))
  lintFeatureTitles(catalogue, findings)
  // a step of a Background, or of every row of an outline, is one finding
  const stepsSeen = new Set<string>()
  const matching = steps && !stepsUnmatched(steps) ? steps : undefined
  for (const file of catalogue.files) {
    lintTags(file, scopeIds, findings, environments)
    lintDuplicateNames(file, findings)
    for (const scenario of file.scenarios) {
      lintScenarioShape(scenario, findings)
      if (matching) lintSteps(scenario, matching, findings, stepsSeen)
    }
  }
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.severity.localeCompare(b.severity) || a.rule.localeCompare(b.rule))
}

/**
 * `environments`: the project's environment names, when known. A scenario tagged for an
 * environment that does not exist is required nowhere and run nowhere: a typo would hide it.
 */
function lintTags(file: CatalogueFile, scopeIds: Set<string>, findings: LintFinding[], environments?: readonly string[]): void {
  for (const tag of file.tagLocations) {
    const at = { file: file.uri, line: tag.line, column: tag.column }
    const meant = meantTag(tag.name)
    if (meant) findings.push({ ...at, severity: 'warning', rule: 'tag-case', message: `${tag.name} is not ${meant}: tags are case-sensitive (as Cucumber's tag expressions read them), so bdd-matrix gives it no meaning${/^@(wip|manual)$/.test(meant) ? ` and the scenario counts as not ${meant.slice(1)}` : ''}; write ${meant}` })
    else if (tag.name.startsWith(ENV_TAG_PREFIX)) {
      const name = tag.name.slice(ENV_TAG_PREFIX.length)
      if (!name) findings.push({ ...at, severity: 'warning', rule: 'invalid-tag', message: `empty environment tag "${tag.name}": write @env:<name> with an environment of this project` })
      else if (environments && !environments.includes(name))
        findings.push({ ...at, severity: 'warning', rule: 'unknown-environment', message: `@env:${name} names no environment of this project, so the scenario is run and required nowhere; use one of: ${environments.join(', ')}` })
    } else if (tag.name.startsWith(FEATURE_TAG_PREFIX)) {
      const id = tag.name.slice(FEATURE_TAG_PREFIX.length)
      if (!id) findings.push({ ...at, severity: 'error', rule: 'invalid-tag', message: `empty feature tag "${tag.name}": write @feature:<id> with an id from the scope` })
      else if (!scopeIds.has(id))
        findings.push({ ...at, severity: 'error', rule: 'unknown-feature', message: `@feature:${id} is not a feature of the scope; use one of: ${[...scopeIds].join(', ')}` })
    } else if (!isValidComplexityTag(tag.name)) {
      findings.push({ ...at, severity: 'warning', rule: 'invalid-tag', message: `${tag.name} is not a complexity level; use @complexity:low, @complexity:medium or @complexity:high` })
    }
  }
}

const OWN_TAGS = ['@wip', '@manual']
const OWN_PREFIXES = [FEATURE_TAG_PREFIX, ENV_TAG_PREFIX, '@complexity:']

/** The tag of bdd-matrix's own a tag was meant to be, written in other case (@WIP, @Feature:x → @feature:x), or undefined. */
function meantTag(tag: string): string | undefined {
  const lower = tag.toLowerCase()
  const own = OWN_TAGS.find((t) => lower === t) ?? OWN_PREFIXES.find((p) => lower.startsWith(p))
  return own && !tag.startsWith(own) ? own + tag.slice(own.length) : undefined
}

/**
 * GitLab keys a test on suite + classname + name, and JUnit's classname is the Feature title: two
 * files with one title would merge their same-named scenarios, so bdd-matrix adds the file to the
 * classname — which changes (and drops GitLab's history of the tests) as soon as a second file
 * takes the title. A distinct title per feature file keeps the names stable.
 */
function lintFeatureTitles(catalogue: Catalogue, findings: LintFinding[]): void {
  const first = new Map<string, CatalogueFile>()
  for (const file of catalogue.files) {
    if (!file.featureName) continue
    const earlier = first.get(file.featureName)
    if (!earlier) first.set(file.featureName, file)
    else
      findings.push({
        file: file.uri,
        line: file.featureLine ?? 1,
        column: 1,
        severity: 'warning',
        rule: 'shared-feature-title',
        message: `Feature "${file.featureName}" has the title of ${earlier.uri}; GitLab would merge their scenarios' test history (JUnit then names each with its file), so give each feature file its own title`,
      })
  }
}

function lintDuplicateNames(file: CatalogueFile, findings: LintFinding[]): void {
  const firstLine = new Map<string, number>()
  for (const scenario of file.scenarios) {
    if (!scenario.name) continue
    const first = firstLine.get(scenario.name)
    if (first === undefined) firstLine.set(scenario.name, scenario.line)
    else
      findings.push({
        file: file.uri,
        line: scenario.line,
        column: scenario.column,
        severity: 'error',
        rule: 'duplicate-scenario',
        message: `duplicate scenario name "${scenario.name}" (first at line ${first}); ${scenario.occurrence ? `results and reports tell them apart by their order alone ("${repeatedName(scenario.name, scenario.occurrence)}"), and keep each test's history by its name: moving one gives it the other's history` : 'reports name tests by scenario, so two under different rules show as one test'}, so give each a distinct name`,
      })
  }
}

function lintScenarioShape(scenario: CataloguedScenario, findings: LintFinding[]): void {
  const at = { file: scenario.uri, line: scenario.line, column: scenario.column }
  const label = scenario.name ? `"${scenario.name}"` : `(unnamed ${scenario.keyword})`
  if (scenario.pickles.some((p) => p.featureIds.length === 0))
    findings.push({ ...at, severity: 'warning', rule: 'untagged-scenario', message: `scenario ${label} has no @feature:<id> tag, so it counts for no scope feature` })
  const declaredWip = scenario.tags.includes('@wip')
  if (scenario.outline && scenario.examples.length === 0)
    findings.push({
      ...at,
      severity: declaredWip ? 'warning' : 'error',
      rule: 'outline-without-examples',
      message: `Scenario Outline ${label} has no Examples, so its <placeholders> are never filled in; add an Examples table${declaredWip ? '' : ' or tag it @wip'}`,
    })
  // Cucumber makes a scenario of each Examples row: a block without rows makes none, and an
  // outline whose blocks all lack them is counted nowhere and never runs, @wip or not, silently.
  const empty = scenario.examples.filter((block) => block.rows.length === 0)
  const none = empty.length > 0 && empty.length === scenario.examples.length
  for (const block of empty)
    findings.push({
      file: scenario.uri,
      line: block.line,
      column: block.column,
      severity: none ? 'error' : 'warning',
      rule: 'examples-without-rows',
      message: `Examples${block.name ? ` "${block.name}"` : ''} of ${label} has ${block.header.length ? 'a header and no rows' : 'no table'}, so it makes no scenario${none ? `: ${label} is counted nowhere and never runs` : ''}; add a row (or remove the empty Examples)`,
    })
  if (scenario.steps.length === 0 && !declaredWip)
    findings.push({ ...at, severity: 'warning', rule: 'empty-scenario', message: `scenario ${label} has no steps; it is counted as wip (tag it @wip to say so)` })
}

function lintSteps(scenario: CataloguedScenario, steps: StepMatcher, findings: LintFinding[], seen: Set<string>): void {
  for (const pickle of scenario.pickles) {
    if (pickle.wip || pickle.manual) continue
    for (const step of pickle.steps) {
      const key = `${scenario.uri}\u0000${step.line}\u0000${step.text}`
      if (seen.has(key)) continue
      seen.add(key)
      const at = { file: scenario.uri, line: step.line, column: 1 }
      const matches = steps.match(step.text)
      if (matches.length === 0)
        findings.push({ ...at, severity: 'error', rule: 'undefined-step', message: `undefined step "${step.text}": no step definition matches it; add one under steps/ or tag the scenario @wip` })
      else if (matches.length > 1)
        findings.push({
          ...at,
          severity: 'error',
          rule: 'ambiguous-step',
          message: `ambiguous step "${step.text}": it matches ${matches.length} step definitions (${matches.map((m) => `${m.uri}:${m.line} ${m.pattern}`).join('; ')}); make the patterns distinct`,
        })
    }
  }
}

export function formatFinding(finding: LintFinding, prefix = ''): string {
  return `${prefix}${finding.file}:${finding.line}:${finding.column}: ${finding.severity}: ${finding.message} [${finding.rule}]`
}
