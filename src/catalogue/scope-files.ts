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
