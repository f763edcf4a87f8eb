import type { Reporter, TestModule } from 'vitest/node'

/**
 * After the run, the slowest test files and tests with their times: what to make cheaper first
 * (issue 15's table is read from here).
 */
export default class SlowestReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const root = process.cwd() + '/'
    const files = modules.map((m) => ({ name: m.moduleId.replace(root, ''), ms: m.diagnostic().duration })).sort((a, b) => b.ms - a.ms)
    const tests = modules
      .flatMap((m) => [...m.children.allTests()].map((t) => ({ name: `${m.moduleId.replace(root, '')} › ${t.fullName}`, ms: t.diagnostic()?.duration ?? 0 })))
      .sort((a, b) => b.ms - a.ms)
    const line = (x: { name: string; ms: number }): string => `  ${(x.ms / 1000).toFixed(1).padStart(6)} s  ${x.name}`
    process.stdout.write(`\nSlowest test files:\n${files.slice(0, 10).map(line).join('\n')}\nSlowest tests:\n${tests.slice(0, 15).map(line).join('\n')}\n`)
  }
}
