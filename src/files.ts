import { renameSync, writeFileSync } from 'node:fs'

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
