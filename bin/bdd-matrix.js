#!/usr/bin/env node
// Runs the bundled CLI (dist/cli/, built by `npm install` and `npm test`). On a checkout that was
// never built, falls back to the TypeScript sources through tsx.
import { existsSync } from 'node:fs'

const bundled = new URL('../dist/cli/main.js', import.meta.url)
if (existsSync(bundled)) {
  await import(bundled.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/main.ts')
}
