import type { Case, StepResult } from '../model/results.ts'
import { worseStatus, type Status } from '../model/vocabulary.ts'
import type { BoundScenario, CatalogueBinding } from './catalogue-binding.ts'

/**
 * A test of one step, as vitest-cucumber's scenarios are run (a describe per Feature, Rule and
 * scenario, a test per step) and vitest's JUnit names them: "Feature: F > Rule: R > Scenario: S >
 * Given a step". Its Backgrounds are describes of their own, before each scenario.
 */
const STEP_TEST = /^Feature: (.*?) > (?:Rule: .*? > )?(Background|Scenario Outline|Scenario Template|Scenario|Example):(?: (.*?))? > (.+)$/

interface StepTest {
  feature: string
  background: boolean
  title: string
  step: string
  c: Case
}

/**
 * A suite of step tests folded into a case a scenario (an outline's row: as many steps as the
 * outline has, the rows in order), each bound to its pickle and holding its Background's and its
 * own steps: the worst of them is its verdict. Undefined unless every test of the suite is a step
 * test and every scenario binds: then the tests stay as the report has them.
 */
export function foldStepTests(tests: { name: string; c: Case }[], binding: CatalogueBinding): Case[] | undefined {
  const parsed: StepTest[] = []
  for (const { name, c } of tests) {
    const m = STEP_TEST.exec(name)
    if (!m) return undefined
    parsed.push({ feature: m[1]!, background: m[2] === 'Background', title: m[3] ?? '', step: m[4]!, c })
  }
  const cases: Case[] = []
  const seen = new Map<string, number>()
  let background: StepTest[] = []
  let current: { key: string; bound: BoundScenario; steps: StepTest[] } | undefined
  const flush = (): void => {
    if (current) cases.push(folded(current.bound, current.steps))
    current = undefined
  }
  for (const test of parsed) {
    if (test.background) {
      flush()
      background.push(test)
      continue
    }
    const key = `${test.feature}\u0000${test.title}`
    if (current?.key === key && current.steps.filter((s) => !s.background).length < current.bound.ownStepCount) {
      current.steps.push(test)
      continue
    }
    flush()
    const nth = (seen.get(key) ?? 0) + 1
    seen.set(key, nth)
    const bound = binding.byNames(test.feature, test.title, nth)
    if (!bound) return undefined
    current = { key, bound, steps: [...background, test] }
    background = []
  }
  flush()
  return cases
}

function folded(bound: BoundScenario, tests: StepTest[]): Case {
  const { error: _error, output: _output, ...first } = tests[0]!.c
  let status: Status = 'passed'
  let error: string | undefined
  const steps: StepResult[] = []
  const outputs: string[] = []
  for (const { step, c } of tests) {
    status = worseStatus(status, c.status)
    error ??= c.error
    const [keyword = '', ...text] = step.split(' ')
    steps.push({ keyword, text: text.join(' '), status: c.status, durationMs: c.durationMs, ...(c.error ? { error: c.error } : {}) })
    if (c.output) outputs.push(c.output)
  }
  return {
    ...first,
    ...bound.fields,
    status,
    flaky: status === 'passed' && tests.some(({ c }) => c.flaky),
    attempts: Math.max(...tests.map(({ c }) => c.attempts)),
    durationMs: tests.reduce((sum, { c }) => sum + c.durationMs, 0),
    steps,
    ...(error ? { error } : {}),
    attachments: tests.flatMap(({ c }) => c.attachments),
    ...(outputs.length ? { output: outputs.join('\n') } : {}),
  }
}
