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
    // one history per case × environment: earlier attempts share their case's
    const retries = all.filter((r) => all.some((o) => o !== r && o.historyId === r.historyId && o.start > r.start))
    expect(new Set(all.map((r) => r.historyId)).size).toBe(all.length - retries.length)
  })

  it('keeps a retried case\'s earlier attempts as Allure retries: the same historyId, the failure kept', () => {
    const out = write()
    const all = readdirSync(out).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(path.join(out, f), 'utf8')))
    const local = all.filter((r) => r.name.startsWith('a flaky check') && r.parameters[0].value === 'local/acceptance').sort((a, b) => a.start - b.start)
    expect(local.map((r) => r.status)).toEqual(['failed', 'passed'])
    expect(new Set(local.map((r) => r.historyId)).size).toBe(1)
    expect(local[0]!.stop).toBeLessThanOrEqual(local[1]!.start)
    expect(local[0]!.statusDetails.message).toBe('first attempt fails')
    expect(local[1]!.statusDetails.flaky).toBe(true)
  })

  it('shows the whole error, and a step\'s data table or doc string as its parameters', () => {
    const out = tempTree()
    const entry = [...results.builds.get('v0.5.0-rc1')!.values()].find((c) => c.status === 'failed' && c.stage === 'acceptance')!
    const error = 'AssertionError: expected peers to be 3\n\n+ expected - actual\n\n- 2\n+ 3\n    at steps/p2p.steps.ts:12:5'
    const steps = [{ keyword: 'Given', text: 'the following nodes', status: 'passed' as const, durationMs: 1, argument: { dataTable: [['nodes', 'role'], ['Alice', 'SP'], ['Bob', 'CP']] } }, { keyword: 'Then', text: 'it answers', status: 'failed' as const, durationMs: 1, error, argument: { docString: '{ "peers": 3 }' } }]
    const one: ResultSet = { ...results, builds: new Map([['v0.5.0-rc1', new Map([['x', { ...entry, error, steps }]])]]) }
    writeAllureResults(one, { resultsDir, outDir: out, env: {}, build: 'v0.5.0-rc1', milestone: 'dms-0.5' })
    const [result] = readdirSync(out).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(path.join(out, f), 'utf8')))
    expect(result.statusDetails.message).toBe(error)
    expect(result.labels).toContainEqual({ name: 'epic', value: 'dms-0.5' })
    expect(result.steps[0].parameters).toEqual([{ name: 'row 1', value: 'nodes | role' }, { name: 'row 2', value: 'Alice | SP' }, { name: 'row 3', value: 'Bob | CP' }])
    expect(result.steps[1].parameters).toEqual([{ name: 'doc string', value: '{ "peers": 3 }' }])
    expect(result.steps[1].statusDetails.message).toBe(error)
  })

  it('names the pipeline in executor.json, so the trend is labelled and links back', () => {
    const out = tempTree()
    writeAllureResults(results, { resultsDir, outDir: out, env: { GITLAB_CI: 'true', CI_PROJECT_NAME: 'dms', CI_PIPELINE_IID: '41', CI_PIPELINE_URL: 'https://gitlab.example/p/-/pipelines/9' }, reportUrl: 'https://gitlab.example/p/-/jobs/3/artifacts/file/reports/allure-report/index.html' })
    expect(JSON.parse(readFileSync(path.join(out, 'executor.json'), 'utf8'))).toEqual({ name: 'GitLab', type: 'gitlab', buildName: 'dms #41 · v0.5.0-rc2', buildOrder: 41, buildUrl: 'https://gitlab.example/p/-/pipelines/9', reportUrl: 'https://gitlab.example/p/-/jobs/3/artifacts/file/reports/allure-report/index.html', reportName: 'bdd-matrix · run-fixture · v0.5.0-rc2' })
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

  it.skipIf(!javaAvailable)('sorts what did not pass into categories a BDD suite knows: failed, undefined, pending, ambiguous, blocked, outside any scenario, flaky', async () => {
    // each status the model has, one case each, and a run that failed outside any scenario
    const [first] = [...results.builds.get('v0.5.0-rc2')!.values()]
    const statuses = ['failed', 'undefined', 'pending', 'ambiguous', 'passed', 'blocked'] as const
    const cells = new Map(statuses.map((status, i) => [`c${i}`, { ...first!, id: `case-${status}`, name: `a ${status} scenario`, status, flaky: i === 4, seen: i === 4 ? ['failed', 'passed'] : [status], attachments: [], error: status === 'passed' ? undefined : status === 'blocked' ? 'the node would not install' : 'expected 2 to equal 3\n  at steps.ts:4' }]))
    const set: ResultSet = { ...results, runs: results.runs.map((r) => (r.id === first!.runId ? { ...r, errors: [{ where: 'BeforeAll hook', message: 'the cluster did not come up' }] } : r)), builds: new Map([['v0.5.0-rc2', cells as ResultSet['builds'] extends Map<string, infer M> ? M : never]]), order: ['v0.5.0-rc2'] }
    const out = tempTree()
    writeAllureResults(set, { resultsDir, outDir: out, env: {}, build: 'v0.5.0-rc2' })
    const report = tempTree()
    await generateAllureReport(out, report)
    const tree = JSON.parse(readFileSync(path.join(report, 'data/categories.json'), 'utf8')) as { children: { name: string; children: { name: string }[] }[] }
    const named = Object.fromEntries(tree.children.map((c) => [c.name, c.children.flatMap((group) => ('children' in group ? (group as { children: { name: string }[] }).children : [group])).map((r) => r.name).sort()]))
    expect(named).toEqual({
      'Failures outside any scenario (a global hook, the runner)': [expect.stringMatching(/^BeforeAll hook \[/)],
      'Failed scenarios': ['a failed scenario'],
      'Undefined steps (no step definition)': ['a undefined scenario'],
      'Pending steps (not implemented yet)': ['a pending scenario'],
      'Ambiguous steps (more than one step definition)': ['a ambiguous scenario'],
      'Blocked (a tester could not carry it out)': ['a blocked scenario'],
      'Flaky (failed, then passed on a retry or rerun)': ['a passed scenario'],
    })
  })
})
