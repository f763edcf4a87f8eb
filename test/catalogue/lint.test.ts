import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { runBin, PROJECT_ROOT } from '../helpers/run-bin.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs'

const LINT_PROJECT = path.join(PROJECT_ROOT, 'test/fixtures/lint-project')
const SUITE = path.join(PROJECT_ROOT, 'test/fixtures/catalogue/suite')

/** The lint fixture's features and scope with step definitions of the given source, configured in cucumber.mjs. */
const stepsProject = (steps: string): string =>
  tempTree({
    'cucumber.mjs': "export default { import: ['steps/**/*.mjs'] }\n",
    'features/milestones/m.yaml': readFileSync(path.join(LINT_PROJECT, 'features/milestones/m.yaml')),
    'features/steps.feature': readFileSync(path.join(LINT_PROJECT, 'features/steps.feature')),
    'steps/node.steps.mjs': steps,
  })

describe('bdd-matrix lint against step definitions (loaded the way cucumber-js loads them)', () => {
  const result = runBin(['lint', '--config', 'cucumber.mjs'], { cwd: LINT_PROJECT })

  it('reports undefined and ambiguous steps compiler-style, skips @wip and @manual scenarios, exits 1', () => {
    expect(result.stderr).toContain('3 error(s), 0 warning(s) in 1 file(s), 4 step definition(s)')
    const lines = result.stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^features\/steps\.feature:10:1: error: undefined step "nobody wrote this step"/)
    expect(lines[1]).toMatch(/^features\/steps\.feature:11:1: error: ambiguous step "the answer is ambiguous": it matches 2 step definitions \(steps\/node\.steps\.ts:5 .*steps\/node\.steps\.ts:6/)
    expect(lines[2]).toMatch(/^features\/steps\.feature:14:1: error: undefined step "an undefined row"/)
    expect(result.stdout).not.toContain('nobody implemented yet')
    expect(result.stdout).not.toContain('nobody automates')
    expect(result.code).toBe(1)
  })

  it('prints findings as JSON with --json', () => {
    const json = runBin(['lint', '--config', 'cucumber.mjs', '--json'], { cwd: LINT_PROJECT })
    const parsed = JSON.parse(json.stdout)
    expect(parsed.errors).toBe(3)
    expect(parsed.findings.map((f: { rule: string }) => f.rule)).toEqual(['undefined-step', 'ambiguous-step', 'undefined-step'])
  })

  it('says to install the dependencies when step definitions import a package that is not there', () => {
    const project = stepsProject("import 'no-such-package-for-bdd-matrix'\n")
    const missing = runBin(['lint', '--config', 'cucumber.mjs'], { cwd: project })
    expect(missing.stderr).toMatch(/^bdd-matrix: cannot load step definitions configured in cucumber\.mjs: Cannot find package 'no-such-package-for-bdd-matrix' .*; install the project's dependencies \(npm install\)\n$/)
    expect(missing.code).toBe(2)
  })

  it('says so when the step definitions import another copy of @cucumber/cucumber (a global bdd-matrix, or two versions installed)', () => {
    const project = stepsProject("import { When } from '@cucumber/cucumber'\nWhen('a step', () => {})\n")
    // the project's own copy of cucumber-js, its dependencies shared with bdd-matrix's
    const modules = path.join(PROJECT_ROOT, 'node_modules')
    mkdirSync(path.join(project, 'node_modules/@cucumber'), { recursive: true })
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue
      if (entry !== '@cucumber') {
        symlinkSync(path.join(modules, entry), path.join(project, 'node_modules', entry))
        continue
      }
      for (const name of readdirSync(path.join(modules, entry))) {
        if (name === 'cucumber') cpSync(path.join(modules, '@cucumber/cucumber'), path.join(project, 'node_modules/@cucumber/cucumber'), { recursive: true })
        else symlinkSync(path.join(modules, entry, name), path.join(project, 'node_modules/@cucumber', name))
      }
    }
    const twice = runBin(['lint', '--config', 'cucumber.mjs'], { cwd: project })
    const version = (JSON.parse(readFileSync(path.join(modules, '@cucumber/cucumber/package.json'), 'utf8')) as { version: string }).version
    expect(twice.stderr).toBe(`bdd-matrix: cannot load step definitions configured in cucumber.mjs: You're calling functions (e.g. "When") on an instance of Cucumber that isn't running (status: PENDING); the step definitions import another copy of @cucumber/cucumber than bdd-matrix's (${version}): run the bdd-matrix installed in the project (npx bdd-matrix, not a global one), and let npm install one copy for both (the project asking for @cucumber/cucumber ${version.split('.').slice(0, 2).join('.')}.x, or a range that holds it)\n`)
    expect(twice.code).toBe(2)
  })

  it('passes the project suite (no errors) with its own cucumber.js', () => {
    const own = runBin(['lint'], { cwd: PROJECT_ROOT })
    expect(own.stderr).toMatch(/^0 error\(s\)/m)
    expect(own.code).toBe(0)
  })
})

