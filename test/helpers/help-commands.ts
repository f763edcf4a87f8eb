import { PROJECT_ROOT } from './run-bin.ts'
import { runCliInProcess } from './run-cli-in-process.ts'

/** What `bdd-matrix ARGV --help` prints. */
export async function helpOf(argv: string[]): Promise<string> {
  return (await runCliInProcess([...argv, '--help'], { cwd: PROJECT_ROOT })).stdout
}

/** The commands a `--help` lists (its "Commands:" section), without `help`. */
export async function commandsOf(argv: string[]): Promise<string[]> {
  const help = await helpOf(argv)
  return [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((name) => name !== 'help')
}
