// A year of history for the results hub: a project of N scenarios (files of 50, tied to ten scope
// features, plus manual ones) and builds × environments of pushed runs written straight into a
// hub store, with failing, skipped and flaky cases and accepted manual outcomes. Cases are made by
// the database from one table of the scenarios (a run is one statement), so 4 million of them load
// in minutes; what the hub reads back is the same as after pushes (migration 4's columns included).
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { hubCatalogue } from '../../hub/hub-catalogue.ts'
import type { HubStore } from '../../hub/store/hub-store.ts'
import { MODEL_VERSION } from '../../src/model/results.ts'

export const ENVIRONMENTS = ['local', 'docker', 'feature', 'edge']
const FEATURES = Array.from({ length: 10 }, (_, i) => `feature-${i}`)

/** The features folder, scope and gate file of a project with `scenarios` automated scenarios and 20 manual ones. */
export function writeScaleProject(root: string, scenarios: number): void {
  const dir = path.join(root, 'features')
  mkdirSync(path.join(dir, 'milestones'), { recursive: true })
  for (let f = 0; f * 50 < scenarios; f++) {
    const body = Array.from({ length: Math.min(50, scenarios - f * 50) }, (_, i) => `  Scenario: behaviour ${f}-${i}\n    Given a node\n    When it does thing ${i}\n    Then it answers ${i}\n`).join('\n')
    writeFileSync(path.join(dir, `area-${f}.feature`), `@feature:${FEATURES[f % FEATURES.length]}\nFeature: Area ${f}\n\n${body}`)
  }
  const manual = Array.from({ length: 20 }, (_, i) => `  @manual\n  Scenario: checked by hand ${i}\n    Given a volunteer's machine\n    Then step ${i} looks right\n`).join('\n')
  writeFileSync(path.join(dir, 'by-hand.feature'), `@feature:${FEATURES[0]}\nFeature: By hand\n\n${manual}`)
  writeFileSync(
    path.join(dir, 'milestones/scale.yaml'),
    `milestone: scale\nname: A year of history\nfrozen: 2026-01-01\nfeatures:\n${FEATURES.map((id) => `  - id: ${id}\n    name: ${id}\n    status: finished\n    environments: [${ENVIRONMENTS.join(', ')}]\n    acceptance: ${id} works on every environment\n`).join('')}`,
  )
  writeFileSync(
    path.join(dir, 'milestones/scale.gates.yaml'),
    [
      'milestone: scale',
      "applies-to: 'v*'",
      'baseline: previous-rc',
      'criteria:',
      '  - { id: envs, kind: environments-tested, severity: blocking }',
      '  - { id: pass, kind: scenarios-pass, severity: blocking, select: { tags: not @manual } }',
      '  - { id: new, kind: no-new-failures, severity: blocking }',
      '  - { id: flaky, kind: flaky-rate, severity: informing, max: 0.05, window: 10 }',
      '  - { id: signoff, kind: manual-signoff, severity: blocking, testers: 1 }',
      '',
    ].join('\n'),
  )
}

export const buildName = (b: number): string => `v1.0.0-rc${b + 1}`

/**
 * Loads builds [from, from + count) into the store: a run per environment with every automated
 * scenario (1 % failed, 1 % skipped, 1 % flaky, varying with the build), and two accepted manual
 * outcomes a build.
 */
export async function loadHistory(store: HubStore, root: string, from: number, count: number, onBuild?: (b: number) => void): Promise<void> {
  const project = hubCatalogue(root)
  const all = [...project.scenarios.values()]
  const automated = all.filter((s) => !s.manual)
  const manual = all.filter((s) => s.manual)
  const db = store.db
  await db.query('create table if not exists bench_scenarios (seq integer primary key, id text not null, body text not null)')
  if ((await db.query<{ n: number }>('select count(*)::int as n from bench_scenarios'))[0]!.n === 0) {
    // each case body with a status placeholder, made once by JSON.stringify as the hub would store it
    const bodies = automated.map((s) => JSON.stringify({ kind: 'case', id: s.id, uri: s.uri, feature: s.feature, scenario: s.scenario, name: s.name, featureIds: s.featureIds, tags: s.tags, status: '@STATUS@', flaky: '@FLAKY@', attempts: 1, durationMs: 12, steps: [], attachments: [], nodes: [], source: 'automated' }).replace('"@FLAKY@"', '@FLAKY@'))
    await db.query('insert into bench_scenarios (seq, id, body) select n - 1, i, b from unnest($1::text[], $2::text[]) with ordinality as t(i, b, n)', [automated.map((s) => s.id), bodies])
  }
  const ci = (await store.tokenByName('bench-ci')) ?? (await store.createToken('bench-ci', 'ci')).record
  const qa = (await store.tokenByName('bench-qa')) ?? (await store.createToken('bench-qa', 'qa')).record
  const testers = await Promise.all(['vol-a', 'vol-b'].map(async (name) => (await store.tokenByName(name)) ?? (await store.createToken(name, 'tester')).record))
  for (let b = from; b < from + count; b++) {
    const build = buildName(b)
    const day = new Date(Date.UTC(2026, 0, 1) + b * 36 * 3600_000)
    await store.openBuildForManualTesting(build)
    for (const [e, environment] of ENVIRONMENTS.entries()) {
      const finished = new Date(day.getTime() + (e + 1) * 600_000).toISOString()
      const run = { kind: 'run', modelVersion: MODEL_VERSION, id: `hist-${b}-${environment}`, build, milestone: 'scale', stage: 'acceptance', environment, startedAt: day.toISOString(), finishedAt: finished, source: { format: 'cucumber-messages' } }
      await db.query(
        "insert into runs (id, build, milestone, stage, environment, finished_at, header, case_count, received, complete, pushed_by, pushed_at) values ($1, $2, 'scale', 'acceptance', $3, $4, $5, $6, $6, true, $7, $4)",
        [run.id, build, environment, finished, JSON.stringify(run), automated.length, ci.id],
      )
      // h: a number 0–99 per case, build and environment
      await db.query(
        `insert into cases (run_id, seq, body, case_id, status, flaky)
         select $1, s.seq, replace(replace(s.body, '"@STATUS@"', '"' || x.status || '"'), '@FLAKY@', x.flaky::text), s.id, x.status, x.flaky
         from bench_scenarios s,
         lateral (select case when h = 0 then 'failed' when h = 1 then 'skipped' else 'passed' end as status, h = 2 as flaky
                  from (select abs(hashtext(s.id || $2)) % 100 as h) q) x`,
        [run.id, `${build}/${environment}`],
      )
    }
    for (const [t, tester] of testers.entries()) {
      const s = manual[(b + t) % manual.length]!
      const rows = await db.query<{ id: number }>(
        `insert into outcomes (build, environment, case_id, tester, person, version, status, steps, details, defects, evidence, content_hash, idempotency_key, request_hash, submitted_at)
         values ($1, 'community', $2, $3, $4, 1, $5, '[]', '{}', '[]', '[]', $6, $7, 'bench', $8) returning id`,
        [build, s.id, tester.id, tester.name, t === 0 || b % 7 ? 'passed' : 'failed', s.contentHash, `bench-${b}-${t}`, day.toISOString()],
      )
      await db.query("insert into reviews (outcome_id, reviewer, verdict, reviewed_at) values ($1, $2, 'accepted', $3)", [rows[0]!.id, qa.id, day.toISOString()])
    }
    onBuild?.(b)
  }
}
