/** The outside world a command sees; injected so commands run in-process in tests. */
export interface CliContext {
  cwd: string
  env: Record<string, string | undefined>
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  /** what `-` reads (the process's standard input); none: `-` is refused */
  stdin?: NodeJS.ReadableStream
  now: () => Date
}

/**
 * The build a CI job is of, as buildFromEnv names it; none outside a job. Reports of a results
 * folder show it rather than the newest build there when the folder holds it: a pull brings every
 * build, and the newest may be another merge request's.
 */
export function pipelineBuild(env: CliContext['env']): string | undefined {
  const build = buildFromEnv(env)
  return env.CI_COMMIT_SHA?.trim() && build !== 'dev' ? build : undefined
}

const BUILD_VARIABLES = ['BDD_MATRIX_BUILD', 'CI_COMMIT_TAG', 'CI_COMMIT_SHORT_SHA'] as const

/** The variable that names the build under test (buildFromEnv); none when it is "dev". */
export function buildVariable(env: CliContext['env']): (typeof BUILD_VARIABLES)[number] | undefined {
  // An empty variable is unset: GitLab expands `${CI_COMMIT_TAG}` to "" on branch pipelines.
  return BUILD_VARIABLES.find((name) => env[name]?.trim())
}

/** The build under test when none is named: the CI tag or short commit, else "dev". */
export function buildFromEnv(env: CliContext['env']): string {
  const name = buildVariable(env)
  return name ? env[name]!.trim() : 'dev'
}
