import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import path from 'node:path'
import { tempTree } from './temp-tree.ts'
import { eventually } from './eventually.ts'

const SSHD = '/usr/sbin/sshd'

/** Whether real sshd servers can be started (CI sets BDD_MATRIX_REQUIRE_SERVICES=1: then they must). */
export function sshdAvailable(): boolean {
  return process.env.BDD_MATRIX_REQUIRE_SERVICES === '1' || (existsSync(SSHD) && spawnSync('ssh-keygen', ['-?']).error === undefined && process.getuid?.() === 0)
}

export interface TestSshHost {
  address: string
  port: number
  stop(): Promise<void>
}

export interface TestSshd {
  /** private key accepted by every host, as a file path */
  keyFile: string
  /** another key, not authorised anywhere */
  wrongKeyFile: string
  hosts: TestSshHost[]
  stop(): Promise<void>
}

/** Real sshd servers on loopback addresses, one per simulated host, accepting one test key. */
export async function startSshd(addresses: string[]): Promise<TestSshd> {
  const dir = tempTree()
  const keygen = (name: string) => spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, name)], { stdio: 'ignore' })
  for (const name of ['host_key', 'user_key', 'wrong_key']) keygen(name)
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'user_key.pub')), { mode: 0o600 })
  mkdirSync('/run/sshd', { recursive: true })
  const hosts: TestSshHost[] = []
  for (const address of addresses) {
    const port = 22000 + Math.floor(Math.random() * 20000)
    const config = path.join(dir, `sshd-${address}.conf`)
    writeFileSync(
      config,
      [`ListenAddress ${address}:${port}`, `HostKey ${dir}/host_key`, `AuthorizedKeysFile ${dir}/authorized_keys`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password', 'UsePAM no', 'StrictModes no', `PidFile ${dir}/sshd-${address}.pid`, 'AllowTcpForwarding yes', 'Subsystem sftp internal-sftp', 'MaxSessions 50', ''].join('\n'),
    )
    const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: 'ignore' })
    await waitListening(address, port)
    hosts.push({
      address,
      port,
      stop: () =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve()
          child.once('exit', () => resolve())
          child.kill('SIGTERM')
        }),
    })
  }
  return { keyFile: path.join(dir, 'user_key'), wrongKeyFile: path.join(dir, 'wrong_key'), hosts, stop: async () => void (await Promise.all(hosts.map((h) => h.stop()))) }
}

async function waitListening(host: string, port: number): Promise<void> {
  const open = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => (socket.end(), resolve(true)))
      socket.on('error', () => resolve(false))
    })
  await eventually(`sshd to listen on ${host}:${port}`, open)
}
