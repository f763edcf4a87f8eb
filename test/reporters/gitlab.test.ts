import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { LocalGitLab } from '../servers/gitlab-server.ts'
import { NOTE_MARKER, publishToGitLab } from '../../reporters/gitlab/gitlab-publisher.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { runBinAsync } from '../helpers/run-bin.ts'
import { ForwardProxy } from '../servers/forward-proxy.ts'
import { tempTree } from '../helpers/temp-tree.ts'

const TOKEN = 'glpat-SECRET-test-token-1234567890'
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'

function matrixFiles(failed: number, options: { skipped?: boolean } = {}): string {
  const dir = tempTree()
  // (skipped: every required result skipped, as a dry run leaves them)
  const totals = options.skipped ? { passed: 0, failed: 0, flaky: 0, blocked: 0, wip: 2, 'not-run': 0, skipped: 13, 'not-required': 0 } : { passed: 10, failed, flaky: 1, blocked: 0, wip: 2, 'not-run': 0, skipped: 0, 'not-required': 0 }
  const cellTotals = options.skipped ? { ...totals, skipped: 14 } : { ...totals, passed: 11 }
  writeFileSync(
    path.join(dir, 'matrix.json'),
    JSON.stringify({ build: 'v0.5.0-rc1', totals, cellTotals, gaps: { required: 14, notRun: 0, byEnvironment: {}, wip: 2 }, unscoped: { cases: 0, failed: 0 }, runErrors: [], information: 0, features: [] }),
  )
  writeFileSync(path.join(dir, 'matrix.md'), `### Test matrix · build v0.5.0-rc1\n\n${failed} failed\n`)
  return dir
}

