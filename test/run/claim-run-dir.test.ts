import { spawn } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { claimRunDir } from '../../src/run/claim-run-dir.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempDir } from '../helpers/temp-tree.ts'

describe('a run claims a folder of its own', () => {
  it('runs started in the same second get the id, then -2, -3…; an id given is used as it is', () => {
    const out = path.join(tempDir('claim'), 'reports')
    const ids = [1, 2, 3].map(() => claimRunDir(out, 'local-20260102T030405Z'))
    expect(ids.map((c) => c.runId)).toEqual(['local-20260102T030405Z', 'local-20260102T030405Z-2', 'local-20260102T030405Z-3'])
    expect(ids.every((c) => existsSync(c.runDir) && c.runDir === path.join(out, c.runId))).toBe(true)
    // --run-id: the caller's own folder, again
    expect(claimRunDir(out, 'local-20260102T030405Z', true)).toEqual({ runId: 'local-20260102T030405Z', runDir: path.join(out, 'local-20260102T030405Z') })
    // anything but a taken folder is no reason to look further
    const file = path.join(tempDir('claim-file'), 'reports')
    writeFileSync(file, 'not a folder')
    expect(() => claimRunDir(file, 'x')).toThrow(/EEXIST|ENOTDIR/)
  })

  it('processes claiming one id at once each get a folder of their own', async () => {
    const out = path.join(tempDir('claim-race'), 'reports')
    const claim = `import { writeFileSync } from 'node:fs'; import path from 'node:path'; import { claimRunDir } from ${JSON.stringify(path.join(PROJECT_ROOT, 'src/run/claim-run-dir.ts'))}; const { runDir } = claimRunDir(${JSON.stringify(out)}, 'local-20260102T030405Z'); writeFileSync(path.join(runDir, String(process.pid)), '')`
    const codes = await Promise.all(Array.from({ length: 6 }, () => new Promise<number | null>((resolve) => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', claim], { cwd: PROJECT_ROOT, stdio: 'inherit' }).on('exit', resolve))))
    expect(codes).toEqual([0, 0, 0, 0, 0, 0])
    const folders = readdirSync(out).sort()
    expect(folders).toHaveLength(6)
    // each folder holds the mark of exactly one process
    expect(folders.map((f) => readdirSync(path.join(out, f)).length)).toEqual([1, 1, 1, 1, 1, 1])
  })
})
