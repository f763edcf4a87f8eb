/**
 * The hub's schema, one step per version, the same SQL for embedded PGlite and a PostgreSQL
 * server. Never edit a step that has shipped: add one. Timestamps are ISO-8601 text written by
 * the hub (one clock, the same on both stores).
 */
export const MIGRATIONS: readonly string[] = [
  `
  create table tokens (
    id text primary key,
    name text not null unique,
    role text not null check (role in ('qa', 'ci', 'tester')),
    hash text not null unique,
    created_at text not null,
    revoked_at text
  );
  create table sessions (
    hash text primary key,
    token_id text not null references tokens(id),
    csrf text not null,
    expires_at text not null
  );
  create table builds (
    name text primary key,
    created_at text not null
  );
  create table runs (
    id text primary key,
    build text not null references builds(name),
    milestone text,
    stage text not null,
    environment text not null,
    finished_at text not null,
    header jsonb not null,
    case_count integer not null,
    received integer not null default 0,
    complete boolean not null default false,
    pushed_by text not null references tokens(id),
    pushed_at text not null
  );
  create index runs_build on runs(build);
  create table cases (
    run_id text not null references runs(id),
    seq integer not null,
    body text not null,
    primary key (run_id, seq)
  );
  create table blobs (
    name text primary key,
    media_type text not null,
    size integer not null,
    body bytea not null,
    created_at text not null
  );
  create table assignments (
    id serial primary key,
    build text not null references builds(name),
    environment text not null,
    case_id text not null,
    tester text references tokens(id),
    assigned_by text references tokens(id),
    due text,
    claim_expires text,
    created_at text not null,
    unique (build, environment, case_id)
  );
  create table outcomes (
    id serial primary key,
    build text not null references builds(name),
    environment text not null,
    case_id text not null,
    tester text not null references tokens(id),
    version integer not null,
    status text not null,
    steps jsonb not null,
    comment text,
    elapsed_ms integer,
    details jsonb not null,
    defects jsonb not null,
    evidence jsonb not null,
    content_hash text not null,
    idempotency_key text not null,
    request_hash text not null,
    submitted_at text not null,
    unique (tester, idempotency_key),
    unique (build, environment, case_id, tester, version)
  );
  create index outcomes_build on outcomes(build);
  create table reviews (
    id serial primary key,
    outcome_id integer not null references outcomes(id),
    reviewer text not null references tokens(id),
    verdict text not null check (verdict in ('accepted', 'rejected', 'needs-info')),
    reason text,
    reviewed_at text not null
  );
  create index reviews_outcome on reviews(outcome_id);
  `,
  // 2: release approvals (gate criterion "approvals"), one per QA member and build
  `
  create table approvals (
    build text not null references builds(name),
    approver text not null references tokens(id),
    comment text,
    approved_at text not null,
    primary key (build, approver)
  );
  `,
  // 3: a tester is a person (the token's name), whose tokens come and go: a revoked token's name
  // can be given again (one active token per name), and an outcome's versions and sign-off count
  // the person. A build is open for manual testing once QA opens it or assigns work on it.
  `
  alter table tokens drop constraint tokens_name_key;
  create unique index tokens_active_name on tokens(name) where revoked_at is null;
  alter table outcomes add column person text;
  update outcomes o set person = t.name from tokens t where t.id = o.tester;
  alter table outcomes alter column person set not null;
  alter table outcomes drop constraint outcomes_build_environment_case_id_tester_version_key;
  create unique index outcomes_person_version on outcomes(build, environment, case_id, person, version);
  alter table builds add column manual_opened_at text;
  `,
  // 4: each case's id, status and flakiness beside its body, so that a build's history (the
  // matrix's strips, the gate's baseline and flaky window) is read by one query without parsing
  // whole cases; and the latest run of each build for ordering builds without reading runs.
  `
  alter table cases add column case_id text;
  alter table cases add column status text;
  alter table cases add column flaky boolean not null default false;
  update cases set case_id = body::jsonb->>'id', status = body::jsonb->>'status', flaky = coalesce((body::jsonb->>'flaky')::boolean, false);
  create index runs_build_finished on runs(build, finished_at) where complete;
  `,
  // 5: submissions are written by one call: the locks on the cells they number and the insert run
  // in the server, one round trip, so a lock is held for the insert and the commit only, not across
  // exchanges with a busy hub (begin, lock, insert, commit: three instances under load queued on
  // locks whose holders sat idle in transaction). PL/pgSQL gives the insert a snapshot taken after
  // the lock (a volatile function's every statement gets its own), so it sees the versions of the
  // submission it waited for. The lock keys are those of the statement it replaces (hubs of either
  // version lock alike). Planned at each call: a connection's cached plan, made while the outcomes
  // table was small, kept scanning it whole as it grew (auto_explain: a hash anti join over a
  // sequential scan planned for 150 rows, 17 ms a call at 40,000 rows; three connections writing
  // from an empty table fell from 5,500 to 1,000 submissions/s in 20 s, planned at each call they
  // held 8,000/s; three hubs swung 800–3,900/s, and now give 3,580–3,990/s in seven runs).
  `
  create function bdd_matrix_write_outcomes(
    in_build text[], in_environment text[], in_case_id text[], in_tester text[], in_status text[],
    in_steps text[], in_comment text[], in_elapsed_ms int[], in_details text[], in_defects text[],
    in_evidence text[], in_content_hash text[], in_idempotency_key text[], in_request_hash text[],
    in_submitted_at text, in_person text[], in_lock boolean
  ) returns table (id integer, version integer, tester text, idempotency_key text)
  language plpgsql
  set plan_cache_mode = force_custom_plan
  as $fn$
  #variable_conflict use_column
  begin
    if in_lock then
      perform pg_advisory_xact_lock(4243, h)
      from (select distinct hashtext(concat_ws(chr(1), b, e, c, p)) as h from unnest(in_build, in_environment, in_case_id, in_person) as t(b, e, c, p)) s
      order by h;
    end if;
    return query
    with input as (
      select * from unnest(in_build, in_environment, in_case_id, in_tester, in_status, in_steps, in_comment, in_elapsed_ms, in_details, in_defects, in_evidence, in_content_hash, in_idempotency_key, in_request_hash, in_person)
        with ordinality as t(build, environment, case_id, tester, status, steps, comment, elapsed_ms, details, defects, evidence, content_hash, idempotency_key, request_hash, person, ord)
    ), fresh as (
      select distinct on (i.tester, i.idempotency_key) i.* from input i
      where not exists (select 1 from outcomes o where o.tester = i.tester and o.idempotency_key = i.idempotency_key)
      order by i.tester, i.idempotency_key, i.ord
    )
    insert into outcomes as n (build, environment, case_id, tester, person, version, status, steps, comment, elapsed_ms, details, defects, evidence, content_hash, idempotency_key, request_hash, submitted_at)
    select f.build, f.environment, f.case_id, f.tester, f.person,
      (select coalesce(max(o.version), 0) from outcomes o where o.build = f.build and o.environment = f.environment and o.case_id = f.case_id and o.person = f.person)
        + row_number() over (partition by f.build, f.environment, f.case_id, f.person order by f.ord),
      f.status, f.steps::jsonb, f.comment, f.elapsed_ms, f.details::jsonb, f.defects::jsonb, f.evidence::jsonb, f.content_hash, f.idempotency_key, f.request_hash, in_submitted_at
    from fresh f order by f.ord
    on conflict (tester, idempotency_key) do nothing
    returning n.id, n.version, n.tester, n.idempotency_key;
  end
  $fn$;
  `,
  // 6: what an approval approved — the hash of the build's results then (matrix-digest.ts): an
  // approval given before results came in or changed is no approval of them
  `
  alter table approvals add column judged text;
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length
