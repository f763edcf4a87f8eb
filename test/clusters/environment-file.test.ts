import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadEnvironment } from '../../src/clusters/environment.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { tempTree } from '../helpers/temp-tree.ts'

// An environment file is written by hand: every problem at once, each with file:line:col, the
// key, and what is wrong in words — as the scope and gate files say theirs (one reader for all).
describe('an environment file with mistakes', () => {
  const problems = (text: string): string => {
    const root = tempTree({ 'environments/bad.yaml': text })
    try {
      loadEnvironment('bad', root)
    } catch (error) {
      return (error as Error).message
    }
    throw new Error('accepted')
  }

  it('names each missing key, value of the wrong kind, unknown key and empty list where it is', () => {
    expect(problems('nodes:\n  - name: a\n    resources: {cpu: lots}\n').split('\n')).toEqual([
      "environments/bad.yaml:1:1: name: missing required key 'name'",
      "environments/bad.yaml:1:1: provider: missing required key 'provider' (one of local, docker, remote)",
      "environments/bad.yaml:2:5: nodes[0].role: missing required key 'role' (one of SP, CP, CH)",
      'environments/bad.yaml:3:22: nodes[0].resources.cpu: expected number, received string',
      "environments/bad.yaml:3:5: nodes[0].resources.ram: missing required key 'ram'",
      "environments/bad.yaml:3:5: nodes[0].resources.disk: missing required key 'disk'",
    ])
    expect(problems('name: x\nprovider: local\nnodes: []\nbogus: 1\n').split('\n')).toEqual(['environments/bad.yaml:3:8: nodes: needs at least 1 item(s)', "environments/bad.yaml:4:1: bogus: unknown key 'bogus'"])
    // a rule of the file's own says what it wants, even of a key that is not there
    expect(problems('name: x\nprovider: remote\nhosts:\n  - { name: eu-1, address: eu-1.example, user: bdd, key: k }\nnodes:\n  - { name: A, role: CP }\n')).toBe('environments/bad.yaml:6:5: nodes[0].host: remote nodes need a host: one of eu-1')
    expect(problems('- a\n')).toBe('environments/bad.yaml:1:1: an environment file is a mapping (name, provider, nodes…)')
    expect(problems('name: x\nname: y\n')).toMatch(/^environments\/bad\.yaml:2:1: invalid YAML: Map keys must be unique/)
  })

  it('says what a number must be, and what it is', () => {
    expect(problems('name: x\nprovider: local\ntimeouts: { readyMs: -5, stepMs: 0.5 }\nheartbeatMs: 0\nmesh: 1\nnodes:\n  - { name: A, role: CP, resources: { cpu: 0, ram: 1GB, disk: 1GB } }\n').split('\n')).toEqual([
      'environments/bad.yaml:3:22: timeouts.readyMs: must be above 0, not -5',
      'environments/bad.yaml:3:34: timeouts.stepMs: must be a whole number, not 0.5',
      'environments/bad.yaml:4:14: heartbeatMs: must be above 0, not 0',
      'environments/bad.yaml:5:7: mesh: must be at least 2, not 1',
      'environments/bad.yaml:7:44: nodes[0].resources.cpu: must be above 0, not 0',
    ])
  })

  it('still reads the project\'s own environments', () => {
    for (const name of ['local', 'docker', 'feature', 'scale']) expect(loadEnvironment(name, PROJECT_ROOT).file).toBe(path.join(PROJECT_ROOT, 'environments', `${name}.yaml`))
  })
})
