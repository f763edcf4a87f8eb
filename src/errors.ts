/**
 * A mistake the user can fix (bad input, bad configuration, missing file).
 * The CLI prints `message` alone — no stack trace — and exits non-zero.
 * `message` must say what is wrong, where (file:line or key) and how to fix it.
 */
export class UserError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'UserError'
    this.code = code
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError
}

/** Node's fs error code, when `error` is one. */
export function fsErrorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code
  return undefined
}

const FS_VERBS: Record<string, string> = { open: 'open', mkdir: 'create the folder', write: 'write', rename: 'write', unlink: 'remove', rmdir: 'remove', scandir: 'read the folder', read: 'read', copyfile: 'copy', stat: 'read', lstat: 'read', access: 'open' }
const FS_REASONS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied: choose a path you may write, or change its permissions',
  EPERM: 'not permitted: choose a path you may write, or change its permissions',
  EEXIST: 'a file of that name is in the way',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENOSPC: 'the disk is full',
  EFBIG: 'the file is larger than this process may write (ulimit -f)',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
}

/**
 * One line for a file-system failure that escaped a command (an --out path that cannot be
 * written, a disk that filled up): the path, what was being done, why. Undefined for other errors.
 */
export function describeFsError(error: unknown): string | undefined {
  const e = error as { code?: unknown; syscall?: unknown; path?: unknown; dest?: unknown }
  if (!error || typeof e.code !== 'string' || typeof e.syscall !== 'string') return undefined
  const verb = FS_VERBS[e.syscall] ?? e.syscall
  // (a write to an open file names no path: said without one, rather than as a crash)
  if (typeof e.path !== 'string') return FS_REASONS[e.code] ? `cannot ${verb}: ${FS_REASONS[e.code]} (${e.code})` : undefined
  return `cannot ${verb} ${e.path}${typeof e.dest === 'string' ? ` (to ${e.dest})` : ''}: ${FS_REASONS[e.code] ?? e.code} (${e.code})`
}

/** `error`, a file-system failure of a write to an open file, with the file's path (Node's names none). */
export function naming(error: unknown, file: string): unknown {
  if (fsErrorCode(error) && typeof (error as { path?: unknown }).path !== 'string') Object.assign(error as object, { path: file })
  return error
}
