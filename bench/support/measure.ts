import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const RSS_PRELOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'report-rss.js')

export interface Measurement {
  seconds: number
  peakRssBytes: number
  stdoutBytes: number
}

/** Runs `node args…` in a child process; best wall time of `repeat` runs and the peak RSS seen. */
export function measureNode(args: string[], options: { cwd: string; repeat?: number; env?: Record<string, string> }): Measurement {
  const dir = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-bench-'))
  const rssFile = path.join(dir, 'rss')
  let best = Infinity
  let peak = 0
  let stdoutBytes = 0
  try {
    for (let i = 0; i < (options.repeat ?? 3); i++) {
      const started = process.hrtime.bigint()
      const result = spawnSync(process.execPath, ['--import', RSS_PRELOAD, ...args], {
        cwd: options.cwd,
        env: { ...process.env, ...options.env, BENCH_RSS_FILE: rssFile },
        maxBuffer: 1 << 30,
      })
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (result.status !== 0 && result.status !== 1) throw new Error(`node ${args.join(' ')} failed (${result.status}): ${result.stderr}`)
      best = Math.min(best, seconds)
      peak = Math.max(peak, Number(readFileSync(rssFile, 'utf8')))
      stdoutBytes = result.stdout.length
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return { seconds: best, peakRssBytes: peak, stdoutBytes }
}

/**
 * Measures two commands alternately (a, b, a, b, …) so that machine jitter and drift hit both
 * alike; reports the best time of each.
 */
export function compareNode(
  a: string[],
  b: string[],
  options: { cwd: string; rounds?: number; env?: Record<string, string> },
): [Measurement, Measurement] {
  const results: [Measurement, Measurement] = [
    { seconds: Infinity, peakRssBytes: 0, stdoutBytes: 0 },
    { seconds: Infinity, peakRssBytes: 0, stdoutBytes: 0 },
  ]
  for (let round = 0; round < (options.rounds ?? 5); round++) {
    ;[a, b].forEach((args, i) => {
      const m = measureNode(args, { ...options, repeat: 1 })
      const r = results[i]!
      r.seconds = Math.min(r.seconds, m.seconds)
      r.peakRssBytes = Math.max(r.peakRssBytes, m.peakRssBytes)
      r.stdoutBytes = m.stdoutBytes
    })
  }
  return results
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`
