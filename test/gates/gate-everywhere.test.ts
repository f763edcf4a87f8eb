import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium } from 'playwright-core'
import { LocalGitLab } from '../servers/gitlab-server.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { HEADER, gateProjectCopy, greenBuild, writeRuns } from './gate-fixture.ts'
import fc from 'fast-check'
import { tempTree } from '../helpers/temp-tree.ts'
import { UserError } from '../../src/errors.ts'
import type { GateReport } from '../../src/gates/evaluate-gates.ts'
import { gateState, gateSummary as evidenceSummary, readGateEvidence } from '../../src/gates/read-gate-evidence.ts'
import { gateSummary } from '../../src/gates/gate-summary.ts'
import { gateToMarkdown, gateVerdictLine } from '../../reporters/markdown/gate-markdown.ts'
import { gateBanner } from '../../reporters/html/matrix-html.ts'

const TOKEN = 'glpat-SECRET-gate-token-0987654321'
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
const CHROMIUM = '/usr/bin/chromium'
const GATES = `${HEADER}criteria:
  - id: acceptance-passes
    kind: scenarios-pass
    severity: blocking
    select: { tags: not @manual, stages: [acceptance] }
  - { id: no-release-blockers, kind: open-issues, severity: blocking, labels: [release-blocker], max: 0 }
`

