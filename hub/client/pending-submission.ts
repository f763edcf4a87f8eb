import { createHash, randomUUID } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { UserError, fsErrorCode } from '../../src/errors.ts'
import { makeDirectory, writeFileAtomically } from '../../src/files.ts'

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * The Idempotency-Key of one submission that has not been answered yet, kept in a file on the
 * tester's machine until the hub answers.
 *
 * The hub stores a key's submission once, but a key made afresh by every run of the command
 * made a rerun after a lost answer (a dropped connection, a closed terminal, a killed laptop)
 * store the outcome again, as a newer version. The file is named after what is submitted, to
 * which hub and by which token, so the same command run again finds the same key; it is removed
 * once the hub has answered, so the same outcome submitted later on purpose (QA asked for more)
 * is a new version, as meant.
 */
export class PendingSubmission {
  private constructor(
    private readonly file: string,
    private current: string,
  ) {}

  /** The pending submission of `what` in `dir`: the key an unanswered earlier run left, else a new one. */
  static open(dir: string, what: { server: string; token: string; body: unknown }): PendingSubmission {
    // (the token is in the name only as a digest: a file name is no place for a secret)
    const digest = createHash('sha256')
      .update(JSON.stringify([what.server, createHash('sha256').update(what.token).digest('hex'), what.body]))
      .digest('hex')
    const file = path.join(dir, `${digest.slice(0, 32)}.key`)
    let left: string | undefined
    try {
      left = readFileSync(file, 'utf8').trim()
    } catch (error) {
      if (fsErrorCode(error) !== 'ENOENT') throw error
    }
    if (left !== undefined && !KEY.test(left))
      throw new UserError('SUBMISSION_JOURNAL', `${file} holds no submission key (a UUID): it is not bdd-matrix's; remove it, or pass --journal another folder`)
    const pending = new PendingSubmission(file, left ?? randomUUID())
    if (left === undefined) {
      makeDirectory(dir)
      pending.write()
    }
    return pending
  }

  get key(): string {
    return this.current
  }

  /** A new key, for a submission the hub says another body was sent under this one. */
  renew(): string {
    this.current = randomUUID()
    this.write()
    return this.current
  }

  /** The hub answered (stored, replayed or refused): nothing is left to resume. */
  settle(): void {
    rmSync(this.file, { force: true })
  }

  private write(): void {
    writeFileAtomically(this.file, `${this.current}\n`, { mode: 0o600 })
  }
}
