import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'

type Job = { stage: string; script: string[]; parallel?: { matrix: Record<string, string[]>[] }; artifacts?: { reports?: { junit?: string }; paths?: string[]; expose_as?: string } }

describe('.gitlab-ci.yml', () => {
  const ci = parse(readFileSync(path.join(PROJECT_ROOT, '.gitlab-ci.yml'), 'utf8')) as Record<string, unknown> & { stages: string[] }
  const jobs = Object.entries(ci).filter(([, v]) => v && typeof v === 'object' && 'stage' in (v as object)) as [string, Job][]

  it('runs unit → functional → acceptance → report, every job in a declared stage', () => {
    expect(ci.stages).toEqual(['unit', 'functional', 'acceptance', 'report', 'gate'])
    for (const [, job] of jobs) expect(ci.stages).toContain(job.stage)
  })

  it('shards acceptance over environments with parallel:matrix, passing the shard to bdd-matrix run', () => {
    const acceptance = jobs.filter(([, j]) => j.stage === 'acceptance')
    expect(acceptance.length).toBeGreaterThanOrEqual(2)
    for (const [, job] of acceptance) {
      expect(job.parallel?.matrix[0]?.SHARD).toEqual(['1/2', '2/2'])
      expect(job.script.join('\n')).toMatch(/bdd-matrix run --env \S+ --shard "\$SHARD"/)
      expect(job.artifacts?.reports?.junit).toBeTruthy()
    }
  })

  it('reports: merge, matrix, JUnit for GitLab, the HTML matrix exposed, publishing guarded by GITLAB_TOKEN', () => {
    const report = Object.fromEntries(jobs)['report']!
    const script = report.script.join('\n')
    expect(script).toMatch(/bdd-matrix matrix --results results/)
    expect(script).toMatch(/bdd-matrix junit --results results --out reports\/junit\.xml/)
    expect(script).toMatch(/if \[ -n "\$GITLAB_TOKEN" \]; then npx bdd-matrix publish gitlab/)
    // with a results hub: pushed before the reports, and pulled back (history, manual outcomes) into them
    expect(script).toMatch(/if \[ -n "\$BDD_MATRIX_SERVER" \]; then npx bdd-matrix push --results results && npx bdd-matrix pull --out results; fi\n[^\n]*bdd-matrix matrix --results results/)
    expect(report.artifacts).toMatchObject({ expose_as: 'Test matrix', reports: { junit: 'reports/junit.xml' } })
    expect(report.artifacts?.paths).toContain('reports/matrix.html')
    // JUnit's [[ATTACHMENT|results/attachments/…]] lines and Testmo's log links point into results/.
    expect(report.artifacts?.paths).toContain('results/')
  })

  it('gates release candidates: tags matching the gate file\'s applies-to, no-go fails, waivers and waiting warn', async () => {
    const { parse: parseYaml } = await import('yaml')
    const gates = parseYaml(readFileSync(path.join(PROJECT_ROOT, 'features/milestones/dms-0.5.gates.yaml'), 'utf8')) as { 'applies-to': string }
    const gate = ci.gate as Job & { rules: { if: string }[]; allow_failure: { exit_codes: number[] }; needs: string[] }
    expect(gate.stage).toBe('gate')
    const pattern = /\$CI_COMMIT_TAG =~ \/(.+)\//.exec(gate.rules[0]!.if)![1]!
    const tagRule = new RegExp(pattern)
    const applies = new RegExp(`^${gates['applies-to'].replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`)
    for (const tag of ['v0.5.0-rc1', 'v0.5.0-rc2-p1', 'v0.5.0', 'v0.6.0-rc1']) expect(tagRule.test(tag), tag).toBe(applies.test(tag))
    const script = gate.script.join('\n')
    expect(script).toMatch(/bdd-matrix gate --build "\$CI_COMMIT_TAG"/)
    expect(script).toMatch(/publish gitlab [^\n]*--gate "reports\/gate-\$CI_COMMIT_TAG\.json"/)
    expect(script).toMatch(/exit \$code$/)
    const { GATE_EXIT } = await import('../../src/cli/gate-commands.ts')
    expect(gate.allow_failure.exit_codes.sort()).toEqual([GATE_EXIT.incomplete, GATE_EXIT['go-with-waivers']].sort())
    expect(gate.artifacts?.paths).toContain('reports/gate-*.json')
  })

  it('only calls commands the CLI has', async () => {
    const { runCliInProcess } = await import('../helpers/run-cli-in-process.ts')
    const used = new Set(jobs.flatMap(([, j]) => j.script.join('\n').match(/bdd-matrix (\w+)/g) ?? []).map((m) => m.split(' ')[1]!))
    const help = (await runCliInProcess(['--help'], { cwd: PROJECT_ROOT })).stdout
    for (const command of used) expect(help).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'))
  })
})
