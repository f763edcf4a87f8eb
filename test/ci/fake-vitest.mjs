// A stand-in for `npx vitest run --reporter=junit --outputFile=FILE …` in the pipeline harness:
// writes JUnit for three unit tests, one of them failing when HARNESS_UNIT_FAIL=1, and exits as
// vitest would. What the pipeline does with a unit failure is what is tested, not vitest.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const out = process.argv.find((a) => a.startsWith('--outputFile='))?.slice('--outputFile='.length)
if (!out) {
  console.error('fake vitest: --outputFile= missing')
  process.exit(2)
}
const fail = process.env.HARNESS_UNIT_FAIL === '1'
const cases = [
  '<testcase classname="test/results/merge.test.ts" name="merges runs" time="0.01"/>',
  '<testcase classname="test/results/merge.test.ts" name="orders builds" time="0.01"/>',
  fail
    ? '<testcase classname="test/catalogue/scope.test.ts" name="reads the scope" time="0.02"><failure message="expected 2 to be 3" type="AssertionError">AssertionError: expected 2 to be 3\n    at test/catalogue/scope.test.ts:12:5</failure></testcase>'
    : '<testcase classname="test/catalogue/scope.test.ts" name="reads the scope" time="0.02"/>',
]
mkdirSync(path.dirname(out), { recursive: true })
writeFileSync(out, `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="vitest tests" tests="3" failures="${fail ? 1 : 0}">\n<testsuite name="unit" tests="3" failures="${fail ? 1 : 0}">\n${cases.join('\n')}\n</testsuite>\n</testsuites>\n`)
process.exit(fail ? 1 : 0)
