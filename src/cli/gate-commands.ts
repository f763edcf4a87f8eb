import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { fileSafe, writeFileAtomically, makeDirectory } from '../files.ts'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Command } from 'commander'
import { UserError } from '../errors.ts'
import type { GateReport, GateVerdict } from '../gates/evaluate-gates.ts'
import type { CliContext } from './cli-context.ts'
import { inputFlags, withInputs } from './input-options.ts'

/** Exit codes of `gate`: distinct per verdict, so CI can tell them apart. */
export const GATE_EXIT: Record<GateVerdict, number> = { go: 0, 'no-go': 1, incomplete: 3, 'go-with-waivers': 4 }

interface GateOptions {
  build: string
  results?: string
  server?: string
  gates?: string
  scope?: string
  features: string
  json?: boolean
  out: string
  author?: string[]
  config?: string
}

export function addGateCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  const gate = program
    .command('gate')
    .description('release gate of a build: each criterion of <milestone>.gates.yaml judged on the results; go, go-with-waivers, incomplete or no-go (gate init drafts the file)')
    // required, but checked by the action: commander would ask `gate init` for it too
    .option('--build <version>', 'build to judge, e.g. v0.5.0-rc2 (required)')
    // `gate init --scope F` is init's --scope, not the gate's (the program's too: run-cli.ts)
    .enablePositionalOptions()
    .option('--results <dir>', 'results folder (default: results)')
    .option('--server <url>', 'read results and approvals from the results hub instead (token in BDD_MATRIX_TOKEN)')
    .option('--gates <file>', 'gate file (default: <scope>.gates.yaml beside the scope)')
    .option('--scope <file>', 'milestone scope file (default: the one YAML in <features>/milestones/)')
    .option('--features <dir>', 'features folder', 'features')
    .option('--author <names...>', 'who made the build, by each name they go by (login, name, e-mail): none may approve it (default: the commit author and who started the pipeline, from CI_COMMIT_AUTHOR, GITLAB_USER_LOGIN, GITLAB_USER_NAME and GITLAB_USER_EMAIL)')
    .option('--config <file>', 'cucumber-js configuration whose step definitions the lint criterion checks (default: the one cucumber-js finds; without one, steps/)')
    .option('--json', 'print the gate report as JSON')
    .option('--out <dir>', 'where gate-<build>.json (the evidence) and gate-<build>.md go', 'reports')
    .addHelpText('after', '\nExit codes: 0 go, 4 go-with-waivers, 3 incomplete (results still awaited), 1 no-go, 2 bad input.')
    .action(async (given: Omit<GateOptions, 'build'> & { build?: string }) => {
      if (given.build === undefined) return gate.error("error: required option '--build <version>' not specified", { code: 'commander.missingMandatoryOptionValue' })
      const options = { ...given, build: given.build }
      const { report, evidence } = await runGate(ctx, options)
      const { gateToMarkdown } = await import('../../reporters/markdown/gate-markdown.ts')
      const out = path.resolve(ctx.cwd, options.out)
      makeDirectory(out)
      const file = path.join(out, `gate-${fileSafe(options.build)}.json`)
      writeFileAtomically(file, `${JSON.stringify(evidence, null, 2)}\n`)
      writeFileAtomically(path.join(out, `gate-${fileSafe(options.build)}.md`), gateToMarkdown(report))
      if (options.json) ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
      else ctx.stdout.write(gateToText(report))
      ctx.stderr.write(`evidence: ${path.relative(ctx.cwd, file)}\n`)
      exit(GATE_EXIT[report.verdict])
    })

  withInputs(gate.command('init'))
    .description("draft the milestone's gate file beside its scope: seed 003's release criteria, as far as the scope and its feature files can be judged by them")
    .option('--applies-to <pattern>', 'the builds the gate judges (* any characters, ? one), e.g. v0.5.0-rc*', '*')
    .option('--out <file>', 'the gate file to write (default: <scope>.gates.yaml beside the scope); an existing file is never replaced')
    .action(async (options: { appliesTo: string; scope?: string; features: string; out?: string }) => {
      const { resolveInputs } = await import('./resolve-inputs.ts')
      const { coverageOf } = await import('../catalogue/coverage.ts')
      const { draftGates } = await import('../gates/draft-gates.ts')
      const { gatePathFor } = await import('../gates/gate-file.ts')
      const { lockPathFor } = await import('../catalogue/scope-lock.ts')
      const { featuresDir, scope } = resolveInputs(ctx, options)
      const out = options.out ? path.resolve(ctx.cwd, options.out) : gatePathFor(scope.file)
      const shown = path.relative(ctx.cwd, out) || out
      if (existsSync(out)) throw new UserError('GATES_EXIST', `${shown} exists: it is the gate file (edit it), or remove it to draft one anew; nothing written`)
      const draft = draftGates({ scope, coverage: coverageOf(featuresDir, scope), appliesTo: options.appliesTo, file: shown })
      makeDirectory(path.dirname(out))
      writeFileAtomically(out, draft.text)
      ctx.stdout.write(`${shown}: release criteria of ${scope.milestone} drafted, for builds ${options.appliesTo}\n`)
      for (const line of draft.left) ctx.stdout.write(`left out: ${line}\n`)
      const beside = out === gatePathFor(scope.file)
      const named = inputFlags(options)
      // a freeze records the criteria beside the scope: once frozen, a new gate file is a change to accept
      const frozen = existsSync(lockPathFor(scope.file))
      const next = !beside
        ? `bdd-matrix gate --build <build> --gates ${shown}${named} (a gate file elsewhere than beside the scope is not part of its freeze)`
        : frozen
          ? `bdd-matrix scope freeze${named} --reason "release criteria written" (the scope is frozen and the freeze holds its criteria), then bdd-matrix gate --build <build>${named}`
          : `bdd-matrix scope freeze${named} (it records these criteria with the scope), then bdd-matrix gate --build <build>${named}`
      ctx.stdout.write(`next: review ${shown}, then ${next}\n`)
      exit(0)
    })

  program
    .command('diff')
    .description('what changed between two builds: new failures, fixed, still failing, newly flaky, manual sign-offs, cells newly run and no longer run, scope changes accepted, waivers expired')
    .requiredOption('--from <build>', 'the earlier build, e.g. v0.5.0-rc1')
    .requiredOption('--to <build>', 'the later build, e.g. v0.5.0-rc2')
    .option('--results <dir>', 'results folder', 'results')
    .option('--scope <file>', 'milestone scope file')
    .option('--features <dir>', 'features folder', 'features')
    .option('--gates <file>', 'gate file, for waivers (default: beside the scope, when there is one)')
    .option('--json', 'print the diff as JSON')
    .action(async (options: { from: string; to: string; results: string; scope?: string; features: string; gates?: string; json?: boolean }) => {
      const { diffBuilds, diffToText } = await import('../gates/diff-builds.ts')
      const { checkBuild } = await import('../results/merge-results.ts')
      const { lockPathFor, readLock } = await import('../catalogue/scope-lock.ts')
      const inputs = await loadInputs(ctx, { ...options, build: options.to, buildOption: '--to', gatesOptional: true })
      checkBuild(inputs.results, options.from, options.results, '--from')
      const lock = readLock(lockPathFor(inputs.scope.file), inputs.scope)
      // what the scope requires, as the gate reads it: a change elsewhere is information
      const { matrixFrom } = await import('../matrix/matrix-from.ts')
      const { RequiredCells } = await import('../matrix/required-cells.ts')
      const required = new RequiredCells(matrixFrom(inputs.results, inputs.scope, { build: options.to, history: 1, catalogue: inputs.catalogue, uriPrefix: inputs.uriPrefix }))
      const diff = diffBuilds({ results: inputs.results, ...(inputs.gates ? { gates: inputs.gates } : {}), from: options.from, to: options.to, today: ctx.now().toISOString().slice(0, 10), required, ...(lock ? { lockHistory: lock.history } : {}) })
      ctx.stdout.write(options.json ? `${JSON.stringify(diff, null, 2)}\n` : diffToText(diff))
      exit(0)
    })
}

