import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/**
 * The suite's own temporary folder and its leftover check.
 *
 * Every process of the run (vitest's workers, the CLIs and servers the tests start, the nodes,
 * keepers and PostgreSQL servers those start) inherits TMPDIR pointing into one folder made
 * here. After the last test, anything that still holds that mark — a folder in it, a process
 * whose environment, command line or working folder names it, a Docker container or network
 * labelled as this suite's — outlived the suite: it is listed, removed, and
 * the run fails. A leak found this way is a test (or a product) that does not clean up.
 */

const ROOT_PREFIX = 'bdd-matrix-suite-'
let root = ''
let dockerBefore = new Set<string>()

export function setup(): void {
  root = mkdtempSync(path.join(tmpdir(), ROOT_PREFIX))
  // The PostgreSQL and sshd tests run servers as other users; they must reach their folders here.
  chmodSync(root, 0o755)
  process.env.TMPDIR = root
  process.env.BDD_MATRIX_SUITE_TMP = root
  // What a command keeps between its runs (manual submit's unanswered submissions) stays in the suite's folder.
  process.env.XDG_STATE_HOME = path.join(root, 'state')
  // Every server a test talks to is on loopback: a developer's company proxy in the environment
  // would carry those requests away (the proxy tests set their own).
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY']) {
    delete process.env[name]
    delete process.env[name.toLowerCase()]
  }
  // What this suite starts in Docker carries its own label: a suite run beside it on the same
  // engine (another checkout, a CI job) keeps its objects, and none of this one's is missed.
  process.env.BDD_MATRIX_DOCKER_LABELS = `bdd-matrix.suite=${path.basename(root)}`
  dockerBefore = new Set(dockerObjects())
}

export function teardown(): void {
  const found: string[] = []
  const processes = suiteProcesses(root)
  for (const p of processes) {
    found.push(`process ${p.pid}: ${p.cmdline.slice(0, 160)}`)
    try {
      process.kill(p.pid, 'SIGKILL')
    } catch {
      // gone meanwhile
    }
  }
  // Other tools keep caches there too (tsx, testcontainers' lock): only bdd-matrix's own count.
  for (const name of safeReaddir(root)) if (name.startsWith('bdd-matrix-')) found.push(`temporary folder ${path.join(root, name)}`)
  for (const object of dockerObjects()) {
    if (dockerBefore.has(object)) continue
    found.push(`docker ${object}`)
    const [kind, id] = object.split(' ') as [string, string]
    try {
      execFileSync('docker', kind === 'container' ? ['rm', '-f', id] : ['network', 'rm', id], { stdio: 'ignore', timeout: 60_000 })
    } catch {
      // reported above; removal is best effort
    }
  }
  rmSync(root, { recursive: true, force: true })
  if (found.length) {
    console.error(`\nThe suite left ${found.length} thing(s) behind (each test must clean up what it starts):\n${found.map((f) => `  - ${f}`).join('\n')}\n`)
    process.exitCode = 1
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

interface ProcessInfo {
  pid: number
  cmdline: string
}

/** Processes marked by the suite's folder (environment, command line or working folder), vitest's own aside. */
function suiteProcesses(suiteRoot: string): ProcessInfo[] {
  const out: ProcessInfo[] = []
  const mark = `TMPDIR=${suiteRoot}`
  for (const entry of safeReaddir('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
      if (!cmdline || cmdline.includes('vitest')) continue
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
      let cwd = ''
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`)
      } catch {
        // a process of another user
      }
      if (environ.includes(mark) || cmdline.includes(suiteRoot) || cwd.startsWith(suiteRoot)) out.push({ pid, cmdline })
    } catch {
      // it exited while being read
    }
  }
  return out
}

/** Containers and networks of this suite ("container ID" / "network ID"); none when Docker does not answer. */
function dockerObjects(): string[] {
  const list = (args: string[]): string[] => {
    try {
      return execFileSync('docker', args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean)
    } catch {
      return []
    }
  }
  const label = `label=bdd-matrix.suite=${path.basename(root)}`
  return [...list(['ps', '-aq', '--filter', label]).map((id) => `container ${id}`), ...list(['network', 'ls', '-q', '--filter', label]).map((id) => `network ${id}`)]
}
