import { hubRefusal, type HubRequests } from './hub-client.ts'
import { PendingSubmission } from './pending-submission.ts'

/** A refusal the hub means (429 asks to come back: the request is retried). */
const refused = (status: number): boolean => status >= 400 && status < 500 && status !== 429

export interface SubmittedOutcome {
  id: number
  version: number
  /** stored by an earlier run of the same command, whose answer was lost */
  replayed: boolean
}

/**
 * Sends a tester's outcome once, however often the command is run until the hub answers: the
 * submission's key waits in `journal` (a folder) from before the request until an answer.
 */
export async function submitOutcome(hub: HubRequests, body: { build: string; scenario: string; status: string; environment?: string } & Record<string, unknown>, where: { journal: string; server: string; token: string }): Promise<SubmittedOutcome> {
  const about = { build: body.build, scenario: body.scenario, status: body.status, ...(body.environment ? { environment: body.environment } : {}) }
  const pending = PendingSubmission.open(where.journal, { server: where.server, token: where.token, body, about })
  const doing = `submitting the outcome of ${body.scenario}`
  const send = () => hub.request<{ id: number; version: number }>('POST', '/outcomes', doing, { data: body, headers: { 'idempotency-key': pending.key }, accept: refused })
  let answer = await send()
  // The key's first submission is stored, but not as this one: the scenario's text changed since
  // (the hub keeps which text an outcome is of). This one is of the new text: a new version.
  if (answer.status === 409) {
    pending.renew()
    answer = await send()
  }
  // Stored, or refused (which stored nothing): neither leaves anything to resume. A failure with
  // no answer (thrown above) keeps the key for the next run.
  pending.settle()
  if (answer.status >= 400) throw hubRefusal(answer.status, answer.data, doing)
  return { id: answer.data.id, version: answer.data.version, replayed: answer.status === 200 }
}
