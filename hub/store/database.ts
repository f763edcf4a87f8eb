import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { UserError } from '../../src/errors.ts'
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts'
import { makeStoreTemplate, startFromTemplate } from './store-template.ts'
import { makeDirectory } from '../../src/files.ts'

/** What the hub's queries need: the one API over embedded PGlite and a PostgreSQL server. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>
}

export interface Database extends Queryable {
  readonly kind: 'embedded' | 'postgres'
  /** the folder, or the URL with its password hidden: safe for logs and messages */
  readonly where: string
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** a PostgreSQL server (postgres://…); the embedded store otherwise */
  url?: string
  /** the embedded store's folder */
  dir: string
}

/** Opens the store and brings its schema up to date; one clear error when it cannot. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const db = options.url ? await openPostgres(options.url) : await openEmbedded(options.dir)
  try {
    await migrate(db)
  } catch (error) {
    await db.close()
    throw error
  }
  return db
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(DATABASE_URL is not a URL)'
  }
}

async function openPostgres(url: string): Promise<Database> {
  const where = redactUrl(url)
  try {
    new URL(url)
  } catch {
    throw new UserError('DATABASE_URL', `DATABASE_URL is not a URL; set it to postgres://USER:PASSWORD@HOST:5432/DATABASE, or unset it to use the embedded store`)
  }
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 })
  // A server that goes away later is reported per request; the pool must not crash the process.
  pool.on('error', () => {})
  try {
    const client = await pool.connect()
    client.release()
  } catch (error) {
    await pool.end().catch(() => {})
    throw new UserError('DATABASE_UNREACHABLE', `the database at ${where} cannot be used: ${describePgError(error)}`)
  }
  return {
    kind: 'postgres',
    where,
    async query<T>(sql: string, params?: unknown[]) {
      return (await pool.query(sql, params)).rows as T[]
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect()
      try {
        await client.query('begin')
        const result = await work({ query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[] })
        await client.query('commit')
        return result
      } catch (error) {
        await client.query('rollback').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
    async close() {
      await pool.end()
    },
  }
}

function embedded(db: PGlite, dir: string, release: () => void): Database {
  return {
    kind: 'embedded',
    where: dir,
    async query<T>(sql: string, params?: unknown[]) {
      return (await db.query<T>(sql, params)).rows
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>) {
      return db.transaction((tx) => work({ query: async <R>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows }))
    },
    async close() {
      try {
        await db.close()
      } finally {
        release()
      }
    },
  }
}

function describePgError(error: unknown): string {
  const e = error as { code?: string; message?: string }
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EHOSTUNREACH' || /timeout/i.test(e.message ?? ''))
    return `no server answers (${e.code ?? 'timeout'}); start PostgreSQL there, or correct DATABASE_URL (unset it to use the embedded store)`
  if (e.code === '28P01' || e.code === '28000') return 'the user name or password is refused; correct DATABASE_URL'
  if (e.code === '3D000') return `${e.message}; create it (createdb) or correct DATABASE_URL`
  return `${e.message ?? String(error)}${e.code ? ` (${e.code})` : ''}; correct DATABASE_URL or the server's settings`
}

async function openEmbedded(dir: string): Promise<Database> {
  const release = lockFolder(dir)
  try {
    makeDirectory(path.dirname(dir))
    startFromTemplate(dir)
    const { PGlite } = await import('@electric-sql/pglite')
    return embedded(await PGlite.create(dir), dir, release)
  } catch (error) {
    release()
    if (error instanceof UserError) throw error
    throw new UserError('DATABASE_EMBEDDED', `the embedded store in ${dir} cannot be opened: ${(error as Error).message}; move the folder aside to start afresh, or use PostgreSQL through DATABASE_URL`)
  }
}

/**
 * PGlite is one process's database: a second process on the same folder would corrupt it. A lock
 * file beside the folder names its owner; a lock left by a process that is gone is taken over.
 */
function lockFolder(dir: string): () => void {
  const lock = `${dir}.lock`
  makeDirectory(path.dirname(lock))
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      let released = false
      const release = (): void => {
        if (released) return
        released = true
        process.off('exit', release)
        rmSync(lock, { force: true })
      }
      process.on('exit', release)
      return release
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error
      const owner = Number(readFileSync(lock, 'utf8').trim())
      if (owner && owner !== process.pid && alive(owner))
        throw new UserError('DATABASE_IN_USE', `the embedded store ${dir} is in use by process ${owner} (bdd-matrix serve?); stop it first, or do this through the server (--server URL with a qa token in BDD_MATRIX_TOKEN)`)
      rmSync(lock, { force: true })
    }
  }
  throw new UserError('DATABASE_IN_USE', `the embedded store ${dir} is locked (${lock}); remove the lock file if no bdd-matrix process uses it`)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM'
  }
}

/** Applies the missing migration steps in one transaction; refuses a schema newer than this code. */
async function migrate(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    // Hubs starting together on one server: the first migrates, the others wait, then find the
    // work done. The lock comes first: two concurrent `create table if not exists` can collide.
    await tx.query('select pg_advisory_xact_lock(4242)')
    await tx.query('create table if not exists bdd_matrix_schema (version integer not null)')
    const rows = await tx.query<{ version: number }>('select version from bdd_matrix_schema')
    const current = rows[0]?.version ?? 0
    if (current > SCHEMA_VERSION)
      throw new UserError('DATABASE_NEWER', `the database at ${db.where} has schema version ${current}; this bdd-matrix knows up to ${SCHEMA_VERSION}: upgrade bdd-matrix, or point it at another database`)
    for (let version = current; version < SCHEMA_VERSION; version++) for (const statement of splitStatements(MIGRATIONS[version]!)) await tx.query(statement)
    if (rows.length === 0) await tx.query('insert into bdd_matrix_schema (version) values ($1)', [SCHEMA_VERSION])
    else await tx.query('update bdd_matrix_schema set version = $1', [SCHEMA_VERSION])
  })
}

// Statements one at a time: the extended protocol (used inside transactions) takes one each.
// A function's body is dollar-quoted ($fn$ … $fn$): its semicolons are the body's.
export function splitStatements(sql: string): string[] {
  const statements: string[] = []
  let current = ''
  let quote: string | undefined
  for (const part of sql.split(/(\$[A-Za-z_]*\$)/)) {
    if (/^\$[A-Za-z_]*\$$/.test(part)) {
      if (quote === undefined) quote = part
      else if (quote === part) quote = undefined
      current += part
    } else if (quote !== undefined) current += part
    else {
      const [first, ...rest] = part.split(';')
      current += first
      for (const piece of rest) {
        statements.push(current)
        current = piece
      }
    }
  }
  statements.push(current)
  return statements.map((s) => s.trim()).filter(Boolean)
}

/** Makes the prepared store new embedded stores start from (run by the build). */
export async function prepareStoreTemplate(): Promise<{ dir: string; made: boolean }> {
  return makeStoreTemplate(async (dir) => {
    const { PGlite } = await import('@electric-sql/pglite')
    const db = embedded(await PGlite.create(dir), dir, () => {})
    try {
      await migrate(db)
    } finally {
      await db.close()
    }
  })
}