/** Everything a gate or a diff reads, resolved from the options. */
async function loadInputs(ctx: CliContext, options: { build: string; buildOption?: string; results?: string; server?: string; gates?: string; scope?: string; features: string; gatesOptional?: boolean }) {
  const { resolveInputs } = await import('./resolve-inputs.ts')
  const { buildCatalogue } = await import('../catalogue/build-catalogue.ts')
  const { mergeResults, checkBuild } = await import('../results/merge-results.ts')
  const { gatePathFor, loadGateFile } = await import('../gates/gate-file.ts')
  const { featuresDir, scope } = resolveInputs(ctx, { features: options.features, ...(options.scope ? { scope: options.scope } : {}) })
  const gateFile = options.gates ? path.resolve(ctx.cwd, options.gates) : gatePathFor(scope.file)
  const gates = options.gatesOptional && !options.gates && !existsSync(gateFile) ? undefined : loadGateFile(gateFile, path.relative(ctx.cwd, gateFile))
  let resultsDir = path.resolve(ctx.cwd, options.results ?? 'results')
  let cleanup = (): void => {}
  let approvals: { by: string; at: string }[] | undefined
  if (options.server) {
    if (options.results) throw new UserError('BAD_OPTION', 'give --results or --server, not both')
    const { HubClient } = await import('../../hub/client/hub-client.ts')
    const { pullResults } = await import('../../hub/client/pull-results.ts')
    const client = new HubClient(options.server, ctx.env.BDD_MATRIX_TOKEN, { proxy: { env: ctx.env }, log: (line) => ctx.stderr.write(`${line}\n`) })
    resultsDir = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-gate-'))
    cleanup = () => rmSync(resultsDir, { recursive: true, force: true })
    await pullResults(client, resultsDir)
    approvals = (await client.request<{ by: string; at: string }[]>('GET', `/builds/${encodeURIComponent(options.build)}/approvals`, `reading the approvals of ${options.build}`)).data
  }
  try {
    const results = await mergeResults(resultsDir, { milestone: scope.milestone })
    // (the folder as it was given: an absolute path stays one)
    checkBuild(results, options.build, options.server ?? options.results ?? 'results', options.buildOption)
    const catalogue = buildCatalogue(featuresDir)
    return { gates, scope, catalogue, results, featuresDir, uriPrefix: path.relative(ctx.cwd, featuresDir), approvals, resultsDir }
  } finally {
    cleanup()
  }
}

