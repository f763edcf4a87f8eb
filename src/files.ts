import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { UserError, fsErrorCode } from './errors.ts'

/** A build or environment name as part of a file name: v0.5.0-rc1 stays, anything else is _. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_')
}

/**
 * Writes a file whole or not at all (a temporary beside it, renamed): a reader never sees half
 * of it, and a results folder never holds half a results file.
 */
export function writeFileAtomically(file: string, data: string | Buffer, options: { mode?: number } = {}): void {
  const partial = `${file}.partial-${process.pid}`
  writeFileSync(partial, data, options)
  renameSync(partial, file)
}

/**
 * Makes a folder and its missing parents (mkdir -p), failing where that cannot be done: Node 20's
 * recursive mkdirSync spins for ever, a core at 100 %, where mkdir answers ENOENT under a parent
 * that exists (`--out /proc/x`).
 */
export function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST' && statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return
    const parent = path.dirname(dir)
    if (code !== 'ENOENT' || parent === dir) throw error
    makeDirectory(parent)
    try {
      mkdirSync(dir)
    } catch (again) {
      if (fsErrorCode(again) !== 'ENOENT') throw again
      throw new UserError('FOLDER', `cannot create the folder ${dir}: ${parent} exists but takes no new folders (a system file system, such as /proc); choose another path`)
    }
  }
}
