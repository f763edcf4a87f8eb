import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { UserError } from '../errors.ts'
import type { HubRequests, RequestOptions } from '../../hub/client/hub-client.ts'
import type { CliContext } from './cli-context.ts'
import { acceptResultsAsOut } from './accept-results-as-out.ts'
import type { ListedOutcome } from './own-outcome-notes.ts'

// The hub's commands: the server itself, its tokens, and the clients CI and testers use.

/** Builds whose matrices a starting hub makes before anyone asks. */
const WARM_BUILDS = 3

export function addHubCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  program
    .command('serve')
    .description('run the results hub: manual testing by community testers, pushed CI runs, live matrices (PostgreSQL: embedded, or DATABASE_URL)')
    .option('--port <port>', 'TCP port', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--db <dir>', 'embedded store folder (when DATABASE_URL is not set)', '.bdd-matrix/db')
    .option('--features <dir>', 'features folder of the project served', 'features')
    .option('--scope <file>', 'milestone scope file (default: the one YAML in <features>/milestones/)')
    .option('--max-evidence-mb <n>', 'largest evidence file a tester may upload', '10')
    .option('--base-path <path>', 'serve the hub under this path, e.g. /bdd-matrix behind a reverse proxy shared with other tools (default: the root)')
    .action(async (options: { port: string; host: string; db: string; features: string; scope?: string; maxEvidenceMb: string; basePath?: string }) => {
      const port = Number(options.port)
      if (!/^\d+$/.test(options.port) || port > 65535) throw new UserError('BAD_OPTION', `--port "${options.port}": give a TCP port number (e.g. 8080)`)
      const maxMb = Number(options.maxEvidenceMb)
      if (!(maxMb > 0 && maxMb <= 1024)) throw new UserError('BAD_OPTION', `--max-evidence-mb "${options.maxEvidenceMb}": give a size in megabytes, 1 to 1024`)
      const { createHubServer, normalBasePath } = await import('../../hub/server/hub-server.ts')
      const basePath = normalBasePath(options.basePath ?? '')
      const { openHub } = await import('../../hub/open-hub.ts')
      const service = await openHub({ root: ctx.cwd, ...(ctx.env.DATABASE_URL ? { databaseUrl: ctx.env.DATABASE_URL } : {}), db: options.db, features: options.features, ...(options.scope ? { scope: options.scope } : {}), limits: { maxEvidenceBytes: Math.round(maxMb * (1 << 20)) } })
      const app = await createHubServer({ service, basePath, log: (line) => ctx.stderr.write(`${new Date().toISOString()} ${line}\n`) })
      try {
        await app.listen({ port, host: options.host })
      } catch (error) {
        await app.close().catch(() => {})
        await service.store.db.close()
        const code = (error as { code?: string }).code
        if (code === 'EADDRINUSE') throw new UserError('PORT_IN_USE', `port ${port} on ${options.host} is in use; stop what holds it or choose another with --port`)
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UserError('BAD_OPTION', `--host "${options.host}": not an address of this machine`)
        if (code === 'EACCES') throw new UserError('PORT_DENIED', `port ${port} needs privileges; choose one above 1023 with --port`)
        throw error
      }
      const address = app.server.address() as { port: number }
      const counts = { scenarios: service.project.scenarios.size, manual: [...service.project.scenarios.values()].filter((s) => s.manual).length }
      ctx.stdout.write(`bdd-matrix hub on http://${options.host}:${address.port}${basePath}/ (store: ${service.store.db.kind} ${service.store.db.kind === 'embedded' ? path.relative(ctx.cwd, service.store.db.where) : service.store.db.where}; ${counts.scenarios} scenarios, ${counts.manual} manual)\n`)
      if ((await service.store.listTokens()).length === 0) ctx.stdout.write('no tokens yet: create the first with bdd-matrix token create --role qa --name YOU (stop the hub first when it uses the embedded store)\n')
      // The first views after a start would read the history: the newest builds' matrices are made now.
      void service.warm(WARM_BUILDS, (line) => ctx.stderr.write(`${new Date().toISOString()} ${line}\n`))
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          resolve()
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
      await app.close()
      await service.store.db.close()
      ctx.stdout.write('bdd-matrix hub stopped\n')
      exit(0)
    })

  const token = program.command('token').description('tokens of the results hub: qa (assigns, reviews, administers), ci (pushes runs), tester (submits outcomes)')
  const storeOptions = (command: Command): Command => command.option('--db <dir>', 'embedded store folder (when DATABASE_URL is not set)', '.bdd-matrix/db').option('--server <url>', 'do it through a running hub (a qa token in BDD_MATRIX_TOKEN)')
  storeOptions(token.command('create').description('create a token; it is printed once, only its hash is kept').requiredOption('--role <role>', 'qa, ci or tester').requiredOption('--name <name>', 'who or what holds it: a person keeps their name (and outcomes) across tokens')).action(
    async (options: { role: string; name: string; db: string; server?: string }) => {
      if (!['qa', 'ci', 'tester'].includes(options.role)) throw new UserError('BAD_OPTION', `--role "${options.role}": use qa, ci or tester`)
      if (!/^[A-Za-z0-9._@-]{1,100}$/.test(options.name)) throw new UserError('BAD_OPTION', `--name "${options.name}": letters, digits and . _ @ - only`)
      const created = options.server
        ? (await client(ctx, options.server).request<{ id: string; token: string }>('POST', '/tokens', 'creating a token', { data: { name: options.name, role: options.role } })).data
        : await withStore(ctx, options.db, async (store) => {
            const { StoreConflict } = await import('../../hub/store/hub-store.ts')
            try {
              const { token: secret, record } = await store.createToken(options.name, options.role as 'qa')
              return { id: record.id, token: secret }
            } catch (error) {
              if (error instanceof StoreConflict) throw new UserError('TOKEN_EXISTS', error.message)
              throw error
            }
          })
      ctx.stdout.write(`${created.token}\n`)
      ctx.stderr.write(`token ${created.id} (${options.role}) for ${options.name}: shown once, keep it secret (e.g. in a CI variable BDD_MATRIX_TOKEN, masked)\n`)
      exit(0)
    },
  )
  storeOptions(token.command('list').description('list tokens (never their secrets)')).action(async (options: { db: string; server?: string }) => {
    const tokens = options.server
      ? (await client(ctx, options.server).request<{ id: string; name: string; role: string; createdAt: string; revokedAt?: string }[]>('GET', '/tokens', 'listing tokens')).data
      : await withStore(ctx, options.db, (store) => store.listTokens())
    for (const t of tokens) ctx.stdout.write(`${t.id}  ${t.role.padEnd(6)}  ${t.name}  created ${t.createdAt}${t.revokedAt ? `  revoked ${t.revokedAt}` : ''}\n`)
    if (tokens.length === 0) ctx.stdout.write('no tokens\n')
    exit(0)
  })
  storeOptions(token.command('rotate').description('give a person (or CI) a new token and revoke the old one; their outcomes, claims and sign-off stay theirs').argument('<id-or-name>')).action(
    async (idOrName: string, options: { db: string; server?: string }) => {
      const rotated = options.server
        ? (await client(ctx, options.server).request<{ id: string; name: string; role: string; token: string; revoked: string }>('POST', `/tokens/${encodeURIComponent(idOrName)}/rotate`, `rotating ${idOrName}`)).data
        : await withStore(ctx, options.db, async (store) => {
            const done = await store.rotateToken(idOrName)
            return done && { ...done.record, token: done.token, revoked: done.revoked.id }
          })
      if (!rotated) throw new UserError('TOKEN_UNKNOWN', `no active token "${idOrName}"; bdd-matrix token list shows them (a revoked one is given anew with token create)`)
      ctx.stdout.write(`${rotated.token}\n`)
      ctx.stderr.write(`token ${rotated.id} (${rotated.role}) for ${rotated.name} replaces ${rotated.revoked}, which no longer works: shown once, keep it secret\n`)
      exit(0)
    },
  )
  storeOptions(token.command('revoke').description('revoke a token by id or name; its web sessions end').argument('<id-or-name>')).action(async (idOrName: string, options: { db: string; server?: string }) => {
    const revoked = options.server
      ? (await client(ctx, options.server).request<{ id: string; name: string }>('DELETE', `/tokens/${encodeURIComponent(idOrName)}`, `revoking ${idOrName}`)).data
      : await withStore(ctx, options.db, (store) => store.revokeToken(idOrName))
    if (!revoked) throw new UserError('TOKEN_UNKNOWN', `no token "${idOrName}"; bdd-matrix token list shows them`)
    ctx.stdout.write(`revoked ${revoked.id} (${revoked.name})\n`)
    exit(0)
  })

  const hub = program.command('hub').description("the results hub's store: retention")
  hub
    .command('prune')
    .description('remove old builds from the hub (runs, cases, outcomes, reviews, assignments, files nothing else refers to); the newest builds, releases, approved builds and builds a gate evidence file names (gated or baseline) always stay')
    .requiredOption('--keep-builds <n>', 'how many of the newest builds to keep')
    .option('--evidence <path...>', 'gate evidence files (gate-<build>.json) or folders holding them: their builds and baselines stay')
    .option('--prune-releases', 'let releases (x.y.z) go too when they are old (by default every release stays, the baseline of last-release gates)')
    .option('--dry-run', 'print what would go, remove nothing')
    .option('--db <dir>', 'embedded store folder (when DATABASE_URL is not set)', '.bdd-matrix/db')
    .action(async (options: { keepBuilds: string; evidence?: string[]; pruneReleases?: boolean; dryRun?: boolean; db: string }) => {
      if (!/^\d+$/.test(options.keepBuilds) || Number(options.keepBuilds) < 1) throw new UserError('BAD_OPTION', `--keep-builds "${options.keepBuilds}": give how many of the newest builds to keep (1 or more)`)
      const { prunePlan } = await import('../../hub/prune-plan.ts')
      const gated = await gateEvidence(ctx, options.evidence ?? [])
      await withStore(ctx, options.db, async (store) => {
        const { order } = await store.buildOrder()
        const plan = prunePlan({ order, keepBuilds: Number(options.keepBuilds), keepReleases: !options.pruneReleases, approved: await store.approvedBuilds(), gated })
        for (const k of plan.keep) if (!k.why.includes('newest')) ctx.stdout.write(`keep ${k.build} (${k.why.join(', ')})\n`)
        if (options.dryRun) {
          for (const b of plan.remove) ctx.stdout.write(`would remove ${b}\n`)
          ctx.stdout.write(`dry run: ${plan.remove.length} of ${order.length} build(s) would be removed; nothing was\n`)
          return
        }
        const removed = await store.removeBuilds(plan.remove)
        ctx.stdout.write(`removed ${removed.builds} of ${order.length} build(s): ${removed.runs} run(s), ${removed.cases} case(s), ${removed.outcomes} manual outcome(s), ${removed.files} file(s) nothing refers to; kept ${plan.keep.length}\n`)
      })
      exit(0)
    })

  program
    .command('push')
    .description('upload a results folder to the results hub (idempotent by run id; an interrupted push resumes)')
    .option('--server <url>', 'hub address (default: BDD_MATRIX_SERVER)')
    .option('--results <dir>', 'results folder', 'results')
    .action(async (options: { server?: string; results: string }) => {
      const { pushResults } = await import('../../hub/client/push-results.ts')
      const hub = client(ctx, options.server)
      const pushed = await pushResults(hub, path.resolve(ctx.cwd, options.results))
      const sent = pushed.runs.filter((r) => !r.already)
      ctx.stdout.write(`pushed ${sent.length} run(s) (${sent.reduce((n, r) => n + r.cases, 0)} cases)${pushed.runs.length > sent.length ? `; ${pushed.runs.length - sent.length} already on the hub` : ''}; ${pushed.attachments} attachment(s) sent\n`)
      exit(0)
    })

  const pull = program.command('pull')
  acceptResultsAsOut(pull)
  pull
    .description('write the hub\'s results (pushed runs and accepted manual outcomes) into a results folder, for matrix, junit, allure and publish')
    .option('--server <url>', 'hub address (default: BDD_MATRIX_SERVER)')
    .option('--build <version...>', 'builds to pull (default: all)')
    .option('--out <dir>', 'results folder', 'results')
    .action(async (options: { server?: string; build?: string[]; out: string }) => {
      const { pullResults } = await import('../../hub/client/pull-results.ts')
      const pulled = await pullResults(client(ctx, options.server), path.resolve(ctx.cwd, options.out), { ...(options.build ? { builds: options.build } : {}) })
      ctx.stdout.write(`pulled ${pulled.runs} run(s) and ${pulled.manualRuns} manual run(s) (${pulled.manualOutcomes} accepted manual outcome(s) on ${pulled.manualCases} scenario cell(s)) into ${options.out}; ${pulled.attachments} attachment(s)\n`)
      exit(0)
    })

  const manual = program.command('manual').description('manual testing from a terminal: your assignments, and submitting an outcome (tester token in BDD_MATRIX_TOKEN)')
  manual
    .command('list')
    .description('your assignments (and open ones you may claim), and the @manual scenarios any tester may carry out on the builds open for manual testing; under each, where your own outcome stands, and whether the scenario was edited since you carried it out')
    .option('--server <url>', 'hub address (default: BDD_MATRIX_SERVER)')
    .option('--build <version>', 'only this build')
    .option('--journal <dir>', "where manual submit keeps a submission until the hub answers: those whose answer was lost are listed (default: manual submit's)")
    .action(async (options: { server?: string; build?: string; journal?: string }) => {
      const hub = client(ctx, options.server)
      const { ownOutcomeNotes } = await import('./own-outcome-notes.ts')
      const { data } = await hub.request<{ id: number; build: string; environment: string; caseId: string; testerName?: string; due?: string }[]>('GET', `/assignments${options.build ? `?build=${encodeURIComponent(options.build)}` : ''}`, 'listing assignments')
      const { data: scenarios } = await hub.request<{ id: string; name: string; uri: string; line: number; tags: string[]; contentHash?: string }[]>('GET', '/scenarios', 'listing scenarios')
      // what the tester already submitted, and where it stands (a CI token has no outcomes to list)
      const { data: me } = await hub.request<{ name: string; role: string }>('GET', '/me', 'asking who you are')
      const mine = me.role === 'ci' ? [] : (await hub.request<ListedOutcome[]>('GET', `/outcomes${options.build ? `?build=${encodeURIComponent(options.build)}` : ''}`, 'listing your outcomes')).data
      const notes = (scenario: { id: string; contentHash?: string }, on: { builds: readonly string[]; environment?: string }): string => ownOutcomeNotes(mine, me.name, scenario, on).map((note) => `\n      ${note}`).join('')
      const byId = new Map(scenarios.map((s) => [s.id, s]))
      for (const a of data) {
        const s = byId.get(a.caseId)
        ctx.stdout.write(`#${a.id}  ${a.build}  ${a.environment}  ${a.caseId}  ${s ? `${s.name} (${s.uri}:${s.line})` : '(scenario no longer in the project)'}  ${a.testerName ? `assigned to ${a.testerName}` : `open: bdd-matrix manual claim ${a.id}`}${a.due ? `  due ${a.due}` : ''}${a.testerName === me.name && s ? notes(s, { builds: [a.build], environment: a.environment }) : ''}\n`)
      }
      if (data.length === 0) ctx.stdout.write('no assignments\n')
      // A community tester needs no assignment for a @manual scenario: without this list the
      // terminal named no scenario they could submit (its id is what manual submit takes).
      const { data: builds } = await hub.request<{ name: string; manual: boolean }[]>('GET', '/builds', 'listing builds')
      const open = builds.filter((b) => b.manual && (!options.build || b.name === options.build)).map((b) => b.name)
      const manual = scenarios.filter((s) => s.tags.includes('@manual') && !s.tags.includes('@wip'))
      if (!manual.length) ctx.stdout.write('no @manual scenarios in the project\n')
      else if (!open.length) ctx.stdout.write(`${manual.length} @manual scenario(s), but ${options.build ? `build ${options.build} is not` : 'no build is'} open for manual testing yet (QA opens one on the hub's Builds page)\n`)
      else {
        ctx.stdout.write(`@manual scenarios, for any tester, on ${open.join(', ')} (bdd-matrix manual submit --build B --scenario ID --status passed|failed|blocked|skipped):\n`)
        for (const s of manual) ctx.stdout.write(`  ${s.id}  ${s.name} (${s.uri}:${s.line})${notes(s, { builds: open })}\n`)
      }
      // A submission whose answer never came (a dropped connection, a closed terminal) may or may
      // not be stored: only running the same command again says, and stores it once.
      const { PendingSubmission } = await import('../../hub/client/pending-submission.ts')
      const lost = PendingSubmission.lost(options.journal ? path.resolve(ctx.cwd, options.journal) : submissionJournal(ctx), { server: hubUrl(ctx, options.server), token: ctx.env.BDD_MATRIX_TOKEN ?? '' }).filter((l) => !options.build || l.build === options.build)
      if (lost.length) {
        ctx.stdout.write(`${lost.length} submission(s) whose answer was lost — run the same bdd-matrix manual submit again, and the hub stores each once:\n`)
        for (const l of lost) ctx.stdout.write(`  ${l.scenario}  ${l.status} on ${l.build}${l.environment ? ` (${l.environment})` : ''}, sent ${l.since.toISOString().slice(0, 16).replace('T', ' ')} UTC\n`)
      }
      exit(0)
    })
  manual
    .command('claim')
    .description('take an open assignment (for 48 hours): it is yours to test and submit')
    .argument('<assignment>', 'its number (bdd-matrix manual list shows them as #N)')
    .option('--server <url>', 'hub address (default: BDD_MATRIX_SERVER)')
    .action(async (assignment: string, options: { server?: string }) => {
      const id = assignment.replace(/^#/, '')
      if (!/^\d{1,9}$/.test(id) || Number(id) < 1) throw new UserError('BAD_OPTION', `"${assignment}": give the assignment's number, e.g. bdd-matrix manual claim 3 (bdd-matrix manual list shows them)`)
      const { data } = await client(ctx, options.server).request<{ id: number; build: string; environment: string; caseId: string; claimExpires?: string }>('POST', `/assignments/${id}/claim`, `claiming assignment ${id}`)
      ctx.stdout.write(`claimed #${data.id}: ${data.caseId} on ${data.build} (${data.environment})${data.claimExpires ? ` until ${data.claimExpires}` : ''}\n`)
      ctx.stdout.write(`when done: bdd-matrix manual submit --build ${data.build} --scenario ${data.caseId} --env ${data.environment} --status passed|failed|blocked|skipped\n`)
      exit(0)
    })
  manual
    .command('submit')
    .description('submit the outcome of a scenario you carried out')
    .option('--server <url>', 'hub address (default: BDD_MATRIX_SERVER)')
    .requiredOption('--build <version>', 'build you tested')
    .requiredOption('--scenario <id>', 'scenario id (bdd-matrix manual list shows them)')
    .requiredOption('--status <status>', 'passed, failed, blocked or skipped (not applicable)')
    .option('--env <name>', "environment, one the scope declares under manual-environments (default: community)")
    .option('--step <n=status...>', 'a step\'s status, 1-based: --step 1=passed --step 2=failed')
    .option('--comment <text>', 'what you saw')
    .option('--minutes <n>', 'time it took')
    .option('--detail <key=value...>', 'your environment: --detail os=Ubuntu-24.04 --detail region=eu')
    .option('--defect <url...>', 'links to defects you filed')
    .option('--evidence <file...>', 'screenshots, logs')
    .option('--journal <dir>', 'where a submission waits for the hub\'s answer, so that running the same command again after a lost answer stores it once (default: $XDG_STATE_HOME/bdd-matrix/submissions, else ~/.local/state/bdd-matrix/submissions)')
    .action(async (options: { server?: string; build: string; scenario: string; status: string; env?: string; step?: string[]; comment?: string; minutes?: string; detail?: string[]; defect?: string[]; evidence?: string[]; journal?: string }) => {
      const hub = client(ctx, options.server)
      const { mediaTypeOf } = await import('../../hub/media-types.ts')
      const steps = (options.step ?? []).map((s) => {
        const m = /^(\d+)=(passed|failed|blocked|skipped)$/.exec(s)
        if (!m || Number(m[1]) < 1) throw new UserError('BAD_OPTION', `--step "${s}": write STEP=STATUS, steps counted from 1, e.g. 2=failed`)
        return { index: Number(m[1]) - 1, status: m[2] }
      })
      const details = Object.fromEntries(
        (options.detail ?? []).map((d) => {
          const at = d.indexOf('=')
          if (at < 1) throw new UserError('BAD_OPTION', `--detail "${d}": write KEY=VALUE, e.g. os=Ubuntu-24.04`)
          return [d.slice(0, at), d.slice(at + 1)]
        }),
      )
      if (options.minutes !== undefined && !(Number(options.minutes) >= 0)) throw new UserError('BAD_OPTION', `--minutes "${options.minutes}": give a number of minutes`)
      await hub.connect()
      const evidence: { file: string; name: string }[] = []
      for (const file of options.evidence ?? []) {
        let body: Buffer
        try {
          body = readFileSync(path.resolve(ctx.cwd, file))
        } catch (error) {
          throw new UserError('BAD_OPTION', `--evidence ${file}: cannot be read (${(error as { code?: string }).code ?? String(error)})`)
        }
        const { data } = await hub.request<{ file: string; name: string }>('POST', '/evidence', `uploading ${file}`, { data: body, headers: { 'content-type': mediaTypeOf(file), 'x-file-name': encodeURIComponent(path.basename(file)) } })
        evidence.push({ file: data.file, name: data.name })
      }
      const body = { build: options.build, scenario: options.scenario, status: options.status, ...(options.env ? { environment: options.env } : {}), ...(steps.length ? { steps } : {}), ...(options.comment ? { comment: options.comment } : {}), ...(options.minutes !== undefined ? { elapsedMs: Math.round(Number(options.minutes) * 60_000) } : {}), ...(Object.keys(details).length ? { details } : {}), ...(options.defect ? { defects: options.defect } : {}), ...(evidence.length ? { evidence } : {}) }
      const { submitOutcome } = await import('../../hub/client/submit-outcome.ts')
      const journal = options.journal ? path.resolve(ctx.cwd, options.journal) : submissionJournal(ctx)
      const data = await submitOutcome(hub, body, { journal, server: hubUrl(ctx, options.server), token: ctx.env.BDD_MATRIX_TOKEN ?? '' })
      ctx.stdout.write(`outcome ${data.id} submitted (version ${data.version})${data.replayed ? ' by an earlier run of this command, whose answer was lost' : ''}; QA reviews it before it counts\n`)
      exit(0)
    })
}

function client(ctx: CliContext, server: string | undefined) {
  return new HubClientLazy(hubUrl(ctx, server), ctx.env.BDD_MATRIX_TOKEN, ctx.env, (line) => ctx.stderr.write(`${line}\n`))
}

function hubUrl(ctx: CliContext, server: string | undefined): string {
  const url = server ?? ctx.env.BDD_MATRIX_SERVER
  if (!url) throw new UserError('HUB_SERVER_MISSING', 'no hub address: pass --server URL or set BDD_MATRIX_SERVER (e.g. http://127.0.0.1:8080)')
  return url
}

/** A tester's own state, not the folder they happen to be in: the same command run again from elsewhere finds it. */
function submissionJournal(ctx: CliContext): string {
  const state = ctx.env.XDG_STATE_HOME || (ctx.env.HOME && path.join(ctx.env.HOME, '.local/state'))
  return state ? path.join(state, 'bdd-matrix/submissions') : path.join(ctx.cwd, '.bdd-matrix/submissions')
}

/** Loads the HTTP client when first used: commands that fail on their options load nothing. */
class HubClientLazy implements HubRequests {
  private loaded?: Promise<import('../../hub/client/hub-client.ts').HubClient>
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly env: Record<string, string | undefined>,
    /** a retry's line: a hub that asks to wait (429 Retry-After) may hold the command for minutes */
    private readonly log: (line: string) => void,
  ) {}

  async request<T>(method: string, url: string, doing: string, options?: RequestOptions): Promise<{ status: number; data: T }> {
    return (await this.connect()).request<T>(method, url, doing, options)
  }

  /** The client, made now: a missing token or a bad address is said before anything is kept or sent. */
  connect(): Promise<import('../../hub/client/hub-client.ts').HubClient> {
    this.loaded ??= import('../../hub/client/hub-client.ts').then(({ HubClient }) => new HubClient(this.url, this.token, { proxy: { env: this.env }, log: this.log }))
    return this.loaded
  }
}

