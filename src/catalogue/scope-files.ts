import { readdirSync } from 'node:fs'
import path from 'node:path'

// Apart from scope.ts (which brings zod and yaml): commands that only ask whether a project has a
// scope pay nothing to know.

/** The scope files in `<features>/milestones/` (release gates, `*.gates.yaml`, live beside them but are not one). */
export function scopeFilesIn(featuresDir: string): string[] {
  const milestones = path.join(featuresDir, 'milestones')
  try {
    return readdirSync(milestones)
      .filter((f) => /\.ya?ml$/.test(f) && !/\.gates\.ya?ml$/.test(f))
      .map((f) => path.join(milestones, f))
  } catch {
    return []
  }
}

/** The nearest folder above `dir` whose features/milestones/ holds a scope file (a command run inside a project). */
export function projectAbove(dir: string): string | undefined {
  for (let at = path.dirname(dir); ; at = path.dirname(at)) {
    if (scopeFilesIn(path.join(at, 'features')).length) return at
    if (at === path.dirname(at)) return undefined
  }
}
