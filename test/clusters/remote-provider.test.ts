import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { RemoteClusterProvider } from '../../src/clusters/remote/remote-cluster-provider.ts'
import { loadEnvironment, type Environment } from '../../src/clusters/environment.ts'
import { PROJECT_ROOT, runBin } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { sshdAvailable, startSshd, type TestSshd } from '../helpers/sshd.ts'
import { providerContract } from './provider-contract.ts'

/** An environment file for the test's sshd hosts (three hosts, one node each). */
function remoteEnvironment(sshd: TestSshd, options: { key?: string; port?: number } = {}): string {
  const dir = tempTree()
  const hosts = sshd.hosts.map((h, i) => `  - { name: h${i + 1}, address: ${h.address}, port: ${options.port ?? h.port}, user: root, key: ${options.key ?? sshd.keyFile}, workdir: ${dir}/work-${i + 1}, node: ${process.execPath} }`)
  const file = path.join(dir, 'remote.yaml')
  writeFileSync(
    file,
    `name: remote-test
provider: remote
node: { program: dist/reference-node.mjs }
timeouts: { readyMs: 20000, stepMs: 15000 }
hosts:
${hosts.join('\n')}
nodes:
  - { name: Alice, role: SP, onboarded: false, org: nunet, host: h1 }
  - { name: Bob, role: CP, onboarded: true, org: nunet, host: h2, resources: { cpu: 4, ram: 8GB, disk: 20GB } }
  - { name: Charlie, role: CP, onboarded: true, org: nunet, host: h3, resources: { cpu: 2, ram: 4GB, disk: 10GB } }
`,
  )
  return file
}

describe.skipIf(!sshdAvailable())('remote provider over SSH (real sshd on loopback hosts)', () => {
  let sshd: TestSshd
  let envFile = ''
  beforeAll(async () => {
    sshd = await startSshd(['127.0.4.1', '127.0.4.2', '127.0.4.3'])
    envFile = remoteEnvironment(sshd)
  })
  afterAll(async () => {
    await sshd?.stop()
  })

  const env = (): Environment => loadEnvironment(envFile, PROJECT_ROOT)
  providerContract('remote', {
    provider: () => new RemoteClusterProvider(),
    env,
    logDir: path.join(tempTree(), 'contract'),
    // Every node runs in an SSH session of this process; a leftover would still answer.
    leftovers: async () => {
      const { execFileSync } = await import('node:child_process')
      return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('--exit-on-stdin-close') && l.includes('127.0.4.')).length
    },
  })

  // The node program is the environment's: a custom build runs over SSH the same way.
  providerContract('remote, custom node program', {
    provider: () => new RemoteClusterProvider(),
    env: () => ({ ...env(), node: loadEnvironment('test/fixtures/alt-node/local.yaml', PROJECT_ROOT).node }),
    logDir: path.join(tempTree(), 'contract-alt'),
    leftovers: async () => {
      const { execFileSync } = await import('node:child_process')
      return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('alt-node.mjs') && l.includes('127.0.4.')).length
    },
  })

  it('refuses a bad key and a closed port with one line naming the host', async () => {
    const badKey = loadEnvironment(remoteEnvironment(sshd, { key: sshd.wrongKeyFile }), PROJECT_ROOT)
    await expect(new RemoteClusterProvider().preflight(badKey)).rejects.toThrow(/host h\d \(root@127\.0\.4\.\d:\d+\): authentication failed for user root with key wrong_key/)
    const closed = loadEnvironment(remoteEnvironment(sshd, { port: 1 }), PROJECT_ROOT)
    await expect(new RemoteClusterProvider().preflight(closed)).rejects.toThrow(/host h\d \(root@127\.0\.4\.\d:1\): connection refused; is sshd running there/)
    const result = runBin(['run', '--env', remoteEnvironment(sshd, { port: 1 }), '--out', tempTree()], { cwd: PROJECT_ROOT })
    expect(result.stderr).toMatch(/^bdd-matrix: host h\d \(root@127\.0\.4\.\d:1\): connection refused/)
    expect(result.code).toBe(2)
  })

  it('runs the supervision feature on the remote hosts: a node killed and cut off over SSH', () => {
    // The provider contract covers connectivity; these scenarios add faults through a real run.
    const result = runBin(['run', '--env', envFile, '--out', tempTree(), 'features/supervision-model'], { cwd: PROJECT_ROOT })
    expect(result.stdout).toContain('2 scenarios: 2 passed, 0 failed')
    expect(result.code).toBe(0)
  })
})

describe('environment files', () => {
  it.each(['local', 'docker', 'feature'])('environments/%s.yaml is valid', (name) => {
    expect(loadEnvironment(name, PROJECT_ROOT).name).toBe(name)
  })
})
