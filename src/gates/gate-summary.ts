import type { GateReport } from './evaluate-gates.ts'

/** What decides a gate's verdict, in one line: the blocking criteria that fail, then those waiting. */
export function gateSummary(report: GateReport): string {
  const blocking = report.criteria.filter((c) => c.severity === 'blocking')
  const failing = blocking.filter((c) => c.verdict === 'fail').map((c) => c.id)
  const waiting = blocking.filter((c) => c.verdict === 'waiting').map((c) => c.id)
  const waived = blocking.filter((c) => c.verdict === 'pass-waived').map((c) => c.id)
  const parts = [
    ...(failing.length ? [`${failing.length} of ${blocking.length} blocking criteria fail (${failing.join(', ')})`] : []),
    ...(waiting.length ? [`${waiting.length} waiting (${waiting.join(', ')})`] : []),
    ...(waived.length ? [`${waived.length} pass with waivers (${waived.join(', ')})`] : []),
  ]
  return parts.length ? parts.join('; ') : `all ${blocking.length} blocking criteria pass`
}
