import { writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { userInfo } from 'node:os'
import path from 'node:path'
import { unbackedStatus } from '../catalogue/unbacked-status.ts'
import { isUncovered, uncoveredWhy } from '../catalogue/uncovered.ts'
import type { Command } from 'commander'
import { UserError } from '../errors.ts'
import type { Coverage } from '../catalogue/coverage.ts'
import type { Scope } from '../catalogue/scope.ts'
import type { Catalogue, Complexity } from '../catalogue/catalogue-types.ts'
import type { EffortOptions } from '../catalogue/living-docs.ts'
import type { CliContext } from './cli-context.ts'
import { formatTable } from './format-table.ts'
import { projectEnvironments } from './project-environments.ts'
import { makeDirectory } from '../files.ts'
import { inputFlags, withInputs, type InputOptions } from './input-options.ts'
import { scopeDriftText, type MatrixScopeDrift } from '../matrix/matrix-scope-drift.ts'

type Exit = (code: number) => void

/**
 * The features folder, the scope and a way to build the catalogue. Imported when a command runs:
 * Gherkin, zod and yaml take a quarter of a second to load, which `--help` should not pay.
 */
async function inputsOf(ctx: CliContext, options: InputOptions): Promise<{ featuresDir: string; scope: Scope; catalogue: () => Catalogue }> {
  const { resolveInputs } = await import('./resolve-inputs.ts')
  const { buildCatalogue } = await import('../catalogue/build-catalogue.ts')
  const { featuresDir, scope } = resolveInputs(ctx, options)
  return { featuresDir, scope, catalogue: () => buildCatalogue(featuresDir) }
}

export function addCatalogueCommands(program: Command, ctx: CliContext, exit: Exit): void {
  withInputs(program.command('catalogue'))
    .description('count the scenarios (pickles) of every scope feature: covered, wip, manual, uncovered, orphans, errors')
    .option('--json', 'print the coverage as JSON on stdout')
    .option('--fail-on-uncovered', 'exit 1 when a scope feature has no scenario that is not wip')
    .action(async (options: InputOptions & { json?: boolean; failOnUncovered?: boolean }) => {
      const inputs = await inputsOf(ctx, options)
      const { featuresDir, scope } = inputs
      const { coverageFrom, coverageOf } = await import('../catalogue/coverage.ts')
      // QA's view at any moment: whether the scope is still the frozen one, as the matrix says it.
      // A frozen scope's drift needs the full catalogue, which then counts the coverage too;
      // otherwise the coverage's lighter parse does.
      const { readScopeDrift } = await import('../matrix/read-scope-drift.ts')
      let full: Catalogue | undefined
      const drift = readScopeDrift(scope, () => (full ??= inputs.catalogue()), ctx.cwd)
      const coverage = full ? coverageFrom(full, scope) : coverageOf(featuresDir, scope)
      ctx.stdout.write(options.json ? `${JSON.stringify({ ...coverage, ...(drift ? { scopeDrift: drift } : {}) }, null, 2)}\n` : `${coverageTable(coverage, path.relative(ctx.cwd, featuresDir) || '.', drift)}\n`)
      if (coverage.errors.length > 0) return exit(1)
      if (options.failOnUncovered && coverage.uncovered.length > 0) {
        ctx.stderr.write(`uncovered scope features: ${coverage.uncovered.join(', ')}\n`)
        return exit(1)
      }
      exit(0)
    })

  withInputs(program.command('lint'))
    .description('check feature files: syntax, undefined/ambiguous steps, duplicate names, missing or unknown @feature tags, @env tags naming no environment, bdd-matrix tags in another case (@WIP), outlines without Examples, Examples without rows')
    .option('--json', 'print findings as JSON on stdout')
    .option('--config <file>', 'cucumber-js configuration that says where step definitions are (default: the one cucumber-js finds: cucumber.js, .cjs, .mjs, .json, .yaml, .yml; without one, steps/)')
    .option('--profile <name...>', 'cucumber-js profile(s) to read from the configuration')
    .option('--no-steps', 'skip matching steps against step definitions')
    .action(async (options: InputOptions & { json?: boolean; config?: string; profile?: string[]; steps: boolean }) => {
      const inputs = await inputsOf(ctx, options)
      const { featuresDir, scope } = inputs
      const catalogue = inputs.catalogue()
      // Modules are imported by the command that needs them: cucumber-js alone takes ~0.2 s to load.
      const { loadStepDefinitions } = await import('../catalogue/load-step-definitions.ts')
      const { lintCatalogue, formatFinding } = await import('../catalogue/lint-catalogue.ts')
      const steps = options.steps ? await loadStepDefinitions({ cwd: ctx.cwd, ...(options.config ? { configFile: options.config } : {}), ...(options.profile ? { profiles: options.profile } : {}) }) : undefined
      const findings = lintCatalogue(catalogue, scope, steps, projectEnvironments(ctx.cwd, scope))
      const { stepsUnmatched } = await import('../catalogue/steps-unmatched.ts')
      const unmatched = steps && stepsUnmatched(steps)
      // said, not counted: with another runner, its own results say which steps are undefined
      if (unmatched) ctx.stderr.write(`steps not matched against step definitions: ${unmatched}; a runner other than cucumber-js reports its undefined steps in its results (--config FILE names a cucumber-js configuration, --no-steps skips this check)\n`)
      const prefix = path.relative(ctx.cwd, featuresDir)
      const shown = findings.map((f) => ({ ...f, file: prefix ? `${prefix}/${f.file}` : f.file }))
      const errors = findings.filter((f) => f.severity === 'error').length
      if (options.json) ctx.stdout.write(`${JSON.stringify({ errors, warnings: findings.length - errors, findings: shown }, null, 2)}\n`)
      else {
        for (const finding of shown) ctx.stdout.write(`${formatFinding(finding)}\n`)
        ctx.stderr.write(`${errors} error(s), ${findings.length - errors} warning(s) in ${catalogue.files.length + new Set(catalogue.errors.map((e) => e.file)).size} file(s)${steps ? `, ${steps.count} step definition(s)` : ''}\n`)
      }
      exit(errors > 0 ? 1 : 0)
    })

  const scopeCommand = program.command('scope').description('draft the milestone scope from the feature files, freeze it and detect drift after the freeze')
  scopeCommand
    .command('init')
    .description('draft a scope from the feature files: the @feature ids they use, and one scope feature per file that uses none (--tag ties each such file to it)')
    .requiredOption('--milestone <id>', 'the milestone, lower-kebab with dots allowed (e.g. dms-0.5)')
    .option('--name <text>', 'the milestone\'s name')
    .option('--frozen <date>', 'the day the scope is frozen, YYYY-MM-DD (default: today)')
    .option('--features <dir>', 'folder of .feature files (searched recursively)', 'features')
    .option('--out <file>', 'the scope file to write (default: <features>/milestones/<milestone>.yaml); an existing file is never replaced')
    .option('--tag', 'add @feature:<id> to the Feature of each file that has no @feature tag (else the command lists them); with a scope already drafted, tags the files with its scope features and leaves it as it is')
    .action(async (options: { milestone: string; name?: string; frozen?: string; features: string; out?: string; tag?: boolean }) => {
      const { draftScope, scopeDraftYaml, withFeatureTag } = await import('../catalogue/draft-scope.ts')
      const { writeFileAtomically } = await import('../files.ts')
      const { existsSync, readFileSync } = await import('node:fs')
      const { KEBAB_ID, scopeFilesIn } = await import('../catalogue/scope.ts')
      if (!KEBAB_ID.test(options.milestone)) throw new UserError('BAD_OPTION', `--milestone "${options.milestone}": give a lower-kebab id, dots allowed (e.g. dms-0.5)`)
      const frozen = options.frozen ?? ctx.now().toISOString().slice(0, 10)
      if (!/^\d{4}-\d{2}-\d{2}$/.test(frozen) || Number.isNaN(Date.parse(frozen))) throw new UserError('BAD_OPTION', `--frozen "${frozen}": give the day as YYYY-MM-DD`)
      const featuresDir = path.resolve(ctx.cwd, options.features)
      const out = path.resolve(ctx.cwd, options.out ?? path.join(options.features, 'milestones', `${options.milestone}.yaml`))
      const shown = path.relative(ctx.cwd, out) || out
      const exists = existsSync(out)
      if (exists && !options.tag) throw new UserError('SCOPE_EXISTS', `${shown} exists: it is the scope (edit it), or remove it to draft one anew; nothing written`)
      const draft = draftScope(featuresDir)
      const shownFeature = (uri: string) => path.relative(ctx.cwd, path.join(featuresDir, uri))
      const tag = (file: (typeof draft.untagged)[number]): void => {
        const absolute = path.join(featuresDir, file.uri)
        writeFileAtomically(absolute, withFeatureTag(readFileSync(absolute, 'utf8'), file.uri, file.id))
      }
      if (exists) {
        // The draft's first run said "add @feature:<id> (or run this again with --tag)": the scope it
        // wrote (and may since have been edited) is kept, and each file is tagged with the scope
        // feature drafted for it, where the scope still has it.
        const { loadScope } = await import('../catalogue/scope.ts')
        const ids = new Set(loadScope(out, shown).features.map((f) => f.id))
        const taggable = draft.untagged.filter((file) => ids.has(file.id))
        const missing = draft.untagged.filter((file) => !ids.has(file.id))
        if (draft.untagged.length === 0) {
          ctx.stdout.write(`${shown} exists: kept as it is; every feature file has a @feature tag, nothing to tag\n`)
          return exit(0)
        }
        if (taggable.length === 0)
          throw new UserError('SCOPE_EXISTS', `${shown} exists and has no scope feature for the ${draft.untagged.length} file(s) without a @feature tag (${missing.map((f) => `${shownFeature(f.uri)} would take @feature:${f.id}`).join(', ')}): add them to the scope or tag the files by hand, or remove the scope to draft one anew; nothing written`)
        taggable.forEach(tag)
        ctx.stdout.write(`${shown} exists: kept as it is; ${taggable.length} feature file(s) tagged with its scope features\n`)
        for (const file of taggable) ctx.stdout.write(`${shownFeature(file.uri)}:${file.line}: tagged @feature:${file.id}\n`)
        for (const file of missing) ctx.stdout.write(`${shownFeature(file.uri)}:${file.line}: not tagged: ${shown} has no scope feature ${file.id}; add it to the scope, or tag the file with one it has\n`)
        return exit(0)
      }
      if (draft.features.length === 0)
        throw new UserError('SCOPE_EMPTY', `${path.relative(ctx.cwd, featuresDir) || '.'}: no feature file to draft a scope from${draft.skipped.length ? ` (${draft.skipped.length} file(s) could not be read or parsed; bdd-matrix lint says why)` : ''}; nothing written`)
      const text = scopeDraftYaml(draft, { milestone: options.milestone, ...(options.name ? { name: options.name } : {}), frozen }, shown)
      // the files are tagged before the scope is written: a file that cannot be tagged leaves no scope behind to rerun over
      if (options.tag) draft.untagged.forEach(tag)
      makeDirectory(path.dirname(out))
      writeFileAtomically(out, text)
      ctx.stdout.write(`${shown}: ${draft.features.length} scope feature(s) drafted from ${draft.files} feature file(s)\n`)
      for (const file of draft.untagged) ctx.stdout.write(options.tag ? `${shownFeature(file.uri)}:${file.line}: tagged @feature:${file.id}\n` : `${shownFeature(file.uri)}:${file.line}: add @feature:${file.id} above Feature: (or run scope init again with --tag)\n`)
      for (const e of draft.skipped)
        ctx.stderr.write(`${shownFeature(e.file)}:${e.line}:${e.column}: left out of the draft: ${e.message}${e.more ? ` (and ${e.more} more problem(s): bdd-matrix lint lists them)` : ''}; fix it, then add its scope feature\n`)
      // the commands find the scope by themselves only as the one scope file in features/milestones/
      const found = scopeFilesIn(featuresDir)
      const named = `${options.features === 'features' ? '' : ` --features ${options.features}`}${found.length === 1 && found[0] === out ? '' : ` --scope ${shown}`}`
      // the release criteria before the freeze: it records them, and a gate file written after it is a change to accept
      ctx.stdout.write(`next: review ${shown}, then bdd-matrix catalogue${named}, bdd-matrix gate init${named} (the release criteria) and bdd-matrix scope freeze${named}\n`)
      exit(0)
    })
  withInputs(scopeCommand.command('freeze'))
    .description('write the lock file next to the scope: content hashes of the scope features and their scenarios, where each scenario is required by its tags (@wip, @manual, @env), and the release criteria of the gate file beside it')
    .option('--reason <text>', 'why the frozen scope changes (required once a lock exists)')
    .action(async (options: InputOptions & { reason?: string }) => {
      const { freezeScope, lockPathFor } = await import('../catalogue/scope-lock.ts')
      const { gatesBeside } = await import('../gates/gate-file.ts')
      const inputs = await inputsOf(ctx, options)
      const { scope } = inputs
      const lockPath = lockPathFor(scope.file)
      const shownLock = path.relative(ctx.cwd, lockPath)
      const outcome = freezeScope({ scope, catalogue: inputs.catalogue(), gates: gatesBeside(scope.file, ctx.cwd), lockPath, ...(options.reason ? { reason: options.reason } : {}), by: whoAmI(ctx), now: ctx.now() })
      if (outcome.status === 'unchanged') ctx.stdout.write(`${shownLock}: scope unchanged since the freeze; nothing written\n`)
      else {
        ctx.stdout.write(`${shownLock}: ${outcome.status === 'created' ? 'scope frozen' : `freeze updated, ${outcome.changes.length} change(s) accepted`}\n`)
        for (const change of outcome.changes) ctx.stdout.write(`  ${change.summary}\n`)
      }
      exit(0)
    })
  withInputs(scopeCommand.command('check'))
    .description('list every change since the freeze (exit 1 if any)')
    .option('--json', 'print changes as JSON on stdout')
    .action(async (options: InputOptions & { json?: boolean }) => {
      const { lockPathFor } = await import('../catalogue/scope-lock.ts')
      const { scopeDrift } = await import('../catalogue/scope-drift.ts')
      const { gatesBeside } = await import('../gates/gate-file.ts')
      const inputs = await inputsOf(ctx, options)
      const { scope } = inputs
      const lockPath = lockPathFor(scope.file)
      const catalogue = inputs.catalogue()
      const drift = scopeDrift(scope, catalogue, gatesBeside(scope.file, ctx.cwd))
      if (!drift) throw new UserError('LOCK_MISSING', `${lockPath}: no lock yet; freeze the scope first with bdd-matrix scope freeze${inputFlags(options)}`)
      const { lock, changes } = drift
      const last = lock.history[lock.history.length - 1]
      if (options.json) ctx.stdout.write(`${JSON.stringify({ milestone: scope.milestone, lock: lockPath, frozenAt: last?.at, changes, errors: catalogue.errors }, null, 2)}\n`)
      else {
        for (const e of catalogue.errors) ctx.stdout.write(`${e.file}:${e.line}:${e.column}: error: ${e.message} (its scenarios show as removed)\n`)
        if (changes.length === 0) ctx.stdout.write(`scope of ${scope.milestone} unchanged since its freeze on ${scope.frozen}${last && lock.history.length > 1 ? ` (last accepted change ${last.at}: ${last.reason})` : ''}\n`)
        for (const change of changes) ctx.stdout.write(`${change.summary}\n${change.diff ? `${indent(change.diff)}\n` : ''}`)
        if (changes.length) ctx.stderr.write(`${changes.length} change(s) since the freeze; accept them with bdd-matrix scope freeze --reason "..."\n`)
      }
      exit(changes.length > 0 || catalogue.errors.length > 0 ? 1 : 0)
    })

  withInputs(program.command('docs'))
    .description('write living documentation (Markdown and self-contained HTML) of the milestone')
    .requiredOption('--out <dir>', 'output folder')
    .option('--effort <levels>', 'days of work per complexity for wip scenarios', 'low=1,medium=3,high=5')
    .option('--default-complexity <level>', 'complexity assumed when a wip scenario has none', 'medium')
    .action(async (options: InputOptions & { out: string; effort: string; defaultComplexity: string }) => {
      const { DEFAULT_EFFORT, livingDocsFrom } = await import('../catalogue/living-docs.ts')
      const { docsToMarkdown } = await import('../catalogue/docs-markdown.ts')
      const { docsToHtml } = await import('../catalogue/docs-html.ts')
      const effort = parseEffort(options.effort, options.defaultComplexity, DEFAULT_EFFORT.days)
      const inputs = await inputsOf(ctx, options)
      const { scope, featuresDir } = inputs
      const catalogue = inputs.catalogue()
      const { readScopeDrift } = await import('../matrix/read-scope-drift.ts')
      const scopeDrift = readScopeDrift(scope, () => catalogue, ctx.cwd)
      const docs = { ...livingDocsFrom(catalogue, scope, effort), ...(scopeDrift ? { scopeDrift } : {}) }
      const out = path.resolve(ctx.cwd, options.out)
      makeDirectory(out)
      const base = path.join(out, scope.milestone)
      writeFileSync(`${base}.md`, docsToMarkdown(docs))
      writeFileSync(`${base}.html`, docsToHtml(docs))
      ctx.stdout.write(`living documentation written: ${path.relative(ctx.cwd, base)}.md, ${path.relative(ctx.cwd, base)}.html\n`)
      // written all the same (the rest of the milestone is worth reading), but not taken for whole
      for (const e of docs.errors) ctx.stderr.write(`${path.join(path.relative(ctx.cwd, featuresDir), e.file)}:${e.line}:${e.column}: error: ${e.message}\n`)
      if (docs.errors.length) ctx.stderr.write(`${docs.errors.length} error(s): the documentation leaves out what could not be parsed; fix it and write it again\n`)
      exit(docs.errors.length > 0 ? 1 : 0)
    })
}

export function coverageTable(coverage: Coverage, featuresDir: string, drift?: MatrixScopeDrift): string {
  const rows = Object.entries(coverage.features).map(([id, f]) => [id, f.scenarios, f.automated, f.manual, f.wip, [isUncovered(f) ? `UNCOVERED: ${uncoveredWhy(f)}` : '', unbackedStatus(f.status, f) ?? ''].filter(Boolean).join('; ')])
  const drifted = scopeDriftText(drift)
  const lines = [
    `milestone ${coverage.milestone} (frozen ${coverage.frozen}): ${coverage.pickles} scenarios in ${coverage.files} files under ${featuresDir}`,
    ...(drifted ? [`⚠ ${drifted}`] : []),
    '',
    formatTable(['feature', 'scenarios', 'automated', 'manual', 'wip', 'note'], rows),
    '',
    `uncovered: ${coverage.uncovered.length ? coverage.uncovered.map((id) => `${id} (${uncoveredWhy(coverage.features[id]!)})`).join(', ') : 'none'}`,
    `orphans:   ${Object.keys(coverage.orphans).length ? Object.entries(coverage.orphans).map(([id, n]) => `${id} (${n})`).join(', ') : 'none'}`,
    `untagged:  ${coverage.untagged}`,
    // the rows add up to more than the count above when a scenario is under two features
    ...(coverage.shared ? [`shared:    ${coverage.shared} scenario(s) under more than one feature: in each one's row, once in the count above`] : []),
  ]
  if (coverage.errors.length) {
    lines.push('', `${coverage.errors.length} error(s):`)
    for (const e of coverage.errors) lines.push(`${path.join(featuresDir, e.file)}:${e.line}:${e.column}: error: ${e.message}`)
  }
  return lines.join('\n')
}

function parseEffort(spec: string, defaultComplexity: string, defaults: EffortOptions['days']): EffortOptions {
  const days = { ...defaults }
  for (const part of spec.split(',')) {
    const [level, value] = part.split('=').map((s) => s.trim())
    if (!level || !Object.hasOwn(days, level) || value === undefined || !(Number(value) >= 0))
      throw new UserError('BAD_OPTION', `--effort "${spec}": expected level=days pairs such as low=1,medium=3,high=5`)
    days[level as Complexity] = Number(value)
  }
  if (!Object.hasOwn(days, defaultComplexity)) throw new UserError('BAD_OPTION', `--default-complexity "${defaultComplexity}": use low, medium or high`)
  return { days, defaultComplexity: defaultComplexity as Complexity }
}

/** Who accepts a scope change: the CI user, then git's user.name, then the OS user. */
function whoAmI(ctx: CliContext): string {
  const fromEnv = ctx.env.BDD_MATRIX_USER ?? ctx.env.GITLAB_USER_LOGIN ?? ctx.env.GITLAB_USER_NAME
  if (fromEnv) return fromEnv
  try {
    const name = execFileSync('git', ['config', 'user.name'], { cwd: ctx.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    if (name) return name
  } catch {
    // not a git checkout or no user.name: fall through to the OS user
  }
  return userInfo().username
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')
}