async function runGate(ctx: CliContext, options: GateOptions): Promise<{ report: GateReport; evidence: unknown }> {
  const loaded = await loadInputs(ctx, options)
  const inputs = { ...loaded, gates: loaded.gates! }
  const { checkGateInputs, evaluateGates } = await import('../gates/evaluate-gates.ts')
  // Mistakes in the inputs are named before the step definitions are loaded for the lint criterion.
  checkGateInputs(inputs.gates, options.build, inputs.results, inputs.scope)
  const { lintCatalogue } = await import('../catalogue/lint-catalogue.ts')
  const { scopeDrift } = await import('../catalogue/scope-drift.ts')
  const kinds = new Set(inputs.gates.criteria.map((c) => c.kind))
  let lintErrors: { where: string; message: string }[] = []
  let stepsUnchecked: string | undefined
  if (kinds.has('lint')) {
    const { loadStepDefinitions } = await import('../catalogue/load-step-definitions.ts')
    const { stepsUnmatched } = await import('../catalogue/steps-unmatched.ts')
    const steps = await loadStepDefinitions({ cwd: ctx.cwd, ...(options.config ? { configFile: options.config } : {}) })
    stepsUnchecked = stepsUnmatched(steps)
    lintErrors = lintCatalogue(inputs.catalogue, inputs.scope, steps)
      .filter((f) => f.severity === 'error')
      .map((f) => ({ where: `${path.relative(ctx.cwd, path.join(inputs.featuresDir, f.file))}:${f.line}:${f.column}`, message: `${f.message} [${f.rule}]` }))
  }
  // the criteria judged with are the ones compared with the freeze (--gates names another file: it is a change)
  const drift = scopeDrift(inputs.scope, inputs.catalogue, inputs.gates)
  const scopeChanges = drift?.changes.map((c) => c.summary)
  let openIssues: { count: number; items: { title: string; url: string }[] } | undefined
  let openIssuesWhy: string | undefined
  const issueCriterion = inputs.gates.criteria.find((c) => c.kind === 'open-issues')
  if (issueCriterion && issueCriterion.kind === 'open-issues') {
    const env = ctx.env
    if (env.CI_API_V4_URL && env.CI_PROJECT_ID && env.GITLAB_TOKEN) {
      const { openIssues: fetchOpen, runnerCertificates } = await import('../../reporters/gitlab/gitlab-publisher.ts')
      const ca = runnerCertificates(env)
      openIssues = await fetchOpen({ apiUrl: env.CI_API_V4_URL, projectId: env.CI_PROJECT_ID, token: env.GITLAB_TOKEN.trim(), proxy: { env }, ...(ca ? { ca } : {}) }, { labels: issueCriterion.labels, ...(issueCriterion.milestone ? { milestone: issueCriterion.milestone } : {}) })
    } else openIssuesWhy = 'GitLab is not configured (CI_API_V4_URL, CI_PROJECT_ID and GITLAB_TOKEN)'
  }
  const authors = options.author ?? authorsFromEnv(ctx.env)
  const report = evaluateGates({
    gates: inputs.gates,
    build: options.build,
    results: inputs.results,
    scope: inputs.scope,
    catalogue: inputs.catalogue,
    uriPrefix: inputs.uriPrefix,
    lintErrors,
    ...(stepsUnchecked ? { stepsUnchecked } : {}),
    scopeChanges,
    ...(openIssues ? { openIssues } : {}),
    ...(openIssuesWhy ? { openIssuesWhy } : {}),
    ...(inputs.approvals ? { approvals: inputs.approvals } : {}),
    ...(authors.length ? { authors } : {}),
    today: ctx.now().toISOString().slice(0, 10),
    ...(drift ? { lockHistory: drift.lock.history } : {}),
  })
  // The evidence names its inputs by hash: anyone can check it was computed from these files.
  const evidence = {
    evidenceVersion: 1,
    build: report.build,
    milestone: report.milestone,
    verdict: report.verdict,
    evaluatedAt: ctx.now().toISOString(),
    inputs: {
      gates: { file: inputs.gates.file, sha256: sha256(inputs.gates.text) },
      scope: { file: path.relative(ctx.cwd, inputs.scope.file), sha256: sha256(readFileSync(inputs.scope.file)) },
      ...(drift ? { lock: { file: path.relative(ctx.cwd, drift.lockPath), sha256: sha256(readFileSync(drift.lockPath)) } } : {}),
      // the results files by hash: only the gate's evidence needs them, the diff does not
      results: options.server ? { server: options.server } : readdirSync(inputs.resultsDir).filter((f) => f.endsWith('.ndjson')).sort().map((f) => ({ file: f, sha256: sha256(readFileSync(path.join(inputs.resultsDir, f))) })),
      ...(inputs.approvals ? { approvals: inputs.approvals } : {}),
    },
    report,
  }
  return { report, evidence }
}

