/** The last `lines` lines of a text. */
export function tailOf(text: string, lines: number): string {
  const all = text.trimEnd().split('\n')
  return all.slice(-lines).join('\n')
}
