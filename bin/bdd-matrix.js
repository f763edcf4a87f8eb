#!/usr/bin/env node
// Runs the bundled CLI (dist/cli/, built by `npm install` and `npm test`). On a checkout that was
// never built, falls back to the TypeScript sources through tsx.
import { existsSync } from 'node:fs'
import { keepYoungGenerationSmall } from './young-generation.js'

// before the command's modules load (young-generation.js says why)
keepYoungGenerationSmall(process.argv[2])
const bundled = new URL('../dist/cli/main.js', import.meta.url)
if (existsSync(bundled)) {
  await import(bundled.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/main.ts')
}
