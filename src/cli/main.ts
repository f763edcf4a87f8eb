import { runCli } from './run-cli.ts'

// The only module that touches the process: argv, env, streams and the exit code.
process.exitCode = await runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  now: () => new Date(),
})
