import { describe, expect, it } from 'vitest'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT, runBin } from '../helpers/run-bin.ts'
import { tempDir, tempTree } from '../helpers/temp-tree.ts'

const PROJECT = path.join(PROJECT_ROOT, 'test/fixtures/run-project')

/** Names of the scenarios a run executed, from its Cucumber Messages. */
function scenariosRun(runDir: string): string[] {
  const envelopes = readFileSync(path.join(runDir, 'messages.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  const names = new Map(envelopes.filter((e) => e.pickle).map((e) => [e.pickle.id, e.pickle.name]))
  return envelopes.filter((e) => e.testCase).map((e) => names.get(e.testCase.pickleId))
}

// One run per process, as from the command line: cucumber cannot reload ESM step definitions
// for a second run in the same process.
async function run(args: string[], env: Record<string, string> = {}) {
  const out = tempTree()
  const result = runBin(['run', '--out', out, '--run-id', 'r', ...args], { cwd: PROJECT, env: { CI_NODE_INDEX: '', CI_NODE_TOTAL: '', ...env } })
  return { ...result, runDir: path.join(out, 'r') }
}

describe('bdd-matrix run', () => {
  it('runs every non-wip scenario, writes messages and a summary, reports a retried-then-passed scenario as flaky', async () => {
    const result = await run(['--retry', '1'])
    expect(result.code).toBe(0)
    expect(scenariosRun(result.runDir)).toHaveLength(6)
    const summary = JSON.parse(readFileSync(path.join(result.runDir, 'summary.json'), 'utf8'))
    expect(summary.totals).toMatchObject({ total: 6, done: 6, passed: 6, failed: 0, flaky: 1 })
    expect(result.stdout).toMatch(/^\[\d\/6\] RETRY failed features\/numbers\.feature:15 a flaky check/m)
    expect(result.stdout).toMatch(/^\[6\/6\] FLAKY\s+features\/numbers\.feature:15 a flaky check/m)
    expect(result.stdout).toContain('6 scenarios: 6 passed, 0 failed, 1 flaky')
    // and the build's truth beside the run's: the scope requires the scenarios on docker too
    expect(result.stdout).toMatch(/^matrix of build \S+ \(a scenario counts by the worst of its required cells\): 7 scenarios: 0 passed · 0 failed · 0 flaky · 1 wip · 6 not run; 6 of 12 required cells not run: docker 6 \(and 2 wip cell\(s\), not implemented yet\)$/m)
  })

  it('fails (exit 1) when a scenario fails and there is no retry', async () => {
    const result = await run([])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('  FAILED features/numbers.feature:15 a flaky check passes on its second attempt')
  })

  it('covers every scenario exactly once across shards', async () => {
    const runs = await Promise.all([1, 2, 3].map((i) => run(['--shard', `${i}/3`, '--retry', '1'])))
    const all = runs.flatMap((r) => scenariosRun(r.runDir))
    expect(all).toHaveLength(6)
    expect(new Set(all).size).toBe(6)
    const fromCi = await run(['--retry', '1'], { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '3' })
    expect(scenariosRun(fromCi.runDir)).toEqual(scenariosRun(runs[1]!.runDir))
  })

  it.each([
    ['4/3', /--shard "4\/3": the index must be between 1 and the total \(3\)/],
    ['0/2', /--shard "0\/2": the index must be between 1 and the total/],
    ['two', /--shard "two": write the shard as INDEX\/TOTAL/],
  ])('refuses the shard %s', async (shard, message) => {
    const result = await run(['--shard', shard])
    expect(result.stderr).toMatch(message)
    expect(result.code).toBe(2)
  })

  it.each([
    [['--tags', 'not('], /^bdd-matrix: --tags "not\(": not a tag expression \(Unmatched \(\.\); e\.g\. --tags "@feature:p2p-network and not @wip"\n$/],
    [['--parallel', 'two'], /^bdd-matrix: --parallel "two": give a number of workers/],
    [['--retry', '-1'], /^bdd-matrix: --retry "-1": give how many times/],
    [['--order', 'sideways'], /^bdd-matrix: --order "sideways": use defined, reverse, random, or random:<seed> to repeat a random order\n$/],
    // it names the run's folder and results file: never a path
    [['--run-id', '../escaped'], /^bdd-matrix: --run-id "\.\.\/escaped": letters, digits and \. _ \+ - only, from a letter or digit, at most 200\n$/],
    // a mistyped path selects nothing, and a run of nothing would pass
    [['features/numbrs.feature:12'], /^bdd-matrix: features\/numbrs\.feature:12: no such feature file or folder in .*; give feature files or folders/],
  ])('refuses %j in one line, before any cluster starts', async (args, message) => {
    const result = await run(args)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.code).toBe(2)
  })

  it('fails a run of nothing (tags that select no scenario), unless told none is expected; a shard left with none of a small selection passes, saying so', async () => {
    const nothing = await run(['--tags', '@feature:numbrs'])
    expect(nothing.code).toBe(1)
    expect(nothing.stdout).toContain('0 scenarios: 0 passed, 0 failed')
    expect(nothing.stderr).toMatch(/^bdd-matrix: no scenario ran: the paths, tags and names select none \(--tags "@feature:numbrs"\); correct them, or pass --pass-with-no-scenarios/m)
    expect((await run(['--tags', '@feature:numbrs', '--pass-with-no-scenarios'])).code).toBe(0)
    // 6 scenarios selected, 9 shards: the 9th has none of them
    const emptyShard = await run(['--shard', '9/9'])
    expect(emptyShard.code).toBe(0)
    expect(emptyShard.stdout).toContain('shard 9/9 has none of the 6 scenario(s) selected to run: they are fewer than the shards')
    expect(JSON.parse(readFileSync(path.join(emptyShard.runDir, 'summary.json'), 'utf8'))).toMatchObject({ selected: 6, totals: { done: 0 } })
  })

  it('runs the scenarios whose name matches --name, as cucumber-js does; a name that matches none is a run of nothing; one that is no expression is refused', async () => {
    // (repeated, as cucumber-js's: any of them)
    const named = await run(['--name', 'number [13] is', '--name', '^number 5 '])
    expect(named.code, named.stderr).toBe(0)
    const ran = [...named.stdout.matchAll(/^\[\d+\/\d+\] PASSED\s+\S+ (.*) \(\d/gm)].map((m) => m[1]).sort()
    expect(ran).toEqual(['number 1 is counted', 'number 3 is counted', 'number 5 is counted'])
    expect(JSON.parse(readFileSync(path.join(named.runDir, 'summary.json'), 'utf8'))).toMatchObject({ selected: 3, totals: { done: 3 } })
    const none = await run(['--name', 'no such scenario'])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^bdd-matrix: no scenario ran: the paths, tags and names select none \(--name "no such scenario"\)/m)
    const bad = await run(['--name', 'number ('])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^bdd-matrix: --name "number \(": not a regular expression \(.*\); e\.g\. --name "gossip reaches"\n$/)
  })

  it('runs in a random order it says the seed of, the same again with that seed; --fail-fast skips what follows the first failure', async () => {
    const order = (stdout: string) => [...stdout.matchAll(/^\[\d+\/\d+\] \S+\s+(\S+)/gm)].map((m) => m[1])
    const random = await run(['--order', 'random', '--retry', '1'])
    expect(random.code, random.stderr).toBe(0)
    const seed = /order (random:\d+) \(--order \1 runs it again in this order\)/.exec(random.stdout)?.[1]
    expect(seed, random.stdout).toBeDefined()
    const again = await run(['--order', seed!, '--retry', '1'])
    expect(order(again.stdout)).toEqual(order(random.stdout))
    // with --fail-fast nothing runs after the first failure; some seed puts it before a scenario that would pass
    let skippedSomewhere = false
    for (const s of [1, 2, 3, 4, 5]) {
      const fast = await run(['--order', `random:${s}`, '--fail-fast'])
      expect(fast.code).toBe(1)
      const statuses = [...fast.stdout.matchAll(/^\[\d+\/\d+\] (\S+)/gm)].map((m) => m[1])
      const failed = statuses.indexOf('FAILED')
      expect(statuses.slice(failed + 1).every((status) => status === 'SKIPPED'), fast.stdout).toBe(true)
      skippedSomewhere ||= failed < statuses.length - 1
    }
    expect(skippedSomewhere).toBe(true)
  })

  it('refuses an unknown environment and an invalid environment file in one line', async () => {
    const unknown = await run(['--env', 'mars'])
    expect(unknown.stderr).toBe("bdd-matrix: unknown environment 'mars': environments/mars.yaml does not exist; use one of broken, local\n")
    expect(unknown.code).toBe(2)
    // a project that has feature files and no environments yet is told its two ways forward
    const bare = runBin(['run'], { cwd: tempTree({ 'features/a.feature': 'Feature: a\n  Scenario: b\n    Given c\n' }) })
    expect(bare.stderr).toBe('bdd-matrix: unknown environment \'local\': environments/local.yaml does not exist; this project has no environments/ yet: describe a cluster there (README: "Clusters"), or run the suite with your own runner and ingest its report (README: "Bring your own runner")\n')
    expect(bare.code).toBe(2)
    const broken = await run(['--env', 'broken'])
    expect(broken.stderr).toMatch(/^bdd-matrix: environments\/broken\.yaml:4:26: nodes\[0\]\.role: must be one of SP, CP, CH$/m)
    expect(broken.code).toBe(2)
  })

  it('runs in parallel workers', async () => {
    const result = await run(['--parallel', '2', '--retry', '1'])
    expect(result.code).toBe(0)
    expect(scenariosRun(result.runDir)).toHaveLength(6)
  })

  // The copy stays inside the repository (test/.tmp, ignored) so that its step files find tsx.
  const projectWithScope = (scope?: string): string => {
    const copy = tempDir('run-project', path.join(PROJECT_ROOT, 'test/.tmp'))
    cpSync(PROJECT, copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}milestones`) })
    if (scope !== undefined) {
      mkdirSync(path.join(copy, 'features/milestones'))
      writeFileSync(path.join(copy, 'features/milestones/m.yaml'), scope)
    }
    return copy
  }
  const runIn = (cwd: string) => {
    const out = tempTree()
    return { ...runBin(['run', '--out', out, '--run-id', 'r', '--retry', '1'], { cwd, env: { CI_NODE_INDEX: '', CI_NODE_TOTAL: '' } }), runDir: path.join(out, 'r') }
  }

  it('without a milestone scope, still writes results, JUnit and Allure, and says why there is no matrix', () => {
    const result = runIn(projectWithScope())
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('no milestone scope in features/milestones/: the test matrix is not written')
    expect(readFileSync(path.join(result.runDir, 'junit.xml'), 'utf8')).toContain('<testsuites tests="6"')
    expect(readdirSync(path.join(result.runDir, 'allure-results')).length).toBeGreaterThan(0)
    expect(existsSync(path.join(result.runDir, 'matrix.html'))).toBe(false)
    expect(result.stdout).toMatch(/reports: .*\(junit\.xml, allure-results/)
  })

  it.each([
    ['BeforeAll', 0],
    ['AfterAll', 5],
  ])('keeps a %s hook error as the run\'s own result: said, in the matrix, in JUnit, exit 1', (hook, passed) => {
    const project = projectWithScope(readFileSync(path.join(PROJECT, 'features/milestones/run.yaml'), 'utf8'))
    writeFileSync(path.join(project, 'steps/global-hook.ts'), `import { ${hook} } from '@cucumber/cucumber'\n${hook}(function () { throw new Error('the cluster could not be reached') })\n`)
    const result = runIn(project)
    expect(result.code, result.stderr).toBe(1)
    expect(result.stdout).toContain(`RUN ERROR ${hook} hook (steps/global-hook.ts:2): the cluster could not be reached`)
    const matrix = readFileSync(path.join(result.runDir, 'matrix.md'), 'utf8')
    expect(matrix).toContain('❌ **1 run(s) failed outside any scenario:**')
    expect(matrix).toMatch(new RegExp(`- run \`r\` on local/acceptance · ${hook} hook: the cluster could not be reached`))
    // the scenarios that ran still count where they ran (the scope also requires docker: those are gaps)
    expect(JSON.parse(readFileSync(path.join(result.runDir, 'matrix.json'), 'utf8')).cellTotals.passed).toBe(passed)
    const junit = readFileSync(path.join(result.runDir, 'junit.xml'), 'utf8')
    expect(junit).toMatch(new RegExp(`<testcase classname="\\(test run\\)" name="${hook} hook \\[r\\] \\[local\\]">\\s*<error message="the cluster could not be reached" type="run error">`))
    expect(junit).toMatch(/<testsuites tests="\d+" failures="\d+" errors="1"/)
  })

  it('says in one line when the step definitions do not load (a package not installed), before anything runs', () => {
    // outside this checkout, the project's step definitions find none of its packages
    const project = tempDir('no-deps')
    cpSync(PROJECT, project, { recursive: true })
    const result = runBin(['run', '--out', tempTree()], { cwd: project })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^bdd-matrix: cannot load step definitions from steps\/: Cannot find package '[^']+' imported from .*; install the project's dependencies \(npm install\)\n$/)
  })

  it('with a scope that cannot be read, writes the other reports, names the error and exits 2', () => {
    const result = runIn(projectWithScope('milestone: m\nfeatures: [oops\n'))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^bdd-matrix: .*m\.yaml:\d+:\d+: .*; the test matrix is not written$/m)
    expect(existsSync(path.join(result.runDir, 'junit.xml'))).toBe(true)
  })
})
