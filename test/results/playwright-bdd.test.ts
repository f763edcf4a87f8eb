import { spawnSync } from 'node:child_process'
import { readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ingestFile } from '../../src/results/ingest-file.ts'
import { mergeRuns } from '../../src/results/merge-results.ts'
import { MODEL_VERSION } from '../../src/model/vocabulary.ts'
import type { Case } from '../../src/model/results.ts'
import { catalogueCases } from '../../src/catalogue/catalogue-cases.ts'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempDir, tempTree } from '../helpers/temp-tree.ts'

// playwright-bdd itself (a dev dependency), as a team using it runs it: feature files turned into
// Playwright tests, run by Playwright with a retry, reported by Playwright's own JUnit reporter
// (as GitLab users keep it) and by playwright-bdd's Cucumber reporters. Every report must land in
// the features folder's rows with the same verdicts. The files trip naive readers: a Rule, an
// outline titled "Example #n" across two Examples blocks, one titled by its values, a Background,
// a second file with the same Feature title and a scenario of the same name, and a scenario that
// passes on its retry (playwright-bdd reports the hook that did not run on the retry as skipped).
const project = tempTree({
  'features/a.feature': `@feature:alpha
Feature: Capabilities
  Background:
    Given a defined step

  Scenario: Grant
    Given a defined step

  Scenario: Revoke
    Given a failing step

  Scenario: Delegate
    Given a step that passes on retry

  Scenario: Later
    Given a step marked fixme

  Rule: Only owners
    Scenario Outline: Transfer
      Given a defined step <x>
      Examples: few
        | x |
        | 1 |
      Examples: more
        | x |
        | 2 |
        | 3 |

    Scenario Outline: Named <x>
      Given a defined step <x>
      Examples:
        | x |
        | 4 |
`,
  'features/b.feature': `Feature: Capabilities
  Scenario: Grant
    Given a failing step
`,
  'steps.mjs': `import { createBdd } from 'playwright-bdd'
const { Given } = createBdd()
Given('a defined step', async () => {})
Given('a defined step {int}', async ({ \$testInfo }, x) => { if (x === 2 && \$testInfo.project.name === 'web') throw new Error('only the web project fails it') })
Given('a failing step', async () => { throw new Error('it failed') })
Given('a step that passes on retry', async ({ $testInfo }) => { if ($testInfo.retry === 0) throw new Error('first attempt fails') })
Given('a step marked fixme', async ({ $test }) => { $test.fixme() })
`,
  // featuresRoot: the generated files are named from inside the features folder (a.feature.spec.js)
  'playwright.config.mjs': `import { defineConfig } from '@playwright/test'
import { defineBddConfig, cucumberReporter } from 'playwright-bdd'
const testDir = defineBddConfig({ features: 'features/*.feature', steps: 'steps.mjs', featuresRoot: 'features' })
export default defineConfig({
  testDir,
  retries: 1,
  workers: 1,
  projects: [{ name: 'api' }, { name: 'web' }],
  reporter: [
    ['junit', { outputFile: 'out/junit.xml' }],
    ['junit', { outputFile: 'out/junit-retries.xml', includeRetries: true, includeProjectInTestName: true }],
    cucumberReporter('message', { outputFile: 'out/messages.ndjson' }),
    cucumberReporter('json', { outputFile: 'out/report.json' }),
    cucumberReporter('junit', { outputFile: 'out/cucumber-junit.xml' }),
  ],
})
`,
})
const features = path.join(project, 'features')

const casesOf = (file: string): Case[] => readFileSync(file, 'utf8').trim().split('\n').slice(1).filter(Boolean).map((l) => JSON.parse(l) as Case)

async function ingest(report: string) {
  const resultsDir = tempDir('playwright-bdd')
  const outcome = await ingestFile(path.join(project, 'out', report), { build: 'v1', environment: 'local', stage: 'acceptance', resultsDir, catalogue: { featuresDir: features, uriPrefix: 'features' } })
  return { problems: outcome.problems.map((p) => p.message), cases: outcome.path ? casesOf(outcome.path) : [], resultsDir }
}

