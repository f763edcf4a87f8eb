import path from 'node:path'
import type { Catalogue } from '../catalogue/catalogue-types.ts'
import type { Scope } from '../catalogue/scope.ts'
import type { CliContext } from './cli-context.ts'
import { projectAbove, scopeFilesIn } from '../catalogue/scope-files.ts'

export interface ProjectScope {
  scope: Scope
  catalogue: Catalogue
  /** the features folder as results name it (relative to where the command runs) */
  uriPrefix: string
}

/**
 * The scope and catalogue a report that lists tests counts the cells not run by: `--scope`, else
 * the project's one scope file, else none (nothing is required, so nothing is missing: results
 * uploaded from another project's runner are reported as they are). Looked for before anything is
 * loaded: a project without one pays nothing (`publish testmo`'s time is measured). `needed` names
 * the option that cannot work without one (refused, exit 2).
 */
export async function optionalScope(ctx: CliContext, options: { scope?: string; features?: string }, needed?: string): Promise<ProjectScope | undefined> {
  const features = options.features ?? 'features'
  if (!options.scope && scopeFilesIn(path.resolve(ctx.cwd, features)).length === 0) {
    const { UserError } = await import('../errors.ts')
    const where = `${path.relative(ctx.cwd, path.resolve(ctx.cwd, features, 'milestones')) || '.'}/`
    if (needed) throw new UserError('SCOPE_MISSING', `${needed}: no scope file given and none found in ${where}; pass one with --scope FILE`)
    // Inside a project (a subfolder), the report would leave out the cells its scope requires and
    // nothing ran: said, not silently greener.
    const project = projectAbove(ctx.cwd)
    if (project) ctx.stderr.write(`bdd-matrix: no scope file in ${where}, so no required cell is reported as not run; the project's scope is under ${path.join(project, 'features/milestones')}: run bdd-matrix in ${project}, or pass --scope\n`)
    return undefined
  }
  return projectScope(ctx, { features, ...(options.scope ? { scope: options.scope } : {}) })
}

/** The project's scope (`--scope`, else the one in <features>/milestones/; refused when there is none) and its catalogue. */
export async function projectScope(ctx: CliContext, options: { scope?: string; features?: string }): Promise<ProjectScope> {
  const { resolveInputs } = await import('./resolve-inputs.ts')
  const { buildCatalogue } = await import('../catalogue/build-catalogue.ts')
  const { scope, featuresDir } = resolveInputs(ctx, options)
  return { scope, catalogue: buildCatalogue(featuresDir), uriPrefix: path.relative(ctx.cwd, featuresDir) }
}

/** What is said of a run the scope leaves out: runs of another milestone stay in the folder but do not count for this scope. */
export function otherMilestoneNote(ctx: CliContext, scope: Scope, leftOutOf: string): (file: string, runId: string, milestone: string | undefined) => void {
  return (file, runId, milestone) => ctx.stderr.write(`${path.relative(ctx.cwd, file)}: run ${runId} is for milestone ${milestone}, not ${scope.milestone} (${path.relative(ctx.cwd, scope.file)}); left out of ${leftOutOf}\n`)
}
