/** The outside world a command sees; injected so commands run in-process in tests. */
export interface CliContext {
  cwd: string
  env: Record<string, string | undefined>
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  now: () => Date
}
