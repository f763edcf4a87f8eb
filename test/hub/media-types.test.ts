import { describe, expect, it } from 'vitest'
import { evidenceTypeOf } from '../../hub/media-types.ts'

describe('the type evidence is stored as', () => {
  it("is the browser's when it is one taken, else the file's extension's", () => {
    expect(evidenceTypeOf('image/png', 'shot.png')).toBe('image/png')
    expect(evidenceTypeOf('text/x-log', 'node.log')).toBe('text/plain')
    expect(evidenceTypeOf('application/octet-stream', 'shot.PNG')).toBe('image/png')
    // a type named as objects' own properties are is no type taken: the extension decides
    for (const given of ['constructor', 'toString', '__proto__']) expect(evidenceTypeOf(given, 'shot.png'), given).toBe('image/png')
  })
})
