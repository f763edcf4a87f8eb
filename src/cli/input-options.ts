import type { Command } from 'commander'

/** The options every command reading the feature files takes. */
export interface InputOptions {
  features?: string
  scope?: string
}

export const withInputs = (command: Command): Command =>
  command
    .option('--features <dir>', 'folder of .feature files (searched recursively)', 'features')
    .option('--scope <file>', 'milestone scope file (default: the one YAML in <features>/milestones/)')

/** The input options as given, for a command a message names next: " --features specs --scope s.yaml", or "" for the defaults. */
export function inputFlags(options: InputOptions): string {
  return `${options.features && options.features !== 'features' ? ` --features ${options.features}` : ''}${options.scope ? ` --scope ${options.scope}` : ''}`
}
