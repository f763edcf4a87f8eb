import { TextDecoder } from 'node:util'

/**
 * An XML document's text, decoded as XML says it is encoded: a byte order mark (UTF-8, UTF-16),
 * else UTF-16 told by its first characters, else the declaration's `encoding` (ISO-8859-1 from
 * an older Ant or Surefire, windows-1252, Shift_JIS… — every encoding the WHATWG lists), else
 * UTF-8. Bytes that are not text in that encoding are refused, never replaced: a failure message
 * turned to `�` could not be told from one written so.
 */
export function xmlText(bytes: Uint8Array): { text: string } | { problem: string } {
  const { label, said } = encodingOf(bytes)
  let decoder: TextDecoder
  try {
    decoder = new TextDecoder(label, { fatal: true })
  } catch {
    return { problem: `the XML declaration names the encoding "${label}", which is none bdd-matrix can decode; write the report as UTF-8` }
  }
  try {
    return { text: decoder.decode(bytes) }
  } catch {
    const name = label === 'utf-8' ? 'UTF-8' : label
    return { problem: `not valid ${name} text (${said}); write the report as UTF-8, or declare the encoding it is in (<?xml version="1.0" encoding="ISO-8859-1"?>)` }
  }
}

function encodingOf(bytes: Uint8Array): { label: string; said: string } {
  const [a, b, c] = bytes
  if (a === 0xef && b === 0xbb && c === 0xbf) return { label: 'utf-8', said: 'as its byte order mark says' }
  if (a === 0xff && b === 0xfe) return { label: 'utf-16le', said: 'as its byte order mark says' }
  if (a === 0xfe && b === 0xff) return { label: 'utf-16be', said: 'as its byte order mark says' }
  if (a === 0x3c && b === 0x00) return { label: 'utf-16le', said: 'as its first characters say' }
  if (a === 0x00 && b === 0x3c) return { label: 'utf-16be', said: 'as its first characters say' }
  // the declaration is ASCII in every encoding that is not UTF-16
  const head = String.fromCharCode(...bytes.subarray(0, 200))
  const declared = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._:-]*)["']/.exec(head)?.[1]
  return declared ? { label: declared.toLowerCase(), said: 'the encoding its declaration names' } : { label: 'utf-8', said: "XML's encoding when the declaration names none" }
}

/** Whether a file's first bytes are XML in UTF-16 (which no JSON format bdd-matrix reads is in). */
export function isUtf16Xml(bytes: Uint8Array): boolean {
  const { label } = bytes.length >= 2 ? encodingOf(bytes) : { label: '' }
  return label === 'utf-16le' || label === 'utf-16be'
}
