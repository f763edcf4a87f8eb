import path from 'node:path'
import type { Catalogue } from '../catalogue/catalogue-types.ts'
import type { Scope } from '../catalogue/scope.ts'
import type { CliContext } from './cli-context.ts'
import { scopeFilesIn } from '../catalogue/scope-files.ts'

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
    return undefined
  }
  const { resolveInputs } = await import('./resolve-inputs.ts')
  const { buildCatalogue } = await import('../catalogue/build-catalogue.ts')
  const { scope, featuresDir } = resolveInputs(ctx, { features, ...(options.scope ? { scope: options.scope } : {}) })
  return { scope, catalogue: buildCatalogue(featuresDir), uriPrefix: path.relative(ctx.cwd, featuresDir) }
}
