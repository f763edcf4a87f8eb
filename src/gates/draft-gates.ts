import { stringify } from 'yaml'
import type { Coverage } from '../catalogue/coverage.ts'
import type { Scope } from '../catalogue/scope.ts'
import { parseLocatedYaml } from '../located-yaml.ts'
import { GateFileSchema } from './gate-file.ts'

/** What the first gate file of a milestone is drafted from. */
export interface GatesDraftRequest {
  scope: Scope
  coverage: Coverage
  /** the builds it judges: a pattern, `*` any characters */
  appliesTo: string
  /** how the draft names itself in a problem */
  file: string
}

export interface GatesDraft {
  text: string
  /** criteria the draft leaves out, and why: said to the user, not hidden in the file */
  left: string[]
}

/**
 * A first gate file for a milestone that has none: seed 003's release criteria, as far as the
 * project can be judged by them today. A criterion the gate would refuse for this project (a
 * selector matching no scenario, `environments-tested` where no feature lists environments) is
 * left out and said; those that need a service the project may not use (approvals on the results
 * hub, open issues on GitLab) are written as comments, for QA to turn on. Tests of the unit and
 * functional stages are informing: a project that ingests none would otherwise wait for ever.
 */
export function draftGates(request: GatesDraftRequest): GatesDraft {
  const { scope, coverage, appliesTo } = request
  const features = Object.values(coverage.features)
  const automated = features.reduce((n, f) => n + f.automated, 0)
  const manual = features.reduce((n, f) => n + f.manual, 0)
  const withEnvironments = scope.features.some((f) => f.environments.length > 0)
  const left: string[] = []
  const lines = [
    `# Release criteria of ${scope.milestone}, drafted by bdd-matrix gate init from the scope and its feature files.`,
    '# Blocking criteria decide the verdict (go, go-with-waivers, incomplete, no-go); informing ones',
    '# are reported. Review them, then accept them into the freeze (bdd-matrix scope freeze), and',
    '# judge a build: bdd-matrix gate --build <build>. README, "Release gates", lists every kind.',
    `milestone: ${stringify(scope.milestone).trim()}`,
    `applies-to: ${stringify(appliesTo).trim()}   # the builds judged (* any characters, ? one)`,
    'baseline: previous-rc   # last-release | previous-rc | <build>: for no-new-failures and the diff',
    'criteria:',
    '  - id: suite-is-sound',
    '    kind: lint',
    '    severity: blocking',
    '    description: no syntax errors, undefined or ambiguous steps',
    '  - id: scope-is-frozen',
    '    kind: scope-frozen',
    '    severity: blocking',
    '    description: no change to the scope, its scenarios or these criteria since the freeze',
  ]
  if (withEnvironments)
    lines.push('  - id: every-environment-tested', '    kind: environments-tested', '    severity: blocking', '    description: every environment the scope requires has results of the build')
  else left.push('environments-tested: no feature of the scope lists `environments:`, so it would judge nothing (list them, then add it)')
  if (automated > 0)
    lines.push(
      '  - id: acceptance-passes',
      '    kind: scenarios-pass',
      '    severity: blocking',
      '    select:',
      '      tags: not @wip and not @manual',
      '      stages: [acceptance]',
    )
  else left.push('scenarios-pass: the scope has no scenario that is neither @wip nor @manual yet')
  lines.push(
    '  - id: frozen-features-covered',
    '    kind: scope-coverage',
    '    severity: blocking',
    '    min-passing: 1',
    '  - id: no-regressions',
    '    kind: no-new-failures',
    '    severity: blocking',
    '  - id: few-flaky-results',
    '    kind: flaky-rate',
    '    severity: informing',
    '    max: 0.05',
    '    window: 3',
  )
  if (manual > 0)
    lines.push('  - id: community-signoff', '    kind: manual-signoff', '    severity: blocking', '    testers: 1', '    select:', '      tags: "@manual"')
  else left.push('manual-signoff: the scope has no @manual scenario')
  lines.push(
    '  - id: unit-tests-pass',
    '    kind: tests-pass',
    '    severity: informing   # blocking once the pipeline ingests its unit and functional tests',
    '    stages: [unit, functional]',
    '  # On the results hub (bdd-matrix gate --server URL), QA approves a build:',
    '  # - id: qa-approval',
    '  #   kind: approvals',
    '  #   severity: blocking',
    '  #   min: 1',
    '  # With GitLab (CI_API_V4_URL, CI_PROJECT_ID, GITLAB_TOKEN), no release blocker open:',
    '  # - id: no-open-release-blockers',
    '  #   kind: open-issues',
    '  #   severity: informing',
    '  #   labels: [release-blocker]',
    '  #   max: 0',
    'waivers: []',
  )
  const text = `${lines.join('\n')}\n`
  // the draft is a gate file the gate reads: checked as it would be
  parseLocatedYaml(text, request.file, GateFileSchema, { code: 'GATES_INVALID', notMapping: 'a gate file must be a YAML mapping' })
  return { text, left }
}
