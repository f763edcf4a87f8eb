import { readFileSync } from 'node:fs'
import { UserError, fsErrorCode } from '../errors.ts'
import type { GateReport } from './evaluate-gates.ts'
import { CRITERION_VERDICTS, GATE_VERDICTS } from './verdicts.ts'

/** The gate report inside an evidence file written by `bdd-matrix gate`; of `build` when one is named. */
export function readGateEvidence(file: string, shown = file, build?: string): GateReport {
  let data: { evidenceVersion?: unknown; report?: GateReport } | null
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data
  } catch (error) {
    const code = fsErrorCode(error)
    throw new UserError('GATE_EVIDENCE', `${shown}: ${code === 'ENOENT' ? 'not found' : code ? `cannot be read (${code})` : 'not JSON'}; pass the gate-<build>.json that bdd-matrix gate wrote`)
  }
  const report = data && typeof data === 'object' && data.evidenceVersion === 1 ? data.report : undefined
  const problem = !report || typeof report !== 'object' ? 'no report of evidence version 1' : reportProblem(report)
  if (problem || !report) throw new UserError('GATE_EVIDENCE', `${shown}: not a gate evidence file (${problem}); pass the gate-<build>.json that bdd-matrix gate wrote`)
  if (build && report.build !== build) throw new UserError('GATE_EVIDENCE', `${shown}: the gate of ${report.build}, not of ${build}; pass gate-${build}.json`)
  return report
}

/**
 * What in a report read back stops it deciding anything: the verdicts it gives must be ones this
 * bdd-matrix knows (an evidence file edited by hand, or of a newer version, would otherwise read
 * as a pass wherever a verdict is not the ones that fail).
 */
function reportProblem(report: GateReport): string | undefined {
  if (typeof report.build !== 'string') return 'build: not a name'
  if (!(GATE_VERDICTS as readonly unknown[]).includes(report.verdict)) return `verdict: ${JSON.stringify(report.verdict)} is not one of ${GATE_VERDICTS.join(', ')}`
  if (!Array.isArray(report.criteria)) return 'criteria: not a list'
  const criterion = report.criteria.find((c) => !c || typeof c !== 'object' || typeof c.id !== 'string' || !(CRITERION_VERDICTS as readonly unknown[]).includes(c.verdict))
  if (criterion !== undefined) return `a criterion not of the gate's shape (id and verdict: one of ${CRITERION_VERDICTS.join(', ')}): ${JSON.stringify(criterion).slice(0, 80)}`
  return undefined
}

/** The commit status a verdict gives: GitLab's states. */
export function gateState(report: GateReport): 'success' | 'failed' | 'pending' {
  const states: Record<GateReport['verdict'], 'success' | 'failed' | 'pending'> = { go: 'success', 'go-with-waivers': 'success', incomplete: 'pending', 'no-go': 'failed' }
  return states[report.verdict] ?? 'failed'
}

export function gateSummary(report: GateReport): string {
  const count = (v: string) => report.criteria.filter((c) => c.verdict === v).length
  return `${report.build}: ${report.verdict} (${count('pass')} pass, ${count('pass-waived')} waived, ${count('waiting')} waiting, ${count('fail')} fail)`
}
