import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { XMLParser } from 'fast-xml-parser'
import { xmlContentText, xmlReferences } from '../../src/results/xml-content.ts'

// Character data that needs no escaping, with the characters XML does escape, written escaped.
const plain = fc.stringMatching(/^[a-z 0-9é€\n\t\]]{0,12}$/)
const named = fc.constantFrom('&lt;', '&gt;', '&amp;', '&quot;', '&apos;', '&nbsp;', '&copy;', '&unknown;')
// references to every kind of code point: controls XML 1.0 refuses, NUL, surrogates, letters, astral
const codePoint = fc.oneof(fc.integer({ min: 0, max: 0x20 }), fc.integer({ min: 0x21, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff }))
const reference = codePoint.chain((code) => fc.constantFrom(`&#${code};`, `&#x${code.toString(16)};`, `&#x${code.toString(16).toUpperCase()};`, `&#X${code.toString(16)};`))
// a CDATA section holds what would be references elsewhere, as written
const cdata = fc
  .array(fc.oneof(fc.stringMatching(/^[a-z <>&"'\]\n]{0,6}$/), named, reference), { maxLength: 4 })
  .map((parts) => parts.join(''))
  .filter((t) => !t.includes(']]>'))
  .map((t) => `<![CDATA[${t}]]>`)
const comment = fc.stringMatching(/^[a-z <>&]{0,8}$/).map((t) => `<!--${t}-->`)
const instruction = fc.stringMatching(/^[a-z ]{0,8}$/).map((t) => `<?pi ${t}?>`)
const content = fc.array(fc.oneof(plain, named, reference, cdata, comment, instruction), { maxLength: 12 }).map((parts) => parts.join(''))

describe('xmlContentText', () => {
  it("reads an element's raw content as the XML parser, given the same references, reads its text", () => {
    fc.assert(
      fc.property(content, (raw) => {
        // the parser reading the content itself, every piece kept as written
        const parser = new XMLParser({ trimValues: false, parseTagValue: false, entityDecoder: xmlReferences() })
        const read = (parser.parse(`<o>${raw}</o>`) as { o: unknown }).o
        // (a processing instruction is a child of its own to the parser: the text is beside it)
        const text = read !== null && typeof read === 'object' ? (read as Record<string, unknown>)['#text'] : read
        expect(xmlContentText(raw, xmlReferences())).toBe(String(text ?? ''))
      }),
      { numRuns: 2000 },
    )
  })

  it('reads line ends written as references, leaves out code points XML refuses, keeps names XML does not define, and a child element\'s text', () => {
    expect(xmlContentText('exit 2&#xA;FAIL&#x9;pkg&#10;&#x1F600;', xmlReferences())).toBe('exit 2\nFAIL\tpkg\n\u{1F600}')
    expect(xmlContentText('a&#1;b&#xD800;c&#0;d', xmlReferences())).toBe('abcd')
    expect(xmlContentText('a &nbsp; b <b x="1 > 2">bold</b> c', xmlReferences())).toBe('a &nbsp; b bold c')
  })
})
