/**
 * Text from results and testers (scenario names, environment names, errors) in GitLab Markdown:
 * shown as written, never as markup. HTML is turned into entities, Markdown punctuation is escaped,
 * and a line break cannot end a table row or a list item.
 */
export function mdText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#!])/g, '\\$1')
    .replace(/\r?\n/g, ' ')
}

/** Inline code that holds any text, backticks included (a longer fence than any run inside). */
export function mdCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  const body = text.replace(/\r?\n/g, ' ')
  return `${fence}${body.startsWith('`') || body.endsWith('`') ? ` ${body} ` : body}${fence}`
}
