/** The outside world a command sees; injected so commands run in-process in tests. */
export interface CliContext {
  cwd: string
  env: Record<string, string | undefined>
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  now: () => Date
}

/** The build under test when none is named: the CI tag or short commit, else "dev". */
export function buildFromEnv(env: CliContext['env']): string {
  return env.BDD_MATRIX_BUILD ?? env.CI_COMMIT_TAG ?? env.CI_COMMIT_SHORT_SHA ?? 'dev'
}
