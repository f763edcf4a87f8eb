import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { HubClient } from '../../hub/client/hub-client.ts'
import { pushResults } from '../../hub/client/push-results.ts'
import { openStore } from '../../hub/store/open-store.ts'
import { prunePlan } from '../../hub/prune-plan.ts'
import { MODEL_VERSION, type Case } from '../../src/model/results.ts'
import { ResultsWriter } from '../../src/results/results-writer.ts'
import { api, BOTH_STORES, hubProject, startHub } from '../helpers/hub.ts'
import { postgresAvailable, startPostgres } from '../helpers/postgres.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { tempTree } from '../helpers/temp-tree.ts'

const BUILDS = ['v1.0.0', 'v1.1.0-rc1', 'v1.1.0-rc2', 'v1.1.0-rc3', 'v1.1.0-rc4', 'v1.1.0-rc5', 'v1.1.0-rc6', 'v1.1.0-rc7']

describe('retention: the rule of what stays', () => {
  it('keeps the newest, releases, approved builds and what gate evidence names; removes the rest', () => {
    const plan = prunePlan({ order: BUILDS, keepBuilds: 2, keepReleases: true, approved: ['v1.1.0-rc2'], gated: [{ build: 'v1.1.0-rc4', baseline: 'v1.1.0-rc3' }] })
    expect(plan.remove).toEqual(['v1.1.0-rc1', 'v1.1.0-rc5'])
    expect(plan.keep).toEqual([
      { build: 'v1.0.0', why: ['release'] },
      { build: 'v1.1.0-rc2', why: ['approved'] },
      { build: 'v1.1.0-rc3', why: ['gate baseline'] },
      { build: 'v1.1.0-rc4', why: ['gate evidence'] },
      { build: 'v1.1.0-rc6', why: ['newest'] },
      { build: 'v1.1.0-rc7', why: ['newest'] },
    ])
    expect(prunePlan({ order: BUILDS, keepBuilds: 2, keepReleases: false, approved: [], gated: [] }).remove).toEqual(BUILDS.slice(0, 6))
    expect(prunePlan({ order: BUILDS, keepBuilds: 20, keepReleases: false, approved: [], gated: [] }).remove).toEqual([])
  })
})

