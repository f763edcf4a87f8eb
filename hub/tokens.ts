import { createHash, randomBytes } from 'node:crypto'

export const ROLES = ['qa', 'ci', 'tester'] as const
export type Role = (typeof ROLES)[number]

/**
 * A token is shown once and only its hash is stored: a copy of the database gives nobody a way
 * in. The prefix tells a leaked token apart in secret scanners and logs.
 */
export function newToken(): { token: string; hash: string } {
  const token = `bdmx_${randomBytes(24).toString('base64url')}`
  return { token, hash: tokenHash(token) }
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** The public handle of a token, for listing and revoking: never enough to use it. */
export function newTokenId(): string {
  return `t_${randomBytes(5).toString('hex')}`
}
