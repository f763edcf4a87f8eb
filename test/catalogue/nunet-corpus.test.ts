import { beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import type { Catalogue } from '../../src/catalogue/catalogue-types.ts'
import { coverageFrom } from '../../src/catalogue/coverage.ts'
import { parseScope } from '../../src/catalogue/scope.ts'
import { livingDocsFrom } from '../../src/catalogue/living-docs.ts'
import { docsToMarkdown } from '../../src/catalogue/docs-markdown.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'

// NuNet's real acceptance features, kept beside the project (data only, never copied in).
const CORPUS = path.resolve(PROJECT_ROOT, '../shared/corpus/nunet-dms-acceptance')
const scope = parseScope('milestone: corpus\nfrozen: 2024-09-15\nfeatures:\n  - id: deployment\n    name: Deployment\n    acceptance: x\n', 'corpus.yaml')

describe.skipIf(!existsSync(CORPUS))('the real NuNet DMS corpus', () => {
  // vitest runs a skipped describe's body to collect it: read the corpus only when tests run.
  let catalogue: Catalogue
  beforeAll(() => {
    catalogue = buildCatalogue(CORPUS)
  })

  it('finds exactly the 7 syntax errors of resource_management.feature and catalogues the 29 other files', () => {
    expect(catalogue.errors.map((e) => `${e.file}:${e.line}`)).toEqual([44, 58, 70, 83, 97, 110, 123].map((line) => `resource_management.feature:${line}`))
    expect(catalogue.files).toHaveLength(29)
  })

  it('counts every Examples row and keeps untitled scenarios', () => {
    const coverage = coverageFrom(catalogue, scope)
    const rows = catalogue.files.flatMap((f) => f.scenarios).reduce((n, s) => n + Math.max(1, s.examples.reduce((m, e) => m + e.rows.length, 0)), 0)
    expect(coverage.pickles).toBe(rows)
    expect(coverage.untagged).toBe(coverage.pickles)
  })

  it('keeps the two "Capabilities Management" features apart and names no scenario blank', () => {
    const md = docsToMarkdown(livingDocsFrom(catalogue, scope))
    expect(md).toContain('#### `capabilities.feature` — Capabilities Management')
    expect(md).toContain('#### `capabilities_management.feature` — Capabilities Management')
    expect(md).not.toMatch(/\*\*Scenario( Outline)?: \*\*/)
    const titles = catalogue.files.flatMap((f) => f.scenarios).length
    expect(md.match(/^- \*\*/gm)).toHaveLength(titles)
  })

  it('reads the files the way their authors wrote them (sanity check on one)', () => {
    expect(readFileSync(path.join(CORPUS, 'deployment.feature'), 'utf8')).toContain('Feature: Deployment')
  })
})
