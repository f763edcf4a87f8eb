import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { LiveCatalogue } from '../../hub/hub-catalogue.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { tempTree } from '../helpers/temp-tree.ts'

const kinds = (live: LiveCatalogue): string[] | undefined => {
  const drift = live.get().scopeDrift
  return drift && 'changes' in drift ? drift.changes.map((c) => c.kind) : undefined
}

describe("the hub's catalogue follows the project as it changes", () => {
  it('says the drift as it stands when the scope lives outside the features folder: frozen again, or its criteria written, as much as a scenario edited', async () => {
    const root = tempTree({
      'features/a.feature': '@feature:a\nFeature: A\n  Scenario: one\n    Given a node\n',
      'release/scope.yaml': 'milestone: m\nfrozen: 2026-01-01\nfeatures:\n  - id: a\n    name: A\n    acceptance: A works.\n    environments: [local]\n',
    })
    const freeze = (...more: string[]) => runCliInProcess(['scope', 'freeze', '--scope', 'release/scope.yaml', ...more], { cwd: root })
    expect((await freeze()).code).toBe(0)
    // looked at again on every read
    const live = new LiveCatalogue(root, { scope: 'release/scope.yaml' }, 0)
    expect(kinds(live)).toEqual([])
    writeFileSync(path.join(root, 'features/a.feature'), '@feature:a\nFeature: A\n  Scenario: one\n    Given two nodes\n')
    expect(kinds(live)).toEqual(['scenario-changed'])
    // the change accepted: only the lock, beside the scope, changed
    expect((await freeze('--reason', 'two nodes')).code).toBe(0)
    expect(kinds(live)).toEqual([])
    // release criteria written beside the scope after the freeze
    writeFileSync(path.join(root, 'release/scope.gates.yaml'), 'milestone: m\napplies-to: "*"\ncriteria:\n  - { id: sound, kind: lint, severity: blocking }\n')
    expect(kinds(live)).toEqual(['gates-changed'])
  })
})
