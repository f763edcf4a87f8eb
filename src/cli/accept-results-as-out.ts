import { Option, type Command } from 'commander'
import { UserError } from '../errors.ts'

/**
 * `--results <dir>` as another name of `--out <dir>`, for the commands that write the results
 * folder (ingest, pull): every command that reads it calls it --results, so that is what people
 * type. Hidden from --help, which names one option for one thing.
 */
export function acceptResultsAsOut(command: Command): Command {
  return command.addOption(new Option('--results <dir>').hideHelp()).hook('preAction', (cmd) => {
    const { results, out } = cmd.opts<{ results?: string; out: string }>()
    if (results === undefined) return
    if (cmd.getOptionValueSource('out') === 'cli' && out !== results) throw new UserError('BAD_OPTION', `--out "${out}" and --results "${results}" name two results folders; give one`)
    cmd.setOptionValue('out', results)
  })
}
