/** The lines Go's testing frames a test's output with (=== RUN, --- FAIL: …): what the test itself printed is the rest. */
const FRAMING = /^\s*(=== (RUN|PAUSE|CONT|NAME)\s|--- (PASS|FAIL|SKIP): )/

/** What a Go test printed: its output without Go's framing lines. */
export function goTestPrinted(output: string): string {
  return output
    .split('\n')
    .filter((line) => !FRAMING.test(line))
    .join('\n')
    .trim()
}

/**
 * A report's text without Go's framing lines where it is a Go test's output (it holds an `=== RUN`
 * line): gotestsum's JUnit keeps them in a failure's text, `go test -json` tells them apart, and
 * the same test reads the same from both. Any other text is left as it is.
 */
export function withoutGoFraming(text: string): string {
  return /^\s*=== RUN\s/m.test(text) ? goTestPrinted(text) : text
}
