import { createHash } from 'node:crypto'
import type { Run } from '../../src/model/results.ts'
import type { Status } from '../../src/model/vocabulary.ts'
import { orderBuilds } from '../../src/results/merge-results.ts'
import type { Database, Queryable } from './database.ts'
import { newToken, newTokenId, tokenHash, type Role } from '../tokens.ts'

export interface TokenRecord {
  id: string
  name: string
  role: Role
  createdAt: string
  revokedAt?: string
}

/** What a build's history needs of a case: the rest of it stays in its body. */
export interface CaseSummary {
  id: string
  status: Status
  flaky: boolean
}

export interface RunRecord {
  id: string
  build: string
  caseCount: number
  received: number
  complete: boolean
}

export interface Assignment {
  id: number
  build: string
  environment: string
  caseId: string
  tester?: string
  testerName?: string
  due?: string
  claimExpires?: string
}

export interface OutcomeInput {
  build: string
  environment: string
  caseId: string
  status: 'passed' | 'failed' | 'blocked' | 'skipped'
  steps: { index: number; status: 'passed' | 'failed' | 'blocked' | 'skipped'; comment?: string }[]
  comment?: string
  elapsedMs?: number
  details: Record<string, string>
  defects: string[]
  evidence: { name: string; file: string; mediaType: string; size: number }[]
  contentHash: string
}

export interface Outcome extends OutcomeInput {
  id: number
  tester: string
  testerName: string
  version: number
  submittedAt: string
  review?: { verdict: 'accepted' | 'rejected' | 'needs-info'; reason?: string; reviewer: string; reviewerName: string; reviewedAt: string }
}

export type Verdict = 'accepted' | 'rejected' | 'needs-info'

