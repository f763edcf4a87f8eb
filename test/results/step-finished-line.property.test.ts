import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stepFinishedOf } from '../../src/results/step-finished-line.ts'

const STATUSES = ['PASSED', 'FAILED', 'SKIPPED', 'PENDING', 'UNDEFINED', 'AMBIGUOUS', 'UNKNOWN', 'NEW_ONE']
const int = fc.oneof(fc.nat({ max: 10 }), fc.nat(), fc.maxSafeNat())
const result = fc.record(
  {
    status: fc.constantFrom(...STATUSES),
    duration: fc.record({ seconds: int, nanos: int }),
    message: fc.string(),
    exception: fc.record({ type: fc.string(), message: fc.string() }),
  },
  { requiredKeys: ['status', 'duration'] },
)
const envelope = fc.record({
  // ids as any producer may write them: uuids, numbers, and strings JSON must escape
  testCaseStartedId: fc.oneof(fc.uuid(), fc.nat().map(String), fc.string(), fc.string({ unit: 'grapheme' })),
  testStepId: fc.oneof(fc.uuid(), fc.nat().map(String), fc.string()),
  testStepResult: result,
  timestamp: fc.record({ seconds: int, nanos: int }),
})

/** The envelope's line, with the result's keys in the order asked for (producers differ). */
function lineOf(e: { testCaseStartedId: string; testStepId: string; testStepResult: Record<string, unknown>; timestamp: unknown }, statusFirst: boolean): string {
  const { status, duration, ...rest } = e.testStepResult
  const testStepResult = statusFirst ? { status, duration, ...rest } : { duration, status, ...rest }
  return JSON.stringify({ testStepFinished: { testCaseStartedId: e.testCaseStartedId, testStepId: e.testStepId, testStepResult, timestamp: e.timestamp } })
}

describe('testStepFinished lines read without JSON.parse', () => {
  it('give exactly what JSON.parse gives, or nothing (then the line is parsed)', () => {
    fc.assert(
      fc.property(envelope, fc.boolean(), (e, statusFirst) => {
        const line = lineOf(e, statusFirst)
        const read = stepFinishedOf(line)
        const parsed = (JSON.parse(line) as { testStepFinished: unknown }).testStepFinished
        if (read) expect(read).toEqual(parsed)
        // the plain shape is always read this way: no message, no exception, no escapes
        const plain = !('message' in e.testStepResult) && !('exception' in e.testStepResult) && ![e.testCaseStartedId, e.testStepId].some((id) => JSON.stringify(id) !== `"${id}"`)
        expect(read !== undefined).toBe(plain)
      }),
      { numRuns: 2000 },
    )
  })

  it('read nothing from a line JSON.parse refuses or reads otherwise', () => {
    const good = '{"testStepFinished":{"testCaseStartedId":"a","testStepId":"b","testStepResult":{"duration":{"seconds":0,"nanos":5},"status":"PASSED"},"timestamp":{"seconds":1,"nanos":2}}}'
    expect(stepFinishedOf(good)).toEqual(JSON.parse(good).testStepFinished)
    for (const bad of [
      good.replace('"nanos":5', '"nanos":05'), // a leading zero: not JSON
      good.replace('"nanos":5', '"nanos":-5'),
      good.replace('"nanos":5', '"nanos":5.5'),
      good.replace('"a"', '"a\\"'), // an escape
      good.replace('"a"', '"a\u0001"'), // a raw control character: not JSON
      good.replace('"status":"PASSED"', '"status":"PASSED","message":"x"'),
      good.replace('{"duration"', '{ "duration"'), // whitespace: JSON, but read by JSON.parse
      `${good} `,
      good.slice(0, -1), // cut
      `${good}}`,
    ])
      expect(stepFinishedOf(bad), bad).toBeUndefined()
  })
})
