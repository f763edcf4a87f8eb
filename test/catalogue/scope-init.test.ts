import { describe, expect, it } from 'vitest'
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { AstBuilder, GherkinClassicTokenMatcher, Parser, compile } from '@cucumber/gherkin'
import { IdGenerator } from '@cucumber/messages'
import { withFeatureTag } from '../../src/catalogue/draft-scope.ts'
import { loadScope } from '../../src/catalogue/scope.ts'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import { PROJECT_ROOT, runBinAsync } from '../helpers/run-bin.ts'
import { tempDir, tempTree } from '../helpers/temp-tree.ts'

const CORPUS = path.resolve(PROJECT_ROOT, '../shared/corpus/nunet-dms-acceptance')

/** A suite as a team has it before adopting bdd-matrix: no scope, some files tagged, most not. */
const SUITE = {
  'features/a/deploy_launch.feature': 'Feature: Deploy and launch\n  Launch a deployment on a node that fits.\n\n  Second paragraph, not the acceptance.\n\n  Scenario: launch\n    Given a node\n',
  // same file name in another folder, French, CRLF, no description
  'features/b/deploy_launch.feature': '# language: fr\r\nFonctionnalité: Déployer\r\n\r\n  Scénario: lancer\r\n    Soit un nœud\r\n',
  'features/tagged.feature': 'Feature: Peers\n  Scenario: see peers\n    Given a node\n\n  @feature:p2p-network\n  Scenario: gossip\n    Given a node\n',
  'features/wip.feature': '@wip @complexity:low\n@smoke   # a comment after the tags\nFeature: Planned\n  Scenario: later\n',
  'features/indented.feature': '# owner: QA\n\n    Feature: Indented\n      Scenario Outline: rows <n>\n        Given <n>\n        Examples:\n          | n |\n          | 1 |\n          | 2 |\n',
  'features/bad.feature': 'Feature: Broken\n  Scenario: x\n    Given a table\n      | a |\n    this line is no step\n    and nor is this\n',
}

const init = (cwd: string, ...args: string[]) => runBinAsync(['scope', 'init', '--milestone', 'dms-0.5', '--frozen', '2026-12-01', ...args], { cwd })
const featureFiles = (root: string) => Object.fromEntries(Object.keys(SUITE).map((f) => [f, readFileSync(path.join(root, f), 'utf8')]))

function pickles(uri: string, text: string) {
  const newId = IdGenerator.incrementing()
  const document = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher()).parse(text)
  return { document, pickles: compile(document, uri, newId) }
}

