/** A deadline for an awaited event: generous, since it only ends a wait that would never end. */
export const EVENT_DEADLINE_MS = 120_000

/**
 * Waits until `check` holds, polling; at the deadline fails naming what it waited for, how long,
 * and what it saw last (`seen`).
 */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, options: { deadlineMs?: number; seen?: () => string; intervalMs?: number } = {}): Promise<void> {
  const started = Date.now()
  const deadline = started + (options.deadlineMs ?? EVENT_DEADLINE_MS)
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`waited ${((Date.now() - started) / 1000).toFixed(1)} s for ${what}; it did not happen${options.seen ? `; last seen: ${options.seen()}` : ''}`)
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100))
  }
}
