import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { commandsOf, helpOf } from '../helpers/help-commands.ts'

/** Every command line: each leaf command, and each subcommand of a group (scope, publish, token…) with its group. */
async function commandLines(): Promise<string[][]> {
  const lines: string[][] = []
  for (const command of await commandsOf([])) {
    const subcommands = await commandsOf([command])
    lines.push(...(subcommands.length ? subcommands.map((sub) => [command, sub]) : [[command]]))
  }
  return lines
}

const README = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')

describe("the README's CLI reference", () => {
  it('has a row for every command --help lists, each subcommand of a group named with its group', async () => {
    const reference = README.slice(README.indexOf('## CLI reference'), README.indexOf('\n## ', README.indexOf('## CLI reference') + 1))
    // the first column of each row: the command lines it documents
    const documented = reference.split('\n').filter((line) => line.startsWith('| `')).map((row) => row.slice(0, row.indexOf('` |') + 1))
    const missing = (await commandLines()).map((line) => line.join(' ')).filter((name) => !documented.some((cell) => cell.includes(`\`${name} `) || cell.includes(`\`${name}\``)))
    expect(missing).toEqual([])
  })

  it('names every option --help gives, somewhere in the README', async () => {
    const missing: string[] = []
    for (const line of await commandLines()) for (const [, option] of (await helpOf(line)).matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)) if (option !== '--help' && !README.includes(option!)) missing.push(`${line.join(' ')} ${option}`)
    expect(missing).toEqual([])
  })
})