/** Every query of the hub, over either store. Methods take and return plain data. */
export class HubStore {
  constructor(
    readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private at(): string {
    return this.now().toISOString()
  }

  // tokens ----------------------------------------------------------------------------------

  async createToken(name: string, role: Role): Promise<{ token: string; record: TokenRecord }> {
    const { token, hash } = newToken()
    const record: TokenRecord = { id: newTokenId(), name, role, createdAt: this.at() }
    const inserted = await this.db.query('insert into tokens (id, name, role, hash, created_at) values ($1, $2, $3, $4, $5) on conflict (name) where revoked_at is null do nothing returning id', [record.id, name, role, hash, record.createdAt])
    if (inserted.length === 0) throw new StoreConflict(`"${name}" has a token; give them a new one with bdd-matrix token rotate ${name} (the old one stops working), or choose another name`)
    return { token, record }
  }

  /**
   * A new token for the same person (name and role) and the old one revoked, in one step: what a
   * tester who lost a token, or a scheduled rotation, needs. Their outcomes, claims and sign-off
   * stay theirs. Undefined when no active token has that id or name.
   */
  async rotateToken(idOrName: string): Promise<{ token: string; record: TokenRecord; revoked: TokenRecord } | undefined> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<TokenRow>('update tokens set revoked_at = $2 where (id = $1 or name = $1) and revoked_at is null returning id, name, role, created_at, revoked_at', [idOrName, this.at()])
      const old = rows[0]
      if (!old) return undefined
      await tx.query('delete from sessions where token_id = $1', [old.id])
      const { token, hash } = newToken()
      const record: TokenRecord = { id: newTokenId(), name: old.name, role: old.role, createdAt: this.at() }
      await tx.query('insert into tokens (id, name, role, hash, created_at) values ($1, $2, $3, $4, $5)', [record.id, record.name, record.role, hash, record.createdAt])
      return { token, record, revoked: tokenOf(old) }
    })
  }

  async listTokens(): Promise<TokenRecord[]> {
    return (await this.db.query<TokenRow>('select id, name, role, created_at, revoked_at from tokens order by created_at, name')).map(tokenOf)
  }

  /** Revokes by id or name; its sessions end with it. Undefined when there is no such token. */
  async revokeToken(idOrName: string): Promise<TokenRecord | undefined> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<TokenRow>('update tokens set revoked_at = $2 where (id = $1 or name = $1) and revoked_at is null returning id, name, role, created_at, revoked_at', [idOrName, this.at()])
      // revoking again changes nothing and says so
      const r = rows[0] ?? (await tx.query<TokenRow>('select id, name, role, created_at, revoked_at from tokens where id = $1 or name = $1 order by revoked_at desc limit 1', [idOrName]))[0]
      if (!r) return undefined
      await tx.query('delete from sessions where token_id = $1', [r.id])
      return tokenOf(r)
    })
  }

  async tokenFor(secret: string): Promise<TokenRecord | undefined> {
    const rows = await this.db.query<TokenRow>('select id, name, role, created_at from tokens where hash = $1 and revoked_at is null', [tokenHash(secret)])
    return rows[0] && tokenOf(rows[0])
  }

  async tokenByName(name: string): Promise<TokenRecord | undefined> {
    const rows = await this.db.query<TokenRow>('select id, name, role, created_at from tokens where (name = $1 or id = $1) and revoked_at is null', [name])
    return rows[0] && tokenOf(rows[0])
  }

  // sessions of the web pages -----------------------------------------------------------------

  async createSession(tokenId: string, sessionSecret: string, csrf: string, hours: number): Promise<void> {
    await this.db.query('insert into sessions (hash, token_id, csrf, expires_at) values ($1, $2, $3, $4)', [tokenHash(sessionSecret), tokenId, csrf, new Date(this.now().getTime() + hours * 3600_000).toISOString()])
  }

  async session(sessionSecret: string): Promise<{ token: TokenRecord; csrf: string } | undefined> {
    const rows = await this.db.query<TokenRow & { csrf: string }>(
      'select t.id, t.name, t.role, t.created_at, s.csrf from sessions s join tokens t on t.id = s.token_id where s.hash = $1 and s.expires_at > $2 and t.revoked_at is null',
      [tokenHash(sessionSecret), this.at()],
    )
    const r = rows[0]
    return r ? { token: tokenOf(r), csrf: r.csrf } : undefined
  }

  async endSession(sessionSecret: string): Promise<void> {
    await this.db.query('delete from sessions where hash = $1', [tokenHash(sessionSecret)])
  }

  // builds and pushed runs ------------------------------------------------------------------

  async ensureBuild(name: string, tx: Queryable = this.db): Promise<void> {
    await tx.query('insert into builds (name, created_at) values ($1, $2) on conflict (name) do nothing', [name, this.at()])
  }

  async builds(): Promise<{ name: string; createdAt: string; runs: number; outcomes: number; manual: boolean }[]> {
    const rows = await this.db.query<{ name: string; created_at: string; runs: number; outcomes: number; manual_opened_at: string | null }>(
      `select b.name, b.created_at, b.manual_opened_at,
         (select count(*)::int from runs r where r.build = b.name and r.complete) as runs,
         (select count(*)::int from outcomes o where o.build = b.name) as outcomes
       from builds b order by b.created_at, b.name`,
    )
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at, runs: r.runs, outcomes: r.outcomes, manual: r.manual_opened_at !== null }))
  }

  async hasBuild(name: string): Promise<boolean> {
    return (await this.db.query('select 1 from builds where name = $1', [name])).length > 0
  }

  /** QA opens a build for manual testing (creating it when CI has not pushed it yet). */
  async openBuildForManualTesting(name: string, tx: Queryable = this.db): Promise<void> {
    await tx.query('insert into builds (name, created_at, manual_opened_at) values ($1, $2, $2) on conflict (name) do update set manual_opened_at = coalesce(builds.manual_opened_at, excluded.manual_opened_at)', [name, this.at()])
  }

  async isOpenForManualTesting(name: string): Promise<boolean> {
    return (await this.db.query('select 1 from builds where name = $1 and manual_opened_at is not null', [name])).length > 0
  }

  /** Starts (or finds) a pushed run: idempotent by run id. */
  async beginRun(run: Run, caseCount: number, pushedBy: string): Promise<RunRecord> {
    return this.db.transaction(async (tx) => {
      await this.ensureBuild(run.build, tx)
      await tx.query(
        `insert into runs (id, build, milestone, stage, environment, finished_at, header, case_count, pushed_by, pushed_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (id) do nothing`,
        [run.id, run.build, run.milestone ?? null, run.stage, run.environment, run.finishedAt, JSON.stringify(run), caseCount, pushedBy, this.at()],
      )
      return runRecordOf((await tx.query<RunRow>('select id, build, case_count, received, complete from runs where id = $1', [run.id]))[0]!)
    })
  }

  async runRecord(id: string): Promise<RunRecord | undefined> {
    const rows = await this.db.query<RunRow>('select id, build, case_count, received, complete from runs where id = $1', [id])
    return rows[0] && runRecordOf(rows[0])
  }

  /** Stores case lines from position `from`; lines already there are left as they are. Returns how many the run now holds. */
  async addCases(runId: string, from: number, lines: string[], summaries: CaseSummary[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      const seqs = lines.map((_, i) => from + i)
      await tx.query(
        'insert into cases (run_id, seq, body, case_id, status, flaky) select $1, s, b, c, st, f from unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::boolean[]) as t(s, b, c, st, f) on conflict do nothing',
        [runId, seqs, lines, summaries.map((c) => c.id), summaries.map((c) => c.status), summaries.map((c) => c.flaky)],
      )
      const rows = await tx.query<{ received: number }>('update runs set received = (select count(*)::int from cases where run_id = $1) where id = $1 returning received', [runId])
      return rows[0]!.received
    })
  }

  async completeRun(runId: string): Promise<RunRecord | undefined> {
    await this.db.query('update runs set complete = true where id = $1 and received = case_count', [runId])
    return this.runRecord(runId)
  }

  /** Complete runs, optionally of some builds, headers only. */
  async runs(builds?: string[]): Promise<Run[]> {
    const rows = builds
      ? await this.db.query<{ header: Run | string }>('select header from runs where complete and build = any($1::text[]) order by finished_at, id', [builds])
      : await this.db.query<{ header: Run | string }>('select header from runs where complete order by finished_at, id')
    return rows.map((r) => (typeof r.header === 'string' ? (JSON.parse(r.header) as Run) : r.header))
  }

  /**
   * Each case's id, status and flakiness in the given runs, in run and case order: what a build's
   * history needs, read in one query.
   */
  async caseSummaries(runIds: string[]): Promise<Map<string, CaseSummary[]>> {
    const out = new Map<string, CaseSummary[]>(runIds.map((id) => [id, []]))
    if (runIds.length === 0) return out
    // A row a run, its cases as one JSON text of [id, status, flaky]: 200,000 rows, or arrays,
    // cost several times more to send and parse.
    const rows = await this.db.query<{ run_id: string; cases: string }>('select run_id, json_agg(json_build_array(case_id, status, flaky) order by seq)::text as cases from cases where run_id = any($1::text[]) group by run_id', [runIds])
    for (const r of rows) out.set(r.run_id, (JSON.parse(r.cases) as [string, CaseSummary['status'], boolean][]).map(([id, status, flaky]) => ({ id, status, flaky })))
    return out
  }

  /**
   * Every build with the finish time of its latest complete run and a stamp that moves whenever
   * what a view merges of it changes: a run completed, an outcome submitted or reviewed, the
   * build pruned and made again.
   */
  async buildStamps(): Promise<Map<string, { lastRun?: string; stamp: string }>> {
    const rows = await this.db.query<{ name: string; created_at: string; runs: number; last: string | null; outcome: number; review: number }>(
      // one pass over each table, grouped: a lookup per build would grow with builds × outcomes
      `select b.name, b.created_at, coalesce(r.n, 0) as runs, r.last, coalesce(o.m, 0) as outcome, coalesce(v.m, 0) as review
       from builds b
       left join (select build, count(*)::int as n, max(finished_at) as last from runs where complete group by build) r on r.build = b.name
       left join (select build, max(id) as m from outcomes group by build) o on o.build = b.name
       left join (select o.build, max(v.id) as m from reviews v join outcomes o on o.id = v.outcome_id group by o.build) v on v.build = b.name`,
    )
    return new Map(rows.map((r) => [r.name, { ...(r.last ? { lastRun: r.last } : {}), stamp: `${r.created_at}/${r.runs}/${r.last ?? ''}/${r.outcome}/${r.review}` }]))
  }

  /**
   * Moves whenever any build's stamp could have: a build made or removed, a run completed, an
   * outcome submitted, a review given. Reads a few index ends, so it can be asked on every view.
   */
  async changeStamp(): Promise<string> {
    const rows = await this.db.query<{ stamp: string }>(
      `select concat_ws('/', (select count(*) from builds), (select max(created_at) from builds), (select count(*) from runs where complete), (select max(id) from outcomes), (select max(id) from reviews)) as stamp`,
    )
    return rows[0]!.stamp
  }

  /** Every build oldest first, by the merge's rule (orderBuilds), with its stamp. */
  async buildOrder(): Promise<{ order: string[]; stamps: Map<string, { lastRun?: string; stamp: string }> }> {
    const stamps = await this.buildStamps()
    const order = orderBuilds(
      [...stamps.keys()],
      new Map([...stamps].flatMap(([name, s]) => (s.lastRun ? [[name, s.lastRun] as const] : []))),
    )
    return { order, stamps }
  }

  async caseLines(runId: string, onLine: (line: string, n: number) => void): Promise<void> {
    // Pages of 5,000: a 100,000-case run is never one result set in memory.
    for (let from = 0; ; from += PAGE) {
      const rows = await this.db.query<{ seq: number; body: string }>('select seq, body from cases where run_id = $1 and seq >= $2 and seq < $3 order by seq', [runId, from, from + PAGE])
      for (const r of rows) onLine(r.body, r.seq + 2)
      if (rows.length < PAGE) {
        const more = await this.db.query('select 1 from cases where run_id = $1 and seq >= $2 limit 1', [runId, from + PAGE])
        if (more.length === 0) return
      }
    }
  }

  // blobs: evidence and attachments, stored once by content ----------------------------------

  async putBlob(name: string, mediaType: string, body: Buffer): Promise<void> {
    await this.db.query('insert into blobs (name, media_type, size, body, created_at) values ($1, $2, $3, $4, $5) on conflict (name) do nothing', [name, mediaType, body.length, body, this.at()])
  }

  async blob(name: string): Promise<{ mediaType: string; body: Buffer } | undefined> {
    const rows = await this.db.query<{ media_type: string; body: Uint8Array }>('select media_type, body from blobs where name = $1', [name])
    const r = rows[0]
    return r ? { mediaType: r.media_type, body: Buffer.from(r.body) } : undefined
  }

  async missingBlobs(names: string[]): Promise<string[]> {
    const rows = await this.db.query<{ name: string }>('select name from blobs where name = any($1::text[])', [names])
    const there = new Set(rows.map((r) => r.name))
    return names.filter((n) => !there.has(n))
  }

  // assignments -----------------------------------------------------------------------------

  async assign(input: { build: string; environment: string; caseIds: string[]; tester?: string; assignedBy: string; due?: string }): Promise<Assignment[]> {
    return this.db.transaction(async (tx) => {
      await this.openBuildForManualTesting(input.build, tx)
      const out: Assignment[] = []
      for (const caseId of input.caseIds) {
        const rows = await tx.query<AssignmentRow>(
          `insert into assignments (build, environment, case_id, tester, assigned_by, due, claim_expires, created_at) values ($1, $2, $3, $4, $5, $6, null, $7)
           on conflict (build, environment, case_id) do update set tester = excluded.tester, assigned_by = excluded.assigned_by, due = excluded.due, claim_expires = null
           returning id, build, environment, case_id, tester, due, claim_expires, (select name from tokens where id = $4) as tester_name`,
          [input.build, input.environment, caseId, input.tester ?? null, input.assignedBy, input.due ?? null, this.at()],
        )
        out.push(assignmentOf(rows[0]!))
      }
      return out
    })
  }

  async assignments(filter: { build?: string; testerOrOpen?: string }): Promise<Assignment[]> {
    const params: unknown[] = [this.at()]
    let where = 'true'
    if (filter.build) {
      params.push(filter.build)
      where += ` and a.build = $${params.length}`
    }
    if (filter.testerOrOpen) {
      params.push(filter.testerOrOpen)
      // a tester (a person, whichever of their tokens) sees theirs and those anyone may claim
      // (unassigned, or a claim that lapsed)
      where += ` and (t.name = $${params.length} or a.tester is null or (a.claim_expires is not null and a.claim_expires < $1))`
    }
    const rows = await this.db.query<AssignmentRow>(
      `select a.id, a.build, a.environment, a.case_id, case when a.claim_expires is not null and a.claim_expires < $1 then null else a.tester end as tester, a.due, a.claim_expires, case when a.claim_expires is not null and a.claim_expires < $1 then null else t.name end as tester_name
       from assignments a left join tokens t on t.id = a.tester where ${where} order by a.build, a.due nulls last, a.id`,
      params,
    )
    return rows.map(assignmentOf)
  }

  /** A tester takes an open assignment for `hours`; undefined when someone else holds it. */
  async claim(id: number, tester: string, hours: number): Promise<Assignment | undefined | 'missing'> {
    const now = this.at()
    const rows = await this.db.query<AssignmentRow>(
      `update assignments a set tester = $2, claim_expires = $3 where a.id = $1
         and (a.tester is null or a.tester in (select p.id from tokens p where p.name = (select name from tokens where id = $2)) or (a.claim_expires is not null and a.claim_expires < $4))
       returning a.id, a.build, a.environment, a.case_id, a.tester, a.due, a.claim_expires, (select name from tokens where id = $2) as tester_name`,
      [id, tester, new Date(this.now().getTime() + hours * 3600_000).toISOString(), now],
    )
    if (rows[0]) return assignmentOf(rows[0])
    const exists = await this.db.query('select 1 from assignments where id = $1', [id])
    return exists.length ? undefined : 'missing'
  }

  // outcomes and reviews --------------------------------------------------------------------

  /**
   * Appends a tester's outcome as the next version of theirs for the scenario × build ×
   * environment. The same Idempotency-Key again returns the outcome stored the first time
   * (`replayed`); with another body it is a conflict.
   */
  /**
   * Appends a tester's outcome as the next version of theirs for the scenario × build ×
   * environment. The same Idempotency-Key again returns the outcome stored the first time
   * (`replayed`); with another body it is a conflict.
   *
   * Submissions that arrive while a write is in flight are written together in one statement
   * (group commit): each is acknowledged only once its statement committed, and a hundred
   * testers submitting at once cost a few statements, not a hundred.
   */
  submitOutcome(tester: string, key: string, input: OutcomeInput & { testerName: string }): Promise<{ outcome: Outcome; replayed: boolean } | { conflict: string }> {
    const { testerName, ...stored } = input
    const requestHash = createHash('sha256').update(JSON.stringify(stored)).digest('hex')
    return new Promise((resolve, reject) => {
      this.queue.push({ tester, testerName, key, stored, requestHash, resolve, reject })
      // After the requests already read have queued theirs: the embedded store runs on this
      // thread, so a write started at once would keep them waiting, one statement each.
      if (!this.flushing) {
        this.flushing = true
        setImmediate(() => void this.flush())
      }
    })
  }

  private queue: PendingSubmission[] = []
  private flushing = false

  private async flush(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, 500)
        try {
          await this.writeBatch(batch)
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error)
            continue
          }
          // One submission the store refuses must not fail the others written with it: each is
          // written again on its own, so only the one at fault fails. (writeBatch resolves
          // nothing before its statement committed, so none is answered twice.)
          for (const p of batch)
            await this.writeBatch([p]).catch((alone: unknown) => p.reject(alone))
        }
      }
    } finally {
      this.flushing = false
    }
  }

  private async writeBatch(batch: PendingSubmission[]): Promise<void> {
    const submittedAt = this.at()
    const column = <T>(f: (p: PendingSubmission) => T): T[] => batch.map(f)
    let rows: { id: number; version: number; tester: string; idempotency_key: string }[] = []
    for (let attempt = 0; ; attempt++) {
      try {
        // Hubs sharing a server number the same scenario × environment × person at once: the
        // function (schema step 5) first locks each such cell, in one order so that two writes
        // never wait on each other, and the one that waited sees the other's versions. Retrying
        // after collisions instead collided again and again under load from three instances
        // (225 submissions/s, p99 1.9 s); locking only after a collision does not help, as the
        // others' first attempts ignore it.
        rows = await this.db.query<{ id: number; version: number; tester: string; idempotency_key: string }>(
          'select * from bdd_matrix_write_outcomes($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)',
          [
            column((p) => p.stored.build),
            column((p) => p.stored.environment),
            column((p) => p.stored.caseId),
            column((p) => p.tester),
            column((p) => p.stored.status),
            column((p) => JSON.stringify(p.stored.steps)),
            column((p) => p.stored.comment ?? null),
            column((p) => p.stored.elapsedMs ?? null),
            column((p) => JSON.stringify(p.stored.details)),
            column((p) => JSON.stringify(p.stored.defects)),
            column((p) => JSON.stringify(p.stored.evidence)),
            column((p) => p.stored.contentHash),
            column((p) => p.key),
            column((p) => p.requestHash),
            submittedAt,
            column((p) => p.testerName),
            // the embedded store has one hub
            this.db.kind === 'postgres',
          ],
        )
        break
      } catch (error) {
        // A version number taken first by what does not lock the cell (another hub writing
        // outcomes by hand, a restored dump): count again.
        if ((error as { code?: string }).code !== '23505' || attempt >= 5) throw error
      }
    }
    const written = new Map(rows.map((r) => [`${r.tester}\u0000${r.idempotency_key}`, r]))
    for (const p of batch) {
      const key = `${p.tester}\u0000${p.key}`
      const row = written.get(key)
      // the first of a key twice in one batch is the one written
      written.delete(key)
      if (row) {
        p.resolve({ outcome: { ...p.stored, id: row.id, version: row.version, tester: p.tester, testerName: p.testerName, submittedAt }, replayed: false })
        continue
      }
      // A key seen before (or twice in this batch): the stored outcome answers.
      const existing = await this.outcomeByKey(p.tester, p.key)
      if (!existing) p.reject(new Error(`submission with key ${p.key} was neither stored nor found`))
      else p.resolve(existing.requestHash === p.requestHash ? { outcome: existing.outcome, replayed: true } : { conflict: 'this Idempotency-Key was used for another submission; use a new key for a new submission' })
    }
  }

  private async outcomeByKey(tester: string, key: string): Promise<{ outcome: Outcome; requestHash: string } | undefined> {
    const rows = await this.db.query<{ id: number; request_hash: string }>('select id, request_hash from outcomes where tester = $1 and idempotency_key = $2', [tester, key])
    if (!rows[0]) return undefined
    return { outcome: (await this.outcome(rows[0].id))!, requestHash: rows[0].request_hash }
  }

  async outcome(id: number): Promise<Outcome | undefined> {
    return (await this.outcomes({ id }))[0]
  }

  /** Outcomes with their latest review, newest version first per cell and person; `person` is a tester's name. */
  async outcomes(filter: { id?: number; build?: string; person?: string; latestOnly?: boolean; caseId?: string; environment?: string }): Promise<Outcome[]> {
    const params: unknown[] = []
    const where: string[] = []
    const add = (sql: string, value: unknown): void => {
      params.push(value)
      where.push(sql.replace('?', `$${params.length}`))
    }
    if (filter.id !== undefined) add('o.id = ?', filter.id)
    if (filter.build) add('o.build = ?', filter.build)
    if (filter.person) add('o.person = ?', filter.person)
    if (filter.caseId) add('o.case_id = ?', filter.caseId)
    if (filter.environment) add('o.environment = ?', filter.environment)
    if (filter.latestOnly) where.push('o.version = (select max(version) from outcomes x where x.build = o.build and x.environment = o.environment and x.case_id = o.case_id and x.person = o.person)')
    const rows = await this.db.query<OutcomeRow>(
      `select o.*, o.person as tester_name, r.verdict, r.reason, r.reviewer, r.reviewed_at, rt.name as reviewer_name
       from outcomes o
       left join lateral (select * from reviews r where r.outcome_id = o.id order by r.id desc limit 1) r on true
       left join tokens rt on rt.id = r.reviewer
       ${where.length ? `where ${where.join(' and ')}` : ''}
       order by o.build, o.case_id, o.environment, o.person, o.version desc`,
      params,
    )
    return rows.map(outcomeOf)
  }

  async review(outcomeId: number, reviewer: string, verdict: Verdict, reason?: string): Promise<Outcome> {
    await this.db.query('insert into reviews (outcome_id, reviewer, verdict, reason, reviewed_at) values ($1, $2, $3, $4, $5)', [outcomeId, reviewer, verdict, reason ?? null, this.at()])
    return (await this.outcome(outcomeId))!
  }

  async isLatestVersion(outcome: Outcome): Promise<boolean> {
    const rows = await this.db.query<{ v: number }>('select max(version) as v from outcomes where build = $1 and environment = $2 and case_id = $3 and person = $4', [outcome.build, outcome.environment, outcome.caseId, outcome.testerName])
    return rows[0]?.v === outcome.version
  }

  /**
   * A QA member approves a build for release, as its results stand (`judged`: their hash).
   * Approving the same results again changes nothing; approving after they changed approves
   * the results as they are now.
   */
  async approve(build: string, approver: string, comment: string | undefined, judged?: string): Promise<void> {
    await this.db.query(
      `insert into approvals (build, approver, comment, approved_at, judged) values ($1, $2, $3, $4, $5)
       on conflict (build, approver) do update set judged = excluded.judged, approved_at = excluded.approved_at, comment = coalesce(excluded.comment, approvals.comment)
       where approvals.judged is distinct from excluded.judged`,
      [build, approver, comment ?? null, this.at(), judged ?? null],
    )
  }

  async approvals(build: string): Promise<{ by: string; at: string; comment?: string; judged?: string }[]> {
    // a person approves once, whichever of their tokens they used: their latest approval counts
    const rows = await this.db.query<{ name: string; approved_at: string; comment: string | null; judged: string | null }>(
      'select * from (select distinct on (t.name) t.name, a.approved_at, a.comment, a.judged from approvals a join tokens t on t.id = a.approver where a.build = $1 order by t.name, a.approved_at desc) x order by approved_at',
      [build],
    )
    return rows.map((r) => ({ by: r.name, at: r.approved_at, ...(r.comment ? { comment: r.comment } : {}), ...(r.judged ? { judged: r.judged } : {}) }))
  }

  /** Builds that QA approved: release evidence, never pruned. */
  async approvedBuilds(): Promise<string[]> {
    return (await this.db.query<{ build: string }>('select distinct build from approvals')).map((r) => r.build)
  }

  /**
   * Removes builds with all that was recorded under them (runs, cases, outcomes and their
   * reviews, assignments), each build in its own transaction so a prune cut short leaves whole
   * builds; then the evidence and attachment files nothing refers to any more — a day old at
   * least, since a push or a tester uploads files before the run or outcome that names them.
   */
  async removeBuilds(names: string[]): Promise<{ builds: number; runs: number; cases: number; outcomes: number; files: number }> {
    const removed = { builds: 0, runs: 0, cases: 0, outcomes: 0, files: 0 }
    const count = async (tx: Queryable, sql: string, build: string): Promise<number> => (await tx.query<{ n: number }>(`with gone as (${sql} returning 1) select count(*)::int as n from gone`, [build]))[0]!.n
    for (const build of names)
      await this.db.transaction(async (tx) => {
        await tx.query('delete from reviews where outcome_id in (select id from outcomes where build = $1)', [build])
        removed.outcomes += await count(tx, 'delete from outcomes where build = $1', build)
        await tx.query('delete from assignments where build = $1', [build])
        await tx.query('delete from approvals where build = $1', [build])
        removed.cases += await count(tx, 'delete from cases where run_id in (select id from runs where build = $1)', build)
        removed.runs += await count(tx, 'delete from runs where build = $1', build)
        removed.builds += await count(tx, 'delete from builds where name = $1', build)
      })
    if (removed.builds > 0) {
      const dayAgo = new Date(this.now().getTime() - 86_400_000).toISOString()
      const rows = await this.db.query<{ n: number }>(
        `with referred as (
           select m[1] as name from cases, regexp_matches(body, '(attachments/[0-9a-f]+[.][A-Za-z0-9]+)', 'g') as m where position('attachments/' in body) > 0
           union select m[1] from outcomes, regexp_matches(evidence::text, '(attachments/[0-9a-f]+[.][A-Za-z0-9]+)', 'g') as m
         ), gone as (delete from blobs where created_at < $1 and name not in (select name from referred) returning 1)
         select count(*)::int as n from gone`,
        [dayAgo],
      )
      removed.files = rows[0]!.n
    }
    return removed
  }

  async counts(): Promise<{ outcomes: number; runs: number; cases: number }> {
    const rows = await this.db.query<{ outcomes: number; runs: number; cases: number }>('select (select count(*)::int from outcomes) as outcomes, (select count(*)::int from runs) as runs, (select count(*)::int from cases) as cases')
    return rows[0]!
  }
}

