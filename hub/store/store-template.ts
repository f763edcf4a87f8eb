import { createHash } from 'node:crypto'
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { packageRoot } from '../../src/package-root.ts'
import { MIGRATIONS } from './migrations.ts'
import { makeDirectory } from '../../src/files.ts'

/**
 * A new embedded store starts as a copy of a prepared one: PGlite's initdb costs seconds of CPU
 * and most of a gigabyte, a copy of its ~40 MB data folder a fraction of a second. The template is
 * made when bdd-matrix is built (npm install runs the build) and named after the PGlite version
 * and the schema, so a template of another version is never used; without one a store is made
 * from nothing, as before.
 */
export function storeTemplateDir(): string {
  return path.join(packageRoot(), 'dist', 'store-template', templateKey())
}

/** Copies the template into `dir` when `dir` holds no store yet; false when there is no template. */
export function startFromTemplate(dir: string): boolean {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return false
  if (existsSync(dir) && readdirSync(dir).length > 0) return false
  const template = storeTemplateDir()
  if (!existsSync(path.join(template, 'PG_VERSION'))) return false
  // Copied beside the target and renamed: a copy cut short never looks like a store.
  const partial = `${dir}.partial-${process.pid}`
  rmSync(partial, { recursive: true, force: true })
  makeDirectory(path.dirname(dir))
  cpSync(template, partial, { recursive: true })
  rmSync(dir, { recursive: true, force: true })
  renameSync(partial, dir)
  return true
}

/** Makes the template (once per PGlite version and schema): `make(dir)` creates a migrated store there. */
export async function makeStoreTemplate(make: (dir: string) => Promise<void>): Promise<{ dir: string; made: boolean }> {
  const dir = storeTemplateDir()
  if (existsSync(path.join(dir, 'PG_VERSION'))) return { dir, made: false }
  const partial = `${dir}.partial-${process.pid}`
  rmSync(partial, { recursive: true, force: true })
  makeDirectory(path.dirname(dir))
  await make(partial)
  // templates of older versions go
  for (const old of readdirSync(path.dirname(dir))) if (old !== path.basename(dir) && !old.includes('.partial-')) rmSync(path.join(path.dirname(dir), old), { recursive: true, force: true })
  rmSync(dir, { recursive: true, force: true })
  renameSync(partial, dir)
  return { dir, made: true }
}

function templateKey(): string {
  const require = createRequire(import.meta.url)
  // the package does not export its package.json: found from its entry point (dist/index.cjs)
  const pglite = (JSON.parse(readFileSync(path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json'), 'utf8')) as { version: string }).version
  const schema = createHash('sha256').update(MIGRATIONS.join('\n')).digest('hex').slice(0, 12)
  return `pglite-${pglite}-schema-${MIGRATIONS.length}-${schema}`
}
