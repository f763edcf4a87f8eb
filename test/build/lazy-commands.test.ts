import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT, runBinAsync } from '../helpers/run-bin.ts'
import { commandsOf } from '../helpers/help-commands.ts'
import { COMMAND_GROUPS } from '../../src/cli/run-cli.ts'
import type { CliContext } from '../../src/cli/cli-context.ts'

/** The top-level commands a module adds, by their names. */
async function namesAdded(group: (typeof COMMAND_GROUPS)[number]): Promise<string[]> {
  const program = new Command('bdd-matrix')
  ;(await group.load())(program, {} as CliContext, () => {})
  return program.commands.map((c) => c.name())
}

describe('a command line loads the module of the command it names, and no other', () => {
  it('names each command by the module that adds it, in the order --help lists them', async () => {
    const listed = await commandsOf([])
    const named: string[] = []
    for (const group of COMMAND_GROUPS) {
      expect(await namesAdded(group), group.names.join(' ')).toEqual(group.names)
      named.push(...group.names)
    }
    expect(named).toEqual(listed)
  })

  it('keeps the commands out of the main bundle: each module is a chunk loaded when its command is named', () => {
    const dist = path.join(PROJECT_ROOT, 'dist/cli')
    const main = readFileSync(path.join(dist, 'main.js'), 'utf8')
    // a description of each module's first command, as the bundle holds it
    for (const text of ['count the scenarios (pickles) of every scope feature', 'publish the matrix to GitLab and results to Testmo', 'release gate of a build', 'feature environments on demand', 'run the results hub']) {
      expect(main, text).not.toContain(text)
      expect(readdirSync(dist).some((file) => file.endsWith('.js') && readFileSync(path.join(dist, file), 'utf8').includes(text)), text).toBe(true)
    }
  })

  it('runs a command named, the help of one, and suggests the command meant when a name is misspelt', async () => {
    const help = await runBinAsync(['publish', 'testmo', '--help'], { cwd: PROJECT_ROOT })
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: bdd-matrix publish testmo [options]')
    const version = await runBinAsync(['--version'], { cwd: PROJECT_ROOT })
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    const typo = await runBinAsync(['catalog'], { cwd: PROJECT_ROOT })
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain("unknown command 'catalog'")
    expect(typo.stderr).toContain('(Did you mean catalogue?)')
  })
})
