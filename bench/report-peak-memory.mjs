// Preloaded (node --import) by the benches: writes this process's peak resident memory (KiB) to
// BENCH_PEAK_FILE at exit, so a bench can measure a child it spawned.
import { writeFileSync } from 'node:fs'

process.on('exit', () => {
  if (process.env.BENCH_PEAK_FILE) writeFileSync(process.env.BENCH_PEAK_FILE, String(process.resourceUsage().maxRSS))
})