describe('bdd-matrix scope init: a first scope drafted from the feature files', () => {
  it('proposes the ids the files use and one scope feature per untagged file; --tag ties each file to it, and the catalogue then covers every file', async () => {
    const root = tempTree(SUITE)
    const result = await init(root, '--name', 'DMS 0.5', '--tag')
    expect(result.code, result.stderr).toBe(0)
    const scope = loadScope(path.join(root, 'features/milestones/dms-0.5.yaml'))
    expect(scope).toMatchObject({ milestone: 'dms-0.5', name: 'DMS 0.5', frozen: '2026-12-01' })
    expect(scope.features).toEqual([
      { id: 'p2p-network', name: 'p2p-network', acceptance: 'Every scenario tagged @feature:p2p-network passes.', environments: [] },
      { id: 'deploy-launch', name: 'Deploy and launch', acceptance: 'Launch a deployment on a node that fits.', environments: [] },
      { id: 'deploy-launch-2', name: 'Déployer', acceptance: 'Every scenario of b/deploy_launch.feature passes.', environments: [] },
      { id: 'indented', name: 'Indented', acceptance: 'Every scenario of indented.feature passes.', environments: [] },
      { id: 'wip', name: 'Planned', acceptance: 'Every scenario of wip.feature passes.', environments: [] },
    ])
    // a file that uses an id is left as it is: its untagged scenario stays untagged, for QA to decide
    expect(readFileSync(path.join(root, 'features/tagged.feature'), 'utf8')).toBe(SUITE['features/tagged.feature'])
    const files = featureFiles(root)
    expect(files['features/b/deploy_launch.feature']).toBe('# language: fr\r\n@feature:deploy-launch-2\r\nFonctionnalité: Déployer\r\n\r\n  Scénario: lancer\r\n    Soit un nœud\r\n')
    expect(files['features/wip.feature']).toBe('@wip @complexity:low\n@smoke @feature:wip   # a comment after the tags\nFeature: Planned\n  Scenario: later\n')
    expect(files['features/indented.feature']).toContain('\n    @feature:indented\n    Feature: Indented\n')
    expect(result.stdout).toContain('features/b/deploy_launch.feature:2: tagged @feature:deploy-launch-2\n')
    // the broken file: one line, where, and what to do; it proposes nothing and is not touched
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^features\/bad\.feature:5:5: left out of the draft: unexpected text "this line is no step" after a data table.* \(and 1 more problem\(s\): bdd-matrix lint lists them\); fix it, then add its scope feature$/)])
    expect(files['features/bad.feature']).toBe(SUITE['features/bad.feature'])

    const catalogue = await runBinAsync(['catalogue', '--json'], { cwd: root })
    const coverage = JSON.parse(catalogue.stdout) as { features: Record<string, { scenarios: number }>; orphans: Record<string, unknown>; untagged: number; pickles: number }
    expect(Object.fromEntries(Object.entries(coverage.features).map(([id, f]) => [id, f.scenarios]))).toEqual({ 'p2p-network': 1, 'deploy-launch': 1, 'deploy-launch-2': 1, indented: 2, wip: 1 })
    expect(coverage.orphans).toEqual({})
    expect(coverage.untagged).toBe(1) // "see peers", in the file that chose its ids itself
  })

  it('without --tag changes no feature file and says, per file and line, which tag to add', async () => {
    const root = tempTree(SUITE)
    const result = await init(root)
    expect(result.code, result.stderr).toBe(0)
    expect(featureFiles(root)).toEqual(SUITE)
    expect(result.stdout).toContain('features/indented.feature:3: add @feature:indented above Feature: (or run scope init again with --tag)\n')
    expect(result.stdout).toMatch(/next: review features\/milestones\/dms-0\.5\.yaml, then bdd-matrix catalogue, bdd-matrix gate init \(the release criteria\) and bdd-matrix scope freeze\n$/)
  })

  it('names the scope in its next steps where the commands would not find it by themselves', async () => {
    const root = tempTree({ 'specs/nat.feature': 'Feature: NAT\n  Scenario: behind NAT\n    Given a node\n' })
    const elsewhere = await init(root, '--features', 'specs', '--out', 'scope.yaml')
    expect(elsewhere.stdout).toMatch(/next: review scope\.yaml, then bdd-matrix catalogue --features specs --scope scope\.yaml, bdd-matrix gate init --features specs --scope scope\.yaml \(the release criteria\) and bdd-matrix scope freeze --features specs --scope scope\.yaml\n$/)
    const catalogue = await runBinAsync(['catalogue', '--features', 'specs', '--scope', 'scope.yaml', '--json'], { cwd: root })
    expect(JSON.parse(catalogue.stdout)).toMatchObject({ milestone: 'dms-0.5', pickles: 1 })
  })

  it.each([
    ['a scope that is there already', [], 'features/milestones/dms-0.5.yaml exists: it is the scope (edit it), or remove it to draft one anew; nothing written'],
    ['a milestone id the scope would refuse', ['--milestone', 'DMS 0.5'], '--milestone "DMS 0.5": give a lower-kebab id, dots allowed (e.g. dms-0.5)'],
    ['a day that is no date', ['--frozen', 'yesterday'], '--frozen "yesterday": give the day as YYYY-MM-DD'],
    ['a features folder that is not there', ['--features', 'nope'], 'nope: features directory not found; pass the folder holding your .feature files with --features'],
  ])('refuses %s in one line, exit 2, nothing written', async (what, args, message) => {
    const root = tempTree({ ...SUITE, ...(what.startsWith('a scope') ? { 'features/milestones/dms-0.5.yaml': 'milestone: dms-0.5\n' } : {}) })
    // with --tag an existing scope is kept and the files tagged (below): refused without it
    const result = await init(root, ...(what.startsWith('a scope') ? [] : ['--tag']), ...args)
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(message)])
    expect(featureFiles(root)).toEqual(SUITE)
    const milestones = path.join(root, 'features/milestones')
    expect(existsSync(milestones) ? readdirSync(milestones) : []).toEqual(what.startsWith('a scope') ? ['dms-0.5.yaml'] : [])
  })

  it('run again with --tag, as the first run suggests, keeps the scope as drafted or edited and tags each file with its scope feature', async () => {
    const root = tempTree(SUITE)
    expect((await init(root)).code).toBe(0)
    const scopeFile = path.join(root, 'features/milestones/dms-0.5.yaml')
    // QA edited the draft before tagging: one file's scope feature removed, a name changed
    const edited = readFileSync(scopeFile, 'utf8').replace(/  - id: indented\n(    .*\n)+/, '').replace('name: Planned', 'name: Planned work')
    writeFileSync(scopeFile, edited)
    const tagged = await init(root, '--tag')
    expect(tagged.code, tagged.stderr).toBe(0)
    expect(readFileSync(scopeFile, 'utf8')).toBe(edited)
    expect(tagged.stdout.split('\n').slice(0, 5)).toEqual([
      'features/milestones/dms-0.5.yaml exists: kept as it is; 3 feature file(s) tagged with its scope features',
      'features/a/deploy_launch.feature:1: tagged @feature:deploy-launch',
      'features/b/deploy_launch.feature:2: tagged @feature:deploy-launch-2',
      'features/wip.feature:3: tagged @feature:wip',
      'features/indented.feature:3: not tagged: features/milestones/dms-0.5.yaml has no scope feature indented; add it to the scope, or tag the file with one it has',
    ])
    const files = featureFiles(root)
    expect(files['features/wip.feature']).toBe('@wip @complexity:low\n@smoke @feature:wip   # a comment after the tags\nFeature: Planned\n  Scenario: later\n')
    expect(files['features/indented.feature']).toBe(SUITE['features/indented.feature'])
    expect(files['features/tagged.feature']).toBe(SUITE['features/tagged.feature'])

    // again: the one file left has no scope feature, so nothing can be done
    const refused = await init(root, '--tag')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toBe('bdd-matrix: features/milestones/dms-0.5.yaml exists and has no scope feature for the 1 file(s) without a @feature tag (features/indented.feature would take @feature:indented): add them to the scope or tag the files by hand, or remove the scope to draft one anew; nothing written\n')
    expect(featureFiles(root)).toEqual(files)
    // once every file is tagged, there is nothing left to do, and that is no error
    writeFileSync(path.join(root, 'features/indented.feature'), `@feature:wip\n${SUITE['features/indented.feature']}`)
    writeFileSync(path.join(root, 'features/bad.feature'), '@feature:wip\nFeature: Fixed\n  Scenario: x\n    Given a node\n')
    const done = await init(root, '--tag')
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toBe('features/milestones/dms-0.5.yaml exists: kept as it is; every feature file has a @feature tag, nothing to tag\n')
  })

  it('run again with --tag over a scope that does not read, says why and changes nothing', async () => {
    const root = tempTree({ ...SUITE, 'features/milestones/dms-0.5.yaml': 'milestone: dms-0.5\nfrozen: 2026-12-01\nfeatures:\n  - id: Bad Id\n' })
    const result = await init(root, '--tag')
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^bdd-matrix: features\/milestones\/dms-0\.5\.yaml:4:/)
    expect(featureFiles(root)).toEqual(SUITE)
  })

  it('refuses a folder where no feature file parses in one line, exit 2, nothing written', async () => {
    const root = tempTree({ 'features/bad.feature': SUITE['features/bad.feature'] })
    const result = await init(root, '--tag')
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('bdd-matrix: features: no feature file to draft a scope from (1 file(s) could not be read or parsed; bdd-matrix lint says why); nothing written\n')
    expect(existsSync(path.join(root, 'features/milestones'))).toBe(false)
  })

  it('the tag lands on the Feature wherever its header is written, and nothing else of the file changes (property)', () => {
    const tagLine = fc.array(fc.constantFrom('@wip', '@smoke', '@complexity:high', '@env:docker'), { minLength: 1, maxLength: 3 }).map((tags) => tags.join(' '))
    fc.assert(
      fc.property(
        fc.record({
          language: fc.boolean(),
          comment: fc.boolean(),
          tagLines: fc.array(tagLine, { maxLength: 2 }),
          trailingComment: fc.boolean(),
          indent: fc.constantFrom('', '  ', '\t'),
          // each line's ending: LF, CRLF, or mixed as an editor on another system leaves them
          endings: fc.constantFrom('lf', 'crlf', 'mixed'),
          outline: fc.boolean(),
        }),
        (h) => {
          const lines = [
            ...(h.language ? ['# language: en'] : []),
            ...(h.comment ? ['# the team that owns it'] : []),
            ...h.tagLines.map((t, i) => `${h.indent}${t}${h.trailingComment && i === h.tagLines.length - 1 ? '  # why' : ''}`),
            `${h.indent}Feature: generated`,
            '  Scenario: one',
            '    Given a step',
            ...(h.outline ? ['  Scenario Outline: rows <n>', '    Given <n>', '    Examples:', '      | n |', '      | 1 |', '      | 2 |'] : []),
            '',
          ]
          const ending = (i: number) => (h.endings === 'crlf' || (h.endings === 'mixed' && i % 2 === 0) ? '\r\n' : '\n')
          const text = lines.map((line, i) => (i < lines.length - 1 ? line + ending(i) : line)).join('')
          const featureLine = lines.findIndex((line) => line.trim().startsWith('Feature:'))
          const tagged = withFeatureTag(text, 'g.feature', 'generated')
          const before = pickles('g.feature', text)
          const after = pickles('g.feature', tagged)
          expect(after.document.feature!.tags.map((t) => t.name)).toEqual([...before.document.feature!.tags.map((t) => t.name), '@feature:generated'])
          expect(after.pickles.map((p) => [p.name, p.steps.map((s) => s.text), p.tags.map((t) => t.name)])).toEqual(before.pickles.map((p) => [p.name, p.steps.map((s) => s.text), [...p.tags.map((t) => t.name), '@feature:generated']]))
          // one tag added: after the last tag, or on a line of its own at the Feature's indentation
          // (a line of its own ends as the Feature's line does)
          expect(tagged.replace(h.tagLines.length ? ' @feature:generated' : `${h.indent}@feature:generated${ending(featureLine)}`, '')).toBe(text)
        },
      ),
      { numRuns: 300 },
    )
  })

  it.skipIf(!existsSync(CORPUS))('drafts the scope of NuNet\'s real corpus: every file that parses tied to one scope feature, the broken one named, no scenario changed', async () => {
    const root = tempDir('scope-init-corpus')
    cpSync(CORPUS, path.join(root, 'features'), { recursive: true, filter: (f) => !f.endsWith('.md') && !f.endsWith('.tsv') })
    const before = buildCatalogue(path.join(root, 'features'))
    const result = await init(root, '--tag')
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/^features\/resource_management\.feature:44:5: left out of the draft: .*\(and 6 more problem\(s\)/)
    const scope = loadScope(path.join(root, 'features/milestones/dms-0.5.yaml'))
    expect(scope.features).toHaveLength(29)
    const after = buildCatalogue(path.join(root, 'features'))
    // (a tag line inserted moves what follows down a line: scenarios are compared by file, name and steps)
    const shape = (c: typeof before) => c.files.flatMap((f) => f.scenarios.flatMap((s) => s.pickles.map((p) => `${s.uri} ${p.name} ${p.steps.map((st) => st.text).join('|')}`)))
    expect(shape(after)).toEqual(shape(before))
    const catalogue = JSON.parse((await runBinAsync(['catalogue', '--json'], { cwd: root })).stdout) as { untagged: number; orphans: Record<string, unknown>; pickles: number }
    expect(catalogue).toMatchObject({ untagged: 0, orphans: {}, pickles: shape(before).length })
  })
})
