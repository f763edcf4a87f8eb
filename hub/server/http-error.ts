/** An answer other than success: its status and one sentence saying what and how to fix it. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** the body field at fault, as a path (`steps.2.status`) */
    readonly field?: string,
  ) {
    super(message)
  }
}

const NAMES: Record<number, string> = { 400: 'bad-request', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 409: 'conflict', 413: 'too-large', 415: 'unsupported-media-type', 422: 'invalid', 429: 'too-many-requests' }

export function errorBody(status: number, message: string, field?: string): { error: string; message: string; field?: string } {
  return { error: NAMES[status] ?? 'error', message, ...(field ? { field } : {}) }
}