describe('lint finds step definitions where cucumber-js would, and says when there are none', () => {
  const feature = `@feature:core
Feature: Background
  Background:
    Given a step nobody defined

  Scenario: one
    Given a defined step

  Scenario: two
    Given a defined step
`
  const scope = readFileSync(path.join(LINT_PROJECT, 'features/milestones/m.yaml'))

  it('reads a cucumber.mjs it is not told of (cucumber-js reads it: .js, .cjs, .mjs, .json, .yaml, .yml); a Background\'s undefined step is one finding', () => {
    const project = tempTree({
      'cucumber.mjs': "export default { import: ['support/**/*.mjs'] }\n",
      'features/milestones/m.yaml': scope,
      'features/background.feature': feature,
      'support/steps.mjs': "import { Given } from '@cucumber/cucumber'\nGiven('a defined step', () => {})\n",
    })
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(project, 'node_modules'))
    const result = runBin(['lint'], { cwd: project })
    expect(result.stdout.trim().split('\n')).toEqual(['features/background.feature:4:1: error: undefined step "a step nobody defined": no step definition matches it; add one under steps/ or tag the scenario @wip [undefined-step]'])
    expect(result.stderr).toBe('1 error(s), 0 warning(s) in 1 file(s), 1 step definition(s)\n')
    expect(result.code).toBe(1)
  })

  it('with no configuration and nothing under steps/ (another runner: godog, behave, playwright-bdd), says the steps were not matched rather than calling every one undefined', () => {
    const project = tempTree({ 'features/milestones/m.yaml': scope, 'features/background.feature': feature })
    const result = runBin(['lint'], { cwd: project })
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^steps not matched against step definitions: no step definitions found: no cucumber-js configuration \(cucumber\.js, cucumber\.cjs, cucumber\.mjs, cucumber\.json, cucumber\.yaml, cucumber\.yml\) and none under steps\/; a runner other than cucumber-js reports its undefined steps in its results/)
    expect(result.stderr).toMatch(/\n0 error\(s\), 0 warning\(s\) in 1 file\(s\), 0 step definition\(s\)\n$/)
    expect(result.code).toBe(0)
  })
})

