import { ENTITY_ACTION, EntityDecoder } from '@nodable/entities'

/**
 * How a JUnit report's references are read, in its attributes and texts alike: XML's five
 * predefined entities and character references. The parser's default left character references
 * as written, so gotestsum's failures (every line end `&#xA;`) and Surefire's messages (`&#10;`)
 * reached the matrix with those codes in place of their lines. A code point XML does not allow
 * (a C0 control, a surrogate) is left out; an entity the document declares is not expanded (no
 * JUnit producer declares one), a name HTML knows (`&nbsp;`) is left as written, as XML says.
 */
export function xmlReferences(): EntityDecoder {
  // one a document: the parser sets the XML version its declaration names on it
  return new EntityDecoder({ numericAllowed: true, onInputEntity: () => ENTITY_ACTION.BLOCK })
}

/**
 * The text of an element's content as the parser hands it over raw (a stop node: a JUnit test's
 * output, failure, error, skip or stack trace), read as XML reads it: CDATA sections as they are, comments and
 * processing instructions left out, references read by the document's decoder (xmlReferences), the
 * markup of any child element left out and its text kept.
 *
 * Why not the parser: fast-xml-parser builds a text node one character at a time, so a test's
 * output of 80 MB (a pytest run keeping its logs) took 11 s and 3 GB; read raw it is found with
 * one search for its end tag. The document has been validated before this runs: every section
 * and tag here is closed.
 */
export function xmlContentText(raw: string, decoder: EntityDecoder): string {
  if (!raw.includes('<') && !raw.includes('&')) return raw
  const out: string[] = []
  let i = 0
  while (i < raw.length) {
    const lt = raw.indexOf('<', i)
    const end = lt === -1 ? raw.length : lt
    if (end > i) out.push(references(raw.slice(i, end), decoder))
    if (lt === -1) break
    if (raw.startsWith('<![CDATA[', lt)) {
      const close = closing(raw, ']]>', lt + 9)
      out.push(raw.slice(lt + 9, close))
      i = close + 3
    } else if (raw.startsWith('<!--', lt)) i = closing(raw, '-->', lt + 4) + 3
    else if (raw.startsWith('<?', lt)) i = closing(raw, '?>', lt + 2) + 2
    else i = tagEnd(raw, lt) + 1
  }
  return out.join('')
}

function closing(raw: string, marker: string, from: number): number {
  const at = raw.indexOf(marker, from)
  return at === -1 ? raw.length : at
}

/** The `>` that ends the tag opened at `lt` (a `>` in a quoted attribute value does not). */
function tagEnd(raw: string, lt: number): number {
  let quote = ''
  for (let k = lt + 1; k < raw.length; k++) {
    const c = raw[k]!
    if (quote) {
      if (c === quote) quote = ''
    } else if (c === '"' || c === "'") quote = c
    else if (c === '>') return k
  }
  return raw.length
}

/** References, read one way in the whole report (the parser is given the same decoder). */
function references(text: string, decoder: EntityDecoder): string {
  return text.includes('&') ? decoder.decode(text) : text
}
