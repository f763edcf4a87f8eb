import { Command, CommanderError } from 'commander'
import { describeFsError, isUserError } from '../errors.ts'
import { underCwd } from './under-cwd.ts'
import type { CliContext } from './cli-context.ts'

export const VERSION = '0.1.0'

type AddCommands = (program: Command, ctx: CliContext, exit: (code: number) => void) => void

/**
 * The top-level commands by the module that adds them, in the order `--help` lists them. A command
 * line naming one loads that module alone: the others' modules were a quarter of a command's
 * start-up (a bare commander program starts in 74 ms, all of bdd-matrix's commands in 102).
 */
export const COMMAND_GROUPS: { names: string[]; load: () => Promise<AddCommands> }[] = [
  { names: ['catalogue', 'lint', 'scope', 'docs'], load: async () => (await import('./catalogue-commands.ts')).addCatalogueCommands },
  { names: ['run', 'start'], load: async () => (await import('./run-command.ts')).addRunCommands },
  { names: ['ingest', 'matrix', 'junit'], load: async () => (await import('./results-commands.ts')).addResultsCommands },
  { names: ['allure'], load: async () => (await import('./results-commands.ts')).addAllureCommand },
  { names: ['publish'], load: async () => (await import('./publish-commands.ts')).addPublishCommands },
  { names: ['serve', 'token', 'hub', 'push', 'pull', 'manual'], load: async () => (await import('./hub-commands.ts')).addHubCommands },
  { names: ['gate', 'diff'], load: async () => (await import('./gate-commands.ts')).addGateCommands },
  { names: ['cluster'], load: async () => (await import('./cluster-commands.ts')).addClusterCommands },
]

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
    // a command's options are its own: `gate init --scope F` is not the gate's --scope
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
  // help, `help`, an option first or a name of no command (commander suggests the nearest): all of them
  const named = COMMAND_GROUPS.filter((group) => group.names.includes(argv[0] ?? ''))
  for (const group of named.length ? named : COMMAND_GROUPS) (await group.load())(program, ctx, exit)
  for (const command of program.commands) command.exitOverride()
  try {
    await program.parseAsync(argv, { from: 'user' })
    return code
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    if (isUserError(error)) {
      ctx.stderr.write(`bdd-matrix: ${underCwd(error.message, ctx.cwd)}\n`)
      return 2
    }
    const fsProblem = describeFsError(error)
    if (fsProblem) {
      ctx.stderr.write(`bdd-matrix: ${underCwd(fsProblem, ctx.cwd)}\n`)
      return 2
    }
    throw error
  }
}
