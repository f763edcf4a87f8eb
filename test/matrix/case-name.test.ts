import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { generateMessages } from '@cucumber/gherkin'
import { RunProgress } from '../../src/run/run-progress.ts'
import { IdGenerator, SourceMediaType, type Envelope } from '@cucumber/messages'
import { describe, expect, it } from 'vitest'
import { outlineRowNames } from '../../src/model/case-name.ts'
import { FeatureParser } from '../../src/catalogue/parse-feature.ts'
import { catalogueCases } from '../../src/catalogue/catalogue-cases.ts'
import { ingestCucumberMessages } from '../../src/results/ingest-cucumber-messages.ts'
import { ingestCucumberJson } from '../../src/results/ingest-cucumber-json.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { readFileSync } from 'node:fs'

describe('outline rows are named by their values', () => {
  it('interpolates a name with placeholders, else adds the values', () => {
    expect(outlineRowNames('Ping <node>', [{ node: 'Bob' }, { node: 'Carol' }]).map((r) => r.name)).toEqual(['Ping Bob', 'Ping Carol'])
    expect(outlineRowNames('Peers see each other', [{ topic: 'NAT' }, { topic: 'carrier-grade NAT' }]).map((r) => r.name)).toEqual(['Peers see each other (topic: NAT)', 'Peers see each other (topic: carrier-grade NAT)'])
  })

  it('adds the columns an interpolated name leaves out where two rows would share it', () => {
    expect(outlineRowNames('Ping <node>', [{ node: 'Bob', via: 'relay' }, { node: 'Bob', via: 'direct' }, { node: 'Carol', via: 'relay' }]).map((r) => r.name)).toEqual(['Ping Bob (via: relay)', 'Ping Bob (via: direct)', 'Ping Carol'])
  })

  it('tells identical rows apart in the order they are written, the first keeping the plain name', () => {
    expect(outlineRowNames('Count', [{ n: '1' }, { n: '1' }, { n: '2' }, { n: '1' }])).toEqual([
      { name: 'Count (n: 1)', occurrence: 1 },
      { name: 'Count (n: 1) #2', occurrence: 2 },
      { name: 'Count (n: 2)', occurrence: 1 },
      { name: 'Count (n: 1) #3', occurrence: 3 },
    ])
  })

  it('keeps each row\'s name when rows are inserted before it or reordered', () => {
    const before = outlineRowNames('Reach <peer>', [{ peer: 'Bob' }, { peer: 'Carol' }])
    const after = outlineRowNames('Reach <peer>', [{ peer: 'Dave' }, { peer: 'Carol' }, { peer: 'Bob' }])
    expect(after.map((r) => r.name)).toEqual(expect.arrayContaining(before.map((r) => r.name)))
  })
})

const FEATURE = `@feature:p2p-network
Feature: Peers

  Scenario Outline: Peers see each other
    Given a network behind <topic>

    Examples: home
      | topic |
      | NAT |
      | carrier-grade NAT |

    Examples: office
      | topic |
      | NAT |

  Scenario Outline: Ping <node>
    Given "<node>" is up

    Examples:
      | node  |
      | Bob   |
      | Bob   |
`

/** A Cucumber Messages stream in which every pickle of a feature passed, as cucumber-js writes it. */
function passingStream(uri: string, text: string): string {
  const newId = IdGenerator.incrementing()
  const envelopes: readonly Envelope[] = generateMessages(text, uri, SourceMediaType.TEXT_X_CUCUMBER_GHERKIN_PLAIN, { includeGherkinDocument: true, includePickles: true, includeSource: true, newId })
  const ts = { seconds: 1, nanos: 0 }
  const out: Envelope[] = [...envelopes, { testRunStarted: { timestamp: ts, id: 'run' } } as Envelope]
  for (const e of envelopes.filter((x) => x.pickle)) {
    const pickle = e.pickle!
    const testSteps = pickle.steps.map((s) => ({ id: `ts-${s.id}`, pickleStepId: s.id, stepDefinitionIds: ['sd'], stepMatchArgumentsLists: [] }))
    out.push({ testCase: { id: `tc-${pickle.id}`, pickleId: pickle.id, testSteps, testRunStartedId: 'run' } } as Envelope)
    out.push({ testCaseStarted: { id: `st-${pickle.id}`, testCaseId: `tc-${pickle.id}`, attempt: 0, timestamp: ts } } as Envelope)
    for (const s of testSteps) out.push({ testStepFinished: { testCaseStartedId: `st-${pickle.id}`, testStepId: s.id, testStepResult: { status: 'PASSED', duration: { seconds: 0, nanos: 0 } }, timestamp: ts } } as Envelope)
    out.push({ testCaseFinished: { testCaseStartedId: `st-${pickle.id}`, timestamp: ts, willBeRetried: false } } as Envelope)
  }
  out.push({ testRunFinished: { timestamp: ts, success: true } } as Envelope)
  return out.map((e) => JSON.stringify(e)).join('\n')
}

