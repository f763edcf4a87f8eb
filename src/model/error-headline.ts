/**
 * An error message as every one-line view shows it (the matrix's Markdown, the gate, `run` and
 * `ingest` on the terminal, JUnit's message attribute): its first line. A first line that only
 * announces what follows ("the package's tests did not build:", "Error:") says nothing alone, so
 * the first non-empty line after it is joined to it.
 */
export function errorHeadline(message: string): string {
  const lines = message.split('\n')
  const first = lines[0]!.trimEnd()
  if (!first.endsWith(':')) return first
  const next = lines.slice(1).find((line) => line.trim() !== '')
  return next === undefined ? first.slice(0, -1) : `${first} ${next.trim()}`
}
