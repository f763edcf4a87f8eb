import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT, runBin } from '../helpers/run-bin.ts'
import { tempDir } from '../helpers/temp-tree.ts'

const PYTHON = '/usr/bin/python3'
const hasPytestBdd = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import pytest_bdd']).status === 0
const required = process.env.BDD_MATRIX_REQUIRE_SERVICES === '1'

/** A copy of the project (milestone suite, environments, examples) to run commands in. */
function project(): string {
  const root = tempDir('run-command')
  for (const dir of ['features', 'environments', 'examples']) cpSync(path.join(PROJECT_ROOT, dir), path.join(root, dir), { recursive: true })
  return root
}

function run(root: string, args: string[]) {
  const out = path.join(root, 'reports')
  const result = runBin(['run', '--env', 'local', '--out', out, '--run-id', 'r', ...args], { cwd: root, env: { CI_NODE_INDEX: '', CI_NODE_TOTAL: '' } })
  return { ...result, runDir: path.join(out, 'r') }
}

/** The matrix rows a run's matrix.json shows for a features folder's scenarios, by feature. */
function rows(runDir: string, uriPart: string): [string, string, string][] {
  const matrix = JSON.parse(readFileSync(path.join(runDir, 'matrix.json'), 'utf8')) as { features: { id: string; scenarios: { name: string; uri: string; cells: Record<string, { status: string }> }[] }[] }
  return matrix.features.flatMap((f) => f.scenarios.filter((s) => s.uri.includes(uriPart)).map((s): [string, string, string] => [f.id, s.name, s.cells['local/acceptance']!.status]))
}

describe('bdd-matrix run --command: a suite in any language against the environment\'s cluster', () => {
  it.skipIf(!hasPytestBdd && !required)('runs the pytest-bdd example against the local cluster: its scenarios land in the scope features\' rows; the cluster goes down', () => {
    const root = project()
    const result = run(root, ['--command', `${PYTHON} -m pytest -q -p no:cacheprovider examples/pytest-bdd --cucumberjson=$BDD_MATRIX_REPORT`, '--features', 'examples/pytest-bdd/features'])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toMatch(/2 passed/)
    expect(rows(result.runDir, 'examples/pytest-bdd')).toEqual([
      ['p2p-network', 'Every onboarded node sees the others as reachable peers', 'passed'],
      ['p2p-network', 'A node cut off the network is marked unreachable and comes back when healed', 'passed'],
      ['supervision-model', 'A node cut off the network is marked unreachable and comes back when healed', 'passed'],
    ])
    // the nodes file holds the control token: this user's only; the logs are the run's
    expect(statSync(path.join(result.runDir, 'cluster.json')).mode & 0o077).toBe(0)
    expect(readdirSync(path.join(result.runDir, 'logs')).sort()).toEqual(['Alice.log', 'Bob.log', 'Charlie.log'])
    expect(JSON.parse(readFileSync(path.join(result.runDir, 'summary.json'), 'utf8'))).toMatchObject({ exitCode: 0, reports: [expect.stringMatching(/report\.json$/)] })
    expect(readFileSync(path.join(result.runDir, 'junit.xml'), 'utf8')).toContain('A node cut off the network is marked unreachable')
    // nothing of the cluster is left
    expect(readdirSync(path.join(root, '.bdd-matrix/clusters')).filter((f) => f !== 'slots')).toEqual([])
  })

  it('hands the command the control API (OpenAPI, token, nodes, reset, faults, logs, refusals by name)', () => {
    const root = project()
    const result = run(root, ['--command', `node ${path.join(PROJECT_ROOT, 'test/fixtures/control-api/check-control-api.mjs')}`])
    const report = JSON.parse(readFileSync(path.join(result.runDir, 'report.json'), 'utf8')) as { elements: { name: string; steps: { result: { status: string; error_message?: string } }[] }[] }[]
    const failed = report[0]!.elements.filter((e) => e.steps[0]!.result.status !== 'passed').map((e) => `${e.name}: ${e.steps[0]!.result.error_message}`)
    expect(failed).toEqual([])
    expect(report[0]!.elements).toHaveLength(6)
    expect(result.code, result.stdout + result.stderr).toBe(0)
  })

  it('fails, saying so, when the command fails or writes no report; the command\'s exit code is kept', () => {
    const root = project()
    const none = run(root, ['--command', 'echo ran; exit 3'])
    expect(none.code).toBe(1)
    expect(none.stdout).toMatch(/^ran$/m)
    expect(none.stdout).toContain('the command exited 3')
    expect(none.stderr).toMatch(/^bdd-matrix: the command wrote no report \(looked for .*report\.json\): make it write one where BDD_MATRIX_REPORT says/m)
    expect(JSON.parse(readFileSync(path.join(none.runDir, 'summary.json'), 'utf8'))).toMatchObject({ exitCode: 3, reports: [] })
    expect(readFileSync(path.join(none.runDir, 'command.log'), 'utf8')).toBe('ran\n')
    expect(run(root, ['--command', 'true', '--tags', '@x']).stderr).toMatch(/^bdd-matrix: --command runs your own runner: give its paths, tags/m)
  })

  it('leaves out a report named with --report that the command did not write: an earlier run\'s results are not this run\'s', () => {
    const root = project()
    const report = JSON.stringify([{ uri: 'features/x.feature', name: 'X', keyword: 'Feature', elements: [{ name: 'a check', type: 'scenario', keyword: 'Scenario', steps: [{ keyword: 'Given ', name: 'it passes', result: { status: 'passed', duration: 1 } }] }] }])
    writeFileSync(path.join(root, 'cucumber.json'), report)
    const stale = run(root, ['--command', 'true', '--report', 'cucumber.json'])
    expect(stale.code).toBe(1)
    expect(stale.stderr).toContain("bdd-matrix: cucumber.json was not written by the command (it is unchanged since before the run began): left out, as an earlier run's results are not this run's\n")
    expect(stale.stderr).toMatch(/^bdd-matrix: the command wrote no report/m)
    expect(existsSync(path.join(stale.runDir, 'results'))).toBe(false)
    // written by the command, the same file is this run's
    writeFileSync(path.join(root, 'fresh.json'), report)
    const fresh = runBin(['run', '--env', 'local', '--out', path.join(root, 'reports'), '--run-id', 'r2', '--command', 'cp fresh.json cucumber.json', '--report', 'cucumber.json'], { cwd: root, env: { CI_NODE_INDEX: '', CI_NODE_TOTAL: '' } })
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(fresh.stderr).not.toContain('was not written by the command')
  })
})
