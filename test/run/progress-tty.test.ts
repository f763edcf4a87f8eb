import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { BIN, BIN_DEADLINE_MS, PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'

const PROJECT = path.join(PROJECT_ROOT, 'test/fixtures/run-project')

// `script` (util-linux) runs the command on a pseudo-terminal, as a person at a terminal would.
describe.skipIf(!existsSync('/usr/bin/script'))('progress on a terminal', () => {
  it('keeps one live line (done/total, failures, current scenario) and prints only what needs reading', () => {
    const out = tempTree()
    const result = spawnSync('script', ['-qec', `${process.execPath} ${BIN} run --out ${out} --run-id t --retry 1`, '/dev/null'], { cwd: PROJECT, encoding: 'utf8', timeout: BIN_DEADLINE_MS })
    expect(result.error, `killed after ${BIN_DEADLINE_MS / 1000} s (deadline)`).toBeUndefined()
    const screen = result.stdout
    expect(screen).toMatch(/\r\x1b\[K\[0\/6\] failures 0 · features\/numbers\.feature: number 1 is counted/)
    expect(screen).toMatch(/\r\x1b\[K\[5\/6\] failures 0 · /)
    // Passed scenarios only move the live line; the retry and the flaky result get lines of their own.
    expect(screen).not.toMatch(/\nPASSED /)
    expect(screen).toMatch(/\r\x1b\[KRETRY failed features\/numbers\.feature:15 a flaky check/)
    expect(screen).toMatch(/\r\x1b\[KFLAKY\s+features\/numbers\.feature:15 a flaky check/)
    expect(screen).toContain('6 scenarios: 6 passed, 0 failed, 1 flaky')
  })
})