/** The builds gate evidence files name: each file, or each gate-*.json in a folder. */
async function gateEvidence(ctx: CliContext, paths: string[]): Promise<{ build: string; baseline?: string }[]> {
  const { readGateEvidence } = await import('../gates/read-gate-evidence.ts')
  const files = paths.flatMap((p) => {
    const full = path.resolve(ctx.cwd, p)
    if (!existsSync(full)) throw new UserError('GATE_EVIDENCE', `--evidence ${p}: not found; pass gate-<build>.json files that bdd-matrix gate wrote, or folders holding them`)
    return statSync(full).isDirectory() ? readdirSync(full).filter((f) => /^gate-.*\.json$/.test(f)).map((f) => path.join(full, f)) : [full]
  })
  return files.map((file) => {
    const report = readGateEvidence(file, path.relative(ctx.cwd, file))
    return { build: report.build, ...(report.baseline.build ? { baseline: report.baseline.build } : {}) }
  })
}

async function withStore<T>(ctx: CliContext, db: string, work: (store: import('../../hub/store/hub-store.ts').HubStore) => Promise<T>): Promise<T> {
  const { openStore } = await import('../../hub/store/open-store.ts')
  const store = await openStore({ root: ctx.cwd, ...(ctx.env.DATABASE_URL ? { databaseUrl: ctx.env.DATABASE_URL } : {}), db })
  try {
    return await work(store)
  } finally {
    await store.db.close()
  }
}
