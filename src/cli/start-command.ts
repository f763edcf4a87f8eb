import type { Command } from 'commander'
import path from 'node:path'
import { coverageOf } from '../catalogue/coverage.ts'
import type { CliContext } from './cli-context.ts'
import { resolveInputs } from './resolve-inputs.ts'
import { coverageTable } from './catalogue-commands.ts'

/**
 * `npm start`: the main job. Until cluster runs exist it catalogues the milestone suite and
 * says so, so a fresh clone already shows where the frozen scope stands.
 */
export function addStartCommand(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  program
    .command('start')
    .description('the main job of a fresh clone (currently: catalogue the milestone suite in features/)')
    .action(() => {
      const { featuresDir, scope } = resolveInputs(ctx, {})
      ctx.stdout.write('bdd-matrix start: cluster runs are not built yet; cataloguing the milestone suite instead.\n\n')
      const coverage = coverageOf(featuresDir, scope)
      ctx.stdout.write(`${coverageTable(coverage, path.relative(ctx.cwd, featuresDir))}\n`)
      exit(coverage.errors.length > 0 ? 1 : 0)
    })
}