describe('the gate verdict where people look: matrix banner, MR note, commit status, open issues from GitLab', () => {
  let gitlab: LocalGitLab
  let root: string
  const env = () => ({ CI_API_V4_URL: gitlab.apiUrl, CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '7', CI_COMMIT_SHA: SHA, GITLAB_TOKEN: TOKEN })

  beforeAll(async () => {
    gitlab = await new LocalGitLab({ projectId: '42', token: TOKEN }).start()
    gitlab.issues.push({ iid: 3, title: 'peers lost after an hour', state: 'opened', labels: ['release-blocker', 'p2p'] }, { iid: 4, title: 'typo', state: 'opened', labels: ['docs'] }, { iid: 5, title: 'fixed blocker', state: 'closed', labels: ['release-blocker'] })
    root = gateProjectCopy()
    writeRuns(greenBuild('v1.0.0-rc1', '2026-05-01T10:00:00Z', { docker: { 'alpha two': 'failed' } }), path.join(root, 'results'))
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), GATES)
  })
  afterAll(async () => {
    await gitlab.stop()
  })

  it('counts open issues by label through the GitLab API and fails on one', async () => {
    const result = await runCliInProcess(['gate', '--build', 'v1.0.0-rc1'], { cwd: root, env: env() })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/FAIL\s+no-release-blockers \[open-issues, blocking\]: 1 open \(≤ 0 labelled release-blocker\)/)
    expect(result.stdout).toContain('peers lost after an hour (https://gitlab.example/issues/3)')
    expect(gitlab.requests.some((r) => r.path === '/api/v4/projects/42/issues')).toBe(true)
    expect(result.stdout + result.stderr).not.toContain(TOKEN)
  })

  it('gives its verdict line under the matrix headline wherever a gate file applies to the build, without --gate', async () => {
    const matrix = await runCliInProcess(['matrix', '--out', 'plain'], { cwd: root, env: {} })
    expect(matrix.code, matrix.stderr).toBe(0)
    const markdown = readFileSync(path.join(root, 'plain/matrix.md'), 'utf8')
    // judged without GitLab here: the open issues wait, the failure decides
    expect(markdown).toContain('**Release gate:** ❌ NO-GO — 1 of 2 blocking criteria fail (acceptance-passes); 1 waiting (no-release-blockers)')
    expect(markdown).not.toContain('### Release gate')
    expect(readFileSync(path.join(root, 'plain/matrix.html'), 'utf8')).toMatch(/<p id="gate-verdict" data-verdict="no-go"><b>Release gate: NO-GO<\/b> — 1 of 2 blocking criteria fail/)
  })

  it('heads the Markdown matrix and the MR note, and sets the commit status bdd-matrix/gate', async () => {
    expect((await runCliInProcess(['gate', '--build', 'v1.0.0-rc1'], { cwd: root, env: env() })).code).toBe(1)
    const matrix = await runCliInProcess(['matrix', '--gate', 'reports/gate-v1.0.0-rc1.json'], { cwd: root, env: {} })
    expect(matrix.code).toBe(0)
    const markdown = readFileSync(path.join(root, 'reports/matrix.md'), 'utf8')
    expect(markdown).toMatch(/^### Release gate · `v1\.0\.0-rc1` · ❌ NO-GO\n[\s\S]*### Test matrix/)
    const published = await runCliInProcess(['publish', 'gitlab', '--gate', 'reports/gate-v1.0.0-rc1.json'], { cwd: root, env: env() })
    expect(published.stdout).toContain('commit status bdd-matrix/gate: failed')
    const status = gitlab.statuses.find((s) => s.body.name === 'bdd-matrix/gate')!
    expect(status.body).toMatchObject({ state: 'failed', description: 'v1.0.0-rc1: no-go (0 pass, 0 waived, 0 waiting, 2 fail)' })
    expect(gitlab.notes.get('7')![0]!.body).toMatch(/Release gate · `v1\.0\.0-rc1` · ❌ NO-GO/)
    // evidence of another build is refused
    const wrong = await runCliInProcess(['matrix', '--gate', 'reports/gate-v1.0.0-rc1.json', '--build', 'v9'], { cwd: root, env: {} })
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringMatching(/the gate of v1\.0\.0-rc1, not of v9/) })
    // and so is evidence whose verdicts this bdd-matrix does not know (edited, or of a newer one):
    // read as it was, a verdict other than no-go or incomplete set the status success
    const evidence = JSON.parse(readFileSync(path.join(root, 'reports/gate-v1.0.0-rc1.json'), 'utf8')) as { report: { verdict: string; criteria: { verdict: string }[] } }
    const statuses = gitlab.statuses.length
    for (const [name, edit, why] of [
      ['maybe', (e: typeof evidence) => (e.report.verdict = 'maybe'), /not a gate evidence file \(verdict: "maybe" is not one of go, go-with-waivers, incomplete, no-go\)/],
      ['criterion', (e: typeof evidence) => (e.report.criteria[0]!.verdict = 'flaky'), /not a gate evidence file \(a criterion not of the gate's shape/],
      ['null', () => null, /not a gate evidence file \(no report of evidence version 1\)/],
    ] as const) {
      const copy = structuredClone(evidence)
      const written = edit(copy) === null ? null : copy
      writeFileSync(path.join(root, `reports/gate-${name}.json`), JSON.stringify(written))
      const refused = await runCliInProcess(['publish', 'gitlab', '--gate', `reports/gate-${name}.json`], { cwd: root, env: env() })
      expect(refused, name).toMatchObject({ code: 2, stderr: expect.stringMatching(why) })
      expect(refused.stderr).not.toMatch(/\n\s+at /)
    }
    expect(gitlab.statuses.length).toBe(statuses)
  })

  it('never heads results that came in after it as theirs: a GO judged before a failure arrived is said to be stale, and its commit status is no success', async () => {
    const own = gateProjectCopy()
    const results = path.join(own, 'results')
    writeRuns(greenBuild('v1.0.0-rc1', '2026-05-01T10:00:00Z'), results)
    writeFileSync(path.join(own, 'features/milestones/gate.gates.yaml'), `${HEADER}criteria:\n  - { id: acceptance-passes, kind: scenarios-pass, severity: blocking, select: { tags: not @manual, stages: [acceptance] } }\n`)
    expect((await runCliInProcess(['gate', '--build', 'v1.0.0-rc1'], { cwd: own, env: {} })).code).toBe(0)
    // on the results it judged, it heads the matrix as it is
    const fresh = await runCliInProcess(['matrix', '--gate', 'reports/gate-v1.0.0-rc1.json'], { cwd: own, env: {} })
    expect(fresh.stderr).toBe('')
    expect(readFileSync(path.join(own, 'reports/matrix.md'), 'utf8')).not.toContain('judged on other results')
    // a rerun fails afterwards: the verdict is no longer this matrix's
    writeRuns([{ build: 'v1.0.0-rc1', environment: 'docker', at: '2026-05-01T12:00:00Z', cases: { 'alpha two': 'failed' } }], results)
    const stale = await runCliInProcess(['matrix', '--gate', 'reports/gate-v1.0.0-rc1.json'], { cwd: own, env: {} })
    expect(stale.code).toBe(0)
    expect(stale.stderr).toContain('bdd-matrix: warning: reports/gate-v1.0.0-rc1.json: this verdict was judged on other results than this matrix shows (results came in or changed after bdd-matrix gate ran): run the gate again before relying on it\n')
    expect(readFileSync(path.join(own, 'reports/matrix.md'), 'utf8')).toMatch(/^### Release gate · `v1\.0\.0-rc1` · ✅ GO\n[\s\S]*⚠️ \*\*this verdict was judged on other results than this matrix shows/)
    expect(readFileSync(path.join(own, 'reports/matrix.html'), 'utf8')).toMatch(/<section id="gate" class="v-go" data-verdict="go" data-stale="true"><h2>Release gate: GO<\/h2><p class="stale" role="alert">/)
    const statuses = gitlab.statuses.length
    const scopeFile = path.join(own, 'features/milestones/gate.yaml')
    writeFileSync(scopeFile, readFileSync(scopeFile, 'utf8').replace('    environments: [local, docker]\n', '    environments: [local, docker]\n    issue: 13\n'))
    const published = await runCliInProcess(['publish', 'gitlab', '--gate', 'reports/gate-v1.0.0-rc1.json', '--gitlab-issues'], { cwd: own, env: env() })
    expect(published.code).toBe(0)
    expect(gitlab.notes.get('issue-13')![0]!.body).toContain('Release gate of `v1.0.0-rc1`: **go** — ⚠️ **this verdict was judged on other results')
    expect(gitlab.statuses.slice(statuses).find((x) => x.body.name === 'bdd-matrix/gate')!.body).toMatchObject({ state: 'pending', description: expect.stringMatching(/^v1\.0\.0-rc1: go \(1 pass, 0 waived, 0 waiting, 0 fail\); this verdict was judged on other results/) })
    // judged again, it is the matrix's own
    expect((await runCliInProcess(['gate', '--build', 'v1.0.0-rc1'], { cwd: own, env: {} })).code).toBe(1)
    expect((await runCliInProcess(['matrix', '--gate', 'reports/gate-v1.0.0-rc1.json'], { cwd: own, env: {} })).stderr).toBe('')
  })

  it('reads evidence with any JSON value in place of any of its fields as a gate or refuses it by name: never a JavaScript error where it is shown', async () => {
    const file = path.join(root, 'reports/gate-v1.0.0-rc1.json')
    if (!existsSync(file)) expect((await runCliInProcess(['gate', '--build', 'v1.0.0-rc1'], { cwd: root, env: env() })).code).toBe(1)
    const evidence = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    const paths: (string | number)[][] = []
    const walk = (value: unknown, at: (string | number)[]): void => {
      paths.push(at)
      if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, Array.isArray(value) ? Number(k) : k])
    }
    walk(evidence, [])
    for (const added of [['report', 'changes'], ['report', 'criteria', 0, 'information'], ['report', 'baseline', 'build']]) paths.push(added)
    const anyJson = fc.oneof(fc.constantFrom(null, [], {}, '', 0, 'pass', 'go', [{}], { toString: {} }, { what: 'x', status: 'failed' }), fc.jsonValue({ maxDepth: 2 }))
    const where = path.join(tempTree(), 'gate.json')
    fc.assert(
      fc.property(fc.nat(paths.length - 1), anyJson, (which, by) => {
        const changed = structuredClone(evidence)
        const at = paths[which]!
        if (at.length === 0) return
        let parent = changed as Record<string | number, unknown>
        for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
        parent[at.at(-1)!] = by
        writeFileSync(where, JSON.stringify(changed))
        let report: GateReport
        try {
          report = readGateEvidence(where)
        } catch (error) {
          expect(error).toBeInstanceOf(UserError)
          expect((error as Error).message).toMatch(/gate\.json: not a gate evidence file \(/)
          return
        }
        // every place evidence is shown or acted on: the commit status, the MR note and matrix, the banner, hub prune
        gateState(report)
        evidenceSummary(report)
        gateSummary(report)
        gateToMarkdown(report)
        gateVerdictLine(report)
        gateBanner(report)
        void report.baseline.build
      }),
      { numRuns: 400 },
    )
  })

  it('keeps one note per scope feature on its GitLab issue, updated in place (--gitlab-issues)', async () => {
    const scopeFile = path.join(root, 'features/milestones/gate.yaml')
    writeFileSync(scopeFile, readFileSync(scopeFile, 'utf8').replace('    environments: [local, docker]\n', '    environments: [local, docker]\n    issue: 12\n'))
    expect((await runCliInProcess(['matrix'], { cwd: root })).code).toBe(0)
    const env2 = { ...env(), CI_MERGE_REQUEST_IID: '', CI_COMMIT_SHA: '' }
    const first = await runCliInProcess(['publish', 'gitlab', '--gitlab-issues'], { cwd: root, env: env2 })
    expect(first.stdout).toContain('issue #12 (alpha): note created')
    const again = await runCliInProcess(['publish', 'gitlab', '--gitlab-issues', '--gate', 'reports/gate-v1.0.0-rc1.json'], { cwd: root, env: env2 })
    expect(again.stdout).toContain('issue #12 (alpha): note updated')
    const notes = gitlab.notes.get('issue-12')!
    expect(notes).toHaveLength(1)
    expect(notes[0]!.body).toMatch(/^<!-- bdd-matrix:feature:alpha -->\n### Acceptance scenarios of `alpha` · build `v1\.0\.0-rc1`\n\nRelease gate of `v1\.0\.0-rc1`: \*\*no-go\*\*/)
    expect(notes[0]!.body).toMatch(/\| alpha two \| [^|]*failed \| [^|]*passed \|/)
    expect(gitlab.notes.get('7')!.filter((n) => n.body.includes('bdd-matrix:feature'))).toEqual([])
  })

  it.skipIf(!(process.env.BDD_MATRIX_REQUIRE_SERVICES === '1' || existsSync(CHROMIUM)))('shows the banner in the HTML matrix, each criterion expandable to what is behind it', async () => {
    // in this process: the local GitLab answers from it
    expect((await runCliInProcess(['gate', '--build', 'v1.0.0-rc1'], { cwd: root, env: env() })).code).toBe(1)
    expect((await runCliInProcess(['matrix', '--gate', 'reports/gate-v1.0.0-rc1.json'], { cwd: root })).code).toBe(0)
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
    try {
      const page = await browser.newPage()
      await page.route(/^(?!file:)/, (route) => route.abort())
      await page.goto(`file://${path.join(root, 'reports/matrix.html')}`)
      expect(await page.getAttribute('#gate', 'data-verdict')).toBe('no-go')
      expect(await page.innerText('#gate h2')).toBe('Release gate: NO-GO')
      const row = page.locator('#gate tr[data-criterion="acceptance-passes"]')
      expect(await row.getAttribute('data-verdict')).toBe('fail')
      expect(await row.locator('li').first().isVisible()).toBe(false)
      await row.locator('summary').click()
      expect(await row.locator('li').first().innerText()).toBe('failed: alpha two · alpha · docker/acceptance')
    } finally {
      await browser.close()
    }
  })
})
