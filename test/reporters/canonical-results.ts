import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ingestCucumberMessages } from '../../src/results/ingest-cucumber-messages.ts'
import { ingestJUnit } from '../../src/results/ingest-junit.ts'
import { mergeResults, type ResultSet } from '../../src/results/merge-results.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'

const MESSAGES = path.join(PROJECT_ROOT, 'test/fixtures/messages')

/**
 * The canonical result set the reporters are checked on: build rc1 failed on local; build rc2
 * passed on local after a retry (flaky) and on docker, plus Go unit tests.
 */
export async function writeCanonicalResults(dir: string): Promise<void> {
  const base = { stage: 'acceptance' as const, resultsDir: dir, milestone: 'run-fixture' }
  await ingestCucumberMessages(path.join(MESSAGES, 'failing.ndjson'), { ...base, build: 'v0.5.0-rc1', environment: 'local', sourceName: 'failing.ndjson' })
  await ingestCucumberMessages(path.join(MESSAGES, 'flaky.ndjson'), { ...base, build: 'v0.5.0-rc2', environment: 'local', sourceName: 'flaky.ndjson' })
  // docker ran the same scenarios to the same ends: a report of its own (one report is one run's
  // results, counted once: same-input.ts), which says what the local one says
  const docker = path.join(tempTree(), 'flaky.ndjson')
  writeFileSync(docker, `${readFileSync(path.join(MESSAGES, 'flaky.ndjson'), 'utf8')}\n`)
  await ingestCucumberMessages(docker, { ...base, build: 'v0.5.0-rc2', environment: 'docker', sourceName: 'flaky.ndjson' })
  await ingestJUnit(path.join(MESSAGES, 'go-unit.xml'), { ...base, stage: 'unit', build: 'v0.5.0-rc2', environment: 'local', sourceName: 'go-unit.xml' })
}

/** The canonical runs written to a temporary results folder and merged. */
export async function canonicalResultSet(options: { keepStepsOfPassed?: boolean } = {}): Promise<{ results: ResultSet; resultsDir: string }> {
  const resultsDir = tempTree()
  await writeCanonicalResults(resultsDir)
  return { results: await mergeResults(resultsDir, options), resultsDir }
}

/** Machine-specific text (checkout path) replaced, so golden files hold on any clone. */
export function masked(text: string): string {
  return text.split(PROJECT_ROOT).join('<root>')
}
