import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

let root: string | undefined

/**
 * The folder of bdd-matrix's own package.json, whether it runs from its sources or from dist/,
 * in its own checkout or installed in a project's node_modules: where its bundled reference node
 * and store template are, whatever project it works in.
 */
export function packageRoot(): string {
  if (root) return root
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = path.join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'bdd-matrix') return (root = dir)
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error(`bdd-matrix's package.json not found above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}
