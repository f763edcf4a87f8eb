// bench:run — the same trivial scenarios (no cluster) through `bdd-matrix run` and through
// plain cucumber-js with the same steps, alternately in fresh processes (goal: ratio ≤ 1.10);
// then the time until a local cluster of 3 and of 10 nodes is ready, every node seeing every
// other (goal: ≤ 2 s for 3 nodes).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { compareNode } from './support/measure.ts'
import { LocalClusterProvider } from '../src/clusters/local/local-cluster-provider.ts'
import { defaultNodes, loadEnvironment } from '../src/clusters/environment.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SCENARIOS = Number(process.env.BENCH_SCENARIOS ?? 2000)
const OUT = path.join(ROOT, 'bench/.out/run')

function generate(): void {
  const marker = path.join(OUT, `.generated-${SCENARIOS}`)
  if (existsSync(marker)) return
  rmSync(OUT, { recursive: true, force: true })
  for (const dir of ['features', 'steps/support', 'environments']) mkdirSync(path.join(OUT, dir), { recursive: true })
  const perFile = 20
  for (let f = 0; f < SCENARIOS / perFile; f++) {
    const scenarios = Array.from({ length: perFile }, (_, i) => `  Scenario: trivial ${f}-${i}\n    Given a value ${i}\n    When it is doubled\n    Then the result is ${i * 2}\n`).join('\n')
    writeFileSync(path.join(OUT, 'features', `trivial-${f}.feature`), `@feature:bench\nFeature: Trivial ${f}\n\n${scenarios}`)
  }
  writeFileSync(path.join(OUT, 'steps/support/typescript.mjs'), "import { register } from 'tsx/esm/api'\n\nregister()\n")
  writeFileSync(
    path.join(OUT, 'steps/trivial.steps.ts'),
    `import { Given, When, Then } from '@cucumber/cucumber'
import assert from 'node:assert/strict'
Given('a value {int}', function (this: { v: number }, v: number) { this.v = v })
When('it is doubled', function (this: { v: number }) { this.v *= 2 })
Then('the result is {int}', function (this: { v: number }, r: number) { assert.equal(this.v, r) })
`,
  )
  writeFileSync(path.join(OUT, 'cucumber.js'), "export default { paths: ['features/**/*.feature'], import: ['steps/support/typescript.mjs', 'steps/**/*.ts'] }\n")
  writeFileSync(path.join(OUT, 'environments/none.yaml'), 'name: none\nprovider: local\nnode: { program: cucumber.js }\nnodes:\n  - { name: Alice, role: SP }\n')
  writeFileSync(marker, '')
}

generate()
const cucumber = path.join(ROOT, 'node_modules/@cucumber/cucumber/bin/cucumber.js')
const [plain, ours] = compareNode([cucumber], [path.join(ROOT, 'bin/bdd-matrix.js'), 'run', '--env', 'none', '--out', path.join(OUT, 'reports'), '--run-id', 'bench'], { cwd: OUT, rounds: 3 })
const ratio = ours.seconds / plain.seconds
console.log(`bench:run — ${SCENARIOS} trivial scenarios (best of 3, alternating, fresh processes)`)
console.log(`  cucumber-js       ${plain.seconds.toFixed(2)} s`)
console.log(`  bdd-matrix run    ${ours.seconds.toFixed(2)} s   (also writes messages.ndjson and summary.json)`)
console.log(`  ratio             ${ratio.toFixed(2)} (goal ≤ 1.10)  ${ratio <= 1.1 ? 'OK' : 'ABOVE GOAL'}`)

const env = loadEnvironment('local', ROOT)
for (const count of [3, 10]) {
  const nodes = Array.from({ length: count }, (_, i) => ({ ...defaultNodes(env)[i % 3]!, name: `node-${i + 1}` }))
  const started = performance.now()
  const cluster = await new LocalClusterProvider().up({ env, nodes, logDir: path.join(OUT, 'cluster-logs'), slot: 140 })
  const seconds = (performance.now() - started) / 1000
  await cluster.down()
  console.log(`  local cluster of ${String(count).padStart(2)} nodes ready in ${seconds.toFixed(2)} s${count === 3 ? ` (goal ≤ 2 s) ${seconds <= 2 ? 'OK' : 'ABOVE GOAL'}` : ''}`)
}
