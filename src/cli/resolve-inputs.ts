import path from 'node:path'
import { UserError } from '../errors.ts'
import { loadScope, scopeFilesIn, type Scope } from '../catalogue/scope.ts'
import { projectAbove } from '../catalogue/scope-files.ts'
import type { CliContext } from './cli-context.ts'

export interface FeatureInputs {
  featuresDir: string
  scope: Scope
}

/** `--features` defaults to ./features; `--scope` to the one scope file in <features>/milestones/. */
export function resolveInputs(ctx: CliContext, options: { features?: string; scope?: string }): FeatureInputs {
  const featuresDir = path.resolve(ctx.cwd, options.features ?? 'features')
  const scopeFile = options.scope ? path.resolve(ctx.cwd, options.scope) : defaultScopeFile(featuresDir, ctx.cwd)
  return { featuresDir, scope: { ...loadScope(scopeFile, path.relative(ctx.cwd, scopeFile)), file: scopeFile } }
}

/** `cwd`: where the command runs (a project above it is named when there is none here). */
function defaultScopeFile(featuresDir: string, cwd?: string): string {
  const milestones = path.join(featuresDir, 'milestones')
  const candidates = scopeFilesIn(featuresDir)
  if (candidates.length === 1) return candidates[0]!
  if (candidates.length === 0) {
    // run from inside the project (its features folder, say): drafting a second scope is not the fix
    const project = cwd === undefined ? undefined : projectAbove(cwd)
    if (project) throw new UserError('SCOPE_MISSING', `no scope file given and none found in ${milestones}; the project's is under ${path.join(project, 'features/milestones')}: run bdd-matrix in ${project}, or pass --features ${path.relative(cwd!, path.join(project, 'features')) || '.'}`)
    throw new UserError('SCOPE_MISSING', `no scope file given and none found in ${milestones}; pass one with --scope FILE, or draft one from the feature files with bdd-matrix scope init --milestone <id>`)
  }
  throw new UserError('SCOPE_AMBIGUOUS', `${milestones} holds ${candidates.length} scope files (${candidates.map((f) => path.basename(f)).join(', ')}); choose one with --scope FILE`)
}
