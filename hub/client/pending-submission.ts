import { createHash, randomUUID } from 'node:crypto'
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { UserError, fsErrorCode } from '../../src/errors.ts'
import { makeDirectory, writeFileAtomically } from '../../src/files.ts'

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** What a pending submission is of, kept beside its key so `manual list` can say what waits. */
export interface PendingAbout {
  build: string
  scenario: string
  status: string
  environment?: string
}

/** The key file's second line: whose submission to which hub (the token only as a digest of its own). */
interface PendingRecord extends PendingAbout {
  server: string
  tester: string
}

/** Not the hub's own hash of the token: a file on a laptop is no lookup key for the hub's store. */
const testerDigest = (token: string): string => createHash('sha256').update(`bdd-matrix pending submission\u0000${token}`).digest('hex')

/** A submission whose answer was lost, as `manual list` shows it. */
export interface LostAnswer extends PendingAbout {
  /** when the command that sent it started waiting */
  since: Date
}

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
    private readonly record: PendingRecord,
  ) {}

  /** The pending submission of `what` in `dir`: the key an unanswered earlier run left, else a new one. */
  static open(dir: string, what: { server: string; token: string; body: unknown; about: PendingAbout }): PendingSubmission {
    // (the token is in the name only as a digest: a file name is no place for a secret)
    const digest = createHash('sha256')
      .update(JSON.stringify([what.server, createHash('sha256').update(what.token).digest('hex'), what.body]))
      .digest('hex')
    const file = path.join(dir, `${digest.slice(0, 32)}.key`)
    let left: string | undefined
    try {
      left = readFileSync(file, 'utf8').split('\n', 1)[0]!.trim()
    } catch (error) {
      if (fsErrorCode(error) !== 'ENOENT') throw error
    }
    if (left !== undefined && !KEY.test(left))
      throw new UserError('SUBMISSION_JOURNAL', `${file} holds no submission key (a UUID): it is not bdd-matrix's; remove it, or pass --journal another folder`)
    const pending = new PendingSubmission(file, left ?? randomUUID(), { ...what.about, server: what.server, tester: testerDigest(what.token) })
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
    writeFileAtomically(this.file, `${this.current}\n${JSON.stringify(this.record)}\n`, { mode: 0o600 })
  }

  /**
   * The submissions in `dir` this tester sent to this hub whose answer never came: a rerun of the
   * same command stores each once. Files that are not such records are passed over: the list
   * informs, `manual submit` refuses a spoilt file of its own by name.
   */
  static lost(dir: string, where: { server: string; token: string }): LostAnswer[] {
    let names: string[]
    try {
      names = readdirSync(dir).filter((name) => name.endsWith('.key'))
    } catch (error) {
      if (fsErrorCode(error) === 'ENOENT') return []
      throw error
    }
    const tester = testerDigest(where.token)
    const lost: LostAnswer[] = []
    for (const name of names) {
      const file = path.join(dir, name)
      try {
        const [key, line] = readFileSync(file, 'utf8').split('\n')
        const record = JSON.parse(line ?? '') as Partial<PendingRecord>
        if (!KEY.test(key?.trim() ?? '') || record.server !== where.server || record.tester !== tester || typeof record.build !== 'string' || typeof record.scenario !== 'string' || typeof record.status !== 'string') continue
        lost.push({ build: record.build, scenario: record.scenario, status: record.status, ...(typeof record.environment === 'string' ? { environment: record.environment } : {}), since: statSync(file).mtime })
      } catch {
        // removed meanwhile (its command got its answer), or not one of ours
      }
    }
    return lost.sort((a, b) => a.since.getTime() - b.since.getTime())
  }
}
