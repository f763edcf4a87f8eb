import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { buildCatalogue } from '../src/catalogue/build-catalogue.ts'
import type { Catalogue, CataloguedStep } from '../src/catalogue/catalogue-types.ts'
import { loadScope, scopeFilesIn, type Scope } from '../src/catalogue/scope.ts'
import { caseFieldsOf, catalogueCases } from '../src/catalogue/catalogue-cases.ts'
import { manualContentHash, type ManualScenario } from '../src/manual/manual-results.ts'
import type { MatrixScopeDrift } from '../src/matrix/matrix-scope-drift.ts'
import { readScopeDrift } from '../src/matrix/read-scope-drift.ts'
import { lockPathFor } from '../src/catalogue/scope-lock.ts'
import { gatePathFor } from '../src/gates/gate-file.ts'

export interface HubScenario extends ManualScenario {
  manual: boolean
  wip: boolean
}

export interface HubCatalogue {
  /** the project's folder: files are named relative to it, as the CLI run there names them */
  root: string
  scope?: Scope
  catalogue: Catalogue
  featuresDir: string
  /** how case uris start: the features folder relative to the project, as run and ingest write them */
  uriPrefix: string
  scenarios: Map<string, HubScenario>
  /** the scope's changes since its freeze, when it was frozen (the matrix says them) */
  scopeDrift?: MatrixScopeDrift
}

/**
 * The scenarios of the project the hub serves, with the ids the results use, so a tester's
 * outcome and a CI run of the same scenario land in the same row of the matrix.
 */
export function hubCatalogue(root: string, options: { features?: string; scope?: string } = {}): HubCatalogue {
  const featuresDir = path.resolve(root, options.features ?? 'features')
  const uriPrefix = path.relative(root, featuresDir)
  const catalogue = buildCatalogue(featuresDir)
  let scope: Scope | undefined
  const scopeFile = options.scope ? path.resolve(root, options.scope) : defaultScope(featuresDir)
  // file: the absolute path, as the CLI keeps it (the lock and the gate file are found beside it)
  if (scopeFile) scope = { ...loadScope(scopeFile, path.relative(root, scopeFile)), file: scopeFile }
  const scenarios = new Map<string, HubScenario>()
  for (const c of catalogueCases(catalogue, uriPrefix)) {
    const keywordAt = new Map<number, CataloguedStep>([...c.scenario.background, ...c.scenario.steps].map((s) => [s.line, s]))
    const steps = c.pickle.steps.map((s) => ({ keyword: keywordAt.get(s.line)?.keyword.trim() ?? '*', text: s.text }))
    scenarios.set(c.id, {
      ...caseFieldsOf(c),
      steps,
      contentHash: manualContentHash(c.name, steps),
      manual: c.pickle.manual,
      wip: c.pickle.wip,
    })
  }
  const scopeDrift = scope && readScopeDrift(scope, () => catalogue, root)
  return { root, ...(scope ? { scope } : {}), catalogue, featuresDir, uriPrefix, scenarios, ...(scopeDrift ? { scopeDrift } : {}) }
}

/** The one scope file of the project; none (no matrix, no gate) when there is not exactly one. */
function defaultScope(featuresDir: string): string | undefined {
  const files = scopeFilesIn(featuresDir)
  return files.length === 1 ? files[0] : undefined
}

/**
 * The project's catalogue as it is now: the features folder is looked at again at most every
 * `refreshMs`, and read again when a file in it changed (added, removed, edited), so testers
 * see edited scenarios without a restart. An edit that does not parse keeps the last good one.
 */
export class LiveCatalogue {
  private current: HubCatalogue
  private signature: string
  private checkedAt = Date.now()

  constructor(
    private readonly root: string,
    private readonly options: { features?: string; scope?: string } = {},
    private readonly refreshMs = 2000,
  ) {
    this.current = hubCatalogue(root, options)
    this.signature = this.signatureNow()
  }

  /**
   * The features folder's files, and the scope's with its lock and gate file beside it: a scope
   * kept outside the features folder (--scope) frozen again, or its criteria edited, changes the
   * drift the matrix says as much as an edited scenario does.
   */
  private signatureNow(): string {
    const scopeFile = this.current.scope?.file ?? (this.options.scope ? path.resolve(this.root, this.options.scope) : undefined)
    const beside = scopeFile ? [scopeFile, lockPathFor(scopeFile), gatePathFor(scopeFile)].map((file) => `${file}:${statLine(file)}`) : []
    return [signatureOf(this.current.featuresDir), ...beside].join('\n')
  }

  get(): HubCatalogue {
    const now = Date.now()
    if (now - this.checkedAt < this.refreshMs) return this.current
    this.checkedAt = now
    const signature = this.signatureNow()
    if (signature === this.signature) return this.current
    try {
      this.current = hubCatalogue(this.root, this.options)
      this.signature = signature
    } catch {
      // a scope being edited may not parse for a moment: the last good catalogue stays
    }
    return this.current
  }
}

function statLine(file: string): string {
  const stat = statSync(file, { throwIfNoEntry: false })
  return stat ? `${stat.size}:${stat.mtimeMs}` : 'none'
}

/** Every file of the features folder with its size and modification time. */
function signatureOf(dir: string): string {
  const parts: string[] = []
  const walk = (folder: string): void => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(folder, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const file = path.join(folder, entry.name)
      if (entry.isDirectory()) walk(file)
      else {
        const stat = statSync(file, { throwIfNoEntry: false })
        if (stat) parts.push(`${file}:${stat.size}:${stat.mtimeMs}`)
      }
    }
  }
  walk(dir)
  return parts.sort().join('\n')
}
