import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'

/** The commands a `--help` lists (its "Commands:" section), without `help`. */
async function commandsOf(argv: string[]): Promise<string[]> {
  const { stdout } = await runCliInProcess([...argv, '--help'], { cwd: PROJECT_ROOT })
  const section = stdout.slice(stdout.indexOf('Commands:'))
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((name) => name !== 'help')
}

describe("the README's CLI reference", () => {
  it('has a row for every command --help lists, each subcommand of a group named with its group', async () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')
    const reference = readme.slice(readme.indexOf('## CLI reference'), readme.indexOf('\n## ', readme.indexOf('## CLI reference') + 1))
    // the first column of each row: the command lines it documents
    const documented = reference.split('\n').filter((line) => line.startsWith('| `')).map((row) => row.slice(0, row.indexOf('` |') + 1))
    const missing: string[] = []
    for (const command of await commandsOf([])) {
      const subcommands = await commandsOf([command])
      // a group (scope, publish, token…) is documented by its subcommands, a leaf by itself
      for (const name of subcommands.length ? subcommands.map((sub) => `${command} ${sub}`) : [command]) if (!documented.some((cell) => cell.includes(`\`${name} `) || cell.includes(`\`${name}\``))) missing.push(name)
    }
    expect(missing).toEqual([])
  })
})