describe('bdd-matrix publish gitlab (against a local server implementing the GitLab endpoints)', () => {
  let gitlab: LocalGitLab
  const outputs: string[] = []
  beforeAll(async () => {
    gitlab = await new LocalGitLab({ projectId: '42', token: TOKEN, readOnlyToken: 'glpat-read-only' }).start()
    // A busy merge request: the bdd-matrix note must be found beyond the first page.
    for (let i = 0; i < 130; i++) gitlab.notes.set('7', [...(gitlab.notes.get('7') ?? []), { id: 1000 + i, body: `review comment ${i}`, created_at: '', updated_at: '' }])
  })
  afterAll(async () => {
    await gitlab.stop()
    // No output of any test, no note and no status may carry the token.
    const everything = [...outputs, JSON.stringify([...gitlab.notes.values()]), JSON.stringify(gitlab.statuses)].join('\n')
    expect(everything).not.toContain(TOKEN)
  })

  const publish = async (dir: string, env: Record<string, string>) => {
    const result = await runCliInProcess(['publish', 'gitlab', '--matrix', path.join(dir, 'matrix.json'), '--markdown', path.join(dir, 'matrix.md')], {
      cwd: dir,
      env: { CI_API_V4_URL: gitlab.apiUrl, CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '7', CI_COMMIT_SHA: SHA, CI_JOB_URL: 'https://gitlab.example/nunet/dms/-/jobs/99', GITLAB_TOKEN: TOKEN, ...env },
    })
    outputs.push(result.stdout, result.stderr)
    return result
  }

  it('adds one note and sets the commit status', async () => {
    const result = await publish(matrixFiles(2), {})
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/merge-request note created \(note \d+\)\ncommit status bdd-matrix: failed/)
    const ours = gitlab.notes.get('7')!.filter((n) => n.body.startsWith(NOTE_MARKER))
    expect(ours).toHaveLength(1)
    expect(ours[0]!.body).toContain('2 failed')
    expect(gitlab.statuses.at(-1)).toMatchObject({ project: '42', sha: SHA, body: { state: 'failed', name: 'bdd-matrix', target_url: 'https://gitlab.example/nunet/dms/-/jobs/99/artifacts/file/matrix.html' } })
    expect(gitlab.requests.at(-1)!.headers['private-token']).toBe(TOKEN)
  })

  it("says so when the matrix is of another build than the pipeline's, and never sets this commit's status success from it", async () => {
    const dir = matrixFiles(0)
    const other = await publish(dir, { CI_COMMIT_SHORT_SHA: 'f00dcafe' })
    expect(other.code, other.stderr).toBe(0)
    expect(other.stderr).toBe(`bdd-matrix: ${path.join(dir, 'matrix.json')} is the matrix of build v0.5.0-rc1, not of this pipeline's (f00dcafe, from CI_COMMIT_SHORT_SHA), and is published on commit ${SHA.slice(0, 8)}, its commit status pending, not success; if that is not meant, write it with bdd-matrix matrix --build f00dcafe (or set BDD_MATRIX_BUILD to the build's name)\n`)
    // a green matrix of another build is no pass of this commit: pending, saying whose it is
    expect(other.stdout).toContain('commit status bdd-matrix: pending\n')
    expect(gitlab.statuses.at(-1)).toMatchObject({ sha: SHA, body: { state: 'pending', name: 'bdd-matrix', description: expect.stringMatching(/^v0\.5\.0-rc1 \(not this commit's build, f00dcafe\): /) } })
    // one that failed still fails it
    const failing = await publish(matrixFiles(2), { CI_COMMIT_SHORT_SHA: 'f00dcafe' })
    expect(failing.stdout).toContain('commit status bdd-matrix: failed\n')
    // the build named as the pipeline names it: nothing to say, and its status is its own
    const same = await publish(matrixFiles(0), { CI_COMMIT_SHORT_SHA: 'f00dcafe', BDD_MATRIX_BUILD: 'v0.5.0-rc1' })
    expect(same.stderr).toBe('')
    expect(gitlab.statuses.at(-1)!.body).toMatchObject({ state: 'success', description: expect.stringMatching(/^v0\.5\.0-rc1: /) })
  })

  it('a build that tested nothing the scope requires (every result skipped) fails its commit status, and says so', async () => {
    const result = await publish(matrixFiles(0, { skipped: true }), { CI_MERGE_REQUEST_IID: '', CI_PROJECT_PATH: 'nunet/dms' })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe('commit status bdd-matrix: failed\n')
    expect(gitlab.statuses.at(-1)!.body).toMatchObject({ state: 'failed', description: expect.stringContaining("nothing tested: no required cell has a passed, failed, flaky or blocked result (the 14 required cells' results are all skipped)") })
  })

  it('in a branch pipeline, notes each open merge request of the branch in this project (CI_OPEN_MERGE_REQUESTS), once, and names those of other projects', async () => {
    const branch = { CI_MERGE_REQUEST_IID: '', CI_OPEN_MERGE_REQUESTS: 'nunet/dms!21,nunet/dms-fork!3,nunet/dms!22', CI_PROJECT_PATH: 'nunet/dms' }
    const result = await publish(matrixFiles(0), branch)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^merge-request note created on !21 \(note \d+\)\nmerge-request note created on !22 \(note \d+\)\nmerge request nunet\/dms-fork!3 is not in this project \(nunet\/dms\): no note there\ncommit status bdd-matrix: success\n$/)
    // the next pipeline of the branch updates them: one note a merge request, one status per pipeline
    const statuses = gitlab.statuses.length
    const again = await publish(matrixFiles(1), branch)
    expect(again.stdout).toMatch(/merge-request note updated on !21 .*\nmerge-request note updated on !22 /)
    for (const iid of ['21', '22']) expect(gitlab.notes.get(iid)!.filter((n) => n.body.startsWith(NOTE_MARKER))).toHaveLength(1)
    expect(gitlab.notes.get('3')).toBeUndefined()
    expect(gitlab.statuses.length).toBe(statuses + 1)
    // a branch without a merge request: the commit status alone
    const alone = await publish(matrixFiles(0), { CI_MERGE_REQUEST_IID: '', CI_PROJECT_PATH: 'nunet/dms' })
    expect(alone.stdout).toBe('commit status bdd-matrix: success\n')
  })

  it('updates that same note on the next pipeline instead of adding another', async () => {
    const result = await publish(matrixFiles(0), {})
    expect(result.stdout).toMatch(/merge-request note updated/)
    const ours = gitlab.notes.get('7')!.filter((n) => n.body.startsWith(NOTE_MARKER))
    expect(ours).toHaveLength(1)
    expect(ours[0]!.body).toContain('0 failed')
    expect(gitlab.notes.get('7')).toHaveLength(131)
    expect(gitlab.statuses.at(-1)!.body.state).toBe('success')
  })

  it('retries what is transient: a dropped answer to the new note (found, not added twice), 429 and 502 on the status', async () => {
    gitlab.inject({ method: 'POST', path: /\/merge_requests\/8\/notes$/, kind: 'drop', when: 'after' })
    gitlab.inject({ method: 'POST', path: /\/statuses\//, kind: 'status', status: 429, retryAfter: '1' })
    gitlab.inject({ method: 'POST', path: /\/statuses\//, kind: 'status', status: 502 })
    const statuses = gitlab.statuses.length
    const result = await publish(matrixFiles(1), { CI_MERGE_REQUEST_IID: '8' })
    expect(result.code, result.stderr).toBe(0)
    expect(gitlab.faults.map((f) => f.fired)).toEqual([1, 1, 1])
    expect(gitlab.notes.get('8')!.filter((n) => n.body.startsWith(NOTE_MARKER))).toHaveLength(1)
    expect(result.stdout).toMatch(new RegExp(`merge-request note created \\(note ${gitlab.notes.get('8')![0]!.id}\\)`))
    expect(gitlab.statuses.length).toBe(statuses + 1)
    expect(result.stderr).toMatch(/adding the merge-request note: ECONNRESET, retrying\nsetting the commit status: HTTP 429, retrying in 1 s\nsetting the commit status: HTTP 502, retrying/)
    gitlab.faults.length = 0
  })

  it('takes a page answered in GitLab\'s place (a proxy\'s sign-in page, 200) for no answer: one line naming it, and the rerun posts one note', async () => {
    gitlab.inject({ method: 'GET', path: /\/merge_requests\/9\/notes$/, kind: 'page' })
    const stopped = await publish(matrixFiles(1), { CI_MERGE_REQUEST_IID: '9' })
    expect(stopped.code).toBe(2)
    expect(stopped.stderr).toMatch(/^bdd-matrix: GitLab answered reading the notes with an HTML page, not the JSON its API gives: is the URL the GitLab instance's own API \(not a proxy or a sign-in page\)\? Then check CI_API_V4_URL \(http:\/\/127\.0\.0\.1:\d+\) and run the job again\n$/)
    // a note answered by a page (not added): the next run adds it, once
    gitlab.inject({ method: 'POST', path: /\/merge_requests\/9\/notes$/, kind: 'page' })
    expect((await publish(matrixFiles(1), { CI_MERGE_REQUEST_IID: '9' })).code).toBe(2)
    expect(gitlab.faults.map((f) => f.fired)).toEqual([1, 1])
    expect(gitlab.notes.get('9') ?? []).toHaveLength(0)
    gitlab.faults.length = 0
    const result = await publish(matrixFiles(1), { CI_MERGE_REQUEST_IID: '9' })
    expect(result.code, result.stderr).toBe(0)
    expect(gitlab.notes.get('9')!.filter((n) => n.body.startsWith(NOTE_MARKER))).toHaveLength(1)
  })

  it('refuses a JSON file that is not a matrix in one line, and takes a token with a trailing newline', async () => {
    const dir = matrixFiles(0)
    writeFileSync(path.join(dir, 'matrix.json'), '{"results":[]}')
    const wrong = await publish(dir, {})
    expect(wrong.stderr).toMatch(/matrix\.json: not a matrix \(no build and totals\); write it with bdd-matrix matrix/)
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1)
    expect(wrong.code).toBe(2)
    // a matrix whose run errors are not a list would read as none: a success
    const reshaped = matrixFiles(0)
    const matrix = JSON.parse(readFileSync(path.join(reshaped, 'matrix.json'), 'utf8')) as Record<string, unknown>
    writeFileSync(path.join(reshaped, 'matrix.json'), JSON.stringify({ ...matrix, runErrors: { count: 2 } }))
    const shapeless = await publish(reshaped, {})
    expect(shapeless).toMatchObject({ code: 2, stderr: expect.stringMatching(/matrix\.json: not a matrix \(runErrors is not what bdd-matrix matrix writes\)/) })
    const fromFile = await publish(matrixFiles(0), { GITLAB_TOKEN: `${TOKEN}\n` })
    expect(fromFile.code, fromFile.stderr).toBe(0)
  })

  it('takes "already in that state" as done, and gives up on an unreachable GitLab with one line', async () => {
    const target = { apiUrl: gitlab.apiUrl, projectId: '42', token: TOKEN, sha: SHA, ref: 'running-twice' }
    const running = { markdown: '', state: 'running' as const, description: 'acceptance running' }
    await publishToGitLab(target, running)
    await expect(publishToGitLab(target, running)).resolves.toMatchObject({ status: { state: 'running' } })
    expect(gitlab.statuses.filter((s) => s.body.ref === 'running-twice')).toHaveLength(1)
    const fast = { attempts: 3, baseMs: 10, maxMs: 20, defaultRetryAfterMs: 10, timeoutMs: 1000 }
    const closed = await new LocalGitLab({ projectId: '42', token: TOKEN }).start()
    const apiUrl = closed.apiUrl
    await closed.stop()
    await expect(publishToGitLab({ ...target, apiUrl }, running, { retry: fast })).rejects.toThrow(/^GitLab did not answer while reading the commit status bdd-matrix \(ECONNREFUSED\) after 3 attempts; check CI_API_V4_URL \(http:\/\/127\.0\.0\.1:\d+\) and run the job again$/)
  })

  let refusedNotes = 0
  it.each([
    // a model's validation errors, by field (as GitLab answers a note over its limit)
    [{ message: { note: ['is too long (maximum is 1000000 characters)'] } }, 'note is too long (maximum is 1000000 characters)'],
    [{ message: { base: ['Merge request is locked', 'discussion is locked'], note: 'is empty' } }, 'base Merge request is locked, discussion is locked; note is empty'],
    // a parameter refused (Grape's own answer)
    [{ error: 'body is missing' }, 'body is missing'],
    [{ message: 'Note {:body=>["can\'t be blank"]}\nsecond line' }, 'Note {:body=>["can\'t be blank"]} second line'],
    [{ message: 'x'.repeat(400) }, `${'x'.repeat(300)}…`],
  ])('says what GitLab refused a note for, however it puts it: %j', async (body, reason) => {
    // a merge request of its own, with no note yet: the note is added, not updated
    const mergeRequest = String(900 + refusedNotes++)
    gitlab.inject({ method: 'POST', path: new RegExp(`/merge_requests/${mergeRequest}/notes$`), kind: 'status', status: 400, body })
    const result = await publish(matrixFiles(1), { CI_MERGE_REQUEST_IID: mergeRequest })
    expect(result.stderr.trim()).toBe(`bdd-matrix: GitLab answered HTTP 400 while adding the merge-request note: ${reason}`)
    expect(result.code).toBe(2)
  })

  it.each([
    ['an API URL that is not one', { CI_API_V4_URL: 'gitlab.example.com/api/v4' }, /CI_API_V4_URL \(or --api-url\) "gitlab\.example\.com\/api\/v4" is not a URL; set it to https:\/\/gitlab\.example\.com\/api\/v4/],
    ['a missing token', { GITLAB_TOKEN: '' }, /no GitLab token: set GITLAB_TOKEN to a project or personal access token with the api scope \(CI_JOB_TOKEN cannot write/],
    ['a wrong token', { GITLAB_TOKEN: 'glpat-wrong' }, /GitLab refused .* \(HTTP 401\): set GITLAB_TOKEN .*CI_JOB_TOKEN cannot write/],
    ['a token without api scope', { GITLAB_TOKEN: 'glpat-read-only' }, /GitLab refused .* \(HTTP 403\): set GITLAB_TOKEN/],
    ['an unknown project', { CI_PROJECT_ID: '999' }, /GitLab answered 404 while .*: check CI_PROJECT_ID, CI_MERGE_REQUEST_IID and CI_COMMIT_SHA \(project 999\)/],
    ['no GitLab job', { CI_API_V4_URL: '', CI_PROJECT_ID: '' }, /not in a GitLab CI job: CI_API_V4_URL and CI_PROJECT_ID are not set/],
  ])('refuses %s with one line and exit 2', async (_label, env, message) => {
    const result = await publish(matrixFiles(0), env as Record<string, string>)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.code).toBe(2)
  })
})

describe('a self-managed GitLab with a certificate authority of its own (HTTPS, the runner\'s tls-ca-file)', () => {
  let gitlab: LocalGitLab
  let proxy: ForwardProxy
  const outputs: string[] = []
  beforeAll(async () => {
    gitlab = await new LocalGitLab({ projectId: '42', token: TOKEN, tls: true }).start()
    proxy = await new ForwardProxy().start()
  })
  afterAll(async () => {
    await Promise.all([gitlab.stop(), proxy.stop()])
    expect(outputs.join('\n')).not.toContain(TOKEN)
  })
  const publish = async (env: Record<string, string>) => {
    const dir = matrixFiles(0)
    const result = await runBinAsync(['publish', 'gitlab', '--matrix', path.join(dir, 'matrix.json'), '--markdown', path.join(dir, 'matrix.md')], {
      cwd: dir,
      env: { CI_API_V4_URL: gitlab.apiUrl, CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '7', CI_COMMIT_SHA: SHA, GITLAB_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: '', ...env },
    })
    outputs.push(result.stdout, result.stderr)
    return result
  }

  it('trusts CI_SERVER_TLS_CA_FILE as GitLab\'s own tools do, also through a proxy; without it, one line says how to trust it', async () => {
    const untrusted = await publish({})
    expect(untrusted.code).toBe(2)
    expect(untrusted.stderr.trim().split('\n')).toHaveLength(1)
    expect(untrusted.stderr).toMatch(/GitLab's certificate is not trusted while reading the notes \(\w+\); if GitLab uses a certificate authority of its own, register the runner with tls-ca-file \(its jobs get CI_SERVER_TLS_CA_FILE, which is trusted\) or set NODE_EXTRA_CA_CERTS/)

    const trusted = await publish({ CI_SERVER_TLS_CA_FILE: gitlab.certificateFile! })
    expect(trusted.stderr).toBe('')
    expect(trusted.code).toBe(0)
    expect(trusted.stdout).toMatch(/merge-request note created \(note \d+\)\ncommit status bdd-matrix: success/)

    // by name, as a GitLab is reached (a tunnel to an address names it in TLS, which Node warns of)
    const tunnelled = await publish({ CI_SERVER_TLS_CA_FILE: gitlab.certificateFile!, HTTPS_PROXY: proxy.url, CI_API_V4_URL: gitlab.apiUrl.replace('127.0.0.1', 'localhost') })
    expect(tunnelled.stderr).toBe('')
    expect(tunnelled.code).toBe(0)
    expect(tunnelled.stdout).toMatch(/merge-request note updated/)
    expect(proxy.tunnels.length).toBeGreaterThan(0)
    expect(gitlab.notes.get('7')!.filter((n) => n.body.startsWith(NOTE_MARKER))).toHaveLength(1)
  })

  it('a CI_SERVER_TLS_CA_FILE that cannot be read, or holds no certificate, is one line naming it', async () => {
    const missing = await publish({ CI_SERVER_TLS_CA_FILE: '/nonexistent/ca.pem' })
    expect(missing.code).toBe(2)
    expect(missing.stderr.trim()).toBe("bdd-matrix: CI_SERVER_TLS_CA_FILE (/nonexistent/ca.pem) cannot be read (ENOENT); it names the PEM file of the certificate authority GitLab's certificate is signed by — fix the runner's tls-ca-file, or unset it")
    const dir = tempTree()
    writeFileSync(path.join(dir, 'ca.pem'), 'not a certificate\n')
    const garbage = await publish({ CI_SERVER_TLS_CA_FILE: path.join(dir, 'ca.pem') })
    expect(garbage.code).toBe(2)
    expect(garbage.stderr).toMatch(/^bdd-matrix: CI_SERVER_TLS_CA_FILE \(.*ca\.pem\) holds no PEM certificate \(-----BEGIN CERTIFICATE-----\); give the certificate authority's certificate in PEM\n$/)
  })
})