describe('a case has one name and one id, from the catalogue and from its results alike', () => {
  it('outline rows, repeated rows and interpolated names agree between the catalogue, ingest and the progress lines of run', async () => {
    const parsed = new FeatureParser().parse('peers.feature', FEATURE)
    const catalogued = catalogueCases({ featuresDir: '/p/features', files: [parsed.file!], errors: [] }, 'features')
    expect(catalogued.map((c) => c.name)).toEqual(['Peers see each other (topic: NAT)', 'Peers see each other (topic: carrier-grade NAT)', 'Peers see each other (topic: NAT) #2', 'Ping Bob', 'Ping Bob #2'])
    expect(new Set(catalogued.map((c) => c.id)).size).toBe(5)
    const dir = tempTree()
    writeFileSync(path.join(dir, 'messages.ndjson'), passingStream('features/peers.feature', FEATURE))
    const outcome = await ingestCucumberMessages(path.join(dir, 'messages.ndjson'), { build: 'b', environment: 'local', stage: 'acceptance', resultsDir: tempTree() })
    expect(outcome.problems).toEqual([])
    const cases = readFileSync(outcome.path!, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { id: string; name: string; line: number })
    expect(cases.map((c) => [c.name, c.id]).sort()).toEqual(catalogued.map((c) => [c.name, c.id]).sort())
    // the line is the Examples row's: a reader finds the row
    expect(cases.find((c) => c.name === 'Peers see each other (topic: carrier-grade NAT)')!.line).toBe(10)
    // `run` prints each finished scenario (and lists failures) by the same name, not the outline's
    const progress = new RunProgress()
    const printed = passingStream('features/peers.feature', FEATURE).split('\n').flatMap((line) => progress.consume(JSON.parse(line) as Envelope) ?? [])
    expect(printed.map((f) => f.name)).toEqual(catalogued.map((c) => c.name))
  })
})

/** The file's cases as the catalogue names and keys them; ingest (Cucumber messages) and the progress lines of run name and key them alike. */
async function agreeEverywhere(file: string, text: string) {
  const parsed = new FeatureParser().parse(file, text)
  const catalogued = catalogueCases({ featuresDir: '/p/features', files: [parsed.file!], errors: [] }, 'features')
  const dir = tempTree()
  writeFileSync(path.join(dir, 'messages.ndjson'), passingStream(`features/${file}`, text))
  const outcome = await ingestCucumberMessages(path.join(dir, 'messages.ndjson'), { build: 'b', environment: 'local', stage: 'acceptance', resultsDir: tempTree() })
  expect(outcome.problems).toEqual([])
  const cases = readFileSync(outcome.path!, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { id: string; name: string })
  expect(cases.map((c) => [c.name, c.id]).sort()).toEqual(catalogued.map((c) => [c.name, c.id]).sort())
  const progress = new RunProgress()
  const printed = passingStream(`features/${file}`, text).split('\n').flatMap((line) => progress.consume(JSON.parse(line) as Envelope) ?? [])
  expect(printed.map((f) => f.name)).toEqual(catalogued.map((c) => c.name))
  return { catalogued, dir }
}

const REPEATED = `@feature:p2p-network
Feature: Repeated names

  Scenario: Peers connect
    Given a network

  Scenario: Peers connect
    Given another network

  Scenario Outline: Count <n>
    Given the number <n>

    Examples:
      | n |
      | 1 |
      | 2 |

  Scenario Outline: Count <n>
    Given the number <n>

    Examples:
      | n |
      | 1 |

  Rule: Behind NAT
    Scenario: Peers connect
      Given a network behind NAT
`

