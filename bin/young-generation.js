// V8 doubles a busy thread's young generation (its two semi-spaces) up to 16 MB each, 32 MB,
// which pays where many objects live a while. Commands that stream results hold one envelope or
// one case at a time: for them the larger nursery buys resident memory, not time. 100,000
// scenarios through ingest, merge, matrix and JUnit peaked at 134–138 MB with it kept at its
// first size against 165–169 MB (4.08–5.22 s against 4.05–4.97 s, alternately); `matrix` of them
// at 102–107 against 135–139 MB (inputs past a gigabyte let it grow again: src/young-generation.ts
// says why). Short commands that stream nothing pay for it (publishing 10,000
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
