import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep forks few so process-spawning suites do not starve each other.
    pool: 'forks',
    maxWorkers: 2,
  },
})
