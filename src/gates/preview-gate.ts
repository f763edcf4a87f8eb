import { existsSync } from 'node:fs'
import path from 'node:path'
import type { Catalogue } from '../catalogue/catalogue-types.ts'
import { scopeDrift } from '../catalogue/scope-drift.ts'
import type { Scope } from '../catalogue/scope.ts'
import type { ResultSet } from '../results/merge-results.ts'
import { evaluateGates, type GateReport } from './evaluate-gates.ts'
import { buildPattern, gatePathFor, loadGateFile } from './gate-file.ts'

export interface GatePreviewInputs {
  build: string
  results: ResultSet
  scope: Scope
  catalogue: Catalogue
  uriPrefix: string
  today: string
  /** the hub's approvals; without them the approvals criterion waits */
  approvals?: { by: string; at: string }[]
  /** why GitLab's open issues are not asked here */
  openIssuesWhy: string
  /** where paths in messages are relative to */
  cwd: string
  /** every build in order, where `results` hold some of them (GateInputs.order) */
  order?: readonly string[]
}

/**
 * The gate of a build from what is at hand without the project's code or GitLab: lint judges
 * syntax only, open issues wait. What the hub shows, and the verdict line under a matrix's
 * headline when a gate file applies to the build (`bdd-matrix gate` judges with everything).
 * Undefined when there is no gate file beside the scope, or it does not apply to the build.
 */
export function previewGate(inputs: GatePreviewInputs): GateReport | undefined {
  const file = gatePathFor(inputs.scope.file)
  if (!existsSync(file)) return undefined
  const gates = loadGateFile(file, path.relative(inputs.cwd, file))
  if (!buildPattern(gates['applies-to']).test(inputs.build)) return undefined
  const drift = scopeDrift(inputs.scope, inputs.catalogue, gates)
  return evaluateGates({
    gates,
    build: inputs.build,
    results: inputs.results,
    scope: inputs.scope,
    catalogue: inputs.catalogue,
    uriPrefix: inputs.uriPrefix,
    lintErrors: inputs.catalogue.errors.map((e) => ({ where: `${e.file}:${e.line}:${e.column}`, message: e.message })),
    stepsUnchecked: 'a preview loads no step definitions; bdd-matrix gate matches them',
    scopeChanges: drift?.changes.map((c) => c.summary),
    openIssuesWhy: inputs.openIssuesWhy,
    ...(inputs.approvals ? { approvals: inputs.approvals } : {}),
    today: inputs.today,
    ...(inputs.order ? { order: inputs.order } : {}),
    ...(drift ? { lockHistory: drift.lock.history } : {}),
  })
}