const PAGE = 5000

export class StoreConflict extends Error {}

interface TokenRow {
  id: string
  name: string
  role: Role
  created_at: string
  revoked_at?: string | null
}

interface RunRow {
  id: string
  build: string
  case_count: number
  received: number
  complete: boolean
}

function runRecordOf(r: RunRow): RunRecord {
  return { id: r.id, build: r.build, caseCount: r.case_count, received: r.received, complete: r.complete }
}

function tokenOf(r: TokenRow): TokenRecord {
  return { id: r.id, name: r.name, role: r.role, createdAt: r.created_at, ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}) }
}

interface PendingSubmission {
  tester: string
  testerName: string
  key: string
  stored: OutcomeInput
  requestHash: string
  resolve: (result: { outcome: Outcome; replayed: boolean } | { conflict: string }) => void
  reject: (error: unknown) => void
}

interface AssignmentRow {
  id: number
  build: string
  environment: string
  case_id: string
  tester: string | null
  tester_name: string | null
  due: string | null
  claim_expires: string | null
}

function assignmentOf(r: AssignmentRow): Assignment {
  return { id: r.id, build: r.build, environment: r.environment, caseId: r.case_id, ...(r.tester ? { tester: r.tester } : {}), ...(r.tester_name ? { testerName: r.tester_name } : {}), ...(r.due ? { due: r.due } : {}), ...(r.claim_expires ? { claimExpires: r.claim_expires } : {}) }
}

