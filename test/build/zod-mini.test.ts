import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'

// npm test builds dist/ first. One `import { z } from 'zod'` anywhere would bundle classic zod again
// (with every locale where its namespace is used whole, as a dynamic import does): up to 750 KB
// compiled at the start of each command that reads a scope, gate or environment file (45 ms), and
// at every node's start. Classic's types are made under their own names ("ZodString"; mini's are
// "ZodMiniString"), kept by the bundler as strings.
describe('the built CLI and reference node hold zod/mini with its English messages', () => {
  const cli = readdirSync(path.join(PROJECT_ROOT, 'dist/cli'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join('dist/cli', f))
  const bundles = [...cli, 'dist/reference-node.mjs'].map((file) => ({ file, text: readFileSync(path.join(PROJECT_ROOT, file), 'utf8') }))

  it('not classic zod, nor any other locale', () => {
    expect(bundles.filter(({ text }) => text.includes('"ZodString"') || text.includes('Ungültige Eingabe')).map(({ file }) => file)).toEqual([])
  })

  it('once in the CLI, and in the node', () => {
    expect(bundles.filter(({ text }) => text.includes('Too small: expected')).map(({ file }) => (file.startsWith('dist/cli/') ? 'dist/cli' : file))).toEqual(['dist/cli', 'dist/reference-node.mjs'])
  })
})
