import { afterAll } from 'vitest'
import { removeTempDirs } from '../helpers/temp-tree.ts'

// Runs after every other afterAll of the file: what its tests started has been stopped by then.
afterAll(() => removeTempDirs())
