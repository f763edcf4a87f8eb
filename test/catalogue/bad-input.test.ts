import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { tempTree } from '../helpers/temp-tree.ts'
import { describeFsError } from '../../src/errors.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { BIN, PROJECT_ROOT, runBin } from '../helpers/run-bin.ts'

const GOOD_FEATURE = '@feature:alpha\nFeature: Good\n\n  Scenario: fine\n    Given a step\n'
const scopeWith = (features: string) => `milestone: m-1\nfrozen: 2024-09-15\nfeatures:\n${features}`
const ALPHA = '  - id: alpha\n    name: Alpha\n    acceptance: Alpha works.\n'

async function catalogueOf(files: Record<string, string | Buffer>, scope = scopeWith(ALPHA)) {
  const dir = tempTree({ 'scope.yaml': scope, ...files })
  return runCliInProcess(['catalogue', '--features', 'features', '--scope', 'scope.yaml', '--json'], { cwd: dir })
}

describe('bad feature files: one located error each, the other files still catalogued', () => {
  it.each([
    ['binary', Buffer.from([0x46, 0x65, 0x61, 0x00, 0x01, 0x02]), 1, 4, /binary file/],
    ['invalid UTF-8', Buffer.concat([Buffer.from('Feature: x\n  Scenario: caf'), Buffer.from([0xe9]), Buffer.from('\n')]), 2, 16, /not valid UTF-8.*save the file as UTF-8/],
    ['empty', '', 1, 1, /file is empty/],
    ['comments only', '# nothing here\n', 1, 1, /no "Feature:" line/],
    ['unknown language', '# language: xx\nFeature: x\n', 1, 1, /Language not supported: xx/],
    ['unclosed doc string', 'Feature: x\n  Scenario: y\n    Given z\n      """\n      never closed\n', 6, 0, /doc string is opened but never closed/],
  ])('%s', async (_label, content, line, column, message) => {
    const result = await catalogueOf({ 'features/good.feature': GOOD_FEATURE, 'features/bad.feature': content })
    const json = JSON.parse(result.stdout)
    expect(json.errors).toHaveLength(1)
    expect(json.errors[0]).toMatchObject({ file: 'bad.feature', line })
    if (column) expect(json.errors[0].column).toBe(column)
    expect(json.errors[0].message).toMatch(message)
    expect(json.features.alpha.scenarios).toBe(1)
    expect(result.code).toBe(1)
  })

  it('unreadable file (a dangling link)', async () => {
    const dir = tempTree({ 'scope.yaml': scopeWith(ALPHA), 'features/good.feature': GOOD_FEATURE })
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'features/gone.feature'))
    const result = await runCliInProcess(['catalogue', '--features', 'features', '--scope', 'scope.yaml', '--json'], { cwd: dir })
    const json = JSON.parse(result.stdout)
    expect(json.errors).toEqual([{ file: 'gone.feature', line: 1, column: 1, message: 'file cannot be read (ENOENT)' }])
    expect(json.features.alpha.scenarios).toBe(1)
  })
})

