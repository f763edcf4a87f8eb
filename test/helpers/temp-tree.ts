import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const made: string[] = []

/**
 * A new empty temporary folder, removed when its test file ends (test/setup/cleanup.ts), wherever
 * it was made: at file level, in a hook or inside a test. (A file whose every test is skipped runs
 * no hooks: one made while such a file is collected is left behind, and the suite fails.)
 */
export function tempDir(prefix = 'test', parent = tmpdir()): string {
  mkdirSync(parent, { recursive: true })
  const dir = mkdtempSync(path.join(parent, `bdd-matrix-${prefix}-`))
  made.push(dir)
  return dir
}

/** A temporary folder holding `files` (path → text or bytes), removed when its test file ends. */
export function tempTree(files: Record<string, string | Buffer> = {}): string {
  const root = tempDir()
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, content)
  }
  return root
}

/** Removes every folder made so far (called after each test file). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
}
