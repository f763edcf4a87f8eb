import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT, runBinAsync } from '../helpers/run-bin.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { tempDir } from '../helpers/temp-tree.ts'
import { LocalTestmo } from '../servers/testmo-server.ts'

const TOKEN = 'testmo-token-not-run-0123456789'

const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/run-project')
const MESSAGES = path.join(PROJECT_ROOT, 'test/fixtures/messages')

// The run fixture's scope requires `numbers` on local and docker; the build ran on local only:
// six scenarios (five outline rows and the flaky one; the wip one is not a gap) not run on docker.
const NOT_RUN_ON_DOCKER = 6

describe('the reports that list tests say what the scope requires and nothing ran (JUnit, Allure, Testmo)', () => {
  let project: string
  beforeAll(async () => {
    project = tempDir('not-run')
    cpSync(path.join(FIXTURE, 'features'), path.join(project, 'features'), { recursive: true })
    const ingested = await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), '--env', 'local', '--build', 'b1', '--out', 'results'], { cwd: project })
    expect(ingested.code, ingested.stderr).toBe(0)
  })

  const cases = (xml: string) => [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map(([, className, name, body]) => ({ className: className!, name: name!, body: body ?? '' }))

  it('junit: what ran, and each cell not run as a skipped test whose text (what GitLab shows) says why', async () => {
    const result = await runCliInProcess(['junit', '--results', 'results', '--out', 'reports/junit.xml'], { cwd: project })
    expect(result.code, result.stderr).toBe(0)
    const matrix = await runCliInProcess(['matrix', '--results', 'results', '--out', 'reports'], { cwd: project })
    expect(matrix.code, matrix.stderr).toBe(0)
    const gaps = (JSON.parse(readFileSync(path.join(project, 'reports/matrix.json'), 'utf8')) as { gaps: { notRun: number } }).gaps.notRun
    expect(gaps).toBe(NOT_RUN_ON_DOCKER)
    const xml = readFileSync(path.join(project, 'reports/junit.xml'), 'utf8')
    const all = cases(xml)
    const notRun = all.filter((c) => c.body.includes('not run: '))
    expect(notRun).toHaveLength(gaps)
    expect(all.length - notRun.length).toBe(6)
    for (const c of notRun) {
      expect(c.className).toBe('Numbers')
      expect(c.name).toMatch(/ \[docker\]$/)
      expect(c.body).toMatch(/^\s*<skipped message="not run: the milestone scope requires this scenario on docker\/acceptance, and build b1 has no result of it there" type="not-run"><!\[CDATA\[not run: /)
    }
    // named as their results on docker will be: the same names as on local, another environment
    expect(notRun.map((c) => c.name.replace(/ \[docker\]$/, '')).sort()).toEqual(all.filter((c) => !c.body.includes('not run: ')).map((c) => c.name.replace(/ \[local\]$/, '')).sort())
    expect(/<testsuites tests="(\d+)" failures="0" errors="0" skipped="(\d+)"/.exec(xml)!.slice(1).map(Number)).toEqual([12, gaps])
    // read back by ingest, the file gives what ran and leaves the gaps gaps (a not-run test is no skip that ran)
    const again = await runCliInProcess(['ingest', 'reports/junit.xml', '--env', 'local', '--build', 'b1', '--out', 'again'], { cwd: project })
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toMatch(/: 6 case\(s\) from reports\/junit\.xml/)
  })

  it('junit --not-run-only: only those (the report job\'s JUnit for GitLab, beside the jobs\' own)', async () => {
    const result = await runCliInProcess(['junit', '--results', 'results', '--not-run-only', '--out', 'reports/not-run.xml'], { cwd: project })
    expect(result.code, result.stderr).toBe(0)
    const all = cases(readFileSync(path.join(project, 'reports/not-run.xml'), 'utf8'))
    expect(all).toHaveLength(NOT_RUN_ON_DOCKER)
    expect(all.every((c) => c.body.includes('<skipped message="not run: '))).toBe(true)
    // nothing to ingest in it: said so, not taken for skips that ran
    const again = await runCliInProcess(['ingest', 'reports/not-run.xml', '--env', 'local', '--build', 'b1', '--out', 'again-not-run'], { cwd: project })
    expect(again.stderr).toContain(`its ${NOT_RUN_ON_DOCKER} test(s) are all cells nothing ran (bdd-matrix junit's not-run tests): no result to ingest`)
  })

  it('allure: a skipped result per cell not run, under its own category, and the count on the overview', async () => {
    const result = await runCliInProcess(['allure', '--results', 'results', '--out', 'reports/allure-results', '--no-generate'], { cwd: project })
    expect(result.code, result.stderr).toBe(0)
    const dir = path.join(project, 'reports/allure-results')
    const results = readdirSync(dir)
      .filter((f) => f.endsWith('-result.json'))
      .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { status: string; statusDetails: { message?: string }; start: number; labels: { name: string; value: string }[]; historyId: string })
    expect(result.stdout).toContain(`(${results.length} result(s))`)
    const notRun = results.filter((r) => r.statusDetails.message?.startsWith('not run: '))
    expect(notRun).toHaveLength(NOT_RUN_ON_DOCKER)
    for (const r of notRun) {
      expect(r.status).toBe('skipped')
      expect(r.labels).toContainEqual({ name: 'host', value: 'docker' })
      expect(r.labels).toContainEqual({ name: 'feature', value: 'Numbers' })
      // on the timeline where the build ran, not at 1970
      expect(r.start).toBeGreaterThan(Date.parse('2000-01-01'))
    }
    // each its own test in Allure's history (a cell of its own), none another's
    const ran = new Set(results.filter((r) => !notRun.includes(r)).map((r) => r.historyId))
    expect(new Set(notRun.map((r) => r.historyId)).size).toBe(notRun.length)
    expect(notRun.some((r) => ran.has(r.historyId))).toBe(false)
    const categories = JSON.parse(readFileSync(path.join(dir, 'categories.json'), 'utf8')) as { name: string; messageRegex?: string }[]
    const category = categories.find((c) => c.name.startsWith('Not run'))!
    for (const r of notRun) expect(new RegExp(category.messageRegex!.replace('(?s)', ''), 's').test(r.statusDetails.message!)).toBe(true)
    expect(readFileSync(path.join(dir, 'environment.properties'), 'utf8')).toContain(`not-run=${NOT_RUN_ON_DOCKER} required cell(s) without a result: docker/acceptance ${NOT_RUN_ON_DOCKER}`)
  })

  it('publish testmo: the cells not run are skipped tests of a thread of their environment, saying so; with --thread, a job publishes its own part only', async () => {
    const testmo = await new LocalTestmo({ token: TOKEN, projects: [3] }).start()
    try {
      const env = { TESTMO_URL: testmo.url, TESTMO_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: testmo.certificateFile }
      const result = await runBinAsync(['publish', 'testmo', '--results', 'results', '--project-id', '3', '--journal', 'reports/testmo.json'], { cwd: project, env })
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toMatch(/: 12 test\(s\) in 2 thread\(s\), completed/)
      const [run] = [...testmo.runs.values()]
      const threads = run!.threads.map((id) => testmo.threads.get(id)!)
      const tests = threads.flatMap((t) => t.tests as { key: string; name: string; status: string; fields: { name: string; value: string }[] }[])
      const notRun = tests.filter((t) => t.fields.some((f) => f.name === 'Error' && f.value.startsWith('not run: the milestone scope requires this scenario on docker/acceptance')))
      expect(notRun).toHaveLength(NOT_RUN_ON_DOCKER)
      expect(notRun.every((t) => t.status === 'skipped' && t.fields.some((f) => f.name === 'Environment' && f.value === 'docker/acceptance'))).toBe(true)
      // a job adding its own thread to a run made by another publishes what it ran, nothing more
      const created = await runBinAsync(['publish', 'testmo', '--results', 'results', '--project-id', '3', '--create', '--run-id-file', 'reports/testmo.env', '--journal', 'reports/testmo-2.json'], { cwd: project, env })
      expect(created.code, created.stderr).toBe(0)
      const runId = created.stdout.trim()
      const thread = await runBinAsync(['publish', 'testmo', '--results', 'results', '--project-id', '3', '--thread', '--run-id', runId, '--journal', 'reports/testmo-3.json'], { cwd: project, env })
      expect(thread.code, thread.stderr).toBe(0)
      expect(testmo.testsOf(Number(runId))).toHaveLength(6)
      // the job completing the run adds what the scope requires and no thread has: Testmo's keys
      // tell what the jobs ran, so nothing they published is added again, with results here or not
      const complete = ['publish', 'testmo', '--results', 'none-here', '--project-id', '3', '--complete', '--run-id', runId, '--journal', 'reports/testmo-4.json']
      const completed = await runBinAsync(complete, { cwd: project, env: { ...env, BDD_MATRIX_BUILD: 'b1' } })
      expect(completed.code, completed.stderr).toBe(0)
      expect(completed.stdout).toBe(`Testmo run ${runId} completed; ${NOT_RUN_ON_DOCKER} required cell(s) no thread had were added as skipped tests, in 1 thread(s)\n`)
      const parallel = testmo.runs.get(Number(runId))!
      expect(parallel.completed).toBe(true)
      const inRun = testmo.testsOf(Number(runId))
      expect(inRun).toHaveLength(6 + NOT_RUN_ON_DOCKER)
      expect(new Set(inRun.map((t) => t.key)).size).toBe(inRun.length)
      // the same tests, under the same keys, as the publish in one go made
      expect(new Set(inRun.map((t) => t.key))).toEqual(new Set(tests.map((t) => t.key)))
      const added = testmo.threads.get(parallel.threads.at(-1)!)!
      expect(added.fields).toContainEqual({ type: 1, name: 'Thread', value: 'docker/acceptance (not run)' })
      expect(added.tests.every((t) => t.status === 'skipped')).toBe(true)
      // run again (a retried job): nothing more is sent
      const before = testmo.log.length
      const again = await runBinAsync(complete, { cwd: project, env: { ...env, BDD_MATRIX_BUILD: 'b1' } })
      expect(again.code, again.stderr).toBe(0)
      expect(testmo.log.length).toBe(before)
      expect(testmo.testsOf(Number(runId))).toHaveLength(6 + NOT_RUN_ON_DOCKER)
    } finally {
      await testmo.stop()
    }
  })

  it('without a scope nothing is required: what ran, nothing more; --not-run-only refuses', async () => {
    const bare = tempDir('not-run-bare')
    cpSync(path.join(project, 'results'), path.join(bare, 'results'), { recursive: true })
    const result = await runCliInProcess(['junit', '--results', 'results', '--out', 'junit.xml'], { cwd: bare })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toBe('')
    expect(cases(readFileSync(path.join(bare, 'junit.xml'), 'utf8'))).toHaveLength(6)
    const refused = await runCliInProcess(['junit', '--results', 'results', '--not-run-only', '--out', 'junit.xml'], { cwd: bare })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/^bdd-matrix: --not-run-only: no scope file given and none found in features\/milestones\/; pass one with --scope FILE$/m)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    // run inside the project (its features folder), where there is no scope: said, not silently greener
    const inside = await runCliInProcess(['junit', '--results', '../results', '--out', path.join(bare, 'inside.xml')], { cwd: path.join(project, 'features') })
    expect(inside.code, inside.stderr).toBe(0)
    expect(inside.stderr).toBe(`bdd-matrix: no scope file in features/milestones/, so no required cell is reported as not run; the project's scope is under ${path.join(project, 'features/milestones')}: run bdd-matrix in ${project}, or pass --scope\n`)
    expect(cases(readFileSync(path.join(bare, 'inside.xml'), 'utf8'))).toHaveLength(6)
  })

  it('a results folder nothing was ingested into is said: with a scope the report lists what it requires as not run; without one it lists nothing, and fails', async () => {
    const bare = tempDir('not-run-empty')
    const empty = path.join(bare, 'results')
    cpSync(path.join(project, 'features'), path.join(bare, 'features'), { recursive: true })
    mkdirSync(empty)
    const said = (what: string) => `bdd-matrix: results holds no results (no run was ingested into it), so the report ${what}; ingest the test report into it first: bdd-matrix ingest FILE --env ENV --out results\n`
    const scoped = await runCliInProcess(['junit', '--results', 'results', '--out', 'junit.xml'], { cwd: bare })
    expect(scoped.code).toBe(0)
    expect(scoped.stderr).toBe(said('lists only what the scope (features/milestones/run.yaml) requires, as not run'))
    const listed = cases(readFileSync(path.join(bare, 'junit.xml'), 'utf8'))
    expect(listed.length).toBeGreaterThan(0)
    expect(listed.every((c) => c.body.includes('not run: '))).toBe(true)
    // no scope: nothing to list, which a CI job must not take for a quiet day
    rmSync(path.join(bare, 'features'), { recursive: true })
    const junit = await runCliInProcess(['junit', '--results', 'results', '--out', 'junit.xml'], { cwd: bare })
    expect(junit.code).toBe(1)
    expect(junit.stderr).toBe(said('lists no test'))
    expect(cases(readFileSync(path.join(bare, 'junit.xml'), 'utf8'))).toHaveLength(0)
    const allure = await runCliInProcess(['allure', '--results', 'results', '--out', 'allure-results', '--no-generate'], { cwd: bare })
    expect(allure.code).toBe(1)
    expect(allure.stderr).toBe(said('lists no test'))
  })
})
