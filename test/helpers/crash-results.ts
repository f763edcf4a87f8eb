import { ResultsWriter } from '../../src/results/results-writer.ts'
import { MODEL_VERSION, type Case } from '../../src/model/results.ts'
import { tempDir } from './temp-tree.ts'

export const PER_ENVIRONMENT = 1000
export const ENVIRONMENTS = ['local', 'docker']

/** A results folder of one build over two environments, `perEnvironment` cases each, one in 25 failed. */
export function crashResults(runPrefix = 'crash', build = 'v0.5.0-rc1', perEnvironment = PER_ENVIRONMENT): string {
  const dir = tempDir('crash-results')
  for (const environment of ENVIRONMENTS) {
    const writer = new ResultsWriter(dir)
    for (let i = 0; i < perEnvironment; i++) {
      const failed = i % 25 === 0
      const c: Case = { kind: 'case', id: `case-${i}`, uri: `features/area-${i % 20}.feature`, feature: `Area ${i % 20}`, scenario: `scenario ${i}`, name: `scenario ${i}`, featureIds: ['p2p-network'], tags: [], status: failed ? 'failed' : 'passed', flaky: false, attempts: 1, durationMs: 5, steps: [], ...(failed ? { error: 'expected 1 to equal 2' } : {}), attachments: [], nodes: [], source: 'automated' }
      writer.write(c)
    }
    writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `${runPrefix}-${environment}`, build, stage: 'acceptance', environment, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:10:00.000Z', source: { format: 'cucumber-messages' } })
  }
  return dir
}
