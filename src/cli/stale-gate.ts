import { STALE_VERDICT } from '../matrix/matrix-digest.ts'
import type { CliContext } from './cli-context.ts'

/** Said where a gate's verdict heads a matrix it did not judge (matrix-digest.ts). */
export function staleGateSaid(ctx: CliContext, file: string): void {
  ctx.stderr.write(`bdd-matrix: warning: ${file}: ${STALE_VERDICT}\n`)
}
