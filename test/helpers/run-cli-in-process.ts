import { runCli } from '../../src/cli/run-cli.ts'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs a bdd-matrix command line in this process, capturing its output. */
export async function runCliInProcess(argv: string[], options: { cwd: string; env?: Record<string, string>; now?: Date }): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, {
    cwd: options.cwd,
    env: options.env ?? {},
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    now: () => options.now ?? new Date('2026-01-02T03:04:05Z'),
  })
  return { code, stdout, stderr }
}
