import { readFileSync } from 'node:fs'
import { UserError, fsErrorCode } from '../errors.ts'
import type { GateReport } from './evaluate-gates.ts'

/** The gate report inside an evidence file written by `bdd-matrix gate`; of `build` when one is named. */
export function readGateEvidence(file: string, shown = file, build?: string): GateReport {
  let data: { evidenceVersion?: unknown; report?: GateReport }
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data
  } catch (error) {
    const code = fsErrorCode(error)
    throw new UserError('GATE_EVIDENCE', `${shown}: ${code === 'ENOENT' ? 'not found' : code ? `cannot be read (${code})` : 'not JSON'}; pass the gate-<build>.json that bdd-matrix gate wrote`)
  }
  if (data.evidenceVersion !== 1 || !data.report || !Array.isArray(data.report.criteria)) throw new UserError('GATE_EVIDENCE', `${shown}: not a gate evidence file; pass the gate-<build>.json that bdd-matrix gate wrote`)
  if (build && data.report.build !== build) throw new UserError('GATE_EVIDENCE', `${shown}: the gate of ${data.report.build}, not of ${build}; pass gate-${build}.json`)
  return data.report
}

/** The commit status a verdict gives: GitLab's states. */
export function gateState(report: GateReport): 'success' | 'failed' | 'pending' {
  return report.verdict === 'no-go' ? 'failed' : report.verdict === 'incomplete' ? 'pending' : 'success'
}

export function gateSummary(report: GateReport): string {
  const count = (v: string) => report.criteria.filter((c) => c.verdict === v).length
  return `${report.build}: ${report.verdict} (${count('pass')} pass, ${count('pass-waived')} waived, ${count('waiting')} waiting, ${count('fail')} fail)`
}
