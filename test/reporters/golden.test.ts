import MarkdownIt from 'markdown-it'
import { describe, expect, it, beforeAll } from 'vitest'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { MergedCase, ResultSet } from '../../src/results/merge-results.ts'
import { matrixFrom } from '../../src/matrix/matrix-from.ts'
import { notRunCases } from '../../src/matrix/not-run-cases.ts'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import { loadScope } from '../../src/catalogue/scope.ts'
import { matrixToMarkdown } from '../../reporters/markdown/matrix-markdown.ts'
import { matrixToHtml, writeMatrixHtml } from '../../reporters/html/matrix-html.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { resultsToJUnit } from '../../reporters/junit/junit-reporter.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { masked, canonicalResultSet } from './canonical-results.ts'
import { expectGolden } from '../helpers/expect-golden.ts'

const PROJECT = path.join(PROJECT_ROOT, 'test/fixtures/run-project')

describe('reporters on the canonical runs (golden files)', () => {
  let results: ResultSet
  let resultsDir: string
  beforeAll(async () => {
    ;({ results, resultsDir } = await canonicalResultSet({ keepStepsOfPassed: true }))
  })
  const scope = () => loadScope(path.join(PROJECT, 'features/milestones/run.yaml'))
  const cataloguing = () => ({ catalogue: buildCatalogue(path.join(PROJECT, 'features')), uriPrefix: 'features' })
  const matrix = () => matrixFrom(results, scope(), cataloguing())

  it('tells a gap (not run where the scope requires it) from a cell nothing was expected in', () => {
    const scope = loadScope(path.join(PROJECT, 'features/milestones/run.yaml'))
    const options = { catalogue: buildCatalogue(path.join(PROJECT, 'features')), uriPrefix: 'features' }
    const requiring = (environments: string[]) => ({ ...scope, features: scope.features.map((f) => (f.id === 'numbers' ? { ...f, environments } : { ...f, environments: ['feature'] })) })
    const notRequired = matrixFrom(results, requiring(['local', 'docker']), options).features.find((f) => f.id === 'numbers')!
    // The feature environment is a column (another feature requires it), but not numbers'.
    expect(notRequired.cells['feature/acceptance']!.status).toBe('not-required')
    // Gherkin scenarios are acceptance scenarios: the unit stage is not where they run.
    expect(notRequired.cells['local/unit']!.status).toBe('not-required')
    expect(notRequired.scenarios.every((s) => s.cells['local/unit']!.status === 'not-required')).toBe(true)
    const gap = matrixFrom(results, requiring(['local', 'docker', 'feature']), options)
    const numbers = gap.features.find((f) => f.id === 'numbers')!
    // a gap outranks wip: an environment nothing ran on is never shown as merely unfinished
    expect(numbers.cells['feature/acceptance']!.status).toBe('not-run')
    expect(numbers.cells['feature/acceptance']!.notRun).toBe(6)
    expect(gap.cellTotals['not-run']).toBe(numbers.cells['feature/acceptance']!.notRun)
    expect(gap.gaps).toEqual({ required: 18, notRun: 6, byEnvironment: { feature: 6 }, wip: 3 })
    // and the headline counts those scenarios as not run, never as passed
    expect(gap.totals).toMatchObject({ passed: 0, flaky: 0, 'not-run': 6, wip: 1 })
    const markdown = matrixToMarkdown(gap)
    expect(markdown).toMatch(/\| Numbers are counted `numbers` \| — \| ⚠️ 1 flaky ·⚠️ \| ⚪ 6 not run ·⚪ \| ⚠️ 1 flaky ❌⚠️ \|/)
    expect(markdown).toContain('⚪ 6 of 18 required cells not run: feature 6 (and 3 wip cell(s), not implemented yet)')
    // an environment may be named as objects' own properties are (a scope id is lower-kebab-case):
    // its gaps are counted as any other's, not added to a function's source
    const named = matrixFrom(results, requiring(['local', 'docker', 'constructor']), options)
    expect(Object.entries(named.gaps.byEnvironment)).toEqual([['constructor', 6]])
    expect(matrixToMarkdown(named)).toContain('⚪ 6 of 18 required cells not run: constructor 6 (and 3 wip cell(s), not implemented yet)')
  })

  it('counts each scenario once in the headline, by its worst cell', () => {
    const m = matrix()
    const ids = new Set(m.features.flatMap((f) => f.scenarios.map((s) => s.id)))
    const worst = new Map<string, string[]>()
    for (const f of m.features) for (const s of f.scenarios) worst.set(s.id, [...(worst.get(s.id) ?? []), ...Object.values(s.cells).map((c) => c.status)])
    expect(Object.values(m.totals).reduce((a, b) => a + b, 0)).toBe(ids.size)
    expect(m.totals.failed).toBe([...worst.values()].filter((statuses) => statuses.includes('failed')).length)
    // cells outnumber scenarios: a scenario is counted once however many columns it has
    expect(Object.values(m.cellTotals).reduce((a, b) => a + b, 0)).toBeGreaterThan(ids.size)
  })

  it('writes names that testers and results chose as text, never as markup, in the Markdown note', async () => {
    const m = matrix()
    const evil = '<img src=x onerror=alert(1)>|[link](https://evil.example)'
    const withColumn = { ...m, columns: [...m.columns, { key: `${evil}/manual`, environment: evil, stage: 'manual' }], features: m.features.map((f) => ({ ...f, cells: { ...f.cells, [`${evil}/manual`]: { ...f.cells['local/acceptance']! } } })) }
    // as GitLab renders it: the column's name is the heading cell's text, no image, no link
    const html = new MarkdownIt({ html: true }).render(matrixToMarkdown(withColumn))
    expect(html).not.toMatch(/<img|<a /)
    expect(html).toContain(`<th>${evil.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}/manual</th>`)
  })

  it('matrix JSON', () => expectGolden('matrix.json', masked(`${JSON.stringify(matrix(), null, 2)}\n`)))
  it('matrix Markdown', () => expectGolden('matrix.md', masked(matrixToMarkdown(matrix()))))
  it('JUnit for GitLab (latest build)', () => expectGolden('junit-rc2.xml', masked(resultsToJUnit(results, { resultsDir, relativeTo: resultsDir }))))
  it('JUnit for GitLab (failing build)', () => expectGolden('junit-rc1.xml', masked(resultsToJUnit(results, { build: 'v0.5.0-rc1', resultsDir, relativeTo: resultsDir }))))

  it('JUnit lists each cell the scope requires and nothing ran as a skipped test saying so, as GitLab shows it, once however many features hold its scenario', () => {
    // rc1 ran on local only; the scope requires docker as well
    const build = 'v0.5.0-rc1'
    const m = matrixFrom(results, scope(), { build, ...cataloguing() })
    const notRun = notRunCases(m, cataloguing().catalogue, 'features')
    expect(m.gaps.notRun).toBeGreaterThan(0)
    expect(notRun).toHaveLength(m.gaps.notRun)
    const xml = resultsToJUnit(results, { build, resultsDir, relativeTo: resultsDir, notRun })
    const without = resultsToJUnit(results, { build, resultsDir, relativeTo: resultsDir })
    const tests = (doc: string) => Number(/<testsuites tests="(\d+)"/.exec(doc)![1])
    expect(tests(xml)).toBe(tests(without) + m.gaps.notRun)
    // GitLab shows the text of <skipped> (Hash.from_xml keeps an element's text over its attributes;
    // a type it has no parser for, not-run, leaves the text as it is); ingest reads not-run back as no result
    const shown = [...xml.matchAll(/<testcase [^>]*name="([^"]*)"[^>]*>\s*<skipped message="([^"]*)"(?: type="not-run")?><!\[CDATA\[([^\]]*)\]\]><\/skipped>/g)]
    expect(xml.match(/<skipped message="not run: [^"]*" type="not-run">/g)).toHaveLength(m.gaps.notRun)
    const notRunShown = shown.filter(([, , , text]) => text!.startsWith('not run: '))
    expect(notRunShown).toHaveLength(m.gaps.notRun)
    for (const [, name, message, text] of notRunShown) {
      expect(message).toBe(text)
      const column = m.columns.find((c) => text!.includes(` on ${c.key}, `))!
      expect(name).toMatch(new RegExp(` \\[${column.environment}\\]$`))
      expect(text).toContain(`build ${m.build} has no result`)
    }
    // each named as a result of the scenario there would be: no two tests of a suite share a name
    const keys = [...xml.matchAll(/<testsuite name="([^"]*)"[^>]*>([\s\S]*?)<\/testsuite>/g)].flatMap(([, suite, body]) => [...body!.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((t) => `${suite}|${t[1]}|${t[2]}`))
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('JUnit of a build with no results is an empty document', () => {
    expect(resultsToJUnit({ ...results, builds: new Map() }, { resultsDir, relativeTo: resultsDir })).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="0" failures="0" errors="0" skipped="0"/>')
  })

  it('JUnit counts in testsuites and each testsuite are the elements they hold', () => {
    const counted = (xml: string) => ({ tests: (xml.match(/<testcase /g) ?? []).length, failures: (xml.match(/<failure /g) ?? []).length, errors: (xml.match(/<error /g) ?? []).length, skipped: (xml.match(/<skipped[ />]/g) ?? []).length })
    const stated = (tag: string) => Object.fromEntries(['tests', 'failures', 'errors', 'skipped'].map((k) => [k, Number(new RegExp(` ${k}="(\\d+)"`).exec(tag)![1])]))
    for (const build of ['v0.5.0-rc1', 'v0.5.0-rc2']) {
      const notRun = notRunCases(matrixFrom(results, scope(), { build, ...cataloguing() }), cataloguing().catalogue, 'features')
      const xml = resultsToJUnit(results, { build, resultsDir, relativeTo: resultsDir, notRun })
      expect(stated(/<testsuites[^>]*>/.exec(xml)![0])).toEqual(counted(xml))
      const suites = [...xml.matchAll(/(<testsuite [^>]*>)([\s\S]*?)<\/testsuite>/g)]
      expect(suites.length).toBeGreaterThan(0)
      for (const [, tag, body] of suites) expect(stated(tag!)).toEqual(counted(body!))
    }
  })

  it('shows what the matrix must show', () => {
    const m = matrix()
    expect(m.build).toBe('v0.5.0-rc2')
    expect(m.builds).toEqual(['v0.5.0-rc1', 'v0.5.0-rc2'])
    expect(m.columns.map((c) => c.key)).toEqual(['local/unit', 'docker/acceptance', 'local/acceptance'])
    const numbers = m.features.find((f) => f.id === 'numbers')!
    expect(numbers.cells['local/acceptance']).toMatchObject({ status: 'flaky', passed: 5, flaky: 1, wip: 1, history: ['failed', 'flaky'] })
    expect(numbers.cells['docker/acceptance']!.history).toEqual([null, 'flaky'])
    expect(m.features.find((f) => f.id === 'letters')).toMatchObject({ uncovered: true })
    expect(m.unscoped).toEqual({ cases: 4, failed: 1 })
    expect(m.flaky.map((f) => f.column).sort()).toEqual(['docker/acceptance', 'local/acceptance'])
  })

  it('gives GitLab its diagnostics: the whole error and the failing step inside <failure>, an image attachment first, files apart where feature titles collide', () => {
    const build = 'v0.5.0-rc1'
    const failed = [...results.builds.get(build)!.values()].find((c) => c.status === 'failed' && c.stage === 'acceptance')!
    const error = 'AssertionError: expected 2 peers, saw 3\n\n- 2\n+ 3\n    at steps/p2p.steps.ts:40:9'
    const twin: MergedCase = { ...failed, id: 'twin', uri: 'features/other.feature', status: 'passed', error: undefined as unknown as string }
    const withLogs: MergedCase = { ...failed, error, attachments: [{ path: 'attachments/a.txt', mediaType: 'text/plain', name: 'Bob.log' }, { path: 'attachments/b.png', mediaType: 'image/png', name: 'screen.png' }] }
    const set: ResultSet = { ...results, builds: new Map([[build, new Map<string, MergedCase>([['a', withLogs], ['b', twin]])]]) }
    const xml = resultsToJUnit(set, { build, resultsDir, relativeTo: resultsDir })
    expect(xml).toContain(`<failure message="AssertionError: expected 2 peers, saw 3" type="failed"><![CDATA[${error}\n\nat step: Given a check that fails on its first attempt`)
    expect(xml.indexOf('[[ATTACHMENT|attachments/b.png]]')).toBeLessThan(xml.indexOf('[[ATTACHMENT|attachments/a.txt]]'))
    // one Feature title in two files: each file's cases under a classname of their own
    expect(xml).toContain('<testcase classname="Numbers (features/numbers.feature)"')
    expect(xml).toContain('<testcase classname="Numbers (features/other.feature)"')
  })

  it('writes pending, undefined and ambiguous scenarios as JUnit failures that name their status', () => {
    const build = 'v0.5.0-rc2'
    const one = [...results.builds.get(build)!.values()].find((c) => c.stage === 'acceptance')!
    for (const status of ['pending', 'undefined', 'ambiguous'] as const) {
      const set: ResultSet = { ...results, builds: new Map([[build, new Map([['x', { ...one, status, error: undefined as unknown as string }]])]]) }
      const xml = resultsToJUnit(set, { build, resultsDir, relativeTo: resultsDir })
      expect(xml).toMatch(new RegExp(`<testsuites tests="1" failures="1" errors="0" skipped="0">[\\s\\S]*<failure message="${status}: [^"]+" type="${status}">`))
    }
  })

  it('names JUnit cases uniquely per environment, as GitLab keys them on classname + name', () => {
    const xml = resultsToJUnit(results, { resultsDir, relativeTo: resultsDir })
    const names = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((m) => `${m[1]}::${m[2]}`)
    expect(new Set(names).size).toBe(names.length)
    expect(xml).toContain('<testsuite name="Numbers [docker/acceptance]"')
    expect(xml).toContain('FLAKY: statuses seen passed over 2 attempt(s)')
  })

  it('writes the HTML page piece by piece as the page made whole, for every way it is shown', () => {
    const m = matrix()
    const file = path.join(tempTree(), 'matrix.html')
    for (const options of [{ resultsDir }, { scenariosAt: (id: string) => `/features/${id}` }, { feature: 'numbers' }, { feature: 'no-such-feature' }]) {
      writeMatrixHtml(file, m, options)
      const whole = matrixToHtml(m, options)
      expect(readFileSync(file, 'utf8')).toBe(whole)
      expect(whole).toMatch(/^<!doctype html>[\s\S]*<\/html>\n$/)
    }
    expect(matrixToHtml(m, { resultsDir })).toContain('<tr class="scenario"')
  })
})
