import { createHash, hash } from 'node:crypto'
import { TESTMO_OF, failureMessage, isFailure, outcomeOf } from '../../src/model/status-algebra.ts'
import { caseNameOr } from '../../src/model/case-name.ts'
import type { MergedCase } from '../../src/results/merge-results.ts'
import { escapeHtml } from '../../src/escape-html.ts'
import { headOf, tailOf } from '../../src/clip-text.ts'

type TestmoField = { type: number; name: string; value: string }

/** Where a test's artifacts are: Testmo stores links, not files. */
export interface TestLinks {
  /** the HTML matrix, linked from every test */
  reportUrl?: string
  /** the results folder as served (e.g. the job's artifacts): attachments (node logs) are linked under it */
  attachmentsUrl?: string
}

/**
 * A thread's tests in their order, as a digest: a journal counts them by place (`sent`, batches),
 * so a resumed publish checks that the places name the same tests.
 */
export function orderOf(cases: MergedCase[]): string {
  const digest = createHash('sha256')
  for (const c of cases) digest.update(`${testOf(c)}\u0001`)
  return digest.digest('hex').slice(0, 32)
}

/** A test's key in Testmo: the case in its environment and stage, hashed as Testmo's 64 characters allow. */
export function testKey(c: MergedCase): string {
  return hash('sha256', testOf(c), 'hex')
}

/** Which test a case is: its id, environment and stage. */
const testOf = (c: MergedCase): string => `${c.id}\u0000${c.environment}\u0000${c.stage}`

/**
 * Maps cases to Testmo tests. A publish maps every case of a run once, in a process that has
 * just started (code not yet optimised), so the loop is plain: the environment fields and the
 * artifacts are shared between tests, lists are built by push, not spread.
 */
export function testMapper(links: TestLinks = {}): (c: MergedCase) => Record<string, unknown> {
  const artifacts = links.reportUrl ? [{ name: 'Test matrix', url: links.reportUrl }] : []
  const base = links.attachmentsUrl?.replace(/\/$/, '')
  const environments = new Map<string, TestmoField>()
  return (c) => {
    const where = `${c.environment}/${c.stage}`
    let environment = environments.get(where)
    if (!environment) environments.set(where, (environment = { type: 1, name: 'Environment', value: where }))
    const fields: TestmoField[] = [environment]
    if (c.flaky) fields.push({ type: 1, name: 'Flaky', value: `statuses seen: ${c.seen.join(', ')}` })
    // Testmo's API takes no manual results: they come as automation tests of the manual thread, the tester named.
    if (c.tester) fields.push({ type: 1, name: 'Tester', value: headOf(c.tester, STRING_LIMIT) })
    if (c.steps.length) {
      fields.push({ type: 3, name: 'Steps', value: stepsHtml(c.steps) })
    }
    if (isFailure(c.status)) fields.push({ type: 4, name: 'Error', value: clipField(failureMessage(c.status, c.error)) })
    else if (c.error) fields.push({ type: 4, name: 'Error', value: clipField(c.error) })
    if (c.output) fields.push({ type: 4, name: 'Output', value: clipField(c.output) })
    const test: Record<string, unknown> = {
      key: testKey(c),
      // Gherkin allows a scenario without a name; Testmo requires one.
      name: headOf(caseNameOr(c.name, c.uri, c.line), STRING_LIMIT),
      status: TESTMO_OF[outcomeOf(c.status)],
      folder: headOf(c.feature, STRING_LIMIT) || 'Unnamed folder',
      elapsed: Math.round(c.durationMs * 1000),
      file: headOf(c.uri, STRING_LIMIT),
    }
    if (c.line) test.line = c.line
    test.fields = fields
    test.artifacts = base && c.attachments.length ? [...artifacts, ...c.attachments.map((a) => ({ name: headOf(a.name ?? a.path.slice(a.path.lastIndexOf('/') + 1), STRING_LIMIT), url: `${base}/${a.path}`, mime_type: a.mediaType }))] : artifacts
    return test
  }
}

/**
 * The steps as Testmo's step markup, within the 16 KiB the official CLI allows a field. Markup
 * cannot be cut anywhere, so whole steps are kept and the rest counted.
 */
function stepsHtml(steps: MergedCase['steps']): string {
  let html = '<test-steps>'
  for (let i = 0; i < steps.length; i++) {
    const step = `${i ? '\n' : ''}<test-step status="${steps[i]!.status}">${escapeHtml(`${steps[i]!.keyword} ${steps[i]!.text}`)}</test-step>`
    if (html.length + step.length > FIELD_LIMIT - 100) return `${html}\n<test-step>… ${steps.length - i} more step(s) in the test matrix</test-step></test-steps>`
    html += step
  }
  return `${html}</test-steps>`
}

/** The official CLI's limits: a text, console or HTML field, and any other string (a name, a URL). */
export const FIELD_LIMIT = 16_384
export const STRING_LIMIT = 750

/** A text or console field as the official CLI cuts one: its head and tail, the middle marked. */
export function clipField(text: string): string {
  return text.length > FIELD_LIMIT ? `${headOf(text, 8182)}...\n\n[...]\n\n...${tailOf(text, 8182)}` : text
}
