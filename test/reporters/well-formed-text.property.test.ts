import fc from 'fast-check'
import path from 'node:path'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { headOf, tailOf } from '../../src/clip-text.ts'
import { testMapper } from '../../reporters/testmo/test-mapper.ts'
import { ingestCucumberMessages } from '../../src/results/ingest-cucumber-messages.ts'
import type { MergedCase } from '../../src/results/merge-results.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'

// Text cut to a service's limit stays text (no emoji cut in two), and what a producer wrote that
// is not text (a lone surrogate) is made text once, at ingest: Testmo and GitLab refuse a body
// holding a lone surrogate, and a refused batch would be refused again on every rerun.

// (String.prototype.isWellFormed, without ES2024's types)
const wellFormed = (s: string): boolean => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)

// well-formed text rich in characters of two UTF-16 units
const text = fc.array(fc.oneof(fc.constantFrom('😀', '𝄞', 'é', 'a', ' ', '\n'), fc.string({ unit: 'grapheme', maxLength: 3 })), { maxLength: 400 }).map((parts) => parts.join(''))

describe('text cut to a limit', () => {
  it('is a prefix or suffix of the text, at most the limit long, at most one unit short of it, and well-formed', () => {
    fc.assert(
      fc.property(text, fc.nat(600), (t, units) => {
        const head = headOf(t, units)
        const tail = tailOf(t, units)
        expect(t.startsWith(head) && t.endsWith(tail)).toBe(true)
        for (const cut of [head, tail]) {
          expect(cut.length).toBeLessThanOrEqual(units)
          expect(cut.length).toBeGreaterThanOrEqual(Math.min(t.length, units) - 1)
          expect(wellFormed(cut)).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('in every value of a Testmo test, whatever the case\'s names, error and output hold', () => {
    const map = testMapper({ reportUrl: 'https://ci.example/matrix.html', attachmentsUrl: 'https://ci.example/results' })
    const long = (n: number) => fc.tuple(fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom('a', 'é') }), text).map(([a, b]) => a + b)
    fc.assert(
      fc.property(long(740), long(740), long(745), long(8180), long(16_370), text, (name, feature, uri, error, output, step) => {
        const c = { kind: 'case', id: 'c1', uri, feature, scenario: name, name, featureIds: [], tags: [], status: 'failed', flaky: false, attempts: 1, durationMs: 1, steps: [{ keyword: 'Given', text: step, status: 'failed', durationMs: 1 }], error, output, attachments: [{ path: `attachments/${name}.txt`, mediaType: 'text/plain', name }], nodes: [], source: 'manual', tester: name, environment: 'local', stage: 'acceptance', build: 'v1', runId: 'r1', seen: ['failed'] } as MergedCase
        const strings: string[] = []
        const walk = (v: unknown): void => void (typeof v === 'string' ? strings.push(v) : v && typeof v === 'object' && Object.values(v).forEach(walk))
        walk(map(c))
        for (const s of strings) expect(wellFormed(s), JSON.stringify(s.slice(-4))).toBe(true)
      }),
      { numRuns: 300 },
    )
  })
})

describe('text that is not text, in a producer\'s results', () => {
  it('is made text at ingest: a lone surrogate becomes U+FFFD, the rest is kept', async () => {
    const lines = readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/messages/failing.ndjson'), 'utf8').trim().split('\n')
    const failing = lines.findIndex((l) => l.startsWith('{"testStepFinished"') && l.includes('"FAILED"'))
    lines[failing] = lines[failing]!.replaceAll('first attempt fails', 'first \\ud83d attempt \\ud83d\\ude00 fails \\\\ud83d')
    const out = tempTree()
    const outcome = await ingestCucumberMessages(path.join(tempTree({ 'in.ndjson': `${lines.join('\n')}\n` }), 'in.ndjson'), { build: 'v1', environment: 'local', stage: 'acceptance', resultsDir: out })
    const cases = readFileSync(outcome.path!, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { error?: string })
    const failed = cases.find((c) => c.error?.includes('attempt'))!
    expect(failed.error).toContain('first \uFFFD attempt 😀 fails \\ud83d')
    expect(cases.every((c) => wellFormed(JSON.stringify(c)) && wellFormed(c.error ?? ''))).toBe(true)
  })
})
