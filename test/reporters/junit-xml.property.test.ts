import fc from 'fast-check'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import junitReportBuilder, { type Builder } from 'junit-report-builder'
import { describe, expect, it } from 'vitest'
import { XML_DECLARATION, testCaseXml, testSuiteClose, testSuiteOpen, testSuitesClose, testSuitesOpen, xmlCdata, type JUnitCase, type JUnitCounts } from '../../reporters/junit/junit-xml.ts'

/** The counts a suite or document of these cases carries, as the library counts its elements. */
function countsOf(cases: Iterable<JUnitCase>): JUnitCounts {
  const counts = { tests: 0, failures: 0, errors: 0, skipped: 0 }
  for (const c of cases) {
    counts.tests++
    if (c.failure) counts.failures++
    if (c.error) counts.errors++
    if (c.skipped) counts.skipped++
  }
  return counts
}

/** The writer's document for suites of cases, as junit-reporter.ts puts it together. */
function written(suites: [string, JUnitCase[]][]): string {
  const total = countsOf(suites.flatMap(([, cases]) => cases))
  let xml = XML_DECLARATION + testSuitesOpen(total, suites.length)
  for (const [name, cases] of suites) xml += testSuiteOpen(name, countsOf(cases)) + cases.map(testCaseXml).join('') + testSuiteClose(countsOf(cases))
  return xml + testSuitesClose(suites.length)
}

/** The same document built by junit-report-builder, the library GitLab users know (the oracle). */
function byLibrary(suites: [string, JUnitCase[]][]): string {
  const loaded = junitReportBuilder as unknown as Builder & { default?: Builder }
  const builder = (typeof loaded.newBuilder === 'function' ? loaded : loaded.default!).newBuilder()
  for (const [name, cases] of suites) {
    const suite = builder.testSuite().name(name)
    for (const c of cases) {
      const test = suite.testCase()
      if (c.className !== undefined) test.className(c.className)
      test.name(c.name)
      if (c.file !== undefined) test.file(c.file)
      if (c.time !== undefined) test.time(c.time)
      if (c.failure) {
        test.failure(c.failure.message, c.failure.type)
        if (c.failure.text !== undefined) test.stacktrace(c.failure.text)
      }
      if (c.error) test.error(c.error.message, c.error.type, c.error.text)
      if (c.skipped) test.skipped()
      if (c.systemOut !== undefined) test.standardOutput(c.systemOut)
    }
  }
  return builder.build()
}

// Text with what XML must escape or cannot hold: markup, quotes, white space, control characters,
// characters outside the BMP (surrogate pairs), U+FFFE.
const unit = fc.constantFrom('a', 'Z', ' ', '<', '>', '&', '"', "'", '\t', '\n', '\r', ']', '\u0000', '\u0007', '\u001b', '\u00e9', '\u4e2d', '\u{1F600}', '\uFFFE', '&amp;')
const text = () => fc.array(unit, { maxLength: 24 }).map((units) => units.join(''))
/**
 * junit-report-builder splits only the first `]]>` of a CDATA text, before dropping the characters
 * XML cannot hold (so "]\uFFFE]>" becomes a "]]>" that ends the section): texts that hold "]]"
 * once those are dropped are where the two differ, tested below.
 */
const cdataText = text().filter((s) => !s.replace(/[\0-\x08\x0B\f\x0E-\x1F\uFFFE\uFFFF]/g, '').includes(']]'))
const problem = fc.record({ message: fc.option(text(), { nil: undefined }), type: fc.option(text(), { nil: undefined }), text: fc.option(cdataText, { nil: undefined }) }, { requiredKeys: [] })
const junitCase: fc.Arbitrary<JUnitCase> = fc.record(
  {
    className: text(),
    name: text(),
    file: text(),
    time: fc.oneof(fc.constantFrom(0, 0.001, 1.5, 1e-7, 12345.678), fc.double({ min: 0, max: 1e6, noNaN: true })),
    failure: problem,
    error: problem,
    skipped: fc.boolean(),
    systemOut: cdataText,
  },
  { requiredKeys: ['name'] },
)
const document = fc.array(fc.tuple(text(), fc.array(junitCase, { maxLength: 5 })), { maxLength: 4 })

describe('JUnit XML written without a tree', () => {
  it('is the text junit-report-builder gives, byte for byte, for any suites and test cases', () => {
    fc.assert(
      fc.property(document, (suites) => {
        expect(written(suites)).toBe(byLibrary(suites))
      }),
      { numRuns: 400 },
    )
  })

  it('holds any text in CDATA, every "]]>" included, where the library ends the section early', () => {
    const parser = new XMLParser({ cdataPropName: '#cdata', trimValues: false })
    const cdata = fc.array(fc.constantFrom(']', ']]>', '>', 'a', '\n', '\u0001'), { maxLength: 30 }).map((u) => u.join(''))
    fc.assert(
      fc.property(cdata, (value) => {
        const xml = `<out>${xmlCdata(value)}</out>`
        expect(XMLValidator.validate(xml)).toBe(true)
        const parsed = parser.parse(xml).out
        const pieces = parsed === '' ? [] : ([] as { '#cdata': string }[]).concat(parsed['#cdata'] === undefined ? parsed : parsed['#cdata']).map((p) => (typeof p === 'string' ? p : p['#cdata'] ?? ''))
        expect(pieces.join('')).toBe(value.replace(/\u0001/g, ''))
      }),
      { numRuns: 400 },
    )
    // the library's own text for a second "]]>": the section ends at it and " c]]>" is loose text
    expect(byLibrary([['s', [{ name: 'n', failure: { text: 'a ]]> b ]]> c' } }]]])).toContain('<![CDATA[a ]]]]><![CDATA[> b ]]> c]]>')
    expect(written([['s', [{ name: 'n', failure: { text: 'a ]]> b ]]> c' } }]]])).toContain('<![CDATA[a ]]]]><![CDATA[> b ]]]]><![CDATA[> c]]>')
    expect(byLibrary([['s', [{ name: 'n', failure: { text: ']\uFFFE]>' } }]]])).toContain('<![CDATA[]]>]]>')
    expect(written([['s', [{ name: 'n', failure: { text: ']\uFFFE]>' } }]]])).toContain('<![CDATA[]]]]><![CDATA[>]]>')
  })
})
