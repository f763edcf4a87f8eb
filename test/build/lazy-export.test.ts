import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
// @ts-expect-error a build script (plain JavaScript), bundled into the CLI in axios's place of require
import { lazyExport as untyped } from '../../scripts/lazy-export.mjs'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const lazyExport = untyped as (id: string) => any

const dir = mkdtempSync(path.join(tmpdir(), 'lazy-export-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A CommonJS module exporting a class, which counts its loads on globalThis. */
function moduleFile(name: string): string {
  const file = path.join(dir, `${name}.cjs`)
  writeFileSync(file, `globalThis.loads = (globalThis.loads ?? 0) + 1
class Form { constructor(x) { this.x = x } append() { return 'appended ' + this.x } }
Form.kind = 'form'
Form.make = function (x) { return new this(x) }
module.exports = Form
`)
  return file
}

describe('lazyExport: the stand-in axios gets for form-data and https-proxy-agent in the CLI bundle', () => {
  it('loads the module on first use only, once, and behaves as its export', () => {
    const g = globalThis as { loads?: number }
    g.loads = 0
    const Form = lazyExport(moduleFile('form'))
    expect(g.loads).toBe(0)
    const form = new Form(7)
    expect(g.loads).toBe(1)
    expect(form.append()).toBe('appended 7')
    expect(form instanceof Form).toBe(true)
    expect({} instanceof Form).toBe(false)
    expect(Form.kind).toBe('form')
    expect(Form.make(3).append()).toBe('appended 3')
    expect('make' in Form).toBe(true)
    expect(g.loads).toBe(1)
  })

  it('keeps subclassing working: the subclass prototype, not the real class, is the instance', () => {
    const Form = lazyExport(moduleFile('base'))
    class Sub extends Form {
      constructor(x: number) {
        super(x)
      }
      extra(): string {
        return 'sub'
      }
    }
    const sub = new Sub(1)
    expect(sub.extra()).toBe('sub')
    expect(sub.append()).toBe('appended 1')
    expect(sub instanceof Form).toBe(true)
  })
})
