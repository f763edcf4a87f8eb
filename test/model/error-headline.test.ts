import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { errorHeadline } from '../../src/model/error-headline.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { HEADER, gateProjectCopy } from '../gates/gate-fixture.ts'
import { mdText } from '../../reporters/markdown/markdown-text.ts'

describe('an error on one line', () => {
  it('is its first line, joined to the line after it when the first only announces what follows', () => {
    const line = fc.string({ unit: fc.constantFrom('a', ' ', ':', '\t', 'é'), maxLength: 12 })
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
        const headline = errorHeadline(lines.join('\n'))
        expect(headline).not.toContain('\n')
        const first = lines[0]!.trimEnd()
        const next = lines.slice(1).find((l) => l.trim() !== '')
        if (!first.endsWith(':')) expect(headline).toBe(first)
        else if (next === undefined) expect(headline).toBe(first.slice(0, -1))
        else expect(headline).toBe(`${first} ${next.trim()}`)
      }),
      { numRuns: 500 },
    )
    expect(errorHeadline('AssertionError: expected 1 to equal 2\n    at step.ts:3')).toBe('AssertionError: expected 1 to equal 2')
    expect(errorHeadline('BeforeAll hook failed:\n\n  cluster did not come up\n  (3 nodes)')).toBe('BeforeAll hook failed: cluster did not come up')
  })

  // go-junit-report writes a package whose tests do not build as a test "[build failed]" whose
  // message is "Build error"; the views once said "the package's tests did not build:" and no more
  it("says why a Go package did not build in every view that shows one line: ingest, the matrix's Markdown, JUnit's message, the gate", async () => {
    const root = gateProjectCopy()
    const report = path.join(root, 'go-junit.xml')
    writeFileSync(report, `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="1" errors="1">
  <testsuite name="nunet/dms/acceptance" tests="1" failures="0" errors="1" time="0.000" timestamp="2026-05-01T10:00:00Z">
    <testcase name="[build failed]" classname="nunet/dms/acceptance" time="0.000">
      <error message="Build error"><![CDATA[acceptance/steps_test.go:15: undefined: cluster
acceptance/steps_test.go:21: undefined: deploy]]></error>
    </testcase>
  </testsuite>
</testsuites>
`)
    const why = "the package's tests did not build: acceptance/steps_test.go:15: undefined: cluster"
    const ingest = await runCliInProcess(['ingest', '--build', 'v1.0.0-rc1', '--env', 'local', report], { cwd: root })
    expect(ingest.stdout).toContain(`run failed outside any scenario: Go package nunet/dms/acceptance: ${why}\n`)
    expect((await runCliInProcess(['matrix', '--build', 'v1.0.0-rc1', '--out', 'reports'], { cwd: root })).code).toBe(0)
    expect(readFileSync(path.join(root, 'reports/matrix.md'), 'utf8')).toContain(`Go package nunet/dms/acceptance: ${mdText(why)}\n`)
    // the HTML keeps the whole output
    expect(readFileSync(path.join(root, 'reports/matrix.html'), 'utf8')).toContain('steps_test.go:21: undefined: deploy')
    expect((await runCliInProcess(['junit', '--build', 'v1.0.0-rc1', '--out', 'reports/junit.xml'], { cwd: root })).code).toBe(0)
    expect(readFileSync(path.join(root, 'reports/junit.xml'), 'utf8')).toContain(`<error message="${why}" type="run error">`)
    writeFileSync(path.join(root, 'features/milestones/gate.gates.yaml'), `${HEADER}criteria:\n  - { id: acceptance-passes, kind: scenarios-pass, severity: blocking }\n`)
    const gate = await runCliInProcess(['gate', '--build', 'v1.0.0-rc1'], { cwd: root })
    expect(gate.stdout, gate.stderr).toContain(`failed outside any scenario (Go package nunet/dms/acceptance): ${why}`)
  })
})