const MARK: Record<string, string> = { pass: 'PASS', 'pass-waived': 'PASS (waived)', waiting: 'WAITING', fail: 'FAIL' }

function gateToText(report: GateReport): string {
  const lines = [`gate of ${report.build} (${report.milestone}): ${report.verdict.toUpperCase()}${report.baseline.build ? ` · baseline ${report.baseline.build} (${report.baseline.rule})` : ''}`]
  for (const c of report.criteria) {
    lines.push(`  ${MARK[c.verdict]!.padEnd(13)} ${c.id} [${c.kind}, ${c.severity}]: ${c.value} (${c.threshold}) — ${c.why}`)
    for (const i of c.items.slice(0, 10)) lines.push(`      ${i.status}: ${i.what}${i.note ? ` (${i.note})` : ''}${i.waiver !== undefined ? ` — waiver ${i.waiver + 1}` : ''}`)
    if (c.items.length > 10) lines.push(`      … ${c.items.length - 10} more`)
    if (c.information?.length) lines.push(`      information: ${c.information.length} result(s) where the scope does not require the scenario (not judged), e.g. ${c.information[0]!.status}: ${c.information[0]!.what}`)
  }
  for (const w of report.waivers.expired) lines.push(`  expired waiver ${w.index + 1}: ${w.criterion} ${w.matched ?? ''} (${w.issue}) ${w.expiry}`)
  for (const w of report.waivers.unused) lines.push(`  unused waiver ${w.index + 1}: ${w.criterion} ${w.matched ?? ''} (${w.issue})`)
  return `${lines.join('\n')}\n`
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

/**
 * Every name GitLab gives the people who made the build: the commit's author (CI_COMMIT_AUTHOR,
 * "Name <e-mail>": the name, the address and its local part) and who started the pipeline (a
 * tag's pusher). A hub token is named as its team names people, so each is compared: one name
 * alone (the author's full name against a token named by login) let authors approve their own.
 */
export function authorsFromEnv(env: Record<string, string | undefined>): string[] {
  const names: string[] = []
  const commit = /^(.*?)\s*<([^>]*)>\s*$/.exec(env.CI_COMMIT_AUTHOR ?? '')
  if (commit) names.push(commit[1]!, commit[2]!, commit[2]!.split('@')[0]!)
  else if (env.CI_COMMIT_AUTHOR) names.push(env.CI_COMMIT_AUTHOR)
  const email = env.GITLAB_USER_EMAIL
  names.push(env.GITLAB_USER_LOGIN ?? '', env.GITLAB_USER_NAME ?? '', email ?? '', email?.split('@')[0] ?? '')
  return [...new Set(names.map((n) => n.trim()).filter(Boolean))]
}