describe.each(BOTH_STORES)('hub prune on $store', ({ postgres }) => {
  it.skipIf(postgres && !postgresAvailable())('removes whole builds with their runs, outcomes and orphaned files, and keeps what the rule keeps', async () => {
    const pg = postgres ? await startPostgres() : undefined
    const databaseUrl = pg ? await pg.createDatabase() : undefined
    const env: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : {}
    const root = hubProject()
    try {
      const hub = await startHub({ root, ...(databaseUrl ? { databaseUrl } : {}) })
      const scenarios = [...hub.service.project.scenarios.values()]
      const automated = scenarios.filter((s) => !s.manual)
      const results = tempTree()
      for (const [b, build] of BUILDS.entries()) {
        const writer = new ResultsWriter(results)
        for (const s of automated) writer.write({ kind: 'case', id: s.id, uri: s.uri, feature: s.feature, scenario: s.scenario, name: s.name, featureIds: s.featureIds, tags: s.tags, status: 'passed', flaky: false, attempts: 1, durationMs: 1, steps: [], attachments: [], nodes: [], source: 'automated' } satisfies Case)
        writer.close({ kind: 'run', modelVersion: MODEL_VERSION, id: `prune-${b}`, build, milestone: 'run-fixture', stage: 'acceptance', environment: 'local', startedAt: `2026-0${1 + (b % 8)}-01T00:00:00.000Z`, finishedAt: `2026-0${1 + (b % 8)}-01T00:10:00.000Z`, source: { format: 'cucumber-messages' } })
      }
      await pushResults(new HubClient(hub.url, hub.tokens.ci), results)
      // a manual outcome with evidence on the build that goes, and an approval on one that stays
      const manual = scenarios.find((s) => s.manual)!
      expect((await api(hub, 'POST', '/assignments', hub.tokens.qa, { build: 'v1.1.0-rc1', scenarios: [manual.id], tester: 'alice' })).status).toBe(201)
      const evidence = await api(hub, 'POST', '/evidence', hub.tokens.alice, Buffer.from('only rc1 refers to me\n'), { 'content-type': 'text/plain', 'x-file-name': 'rc1.log' })
      const fresh = await api(hub, 'POST', '/evidence', hub.tokens.alice, Buffer.from('uploaded, not yet submitted\n'), { 'content-type': 'text/plain', 'x-file-name': 'new.log' })
      expect((await api(hub, 'POST', '/outcomes', hub.tokens.alice, { build: 'v1.1.0-rc1', scenario: manual.id, status: 'passed', evidence: [{ file: evidence.body.file, name: 'rc1.log' }] }, { 'idempotency-key': randomUUID() })).status).toBe(201)
      expect((await api(hub, 'POST', '/builds/v1.1.0-rc2/approvals', hub.tokens.qa, {})).status).toBe(201)
      // files a day old and more may go when nothing refers to them; the fresh one is about to be used
      await hub.service.store.db.query('update blobs set created_at = $1 where name = $2', ['2020-01-01T00:00:00.000Z', evidence.body.file])
      await hub.close()
      mkdirSync(path.join(root, 'reports'))
      writeFileSync(path.join(root, 'reports/gate-v1.1.0-rc4.json'), JSON.stringify({ evidenceVersion: 1, report: { milestone: 'run-fixture', build: 'v1.1.0-rc4', verdict: 'go', baseline: { rule: 'previous-rc', build: 'v1.1.0-rc3' }, criteria: [], waivers: { used: [], unused: [], expired: [] }, changes: [] } }))

      const dry = await runCliInProcess(['hub', 'prune', '--keep-builds', '2', '--evidence', 'reports', '--dry-run'], { cwd: root, env })
      expect(dry.code, dry.stderr).toBe(0)
      expect(dry.stdout).toContain('would remove v1.1.0-rc1\n')
      expect(dry.stdout).toContain('keep v1.1.0-rc3 (gate baseline)')
      expect(dry.stdout).toContain('2 of 8 build(s) would be removed; nothing was')
      const pruned = await runCliInProcess(['hub', 'prune', '--keep-builds', '2', '--evidence', 'reports'], { cwd: root, env })
      expect(pruned.code, pruned.stderr).toBe(0)
      expect(pruned.stdout).toContain(`removed 2 of 8 build(s): 2 run(s), ${2 * automated.length} case(s), 1 manual outcome(s), 1 file(s) nothing refers to; kept 6`)
      const again = await runCliInProcess(['hub', 'prune', '--keep-builds', '2', '--evidence', 'reports'], { cwd: root, env })
      expect(again.stdout).toContain('removed 0 of 6 build(s)')

      const store = await openStore({ root, ...(databaseUrl ? { databaseUrl } : {}) })
      try {
        expect((await store.builds()).map((b) => b.name).sort()).toEqual(['v1.0.0', 'v1.1.0-rc2', 'v1.1.0-rc3', 'v1.1.0-rc4', 'v1.1.0-rc6', 'v1.1.0-rc7'])
        expect(await store.counts()).toEqual({ runs: 6, cases: 6 * automated.length, outcomes: 0 })
        expect(await store.blob(evidence.body.file)).toBeUndefined()
        expect(await store.blob(fresh.body.file)).toBeDefined()
        expect(await store.approvals('v1.1.0-rc2')).toHaveLength(1)
      } finally {
        await store.db.close()
      }

      for (const [args, says] of [
        [['--keep-builds', '0'], '--keep-builds "0": give how many of the newest builds to keep'],
        [['--keep-builds', '3', '--evidence', 'nowhere.json'], '--evidence nowhere.json: not found'],
      ] as const) {
        const refused = await runCliInProcess(['hub', 'prune', ...args], { cwd: root, env })
        expect(refused.code).toBe(2)
        expect(refused.stderr).toContain(says)
        expect(refused.stderr).not.toMatch(/\n\s+at /)
      }
    } finally {
      await pg?.stop()
    }
  })
})
