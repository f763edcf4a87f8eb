import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { parse, parseAllDocuments } from 'yaml'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { loadPipeline } from './pipeline-harness.ts'

const SCHEMA = path.resolve(PROJECT_ROOT, '../shared/conformance/gitlab/ci.json')

describe('.gitlab-ci.yml and its component', () => {
  const pipeline = loadPipeline(PROJECT_ROOT)
  const job = (name: string) => pipeline.jobs.find((j) => j.name === name)!

  it.skipIf(!existsSync(SCHEMA))('are valid GitLab CI configuration by GitLab\'s published schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true })
    ;(addFormats as unknown as (a: Ajv) => void)(ajv)
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object)
    const check = (what: string, document: unknown) => expect(validate(document) ? [] : validate.errors!.map((e) => `${what}${e.instancePath}: ${e.message}`)).toEqual([])
    check('.gitlab-ci.yml', parse(readFileSync(path.join(PROJECT_ROOT, '.gitlab-ci.yml'), 'utf8')))
    // a component is two documents: its spec header, and the configuration it includes
    const [header, body] = parseAllDocuments(readFileSync(path.join(PROJECT_ROOT, 'templates/bdd-matrix.yml'), 'utf8')).map((d) => d.toJS())
    check('templates/bdd-matrix.yml (spec)', header)
    check('templates/bdd-matrix.yml (body)', body)
  })

  it('runs unit → functional → acceptance → report → gate, every job in a declared stage, each cancellable by a newer pipeline', () => {
    expect(pipeline.stages).toEqual(['unit', 'functional', 'acceptance', 'report', 'gate'])
    for (const j of pipeline.jobs) {
      expect(pipeline.stages, j.name).toContain(j.stage)
      expect(j.interruptible, j.name).toBe(true)
    }
  })

  it('caches npm by package-lock.json, and starts the test jobs at once (needs: [])', () => {
    const unit = job('bdd-matrix-unit')
    expect(unit.cache).toMatchObject({ key: { files: ['package-lock.json'] }, paths: ['.npm/'] })
    expect(unit.before_script!.join('\n')).toMatch(/npm ci --cache \.npm --prefer-offline/)
    for (const name of ['bdd-matrix-unit', 'functional', 'bdd-matrix-acceptance', 'bdd-matrix-acceptance-docker']) expect(job(name).needs, name).toEqual([])
  })

  it('shards acceptance over environments with parallel:matrix, passing the shard to bdd-matrix run', () => {
    for (const name of ['bdd-matrix-acceptance', 'bdd-matrix-acceptance-docker']) {
      const j = job(name)
      expect(j.parallel?.matrix[0]?.SHARD).toEqual(['1/2', '2/2'])
      expect(j.script.join('\n')).toMatch(/bdd-matrix run --env \S+ --shard "\$SHARD"/)
      expect(j.artifacts?.reports?.junit).toBe('reports/acceptance/*/junit.xml')
    }
  })

  it('ingests the unit tests\' JUnit whether they passed or not', () => {
    const unit = job('bdd-matrix-unit')
    expect(unit.after_script!.join('\n')).toMatch(/bdd-matrix ingest reports\/unit\/junit\.xml --env ci --stage unit/)
    expect(unit.artifacts).toMatchObject({ when: 'always', reports: { junit: 'reports/unit/junit.xml' } })
  })

  it('reports: merge, matrix, JUnit, Allure with its history, publishing guarded by GITLAB_TOKEN, no JUnit declared twice, the cells no job ran declared', () => {
    const report = job('bdd-matrix-report')
    const script = report.script.join('\n')
    expect(script).toMatch(/bdd-matrix matrix --results results/)
    // every report is of this pipeline's build, named as run names it, whatever else the folder holds
    expect(script).toMatch(/export BDD_MATRIX_BUILD="\$\{BDD_MATRIX_BUILD:-\$\{CI_COMMIT_TAG:-\$CI_COMMIT_SHORT_SHA\}\}"\n/)
    for (const command of ['matrix', 'junit', 'allure', 'publish testmo']) expect(script.match(new RegExp(`bdd-matrix ${command} --results results [^\n]*`, 'g'))!.every((line) => line.includes('--build "$BDD_MATRIX_BUILD"'))).toBe(true)
    expect(script).toMatch(/bdd-matrix junit --results results --build "\$BDD_MATRIX_BUILD" --out reports\/junit\.xml/)
    expect(script).toMatch(/bdd-matrix allure --results results .* --history-from-gitlab\n/)
    // the Allure report is made or the job fails: nothing hides a failure behind an echo
    expect(script).not.toMatch(/\|\| echo/)
    expect(report.before_script!.join('\n')).toMatch(/apt-get install .*default-jre-headless/)
    expect(script).toMatch(/if \[ -n "\$GITLAB_TOKEN" \]; then npx bdd-matrix publish gitlab/)
    // with a results hub: pushed before the reports, and pulled back (history, manual outcomes) into them
    expect(script).toMatch(/if \[ -n "\$BDD_MATRIX_SERVER" \]; then npx bdd-matrix push --results results && npx bdd-matrix pull --out results; fi\nexport BDD_MATRIX_BUILD=[^\n]*\n[^\n]*bdd-matrix matrix --results results/)
    // its JUnit report is only what the scope requires and no job ran: the jobs that ran the tests report them
    expect(script).toMatch(/bdd-matrix junit --results results --build "\$BDD_MATRIX_BUILD" --not-run-only --out reports\/not-run\.junit\.xml/)
    expect(report.artifacts?.reports).toEqual({ junit: 'reports/not-run.junit.xml' })
    expect(report.artifacts?.paths).toEqual(expect.arrayContaining(['reports/matrix.html', 'reports/allure-report/', 'results/']))
    expect(report.when).toBe('always')
    // the "Test matrix" link opens the page itself: exposed alone by its own job
    expect(job('bdd-matrix-page').artifacts).toMatchObject({ expose_as: 'Test matrix', paths: ['reports/matrix.html'] })
  })

  it('gates release candidates: tags matching the gate file\'s applies-to, no-go fails, waivers and waiting warn, evidence kept for good', async () => {
    const gates = parse(readFileSync(path.join(PROJECT_ROOT, 'features/milestones/dms-0.5.gates.yaml'), 'utf8')) as { 'applies-to': string }
    const gate = job('bdd-matrix-gate')
    expect(gate.stage).toBe('gate')
    const pattern = /\$CI_COMMIT_TAG =~ \/(.+)\//.exec(gate.rules![0]!.if!)![1]!
    const tagRule = new RegExp(pattern)
    const applies = new RegExp(`^${gates['applies-to'].replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`)
    for (const tag of ['v0.5.0-rc1', 'v0.5.0-rc2-p1', 'v0.5.0', 'v0.6.0-rc1']) expect(tagRule.test(tag), tag).toBe(applies.test(tag))
    const script = gate.script.join('\n')
    expect(script).toMatch(/bdd-matrix gate --build "\$CI_COMMIT_TAG"/)
    expect(script).toMatch(/publish gitlab [^\n]*--gate "reports\/gate-\$CI_COMMIT_TAG\.json"/)
    expect(script).toMatch(/exit \$code$/)
    const { GATE_EXIT } = await import('../../src/cli/gate-commands.ts')
    expect((gate.allow_failure as { exit_codes: number[] }).exit_codes.sort()).toEqual([GATE_EXIT.incomplete, GATE_EXIT['go-with-waivers']].sort())
    expect(gate.artifacts).toMatchObject({ expire_in: 'never', paths: expect.arrayContaining(['reports/gate-*.json']) })
  })

  it('only calls commands the CLI has', async () => {
    const { runCliInProcess } = await import('../helpers/run-cli-in-process.ts')
    const lines = pipeline.jobs.flatMap((j) => [...j.script, ...(j.after_script ?? [])]).join('\n')
    const used = new Set((lines.match(/bdd-matrix (\w+)/g) ?? []).map((m) => m.split(' ')[1]!))
    const help = (await runCliInProcess(['--help'], { cwd: PROJECT_ROOT })).stdout
    for (const command of used) expect(help).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'))
  })
})
