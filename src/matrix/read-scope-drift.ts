import { existsSync } from 'node:fs'
import path from 'node:path'
import type { Catalogue } from '../catalogue/catalogue-types.ts'
import type { Scope } from '../catalogue/scope.ts'
import { scopeDrift } from '../catalogue/scope-drift.ts'
import { lockPathFor } from '../catalogue/scope-lock.ts'
import { isUserError } from '../errors.ts'
import { gatesBeside } from '../gates/gate-file.ts'
import type { MatrixScopeDrift } from './matrix-scope-drift.ts'

/**
 * The scope's changes since its freeze, for the matrix (paths relative to `cwd`). A lock or gate
 * file that cannot be read does not stop the reports: the matrix says the drift is unknown, and why.
 * Undefined when the scope was never frozen (no lock beside it): the catalogue is then not asked
 * for (`catalogue` builds it, a full parse where a command may have none yet).
 */
export function readScopeDrift(scope: Scope, catalogue: () => Catalogue, cwd: string): MatrixScopeDrift | undefined {
  const lockPath = lockPathFor(scope.file)
  // (the gate file beside it is read only for a frozen scope: a scope never frozen drifts from nothing)
  if (!existsSync(lockPath)) return undefined
  const lock = path.relative(cwd, lockPath).split(path.sep).join('/')
  try {
    const drift = scopeDrift(scope, catalogue(), gatesBeside(scope.file, cwd))
    return drift && { lock, frozen: scope.frozen, changes: drift.changes.map(({ kind, summary }) => ({ kind, summary })) }
  } catch (error) {
    if (!isUserError(error)) throw error
    return { lock, unreadable: error.message }
  }
}