interface OutcomeRow {
  id: number
  build: string
  environment: string
  case_id: string
  tester: string
  tester_name: string
  version: number
  status: Outcome['status']
  steps: unknown
  comment: string | null
  elapsed_ms: number | null
  details: unknown
  defects: unknown
  evidence: unknown
  content_hash: string
  submitted_at: string
  verdict: Verdict | null
  reason: string | null
  reviewer: string | null
  reviewer_name: string | null
  reviewed_at: string | null
}

const json = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T))

function outcomeOf(r: OutcomeRow): Outcome {
  return {
    id: r.id,
    build: r.build,
    environment: r.environment,
    caseId: r.case_id,
    tester: r.tester,
    testerName: r.tester_name,
    version: r.version,
    status: r.status,
    steps: json(r.steps),
    ...(r.comment !== null ? { comment: r.comment } : {}),
    ...(r.elapsed_ms !== null ? { elapsedMs: r.elapsed_ms } : {}),
    details: json(r.details),
    defects: json(r.defects),
    evidence: json(r.evidence),
    contentHash: r.content_hash,
    submittedAt: r.submitted_at,
    ...(r.verdict ? { review: { verdict: r.verdict, ...(r.reason ? { reason: r.reason } : {}), reviewer: r.reviewer!, reviewerName: r.reviewer_name!, reviewedAt: r.reviewed_at! } } : {}),
  }
}
