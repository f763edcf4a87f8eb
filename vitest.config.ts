import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Deadlines, not time windows: every wait in a test is for an event; these only end a test
    // that hangs, and must hold on a busy 2-core machine (scripts/test-under-load.sh).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Two cores, but most tests wait on processes and sockets: three forks finish sooner, and the
    // suite holds under load (no time windows), so the contention costs only time.
    pool: 'forks',
    maxWorkers: 3,
    globalSetup: ['test/setup/global-setup.ts'],
    setupFiles: ['test/setup/cleanup.ts'],
    reporters: ['default', './test/setup/slowest-reporter.ts'],
  },
})
