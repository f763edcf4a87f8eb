import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let gc: (() => void) | undefined

/**
 * V8's own full collection of this thread's heap. V8 sizes a heap by its peak and lets garbage
 * pile up to about twice what is live before it collects: where a phase ends with hundreds of
 * megabytes of garbage and the next holds as much again, collecting between them lowers the peak
 * by that garbage. The flag lets a context made after it see gc(); it is exposed to nothing else.
 */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  }
  gc()
}

/** Bytes of this thread's heap in use, live or not yet collected. */
export function heapInUse(): number {
  return getHeapStatistics().used_heap_size
}
