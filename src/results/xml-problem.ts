/** What fast-xml-parser's validator reports: a code, its own message, and where. */
export interface XmlValidationError {
  code: string
  msg: string
  line: number
  col: number
}

/**
 * The validator's finding in words a report's reader can act on. Its own message for a document
 * that ends with elements still open lists their names as a JSON array ("Invalid '[ "testsuite",
 * "testcase"]' found."), which is what a report cut short by a killed run looks like, the commonest
 * broken report; a bare & is the commonest hand-written mistake.
 */
const CUT_SHORT = 'the report was cut short (was the test run stopped before it finished writing it?); run the tests again for a whole report'

export function xmlProblem(err: XmlValidationError, text: string): { line: number; message: string } {
  const open = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(err.msg)
  const names = open ? openElements(open[1]!) : undefined
  // the validator names line 1; where the document stops is what the reader needs to see
  if (names?.length) return { line: lineCount(text), message: `the XML ends with ${names.map((n) => `<${n}>`).join(', ')} still open: ${CUT_SHORT}` }
  const unclosed = /^Unclosed tag '([^']+)'\.$/.exec(err.msg)
  if (unclosed) return { line: err.line, message: `malformed XML (column ${err.col}): <${unclosed[1]}>, opened here, is never closed: ${CUT_SHORT}` }
  if (/^char '&' is not expected\.$/.test(err.msg)) return { line: err.line, message: `malformed XML (column ${err.col}): a bare & (XML writes it &amp;: the tool that wrote the report did not escape it)` }
  return { line: err.line, message: `malformed XML (column ${err.col}): ${err.msg}` }
}

function openElements(list: string): string[] | undefined {
  try {
    const names: unknown = JSON.parse(list)
    return Array.isArray(names) && names.every((n) => typeof n === 'string') ? names : undefined
  } catch {
    return undefined
  }
}

function lineCount(text: string): number {
  let lines = 1
  for (let at = text.indexOf('\n'); at !== -1 && at < text.length - 1; at = text.indexOf('\n', at + 1)) lines++
  return lines
}
