import fc from 'fast-check'
import MarkdownIt from 'markdown-it'
import { describe, expect, it } from 'vitest'
import { mdCode, mdText } from '../../reporters/markdown/markdown-text.ts'

// Names and errors that results and testers chose reach GitLab's Markdown (the MR note, issue
// notes, matrix.md). Rendered by a CommonMark + GFM-tables parser (markdown-it, raw HTML on as
// GitLab has it), each must come out as the text it is, in the one table cell or list item it
// was put in — and hold no GitLab reference GitLab would act on (a mention notifies people).

const md = new MarkdownIt({ html: true })
// HTML text back to characters (markdown-it writes these four)
const decoded = (html: string): string => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
// What a reader sees: line endings as spaces, NUL as U+FFFD (CommonMark's rule), cells trimmed
const seen = (text: string): string => text.replace(/\r\n|\r|\n/g, ' ').replace(/\0/g, '\uFFFD')
const markup = [...'\\`*_[]|~#!<>&@%$:()-+=.{}"\'/ \t', '\r', '\n', '\r\n', '<img src=x onerror=alert(1)>', '[a](https://evil.example)', '**b**', '@all', '#12', '!3', '~bug', '%"v1"', '$x$', '&amp;', '&#60;', '<!--', '-->', '```', 'http://x.example', ':smile:', '\\|', '\0']
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.array(fc.oneof(fc.constantFrom(...markup), fc.string({ maxLength: 3 })), { maxLength: 12 }).map((parts) => parts.join('')))

// GitLab's references: @user/@all, #issue, !merge-request, ~label, %milestone, $snippet, &epic,
// each followed by its name or number. GitLab leaves a backslash-escaped one alone
// (honor_escaped_markdown, 14.0 on).
const unescapedReference = (source: string): boolean => /(^|[^\\])(\\\\)*[@#!~%$&](?=\S)/.test(source)

describe('text in GitLab Markdown is shown as written', () => {
  it('in a table cell: one row, two cells, the first the text itself', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const html = md.render(`| h | end |\n|---|---|\n| ${mdText(text)} | end |\n`)
        const row = /<tbody>\n<tr>\n<td>(.*)<\/td>\n<td>end<\/td>\n<\/tr>\n<\/tbody>/s.exec(html)
        expect(row, html).not.toBeNull()
        expect(row![1]).not.toMatch(/</)
        expect(decoded(row![1]!)).toBe(seen(text).trim())
        expect(unescapedReference(mdText(text))).toBe(false)
      }),
      { numRuns: 3000 },
    )
  })

  it('in a list item after other text: one item, the text itself', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const html = md.render(`- run · ${mdText(text)}\n`)
        const item = /^<ul>\n<li>(.*)<\/li>\n<\/ul>\n$/s.exec(html)
        expect(item, html).not.toBeNull()
        expect(item![1]).not.toMatch(/</)
        // (a paragraph loses the spaces and tabs it ends with)
        expect(decoded(item![1]!)).toBe(seen(`run · ${text}`).replace(/[ \t]+$/, ''))
      }),
      { numRuns: 3000 },
    )
  })

  it('as inline code: one code span holding the text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const html = md.render(`- build ${mdCode(text)}\n`)
        const item = /^<ul>\n<li>build <code>(.*)<\/code><\/li>\n<\/ul>\n$/s.exec(html)
        expect(item, html).not.toBeNull()
        // CommonMark strips one space from each end of a code span that has one at both ends
        const inside = seen(text)
        const shown = decoded(item![1]!)
        expect([inside, inside.replace(/^ (.*) $/s, '$1'), ...(inside ? [] : [' '])]).toContain(shown)
      }),
      { numRuns: 3000 },
    )
  })
})
