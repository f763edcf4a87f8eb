// bench:catalogue — `bdd-matrix catalogue --json` against the floor (a bare @cucumber/gherkin
// parse+compile loop) over a generated corpus of 5,000 files / 60,000 pickles. Goal: ratio ≤ 1.2.
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { compareNode, mb } from './support/measure.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const FILES = Number(process.env.BENCH_FILES ?? 5000)
const OUT = path.join(ROOT, 'bench/.out/catalogue')
const FEATURES = ['p2p-network', 'cli-access', 'local-db', 'execution-and-resources', 'machine-benchmarking', 'job-orchestration']

/** 12 pickles a file: a Background, 4 scenarios, 2 outlines of 4 rows; tags at every level. */
function featureFile(i: number): string {
  const feature = FEATURES[i % FEATURES.length]
  const rows = (n: number) => Array.from({ length: 4 }, (_, r) => `      | ${n}-${r} | value ${r} |`).join('\n')
  return `@feature:${feature}
Feature: Generated feature ${i}
  Background:
    Given the following nodes
      | nodes | role | onboarded | org   |
      | Alice | SP   | false     | nunet |
      | Bob   | CP   | true      | nunet |

  Scenario: plain ${i}
    Given "Alice" has deployed "hello.yaml" on "Bob"
    When "Alice" deployment is completed
    Then "Alice" ensemble should return "Hello"

  @wip @complexity:high
  Scenario: planned ${i}
    Given something planned

  @manual
  Scenario: manual ${i}
    Given a person checks ${i}
      """
      notes for the tester
      """

  @feature:local-db
  Scenario: two features ${i}
    When "Alice" stores "k${i}" with value "v"

  Scenario Outline: outline A ${i} <key>
    When "Alice" stores "<key>" with value "<value>"

    Examples:
      | key | value |
${rows(1)}

  @complexity:low
  Scenario Outline: outline B ${i} <key>
    Then "Alice" should return "<value>" for "<key>"

    @wip
    Examples:
      | key | value |
${rows(2)}
`
}

function generate(): void {
  const marker = path.join(OUT, `.generated-${FILES}`)
  if (existsSync(marker)) return
  rmSync(OUT, { recursive: true, force: true })
  mkdirSync(path.join(OUT, 'features/milestones'), { recursive: true })
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(OUT, 'features', `area-${i % 50}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, `generated-${i}.feature`), featureFile(i))
  }
  writeFileSync(
    path.join(OUT, 'features/milestones/bench.yaml'),
    `milestone: bench\nfrozen: 2024-09-15\nfeatures:\n${FEATURES.map((id) => `  - id: ${id}\n    name: ${id}\n    acceptance: generated\n`).join('')}`,
  )
  writeFileSync(marker, '')
}

generate()
const features = path.join(OUT, 'features')
const [floor, ours] = compareNode([path.join(ROOT, 'bench/support/catalogue-floor.mjs'), features], [path.join(ROOT, 'bin/bdd-matrix.js'), 'catalogue', '--json', '--features', features], {
  cwd: ROOT,
})
const ratio = ours.seconds / floor.seconds
console.log(`bench:catalogue — ${FILES} files, ${FILES * 12} pickles (best of 5, alternating, each in a fresh node process)`)
console.log(`  floor  gherkin parse+compile loop   ${floor.seconds.toFixed(2)} s   peak RSS ${mb(floor.peakRssBytes)}`)
console.log(`  ours   bdd-matrix catalogue --json  ${ours.seconds.toFixed(2)} s   peak RSS ${mb(ours.peakRssBytes)}`)
console.log(`  ratio  ${ratio.toFixed(2)} (goal ≤ 1.2)  ${ratio <= 1.2 ? 'OK' : 'ABOVE GOAL'}`)
