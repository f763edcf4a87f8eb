#!/usr/bin/env node
// The CLI is written in TypeScript; tsx's loader is registered process-wide so that
// cucumber-js can also import the project's TypeScript step definitions.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
