import { readdirSync } from 'node:fs'
import path from 'node:path'
import type { Scope } from '../catalogue/scope.ts'

/** The environments a project has: its environments/*.yaml and those its scope names (manual ones too); none known when it has neither. */
export function projectEnvironments(cwd: string, scope: Scope): string[] | undefined {
  let files: string[] = []
  try {
    files = readdirSync(path.join(cwd, 'environments')).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, ''))
  } catch {
    // no environments folder
  }
  const names = [...new Set([...files, ...scope.features.flatMap((f) => f.environments), ...(scope['manual-environments'] ?? []).map((e) => e.id)])].sort()
  return names.length ? names : undefined
}

/**
 * The name a mistyped one most likely meant: the same but for case or spaces, else one at most two
 * edits away (the nearest), else none.
 */
export function closestName(name: string, names: readonly string[]): string | undefined {
  const plain = name.trim().toLowerCase()
  const same = names.find((n) => n.toLowerCase() === plain)
  if (same) return same
  let best: { name: string; distance: number } | undefined
  for (const n of names) {
    const distance = editDistance(plain, n.toLowerCase())
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: n, distance }
  }
  return best?.name
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = row
  }
  return previous[b.length]!
}