describe('lint rules without step definitions', () => {
  it('finds syntax errors, duplicates, untagged, unknown ids, outlines without Examples, empty scenarios', async () => {
    const result = await runCliInProcess(['lint', '--no-steps', '--features', SUITE, '--scope', path.join(SUITE, 'scope.yaml'), '--json'], { cwd: SUITE })
    const findings = JSON.parse(result.stdout).findings as { file: string; line: number; column: number; severity: string; rule: string }[]
    const seen = findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.rule}`)
    expect(seen).toEqual([
      'broken.feature:8:5 error syntax',
      'broken.feature:15:5 error syntax',
      'inheritance.feature:33:3 warning empty-scenario',
      'nested/i18n.feature:13:3 error unknown-feature',
      'untagged.feature:3:3 warning untagged-scenario',
      'untagged.feature:6:3 error duplicate-scenario',
      'untagged.feature:6:3 warning untagged-scenario',
      'untagged.feature:9:3 error outline-without-examples',
      'untagged.feature:9:3 warning untagged-scenario',
    ])
    expect(result.code).toBe(1)
  })
})

// A project of one scope feature (p2p, required on local) and the given files, linted without step definitions.
const P2P_SCOPE = 'milestone: m\nfrozen: 2024-09-15\nfeatures:\n  - { id: p2p, name: P2P, acceptance: Peers see each other., environments: [local] }\n'
const lintP2p = (files: Record<string, string>) => runCliInProcess(['lint', '--no-steps'], { cwd: tempTree({ 'features/milestones/m.yaml': P2P_SCOPE, ...files }) })

// Cucumber makes a scenario of each Examples row, and silently none of a block without rows.
describe('lint finds Examples without rows', () => {
  it('an error where the outline makes no scenario at all, a warning for one empty block beside others', async () => {
    const result = await lintP2p({
      'features/a.feature': [
        '@feature:p2p',
        'Feature: Peers',
        '',
        '  Scenario Outline: peers see <peer>',
        '    Given a step',
        '    Examples:',
        '      | peer |',
        '',
        '  Scenario: no table',
        '    Given a step',
        '    Examples: forgotten',
        '',
        '  Scenario Outline: ping <peer>',
        '    Given a step',
        '    Examples: found',
        '      | peer |',
        '      | Bob  |',
        '    Examples: empty',
        '      | peer |',
        '',
      ].join('\n'),
    })
    expect(result.stdout.trim().split('\n')).toEqual([
      'features/a.feature:6:5: error: Examples of "peers see <peer>" has a header and no rows, so it makes no scenario: "peers see <peer>" is counted nowhere and never runs; add a row (or remove the empty Examples) [examples-without-rows]',
      'features/a.feature:11:5: error: Examples "forgotten" of "no table" has no table, so it makes no scenario: "no table" is counted nowhere and never runs; add a row (or remove the empty Examples) [examples-without-rows]',
      'features/a.feature:18:5: warning: Examples "empty" of "ping <peer>" has a header and no rows, so it makes no scenario; add a row (or remove the empty Examples) [examples-without-rows]',
    ])
    expect(result.code).toBe(1)
  })
})

describe('lint warns where GitLab would merge test histories', () => {
  it('names a Feature title used by two files', async () => {
    const result = await lintP2p({
      'features/a.feature': '@feature:p2p\nFeature: Peers\n\n  Scenario: one\n    Given a step\n',
      'features/b.feature': '@feature:p2p\nFeature: Peers\n\n  Scenario: two\n    Given a step\n',
    })
    expect(result.stdout).toContain('b.feature:2:1: warning: Feature "Peers" has the title of a.feature; GitLab would merge their scenarios\' test history (JUnit then names each with its file), so give each feature file its own title [shared-feature-title]')
  })
})

describe('lint warns of a tag of bdd-matrix written in another case, which means nothing', () => {
  it('names @WIP, @Manual and @Feature:<id> with what to write; the right ones pass', async () => {
    const result = await lintP2p({
      'features/a.feature': '@feature:p2p\nFeature: Peers\n\n  @WIP\n  Scenario: one\n    Given a step\n\n  @Manual @Complexity:high\n  Scenario: two\n    Given a step\n\n  @Feature:p2p @wip @manual\n  Scenario: three\n    Given a step\n',
    })
    expect(result.stdout.trim().split('\n')).toEqual([
      "features/a.feature:4:3: warning: @WIP is not @wip: tags are case-sensitive (as Cucumber's tag expressions read them), so bdd-matrix gives it no meaning and the scenario counts as not wip; write @wip [tag-case]",
      "features/a.feature:8:3: warning: @Manual is not @manual: tags are case-sensitive (as Cucumber's tag expressions read them), so bdd-matrix gives it no meaning and the scenario counts as not manual; write @manual [tag-case]",
      "features/a.feature:8:11: warning: @Complexity:high is not @complexity:high: tags are case-sensitive (as Cucumber's tag expressions read them), so bdd-matrix gives it no meaning; write @complexity:high [tag-case]",
      "features/a.feature:12:3: warning: @Feature:p2p is not @feature:p2p: tags are case-sensitive (as Cucumber's tag expressions read them), so bdd-matrix gives it no meaning; write @feature:p2p [tag-case]",
    ])
    expect(result.code).toBe(0)
  })
})

describe('lint warns of a scenario tagged for an environment the project does not have', () => {
  it('names the tag and the environments there are; a known one passes', async () => {
    const result = await lintP2p({
      'environments/scale.yaml': 'name: scale\n',
      'features/a.feature': '@feature:p2p\nFeature: Peers\n\n  @env:scael\n  Scenario: one\n    Given a step\n\n  @env:scale\n  Scenario: two\n    Given a step\n\n  @env:local\n  Scenario: three\n    Given a step\n',
    })
    expect(result.stdout.trim().split('\n')).toEqual(['features/a.feature:4:3: warning: @env:scael names no environment of this project, so the scenario is run and required nowhere; use one of: local, scale [unknown-environment]'])
    expect(result.code).toBe(0)
  })
})
