import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { gateProjectCopy, greenBuild, writeRuns } from '../gates/gate-fixture.ts'

describe('the build a report of a results folder shows', () => {
  it("in a CI job, the job's own build when the folder holds it (a pull brings newer builds of other merge requests), else the newest", async () => {
    const root = gateProjectCopy()
    // the job's build, then a newer one of another merge request with a failure, as a pull brings them
    writeRuns([...greenBuild('abc1234', '2026-05-20T10:00:00Z'), ...greenBuild('fff9999', '2026-05-21T10:00:00Z', { local: { 'beta one': 'failed' } })], path.join(root, 'results'))
    const job = (short: string) => ({ CI_COMMIT_SHA: `${short}00000000000000000000000000000000`, CI_COMMIT_SHORT_SHA: short })
    const matrixOf = async (env: Record<string, string>) => (await runCliInProcess(['matrix', '--results', 'results', '--out', 'm'], { cwd: root, env })).stdout
    const failuresOf = async (env: Record<string, string>) => {
      const result = await runCliInProcess(['junit', '--results', 'results', '--out', 'junit.xml'], { cwd: root, env })
      expect(result.code, result.stderr).toBe(0)
      return /<testsuites [^>]*failures="(\d+)"/.exec(readFileSync(path.join(root, 'junit.xml'), 'utf8'))![1]
    }
    expect(await matrixOf(job('abc1234'))).toMatch(/^matrix of build abc1234 /m)
    expect(await failuresOf(job('abc1234'))).toBe('0')
    // outside a job, and in a job whose build the folder does not hold: the newest
    for (const env of [{}, job('eee0000')]) {
      expect(await matrixOf(env)).toMatch(/^matrix of build fff9999 /m)
      expect(await failuresOf(env)).toBe('1')
    }
    // --build always wins
    expect((await runCliInProcess(['matrix', '--results', 'results', '--out', 'm', '--build', 'fff9999'], { cwd: root, env: job('abc1234') })).stdout).toMatch(/^matrix of build fff9999 /m)
  })
})
