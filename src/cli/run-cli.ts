import { Command, CommanderError } from 'commander'
import { describeFsError, isUserError } from '../errors.ts'
import type { CliContext } from './cli-context.ts'
import { addCatalogueCommands } from './catalogue-commands.ts'
import { addRunCommands } from './run-command.ts'
import { addAllureCommand, addResultsCommands } from './results-commands.ts'
import { addPublishCommands } from './publish-commands.ts'
import { addHubCommands } from './hub-commands.ts'
import { addGateCommands } from './gate-commands.ts'
import { addClusterCommands } from './cluster-commands.ts'

export const VERSION = '0.1.0'

/** Runs one bdd-matrix command line and returns the exit code; never exits the process itself. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  let code = 0
  const exit = (c: number): void => {
    code = c
  }
  const program = new Command('bdd-matrix')
    .description('BDD test management: frozen milestone scope, Gherkin catalogue, cluster runs and the test matrix')
    .version(VERSION)
    .showHelpAfterError('(run bdd-matrix --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
  addCatalogueCommands(program, ctx, exit)
  addRunCommands(program, ctx, exit)
  addResultsCommands(program, ctx, exit)
  addAllureCommand(program, ctx, exit)
  addPublishCommands(program, ctx, exit)
  addHubCommands(program, ctx, exit)
  addGateCommands(program, ctx, exit)
  addClusterCommands(program, ctx, exit)
  for (const command of program.commands) command.exitOverride()
  try {
    await program.parseAsync(argv, { from: 'user' })
    return code
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    if (isUserError(error)) {
      ctx.stderr.write(`bdd-matrix: ${error.message}\n`)
      return 2
    }
    const fsProblem = describeFsError(error)
    if (fsProblem) {
      ctx.stderr.write(`bdd-matrix: ${fsProblem}\n`)
      return 2
    }
    throw error
  }
}
