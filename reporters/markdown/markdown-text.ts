/**
 * Text from results and testers (scenario names, environment names, errors) in GitLab Markdown:
 * shown as written, never as markup. What could start markup is backslash-escaped — HTML and
 * autolinks (`<`), emphasis, code, links, table pipes — and so is what GitLab would turn into a
 * reference: `@` `#` `!` `~` `%` `$` `&` before a name or number (`@all` in an error message
 * notifies the whole project; the others link an issue, merge request, label, milestone,
 * snippet or epic, or start math, or an entity); GitLab honours escaped references since 14.0.
 * Before a space they mean nothing and stay as they are (`0.0 % of 12`). A line break
 * (CommonMark's `\n`, `\r\n` or a lone `\r`) becomes a space: it cannot end a table row or a list item.
 */
export function mdText(text: string): string {
  return text.replace(LINE_ENDING, ' ').replace(/[\\`*_[\]|<]|[~#!&@%$](?=\S)/g, '\\$&')
}

/** Inline code that holds any text, backticks included (a longer fence than any run inside). */
export function mdCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  const body = text.replace(LINE_ENDING, ' ')
  // (two backticks alone are no code span: an empty text is a space in one)
  if (!body) return '` `'
  return `${fence}${body.startsWith('`') || body.endsWith('`') ? ` ${body} ` : body}${fence}`
}

const LINE_ENDING = /\r\n|\r|\n/g
