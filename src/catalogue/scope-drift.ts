import type { Catalogue } from './catalogue-types.ts'
import type { Scope } from './scope.ts'
import { diffScope, lockPathFor, readLock, snapshotScope, type LockableGates, type ScopeChange, type ScopeLock } from './scope-lock.ts'

/**
 * What changed in the scope since its freeze: its lock (beside the scope file) against the scope,
 * the feature files and the release criteria now. Undefined when the scope was never frozen.
 * `scope check`, the gate's scope-frozen criterion and the matrix all ask this, so they never
 * disagree on whether the scope drifted.
 */
export function scopeDrift(scope: Scope, catalogue: Catalogue, gates: LockableGates | undefined): { lock: ScopeLock; lockPath: string; changes: ScopeChange[] } | undefined {
  const lockPath = lockPathFor(scope.file)
  const lock = readLock(lockPath, scope)
  return lock && { lock, lockPath, changes: diffScope(lock, snapshotScope(scope, catalogue, gates)) }
}
