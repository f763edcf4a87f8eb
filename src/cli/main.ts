import { runCli } from './run-cli.ts'

// The only module that touches the process: argv, env, streams and the exit code.

// A reader that stops early (`bdd-matrix gate --help | head`) closes the pipe: what is left to
// print has nowhere to go, and the command goes on to its own exit code (a gate's verdict stands).
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
  })

process.exitCode = await runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  now: () => new Date(),
})
