import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { makeDirectory } from '../files.ts'

/**
 * The run's own folder under `outDir`, made by this run. A run id is stamped to the second, so
 * runs started in the same second (two shells, a script starting environments side by side) had
 * one folder and wrote one messages file between them, each reading the other's lines as its own.
 * Making a folder that must not exist yet is atomic: the first run takes the id, each other the
 * next one free (`-2`, `-3`…). An id the caller gave (`--run-id`) is its own: its folder is used
 * as it is.
 */
export function claimRunDir(outDir: string, runId: string, given = false): { runId: string; runDir: string } {
  makeDirectory(outDir)
  if (given) {
    const runDir = path.join(outDir, runId)
    makeDirectory(runDir)
    return { runId, runDir }
  }
  for (let n = 1; ; n++) {
    const id = n === 1 ? runId : `${runId}-${n}`
    const runDir = path.join(outDir, id)
    try {
      mkdirSync(runDir)
      return { runId: id, runDir }
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error
    }
  }
}

/** A run id's time: UTC to the second, without separators (20260102T030405Z). */
export function runStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
}
