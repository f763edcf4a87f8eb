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