describe('scenarios named as an earlier one of their file', () => {
  it('are cases of their own, named and keyed by their occurrence alike in the catalogue, ingest (Cucumber messages, and Cucumber JSON read alone) and the progress lines of run — never one case of two results', async () => {
    const { catalogued, dir } = await agreeEverywhere('repeated.feature', REPEATED)
    expect(catalogued.map((c) => c.name)).toEqual(['Peers connect', 'Peers connect #2', 'Count 1', 'Count 2', 'Count 1 #2', 'Peers connect'])
    // six pickles, six cases: a second "Peers connect" was the first's rerun, its result hidden
    expect(new Set(catalogued.map((c) => c.id)).size).toBe(6)
    // a Cucumber JSON report read without the features: the plain scenario repeated has the catalogue's id
    const json = [{ uri: 'features/repeated.feature', name: 'Repeated names', keyword: 'Feature', line: 2, elements: [4, 7].map((line, i) => ({ type: 'scenario', keyword: 'Scenario', name: 'Peers connect', line, id: `s${i}`, steps: [{ keyword: 'Given ', name: 'a network', line: line + 1, result: { status: 'passed', duration: 1 } }] })) }]
    writeFileSync(path.join(dir, 'report.json'), JSON.stringify(json))
    const fromJson = await ingestCucumberJson(path.join(dir, 'report.json'), { build: 'b', environment: 'local', stage: 'acceptance', resultsDir: tempTree() })
    const jsonCases = readFileSync(fromJson.path!, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { id: string; name: string })
    expect(jsonCases.map((c) => [c.name, c.id])).toEqual(catalogued.slice(0, 2).map((c) => [c.name, c.id]))
  })
})

const COLLIDING = `@feature:p2p-network
Feature: Colliding names

  Scenario: Ping Bob
    Given Bob

  Scenario Outline: Ping <node>
    Given <node>

    Examples:
      | node |
      | Bob  |
      | Eve  |

  Scenario Outline: Count <n>
    Given the number <n>

    Examples:
      | n |
      | 1 |
      | 1 |

  Scenario Outline: Count <n>
    Given the number <n>

    Examples:
      | n |
      | 1 |
`

describe('cases of a file that would share a name', () => {
  it('take the next free number, alike in the catalogue, ingest and the progress lines of run (GitLab keys a test by its name)', async () => {
    const { catalogued, dir } = await agreeEverywhere('colliding.feature', COLLIDING)
    // a plain scenario and an outline's row in the same words; rows of two outlines of one name
    expect(catalogued.map((c) => c.name)).toEqual(['Ping Bob', 'Ping Bob #2', 'Ping Eve', 'Count 1', 'Count 1 #2', 'Count 1 #3'])
    expect(new Set(catalogued.map((c) => c.id)).size).toBe(6)
    // as a Cucumber JSON report read without the features names them (its outline rows by their pickles' names)
    const json = [{ uri: 'features/colliding.feature', name: 'Colliding names', keyword: 'Feature', line: 2, elements: ['Ping Bob', 'Ping Bob', 'Ping Eve'].map((name, i) => ({ type: 'scenario', keyword: 'Scenario', name, line: 4 + i, id: `s${i}`, steps: [{ keyword: 'Given ', name: 'x', line: 5 + i, result: { status: 'passed', duration: 1 } }] })) }]
    writeFileSync(path.join(dir, 'report.json'), JSON.stringify(json))
    const fromJson = await ingestCucumberJson(path.join(dir, 'report.json'), { build: 'b', environment: 'local', stage: 'acceptance', resultsDir: tempTree() })
    const jsonCases = readFileSync(fromJson.path!, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { name: string })
    expect(jsonCases.map((c) => c.name)).toEqual(catalogued.slice(0, 3).map((c) => c.name))
  })
})

describe("Examples headers named as objects' own properties", () => {
  it('keep their values and the same case names and ids in the catalogue and in ingest (a __proto__ column was lost)', async () => {
    const feature = [
      '@feature:p2p-network',
      'Feature: Odd headers',
      '  Scenario Outline: Ping <__proto__>',
      '    Given node <constructor>',
      '    Examples:',
      '      | __proto__ | constructor |',
      '      | Bob       | relay       |',
      '      | Bob       | direct      |',
      '',
    ].join('\n')
    const parsed = new FeatureParser().parse('odd.feature', feature)
    const catalogued = catalogueCases({ featuresDir: '/p/features', files: [parsed.file!], errors: [] }, 'features')
    expect(catalogued.map((c) => c.name)).toEqual(['Ping Bob (constructor: relay)', 'Ping Bob (constructor: direct)'])
    const dir = tempTree()
    writeFileSync(path.join(dir, 'messages.ndjson'), passingStream('features/odd.feature', feature))
    const outcome = await ingestCucumberMessages(path.join(dir, 'messages.ndjson'), { build: 'b', environment: 'local', stage: 'acceptance', resultsDir: tempTree() })
    expect(outcome.problems).toEqual([])
    const cases = readFileSync(outcome.path!, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { id: string; name: string; example: { values: Record<string, string> } })
    expect(cases.map((c) => [c.name, c.id])).toEqual(catalogued.map((c) => [c.name, c.id]))
    expect(cases.map((c) => Object.entries(c.example.values))).toEqual([
      [['__proto__', 'Bob'], ['constructor', 'relay']],
      [['__proto__', 'Bob'], ['constructor', 'direct']],
    ])
  })
})
