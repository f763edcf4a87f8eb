import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, existsSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { tempDir } from './temp-tree.ts'
import { EVENT_DEADLINE_MS } from './eventually.ts'

/**
 * A real PostgreSQL server for the hub's tests: BDD_MATRIX_TEST_DATABASE_URL when set, else a
 * throwaway cluster (initdb, trust auth, fsync off) on 127.0.0.1 started from Debian's
 * postgresql package. CI installs it and sets BDD_MATRIX_REQUIRE_SERVICES=1: then it must work.
 */
export function postgresAvailable(): boolean {
  return process.env.BDD_MATRIX_REQUIRE_SERVICES === '1' || Boolean(process.env.BDD_MATRIX_TEST_DATABASE_URL) || (postgresBin() !== undefined && process.getuid?.() === 0)
}

export interface TestPostgres {
  /** a new empty database on the server */
  createDatabase(): Promise<string>
  stop(): Promise<void>
}

function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'initdb'))) return path.join(root, v, 'bin')
  return undefined
}

export async function startPostgres(): Promise<TestPostgres> {
  const { default: pg } = await import('pg')
  const given = process.env.BDD_MATRIX_TEST_DATABASE_URL
  let serverUrl: string
  let child: ChildProcess | undefined
  let dir: string | undefined
  if (given) serverUrl = given
  else {
    const bin = postgresBin()
    if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql), and BDD_MATRIX_TEST_DATABASE_URL is not set')
    dir = tempDir('pg')
    chmodSync(dir, 0o755)
    // PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
    const owner = process.getuid?.() === 0 ? { uid: Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim()), gid: Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim()) } : {}
    if (owner.uid !== undefined) chownSync(dir, owner.uid, owner.gid!)
    const init = spawnSync(path.join(bin, 'initdb'), ['-D', path.join(dir, 'data'), '--auth=trust', '-U', 'postgres', '--no-sync'], { encoding: 'utf8', cwd: dir, ...owner })
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`)
    const port = await freePort()
    child = spawn(path.join(bin, 'postgres'), ['-D', path.join(dir, 'data'), '-k', dir, '-h', '127.0.0.1', '-p', String(port), '-c', 'fsync=off', '-c', 'max_connections=200'], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...owner })
    let log = ''
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
    serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
    const deadline = Date.now() + EVENT_DEADLINE_MS
    for (;;) {
      const client = new pg.Client({ connectionString: serverUrl })
      try {
        await client.connect()
        await client.end()
        break
      } catch {
        await client.end().catch(() => {})
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`PostgreSQL did not accept connections within ${EVENT_DEADLINE_MS / 1000} s (or exited); its log: ${log}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }
  const created: string[] = []
  return {
    async createDatabase() {
      const name = `bdd_matrix_test_${process.pid}_${created.length}_${Math.random().toString(36).slice(2, 8)}`
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      await client.query(`create database ${name}`)
      await client.end()
      created.push(name)
      const url = new URL(serverUrl)
      url.pathname = `/${name}`
      return url.toString()
    },
    async stop() {
      if (given) {
        const client = new pg.Client({ connectionString: serverUrl })
        await client.connect()
        for (const name of created) await client.query(`drop database if exists ${name} with (force)`).catch(() => {})
        await client.end()
      }
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r))
        // fast shutdown: clients are disconnected, nothing waits
        child.kill('SIGINT')
        setTimeout(() => child!.kill('SIGKILL'), 10_000).unref()
        await exited
      }
      if (dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}
