import { describe, expect, it, beforeAll } from 'vitest'
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import type { ResultSet } from '../../src/results/merge-results.ts'
import { writeAllureResults } from '../../reporters/allure/allure-reporter.ts'
import { generateAllureReport } from '../../reporters/allure/generate-allure-report.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { canonicalResultSet } from './canonical-results.ts'
import { expectGolden } from '../helpers/expect-golden.ts'

const javaAvailable = process.env.BDD_MATRIX_REQUIRE_SERVICES === '1' || spawnSync('java', ['-version']).status === 0

describe('Allure results', () => {
  let results: ResultSet
  let resultsDir: string
  beforeAll(async () => {
    ;({ results, resultsDir } = await canonicalResultSet({ keepStepsOfPassed: true }))
  })

  const write = (build?: string) => {
    const out = tempTree()
    writeAllureResults(results, { resultsDir, outDir: out, env: {}, ...(build ? { build } : {}) })
    return out
  }

  it('writes one result per case × environment, as in the golden file', () => {
    const out = write()
    const files = readdirSync(out).filter((f) => f.endsWith('-result.json')).sort()
    const all = files.map((f) => JSON.parse(readFileSync(path.join(out, f), 'utf8')))
    expectGolden('allure-rc2.json', `${JSON.stringify(all, null, 2)}\n`)
    expect(readFileSync(path.join(out, 'environment.properties'), 'utf8')).toContain('build=v0.5.0-rc2')
    expect(JSON.parse(readFileSync(path.join(out, 'executor.json'), 'utf8'))).toMatchObject({ name: 'bdd-matrix', buildName: 'v0.5.0-rc2' })
  })

  it('labels and parameterises results the way Allure reads them', () => {
    const out = write()
    const all = readdirSync(out).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(path.join(out, f), 'utf8')))
    const row = all.find((r) => r.name === 'number 2 is counted' && r.parameters.some((p: { value: string }) => p.value === 'docker/acceptance'))
    expect(row.labels).toEqual(expect.arrayContaining([{ name: 'feature', value: 'Numbers' }, { name: 'story', value: 'number <n> is counted' }, { name: 'epic', value: 'run-fixture' }, { name: 'tag', value: 'feature:numbers' }, { name: 'host', value: 'docker' }, { name: 'thread', value: 'docker/acceptance' }]))
    expect(row.parameters).toEqual([{ name: 'environment', value: 'docker/acceptance' }, { name: 'n', value: '2' }])
    const flaky = all.filter((r) => r.statusDetails.flaky)
    expect(flaky).toHaveLength(2)
    expect(new Set(all.map((r) => r.historyId)).size).toBe(all.length)
  })

  it('keeps each case\'s historyId across builds, so trends work', () => {
    const ids = (out: string) => new Map(readdirSync(out).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(path.join(out, f), 'utf8'))).filter((r) => r.parameters[0].value === 'local/acceptance').map((r) => [r.name, r.historyId]))
    const rc1 = ids(write('v0.5.0-rc1'))
    const rc2 = ids(write('v0.5.0-rc2'))
    expect(rc1.size).toBe(6)
    for (const [name, id] of rc1) expect(rc2.get(name)).toBe(id)
  })

  it.skipIf(!javaAvailable)('generates the report with allure-commandline, carrying history forward', async () => {
    const report = tempTree()
    await generateAllureReport(write('v0.5.0-rc1'), report)
    await generateAllureReport(write('v0.5.0-rc2'), report)
    expect(existsSync(path.join(report, 'index.html'))).toBe(true)
    const trend = JSON.parse(readFileSync(path.join(report, 'widgets/history-trend.json'), 'utf8'))
    expect(trend).toHaveLength(2)
    expect(trend[1].data).toMatchObject({ failed: 1 })
  })
})
