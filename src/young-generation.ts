import { setFlagsFromString } from 'node:v8'

/**
 * Inputs up to this size keep the young generation small; beyond it they let it grow. Past a
 * gigabyte of results the heap holds hundreds of megabytes live, and each collection of a small
 * nursery also scans what the old objects point into it: a million scenarios (3.7 GB of messages)
 * took 51.7–60.2 s with it small against 47.4–52.0 s grown, alternately, for 558–568 MB against
 * 583–600 MB. The goal there is time; at 100,000 scenarios it is memory, and the time is the same.
 */
export const SMALL_YOUNG_GENERATION_MAX_BYTES = 1024 * 1024 * 1024

/**
 * Keeps V8's young generation, in every thread of this process, at the size it has: its
 * semi-spaces are not grown from here on (bin/young-generation.js says why, and for which
 * commands the bin sets it before anything loads). V8 raises the flag back to its least, 2,
 * whenever it makes a heap, so a worker thread's start undoes it for the whole process: a worker
 * of those commands calls this once it runs.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
}

/** V8's own growth of the young generation again, for the inputs SMALL_YOUNG_GENERATION_MAX_BYTES leaves out. */
export function letYoungGenerationGrow(): void {
  setFlagsFromString('--semi-space-growth-factor=2')
}

/** The young generation as suits an input of `bytes`. */
export function sizeYoungGenerationFor(bytes: number): void {
  if (bytes <= SMALL_YOUNG_GENERATION_MAX_BYTES) keepYoungGenerationSmall()
  else letYoungGenerationGrow()
}
