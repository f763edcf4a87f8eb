// V8 doubles a busy thread's young generation (its semi-spaces) up to 16 MB each, 48 MB in all,
// which pays where many objects live a while. Commands that stream results hold one envelope or
// one case at a time: for them the larger nursery buys resident memory, not time. 100,000
// scenarios through ingest, merge, matrix and JUnit peaked at 131–136 MB with it kept at its
// first size against 159–162 MB (3.99–4.27 s against 3.94–4.07 s, alternately), a million at 568
// against 590 MB, no slower. Short commands that stream nothing pay for it (publishing 10,000
// results to Testmo: some 0.02 s of 0.3), and the hub serves many requests at once: they keep
// V8's default. `--max-semi-space-size` would say it, but it is a flag of the `node` command,
// which a CLI started as `bdd-matrix` is not given; the growth factor is read each time V8 would
// grow a semi-space, but the command's modules grow it as they load (to 8 MB), so it is set
// before they are. V8 resets it whenever a heap is made: a worker thread sets it again
// (src/young-generation.ts).
import { setFlagsFromString } from 'node:v8'

/** The commands whose memory grows with the results they read or write. */
export const STREAMING_COMMANDS = new Set(['run', 'start', 'ingest', 'matrix', 'junit', 'allure', 'gate', 'push', 'pull'])

/** Keeps the young generation at its first size when `command` streams results. */
export function keepYoungGenerationSmall(command) {
  if (STREAMING_COMMANDS.has(command)) setFlagsFromString('--semi-space-growth-factor=1')
}