describe('bad scope files: one clear message naming file, line and key; exit 2', () => {
  it.each([
    ['duplicate ids', scopeWith(ALPHA + ALPHA), /scope\.yaml:7:9: features\[1\]\.id: duplicate feature id 'alpha' \(already used by features\[0\]\)/],
    ['missing id', scopeWith('  - name: Alpha\n    acceptance: x\n'), /scope\.yaml:4:5: features\[0\]\.id: missing required key 'id'/],
    ['wrong type', scopeWith('  - id: 42\n    name: Alpha\n    acceptance: x\n'), /scope\.yaml:4:9: features\[0\]\.id: expected string, received number \(YAML reads 42 as the number 42: write it in quotes, '42'\)$/m],
    ['a version YAML reads as a number', 'milestone: 0.10\nfrozen: 2024-09-15\nfeatures:\n' + ALPHA, /scope\.yaml:1:12: milestone: expected string, received number \(YAML reads 0\.10 as the number 0\.1: write it in quotes, '0\.10'\)$/m],
    ['a word YAML reads as a boolean', scopeWith('  - id: alpha\n    name: true\n    acceptance: x\n'), /scope\.yaml:5:11: features\[0\]\.name: expected string, received boolean \(YAML reads true as the boolean true: write it in quotes, 'true'\)$/m],
    ['unknown key', scopeWith(`${ALPHA}    owner: bob\n`), /scope\.yaml:7:5: features\[0\]\.owner: unknown key 'owner' \(allowed: id, name, acceptance, status, environments, issue\)/],
    ['bad date', 'milestone: m-1\nfrozen: 15/09/2024\nfeatures:\n' + ALPHA, /scope\.yaml:2:9: frozen: must be a date written YYYY-MM-DD/],
    ['bad status', scopeWith(`${ALPHA}    status: done\n`), /scope\.yaml:7:13: features\[0\]\.status: must be one of not-started, in-progress/],
    ['duplicate YAML key', 'milestone: a\nmilestone: b\n', /scope\.yaml:2:1: invalid YAML: Map keys must be unique/],
    ['not a mapping', '- just\n- a list\n', /scope\.yaml:1:1: a scope file must be a YAML mapping/],
  ])('%s', async (_label, scope, message) => {
    const result = await catalogueOf({ 'features/good.feature': GOOD_FEATURE }, scope)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stdout).toBe('')
    expect(result.code).toBe(2)
  })

  it('a missing --scope file, and a missing features folder', async () => {
    const dir = tempTree({ 'features/good.feature': GOOD_FEATURE })
    const noScope = await runCliInProcess(['catalogue', '--scope', 'nope.yaml'], { cwd: dir })
    expect(noScope.stderr).toBe('bdd-matrix: nope.yaml: scope file not found; pass an existing milestone scope with --scope (e.g. features/milestones/dms-0.5.yaml)\n')
    expect(noScope.code).toBe(2)
    const noDefault = await runCliInProcess(['catalogue'], { cwd: dir })
    expect(noDefault.stderr).toMatch(/no scope file given and none found in .*features\/milestones; pass one with --scope FILE/)
    // run from inside a project: its scope is named, not a second one drafted
    const project = tempTree({ 'features/good.feature': GOOD_FEATURE, 'features/milestones/m.yaml': scopeWith(ALPHA), 'features/sub/other.feature': GOOD_FEATURE })
    for (const [where, features] of [['features', '.'], ['features/sub', '..']] as const) {
      const cwd = path.join(project, where)
      const inside = await runCliInProcess(['catalogue'], { cwd })
      // a path under where the user stands is shown relative to it, any other in full
      const milestones = path.join(project, 'features/milestones')
      expect(inside.stderr).toBe(`bdd-matrix: no scope file given and none found in features/milestones; the project's is under ${milestones.startsWith(`${cwd}/`) ? 'milestones' : milestones}: run bdd-matrix in ${project}, or pass --features ${features}\n`)
      expect(inside.code).toBe(2)
    }
    const noFeatures = await runCliInProcess(['catalogue', '--features', 'missing', '--scope', 'x.yaml'], { cwd: tempTree({ 'x.yaml': scopeWith(ALPHA) }) })
    expect(noFeatures.stderr).toMatch(/missing: features directory not found/)
  })

  it('the real executable prints no stack trace for a user mistake', () => {
    const dir = tempTree({ 'scope.yaml': scopeWith(ALPHA + ALPHA), 'features/good.feature': GOOD_FEATURE })
    const result = runBin(['catalogue', '--scope', 'scope.yaml'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^bdd-matrix: scope\.yaml:7:9: features\[1\]\.id: duplicate feature id/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('the real executable says in one line which file a full disk left unwritten (/dev/full), exit 2', async () => {
    const results = tempTree()
    expect((await runCliInProcess(['ingest', 'test/fixtures/messages/failing.ndjson', '--env', 'local', '--out', results], { cwd: PROJECT_ROOT })).code).toBe(0)
    const result = runBin(['junit', '--results', results, '--out', '/dev/full'], { cwd: PROJECT_ROOT })
    expect(result).toMatchObject({ code: 2, stderr: 'bdd-matrix: cannot write /dev/full: the disk is full (ENOSPC)\n' })
    // and a write that names no file at all is still one line, not a crash
    expect(describeFsError(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }))).toBe('cannot write: the disk is full (ENOSPC)')
  })

  it('the real executable leaves no half-written results file when a write fails (a file-size limit, as a full disk), and says where in one line', () => {
    // the kernel refuses writes past 2 KB (ulimit -f; its signal ignored, so the write fails with EFBIG)
    const out = path.join(tempTree(), 'results')
    const limited = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 2; exec "$0" "$1" ingest --env local --out "$2" test/fixtures/messages/failing.ndjson`, process.execPath, BIN, out], { cwd: PROJECT_ROOT, encoding: 'utf8' })
    expect(limited.status).toBe(2)
    expect(limited.stderr).toBe(`bdd-matrix: cannot write ${out}: the file is larger than this process may write (ulimit -f) (EFBIG)\n`)
    expect(readdirSync(out)).toEqual([])
  })

  it('a report given where the results folder is asked for is named as a file, with what to give instead', async () => {
    const dir = tempTree({ 'junit.xml': '<testsuite/>' })
    for (const command of ['matrix', 'junit', 'gate']) {
      const result = await runCliInProcess([command, '--results', 'junit.xml', '--features', path.join(PROJECT_ROOT, 'features'), ...(command === 'gate' ? ['--build', 'b'] : [])], { cwd: dir })
      expect(result.stderr, command).toMatch(/^bdd-matrix: (\S*\/)?junit\.xml: a file, not a results folder; give the folder bdd-matrix ingest wrote \(--out\), or ingest this file into one first: bdd-matrix ingest (\S*\/)?junit\.xml --env ENV\n$/)
      expect(result.code, command).toBe(2)
    }
  })

  it('the real executable says nothing more and keeps its exit code when its reader stops early (| head)', async () => {
    // the reading end closed before the command writes a byte: every write of it meets EPIPE
    const closed = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
        child.stdout.destroy()
        let stderr = ''
        child.stderr.on('data', (d: Buffer) => (stderr += d))
        child.on('close', (code) => resolve({ code, stderr }))
      })
    expect(await closed(['gate', '--help'])).toEqual({ code: 0, stderr: '' })
    expect(await closed(['catalogue', '--json', '--features', 'test/fixtures/run-project/features'])).toEqual({ code: 0, stderr: '' })
    const refused = await closed(['matrix', '--results', 'no-such-results-folder'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/^bdd-matrix: .*results folder not found/)
  })
})
