/**
 * JUnit XML text, written straight from the test cases: the text junit-report-builder's
 * `build()` gives (xmlbuilder, pretty, two-space indent), without its tree. The tree costs a few
 * kilobytes and several microseconds a test case, most of a 100,000-case report's time; the
 * property test in test/reporters/junit-xml.property.test.ts holds this writer to the library's
 * output, byte for byte. One deliberate difference: the library splits only the first `]]>` of a
 * CDATA text, so a second one ended the section early and the rest became loose text (a strict
 * parser refuses it); here every one is split.
 */

/** One `<testcase>`, in the shape junit-report-builder's TestCase writes. */
export interface JUnitCase {
  className?: string
  name: string
  file?: string
  /** seconds */
  time?: number
  /** `<failure>`: message and type attributes when non-empty, its text as CDATA */
  failure?: { message?: string; type?: string; text?: string }
  /** `<error>`, as failure */
  error?: { message?: string; type?: string; text?: string }
  /**
   * `<skipped/>`; with a reason, as pytest writes it: a message attribute and the reason as its
   * text — what GitLab shows of a skipped test (the library writes no reason: an addition to its shape)
   */
  skipped?: boolean | { message?: string; type?: string; text?: string }
  systemOut?: string
}

export interface JUnitCounts {
  tests: number
  failures: number
  errors: number
  skipped: number
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

/** What XML 1.0 cannot hold at all (control characters, lone surrogates, U+FFFE/F): dropped, as the library's `invalidCharReplacement: ''` does. */
const INVALID = /[\0-\x08\x0B\f\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/g
const ATTRIBUTE_SPECIAL = /[&<"\t\n\r]/
/** Every character INVALID can match, in one class: most texts have none, and this test is cheaper. */
const SUSPECT = /[\0-\x08\x0B\f\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/

function legal(text: string): string {
  if (!SUSPECT.test(text)) return text
  INVALID.lastIndex = 0
  if (!INVALID.test(text)) return text
  // the lone-low-surrogate branch also matches the character before it; put that one back
  return text.replace(INVALID, (match) => (match.length === 2 && match.charCodeAt(1) >= 0xdc00 && match.charCodeAt(1) <= 0xdfff ? match[0]! : ''))
}

/** What an attribute may need changed: SUSPECT's characters and those escaped (one test for the many values that need nothing). */
const ATTRIBUTE_SUSPECT = /[\0-\x08\x0B\f\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF&<"\t\n\r]/

/** An attribute value, escaped as xmlbuilder's attEscape does. */
export function xmlAttribute(value: string | number): string {
  const plain = String(value)
  if (!ATTRIBUTE_SUSPECT.test(plain)) return plain
  const text = legal(plain)
  if (!ATTRIBUTE_SPECIAL.test(text)) return text
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;')
}

/** A CDATA section holding `text`; every `]]>` in it is split across two sections. Nothing when no legal character is left. */
export function xmlCdata(text: string): string {
  const kept = legal(text)
  return kept ? `<![CDATA[${kept.replace(/]]>/g, ']]]]><![CDATA[>')}]]>` : ''
}

/** An element holding a CDATA text, on its own line; empty, it closes at once (as xmlbuilder writes it). */
function cdataElement(open: string, element: string, text: string): string {
  const cdata = xmlCdata(text)
  return cdata ? `${open}>${cdata}</${element}>\n` : `${open}/>\n`
}

function attributes(pairs: [string, string | number | undefined][]): string {
  let out = ''
  for (const [name, value] of pairs) if (value !== undefined) out += ` ${name}="${xmlAttribute(value)}"`
  return out
}

const countAttributes = (c: JUnitCounts): string => ` tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}"`

/** `<testsuites …>` with its counts, on its own line; a document of no suites closes at once. */
export function testSuitesOpen(counts: JUnitCounts, suites: number): string {
  return suites === 0 ? `<testsuites${countAttributes(counts)}/>` : `<testsuites${countAttributes(counts)}>\n`
}

/** Closes what testSuitesOpen opened. */
export function testSuitesClose(suites: number): string {
  return suites === 0 ? '' : '</testsuites>'
}

/** `<testsuite …>` with its counts; a suite of no test cases closes at once. */
export function testSuiteOpen(name: string, counts: JUnitCounts): string {
  return `  <testsuite name="${xmlAttribute(name)}"${countAttributes(counts)}${counts.tests === 0 ? '/' : ''}>\n`
}

/** Closes what testSuiteOpen opened. */
export function testSuiteClose(counts: JUnitCounts): string {
  return counts.tests === 0 ? '' : '  </testsuite>\n'
}

const PAD = '    '
const CHILD_PAD = '      '

/** One `<testcase>` element inside a suite, with its line break. */
export function testCaseXml(c: JUnitCase): string {
  const open = `${PAD}<testcase${attributes([
    ['classname', c.className],
    ['name', c.name],
    ['file', c.file],
    ['time', c.time],
  ])}`
  let children = ''
  if (c.failure) children += problem('failure', c.failure)
  if (c.error) children += problem('error', c.error)
  if (c.skipped) children += c.skipped === true ? `${CHILD_PAD}<skipped/>\n` : problem('skipped', c.skipped)
  if (c.systemOut) children += cdataElement(`${CHILD_PAD}<system-out`, 'system-out', c.systemOut)
  return children ? `${open}>\n${children}${PAD}</testcase>\n` : `${open}/>\n`
}

function problem(element: string, p: { message?: string; type?: string; text?: string }): string {
  // the library leaves out an empty message or type, and an empty text
  const open = `${CHILD_PAD}<${element}${attributes([
    ['message', p.message || undefined],
    ['type', p.type || undefined],
  ])}`
  return p.text ? cdataElement(open, element, p.text) : `${open}/>\n`
}