/** What the matrix shows of each row once the run is merged: status, and flaky. */
async function rows(report: string) {
  const { problems, cases, resultsDir } = await ingest(report)
  const results = await mergeRuns([{ run: { kind: 'run', modelVersion: MODEL_VERSION, id: 'r', build: 'v1', stage: 'acceptance', environment: 'local', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:00Z', source: { format: 'cucumber-messages' } }, file: report, readCases: async (onCase) => cases.forEach((c, i) => onCase(JSON.stringify(c), i + 2)) }])
  const cells = [...results.builds.get('v1')!.values()]
  return { problems, cells, resultsDir, shown: Object.fromEntries(cells.map((c) => [`${c.uri} ${c.name}`, `${c.status}${c.flaky ? ' flaky' : ''}`])) }
}

describe('playwright-bdd reports of the same run, two Playwright projects', () => {
  beforeAll(() => {
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(project, 'node_modules'))
    // Playwright's transform cache goes in the project, removed with it, not in the system's temporary folder
    const generate = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/playwright-bdd/dist/cli/index.js')], { cwd: project, encoding: 'utf8', env: { ...process.env, PLAYWRIGHT_TRANSFORM_CACHE_DIR: path.join(project, '.cache') } })
    expect(generate.status, generate.stdout + generate.stderr).toBe(0)
    const run = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/@playwright/test/cli.js'), 'test'], { cwd: project, encoding: 'utf8', env: { ...process.env, CI: '1', FORCE_COLOR: '0', PLAYWRIGHT_TRANSFORM_CACHE_DIR: path.join(project, '.cache') } })
    expect(run.stdout + run.stderr).toMatch(/5 failed[\s\S]*2 flaky[\s\S]*2 skipped[\s\S]*9 passed/)
  })

  const expected = {
    'features/a.feature Grant': 'passed',
    'features/a.feature Revoke': 'failed',
    'features/a.feature Delegate': 'passed flaky',
    'features/a.feature Later': 'skipped',
    'features/a.feature Transfer (x: 1)': 'passed',
    // passed by one project, failed by the other: failed, never a flaky pass
    'features/a.feature Transfer (x: 2)': 'failed',
    'features/a.feature Transfer (x: 3)': 'passed',
    'features/a.feature Named 4': 'passed',
    'features/b.feature Grant': 'failed',
  }

  it("the message stream and Playwright's JUnit land in the features' rows with the same verdicts; a scenario that passed on its retry is flaky, not skipped", async () => {
    const ids = catalogueCases(buildCatalogue(features), 'features').map((c) => c.id)
    const messages = await rows('messages.ndjson')
    expect(messages.problems).toEqual([])
    expect(messages.cells.map((c) => c.id).sort()).toEqual([...ids].sort())
    expect(messages.shown).toEqual(expected)
    const only = messages.cells.find((c) => c.name === 'Transfer (x: 2)')!
    expect(only.error).toMatch(/^\[web\] .*only the web project fails it/)
    expect(messages.cells.find((c) => c.name === 'Delegate')!.retries?.map((r) => r.status)).toEqual(['failed'])
    // Playwright's JUnit, with its retries (and the project before each name): the same rows and verdicts
    const retries = await rows('junit-retries.xml')
    expect(retries.problems).toEqual([])
    expect(retries.shown).toEqual(expected)
    expect(retries.cells.every((c) => messages.cells.find((m) => m.id === c.id)?.tags.join() === c.tags.join())).toBe(true)
    // the files its output links as GitLab reads them ([[ATTACHMENT|…]]: Playwright's error context
    // of a failed test; screenshots, videos and traces alike) are the case's attachments, copied
    const revoke = retries.cells.find((c) => c.name === 'Revoke')!
    expect(revoke.attachments.length).toBeGreaterThan(0)
    expect(revoke.attachments.every((a) => a.name === 'error-context.md' && a.mediaType === 'text/markdown')).toBe(true)
    expect(readFileSync(path.join(retries.resultsDir, revoke.attachments[0]!.path), 'utf8')).toMatch(/Revoke/)
    // without its retries, Playwright's JUnit says nothing of the first attempt: passed, not flaky
    const plain = await rows('junit.xml')
    expect(plain.shown).toEqual({ ...expected, 'features/a.feature Delegate': 'passed' })
  })

  it("playwright-bdd's Cucumber JSON lands in the same rows (it calls the scenario passed on its retry skipped); its Cucumber JUnit cannot tell the projects apart, and says so", async () => {
    const json = await rows('report.json')
    expect(json.problems).toEqual([])
    expect(json.shown).toEqual({ ...expected, 'features/a.feature Delegate': 'skipped' })
    // no project in it: the second project's tests are repeats, kept as the report names them and listed
    const junit = await rows('cucumber-junit.xml')
    expect(junit.problems).toEqual([expect.stringMatching(/^9 test\(s\) match no scenario of the features folder/)])
    expect(Object.fromEntries(Object.entries(junit.shown).filter(([row]) => row.startsWith('features/')))).toEqual({ ...expected, 'features/a.feature Delegate': 'skipped', 'features/a.feature Transfer (x: 2)': 'passed' })
  })
})
