import { describe, expect, it } from 'vitest'
import { nodesFromTable } from '../../src/clusters/node-table.ts'
import { loadEnvironment } from '../../src/clusters/environment.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'

const env = loadEnvironment('local', PROJECT_ROOT)

describe('Background nodes tables in NuNet\'s variants', () => {
  it('reads | nodes | role | onboarded | org | with resources from the environment', () => {
    const [alice, bob] = nodesFromTable([{ nodes: 'Alice', role: 'SP', onboarded: 'false', org: 'nunet' }, { nodes: 'Bob', role: 'CP', onboarded: 'true', org: 'acme' }], env)
    expect(alice).toMatchObject({ name: 'Alice', role: 'SP', onboarded: false, org: 'nunet', region: 'eu-west', labels: {} })
    expect(bob).toMatchObject({ name: 'Bob', role: 'CP', onboarded: true, org: 'acme', resources: { cpu: 4, ram: '8GB', disk: '20GB' } })
  })

  it('reads | node | organization | onboarded | continent | country | (no role; extra columns as labels)', () => {
    const [dave] = nodesFromTable([{ node: 'Dave', organization: 'nunet', onboarded: 'true', continent: 'Europe', country: 'Portugal' }], env)
    expect(dave).toMatchObject({ name: 'Dave', role: 'CP', onboarded: true, org: 'nunet', region: 'Europe/Portugal', labels: { continent: 'Europe', country: 'Portugal' }, resources: env.defaults.resources })
  })

  it.each([
    [[{ who: 'X' }], /needs a "nodes" column \(columns: who\)/],
    [[{ nodes: 'X', role: 'boss' }], /node "X": role must be SP, CP or CH, not "boss"/],
    [[{ nodes: 'X', onboarded: 'maybe' }], /node "X": onboarded must be true or false, not "maybe"/],
    [[{ nodes: 'X' }, { nodes: 'X' }], /node "X" appears twice/],
    [[], /the nodes table is empty/],
  ])('explains a bad table', (rows, message) => {
    expect(() => nodesFromTable(rows as Record<string, string>[], env)).toThrow(message)
  })
})
