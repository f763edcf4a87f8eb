import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium } from 'playwright-core'
import { LocalGitLab } from '../servers/gitlab-server.ts'
import { BIN, PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempDir } from '../helpers/temp-tree.ts'
import { ResultsWriter } from '../../src/results/results-writer.ts'
import { MODEL_VERSION } from '../../src/model/results.ts'
import { loadPipeline, npxShim, plan, runPipeline, type JobRun, type Vars } from './pipeline-harness.ts'
import { readGateEvidence } from '../../src/gates/read-gate-evidence.ts'

const TOKEN = 'glpat-SECRET-pipeline-token-1234567890'
const JOB_TOKEN = 'job-SECRET-token-0987654321'
const SHA = '0123456789abcdef0123456789abcdef01234567'
const CHROMIUM = '/usr/bin/chromium'
const HISTORY_FILES = ['history.json', 'history-trend.json', 'duration-trend.json', 'categories-trend.json', 'retry-trend.json']

/** The variables GitLab sets in every job of a pipeline, and those of each kind of pipeline. */
function gitlabVars(gitlab: LocalGitLab, kind: 'merge_request' | 'main' | 'branch-with-mr' | 'tag', pipeline: number): Vars {
  const common: Vars = {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_SERVER_FQDN: 'gitlab.example',
    CI_API_V4_URL: gitlab.apiUrl,
    CI_PROJECT_ID: '42',
    CI_PROJECT_NAME: 'dms',
    CI_PROJECT_URL: 'https://gitlab.example/nunet/dms',
    CI_DEFAULT_BRANCH: 'main',
    CI_PIPELINE_ID: String(5000 + pipeline),
    CI_PIPELINE_IID: String(pipeline),
    CI_PIPELINE_URL: `https://gitlab.example/nunet/dms/-/pipelines/${5000 + pipeline}`,
    CI_COMMIT_SHA: SHA,
    CI_COMMIT_SHORT_SHA: SHA.slice(0, 8),
    CI_JOB_TOKEN: JOB_TOKEN,
    GITLAB_TOKEN: TOKEN,
    // the variables of this project: no docker runner declared, no hub, no Testmo
  }
  if (kind === 'merge_request') return { ...common, CI_PIPELINE_SOURCE: 'merge_request_event', CI_MERGE_REQUEST_IID: '7', CI_COMMIT_REF_NAME: 'feature-x', CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature-x', CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main' }
  if (kind === 'main') return { ...common, CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main', CI_COMMIT_REF_NAME: 'main' }
  if (kind === 'branch-with-mr') return { ...common, CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'feature-x', CI_COMMIT_REF_NAME: 'feature-x', CI_OPEN_MERGE_REQUESTS: 'nunet/dms!7' }
  return { ...common, CI_PIPELINE_SOURCE: 'push', CI_COMMIT_TAG: 'v0.5.0-rc1', CI_COMMIT_REF_NAME: 'v0.5.0-rc1' }
}

/** GitLab's test report of a pipeline: every test case of the JUnit files the jobs declared, by GitLab's key. */
function testReport(runs: JobRun[], project: string): { key: string; failed: boolean }[] {
  return runs.flatMap((r) =>
    r.junit.flatMap((file) => {
      const xml = readFileSync(path.join(project, file), 'utf8')
      return [...xml.matchAll(/<testsuite [^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/testsuite>/g)].flatMap(([, suite, body]) =>
        [...body!.matchAll(/<testcase [^>]*?classname="([^"]*)" name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => ({ key: `${suite} | ${m[1]} | ${m[2]}`, failed: /<(failure|error)\b/.test(m[4] ?? '') })),
      )
    }),
  )
}

describe('the GitLab pipeline as GitLab runs it (.gitlab-ci.yml and its component, against the local GitLab server)', () => {
  let gitlab: LocalGitLab
  let project: string
  let bin: string
  const pipeline = () => loadPipeline(project)

  beforeAll(async () => {
    gitlab = await new LocalGitLab({ projectId: '42', token: TOKEN, jobToken: JOB_TOKEN }).start()
    // A project with this repository's pipeline and the run fixture's suite (trivial steps, no cluster).
    project = tempDir('pipeline', path.join(PROJECT_ROOT, 'test/.tmp'))
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/run-project'), project, { recursive: true })
    cpSync(path.join(PROJECT_ROOT, '.gitlab-ci.yml'), path.join(project, '.gitlab-ci.yml'))
    cpSync(path.join(PROJECT_ROOT, 'templates'), path.join(project, 'templates'), { recursive: true })
    writeFileSync(path.join(project, 'features/milestones/run.gates.yaml'), 'milestone: run-fixture\napplies-to: v0.5.0-rc*\nbaseline: previous-rc\ncriteria:\n  - { id: acceptance-passes, kind: scenarios-pass, severity: blocking, select: { stages: [acceptance] } }\n  - { id: unit-passes, kind: tests-pass, severity: blocking, stages: [unit] }\n')
    bin = npxShim(path.join(project, '.harness-bin'), { bddMatrix: BIN, vitest: path.join(PROJECT_ROOT, 'test/ci/fake-vitest.mjs') })
  })
  afterAll(async () => {
    await gitlab.stop()
  })

  it('creates merge-request, default-branch and tag pipelines, never a branch pipeline beside a merge request, and leaves the docker jobs out without a docker runner', () => {
    const names = (vars: Vars) => plan(pipeline(), vars)?.map((j) => j.name)
    expect(names(gitlabVars(gitlab, 'merge_request', 1))).toEqual(['bdd-matrix-unit', 'functional', 'bdd-matrix-acceptance: [local, 1/2]', 'bdd-matrix-acceptance: [local, 2/2]', 'bdd-matrix-report', 'bdd-matrix-page'])
    expect(names(gitlabVars(gitlab, 'branch-with-mr', 1))).toBeUndefined()
    expect(names({ ...gitlabVars(gitlab, 'main', 1), CI_COMMIT_BRANCH: 'feature-y', CI_COMMIT_REF_NAME: 'feature-y' })).toBeUndefined()
    expect(names(gitlabVars(gitlab, 'main', 1))).not.toContain('bdd-matrix-gate')
    expect(names(gitlabVars(gitlab, 'tag', 1))).toContain('bdd-matrix-gate')
    expect(names({ ...gitlabVars(gitlab, 'tag', 1), CI_COMMIT_TAG: 'v0.6.0-rc1' })).not.toContain('bdd-matrix-gate')
    // a runner with its own Docker engine, declared by a variable, brings the docker environment in
    const withDocker = plan(pipeline(), { ...gitlabVars(gitlab, 'merge_request', 1), BDD_MATRIX_DOCKER_RUNNER_TAG: 'docker-host' })!
    const docker = withDocker.filter((j) => j.job.name === 'bdd-matrix-acceptance-docker')
    expect(docker.map((j) => j.name)).toEqual(['bdd-matrix-acceptance-docker: [1/2]', 'bdd-matrix-acceptance-docker: [2/2]'])
    expect(docker[0]!.job.tags).toEqual(['$BDD_MATRIX_DOCKER_RUNNER'])
    expect(docker[0]!.variables.BDD_MATRIX_DOCKER_RUNNER).toBe('docker-host')
  })

  it('on a merge request: one note, updated by the next pipeline; a unit failure reaches the note and the status; each test once in the test report; the Allure trend grows', async () => {
    const run = async (n: number, unitFails: boolean): Promise<JobRun[]> => {
      fresh(project)
      // Another merge request's build, newer than this pipeline's runs, as a results hub's pull
      // brings it (every build, for the history strip): the report is of this pipeline's build all the same.
      strayBuild(path.join(project, 'results'))
      const vars = gitlabVars(gitlab, 'merge_request', n)
      return runPipeline(project, pipeline(), plan(pipeline(), vars)!, {
        binDir: bin,
        env: { HARNESS_UNIT_FAIL: unitFails ? '1' : '0' },
        // GitLab keeps a successful job's artifacts: the next pipeline's report reads the Allure history from them
        afterJob: (r) => {
          if (r.job !== 'bdd-matrix-report' || r.status !== 'success') return
          for (const file of HISTORY_FILES) {
            const local = path.join(project, 'reports/allure-report/history', file)
            if (existsSync(local)) gitlab.storeArtifact(vars.CI_COMMIT_REF_NAME!, 'bdd-matrix-report', `reports/allure-report/history/${file}`, readFileSync(local))
          }
        },
      })
    }
    const first = await run(1, true)
    const reportedBuild = (JSON.parse(readFileSync(path.join(project, 'reports/matrix.json'), 'utf8')) as { build: string }).build
    expect(reportedBuild).toBe(SHA.slice(0, 8))
    const status = (name: string) => first.find((r) => r.name === name)!.status
    expect(status('bdd-matrix-unit'), first.find((r) => r.name === 'bdd-matrix-unit')!.output).toBe('failed')
    expect(status('bdd-matrix-report'), first.find((r) => r.name === 'bdd-matrix-report')!.output).toBe('success')
    const notes = () => gitlab.notes.get('7')!.filter((n) => n.body.includes('### Test matrix'))
    expect(notes()).toHaveLength(1)
    const note = notes()[0]!
    // the unit failure is in the headline, and the status is red
    expect(note.body).toMatch(/❌ \*\*1 of \d+ result\(s\) outside the scope's features failed/)
    const statusOf = () => gitlab.statuses.filter((s) => s.body.name === 'bdd-matrix').at(-1)!.body
    expect(statusOf()).toMatchObject({ state: 'failed', target_url: expect.stringMatching(/\/-\/jobs\/\d+\/artifacts\/file\/reports\/matrix\.html$/) })
    // and its description says why, once, within the 255 characters GitLab keeps
    // (what failed comes before what is missing: the gaps, not the failure, are what a cut loses)
    const description = String(statusOf().description)
    expect(description.length).toBeLessThanOrEqual(255)
    expect(description.match(/1 of \d+ result\(s\) outside the scope's features failed \(unit and functional tests, untagged scenarios\)/g)).toHaveLength(1)
    expect(description).not.toMatch(/; 1 failed outside/)
    // the note links the HTML matrix and the Allure report directly, and the pipeline
    expect(note.body).toMatch(/\[HTML matrix\]\(https:\/\/gitlab\.example\/nunet\/dms\/-\/jobs\/\d+\/artifacts\/file\/reports\/matrix\.html\) · \[Allure report\]\(https:\/\/gitlab\.example\/nunet\/dms\/-\/jobs\/\d+\/artifacts\/file\/reports\/allure-report\/index\.html\) · \[Pipeline\]\(https:\/\/gitlab\.example\/nunet\/dms\/-\/pipelines\/5001\)/)
    // GitLab's test report: each test once — the jobs that ran tests report them, the report job does not
    const report = testReport(first, project)
    expect(report.length).toBeGreaterThan(3)
    expect(new Set(report.map((t) => t.key)).size).toBe(report.length)
    expect(report.filter((t) => t.failed).map((t) => t.key)).toEqual(['unit | test/catalogue/scope.test.ts | reads the scope'])
    // the report job's own JUnit report is what the scope requires and no job ran: skipped
    // tests saying so, as many as the matrix's gaps (none of them a test another job reported)
    const reportJob = first.find((r) => r.job === 'bdd-matrix-report')!
    expect(reportJob.junit).toEqual(['reports/not-run.junit.xml'])
    const notRunXml = readFileSync(path.join(project, 'reports/not-run.junit.xml'), 'utf8')
    const gaps = (JSON.parse(readFileSync(path.join(project, 'reports/matrix.json'), 'utf8')) as { gaps: { notRun: number } }).gaps.notRun
    expect(gaps).toBeGreaterThan(0)
    expect(testReport([reportJob], project)).toHaveLength(gaps)
    expect(notRunXml.match(/<skipped message="not run: [^"]*" type="not-run"><!\[CDATA\[not run: /g)).toHaveLength(gaps)

    const second = await run(2, false)
    expect(second.find((r) => r.job === 'bdd-matrix-unit')!.status).toBe('success')
    expect(notes()).toHaveLength(1)
    expect(notes()[0]!.id).toBe(note.id)
    expect(notes()[0]!.body).not.toContain('outside the scope\'s features failed')
    expect(statusOf().state).toBe('success')
    // the second report read the first one's history: its trend has both pipelines
    const trend = JSON.parse(readFileSync(path.join(project, 'reports/allure-report/widgets/history-trend.json'), 'utf8')) as { buildOrder: number; reportName: string }[]
    expect(trend.map((t) => t.buildOrder)).toEqual([2, 1])
    expect(JSON.parse(readFileSync(path.join(project, 'reports/allure-report/widgets/executors.json'), 'utf8'))[0]).toMatchObject({ type: 'gitlab', buildOrder: 2, buildUrl: 'https://gitlab.example/nunet/dms/-/pipelines/5002', reportUrl: expect.stringMatching(/artifacts\/file\/reports\/allure-report\/index\.html$/) })
    expect(gitlab.requests.some((r) => r.path.includes('/jobs/artifacts/feature-x/raw/reports/allure-report/history/history-trend.json') && r.headers['job-token'] === JOB_TOKEN)).toBe(true)

    // the trend, as a person sees it: the report served over HTTP and opened in Chromium
    if (existsSync(CHROMIUM) || process.env.BDD_MATRIX_REQUIRE_SERVICES === '1') {
      const server = await serve(path.join(project, 'reports/allure-report'))
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] })
      try {
        const page = await browser.newPage()
        await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`)
        const trend = page.locator('[data-id="history-trend"]')
        await trend.waitFor({ timeout: 120_000 })
        await trend.locator('svg').first().waitFor({ timeout: 120_000 })
        expect(await trend.textContent()).toMatch(/Trend/i)
        // one point per pipeline: the chart has an x-axis tick for each
        expect(await trend.locator('svg .tick').count()).toBeGreaterThanOrEqual(2)
      } finally {
        await browser.close()
        server.close()
      }
    }
  })

  it('on a release-candidate tag: the gate judges the build, its verdict is a commit status, its evidence is kept for good', async () => {
    const vars = gitlabVars(gitlab, 'tag', 3)
    fresh(project)
    const runs = await runPipeline(project, pipeline(), plan(pipeline(), vars)!, { binDir: bin, env: { HARNESS_UNIT_FAIL: '0' } })
    const gate = runs.find((r) => r.job === 'bdd-matrix-gate')!
    // docker is required by the scope and never ran here: the gate waits for it (exit 3, allowed)
    expect(gate.status, gate.output).toBe('allowed-failure')
    expect(gate.exitCode).toBe(3)
    // an incomplete gate is a pending status: waiting for results, neither green nor red
    expect(gitlab.statuses.filter((s) => s.body.name === 'bdd-matrix/gate').at(-1)!.body).toMatchObject({ state: 'pending', description: expect.stringMatching(/^v0\.5\.0-rc1: incomplete/) })
    expect(existsSync(path.join(project, 'reports/gate-v0.5.0-rc1.json'))).toBe(true)
    // the unit job's results reach the gate: its stage is judged
    const unitPasses = () => readGateEvidence(path.join(project, 'reports/gate-v0.5.0-rc1.json')).criteria.find((c) => c.id === 'unit-passes')!
    expect(unitPasses()).toMatchObject({ verdict: 'pass', value: expect.stringMatching(/^(\d+) of \1 passed/) })
    expect(pipeline().jobs.find((j) => j.name === 'bdd-matrix-gate')!.artifacts!.expire_in).toBe('never')
    // not a merge request: the commit status of the tag, and no note anywhere
    expect(gitlab.statuses.filter((s) => s.body.name === 'bdd-matrix').at(-1)!.body).toMatchObject({ ref: 'v0.5.0-rc1', state: 'success' })
    expect(gitlab.notes.get('7')!.filter((n) => n.body.includes('### Test matrix'))).toHaveLength(1)
    // no secret in any job's output
    for (const r of runs) expect(r.output).not.toContain(TOKEN)
    // a unit test failing on the candidate: no-go, the gate job fails and its status is failed
    fresh(project)
    const failing = await runPipeline(project, pipeline(), plan(pipeline(), vars)!, { binDir: bin, env: { HARNESS_UNIT_FAIL: '1' } })
    expect(failing.find((r) => r.job === 'bdd-matrix-gate')).toMatchObject({ status: 'failed', exitCode: 1 })
    expect(unitPasses()).toMatchObject({ verdict: 'fail', why: expect.stringMatching(/^1 failed: /) })
    expect(gitlab.statuses.filter((s) => s.body.name === 'bdd-matrix/gate').at(-1)!.body).toMatchObject({ state: 'failed', description: expect.stringMatching(/^v0\.5\.0-rc1: no-go/) })
  })
})

/** Every pipeline starts from a fresh checkout: nothing an earlier pipeline wrote is there. */
/** A run of another build that finished after anything this pipeline runs. */
function strayBuild(results: string): void {
  const writer = new ResultsWriter(results)
  writer.write({ kind: 'case', id: 'stray-case', uri: 'features/numbers.feature', feature: 'Numbers', scenario: 'number 1 is counted', name: 'number 1 is counted', featureIds: ['numbers'], tags: ['@feature:numbers'], status: 'failed', flaky: false, attempts: 1, durationMs: 1, steps: [], error: 'another merge request broke it', attachments: [], nodes: [], source: 'automated' })
  writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: 'stray-run', build: 'feedbeef', stage: 'acceptance', environment: 'local', startedAt: '2099-01-01T00:00:00.000Z', finishedAt: '2099-01-01T00:01:00.000Z', source: { format: 'cucumber-messages' } })
}

function fresh(project: string): void {
  for (const dir of ['reports', 'results', '.bdd-matrix']) rmSync(path.join(project, dir), { recursive: true, force: true })
}

function serve(dir: string): Promise<Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.ico': 'image/x-icon' }
  const server = createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    if (!file.startsWith(dir) || !existsSync(file) || readdirSafe(file)) {
      res.writeHead(404)
      return void res.end()
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' })
    res.end(readFileSync(file))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

function readdirSafe(file: string): boolean {
  try {
    readdirSync(file)
    return true
  } catch {
    return false
  }
}
