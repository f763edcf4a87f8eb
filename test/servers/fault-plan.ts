/** A fault to inject: requests matching method and path, after `skip` of them, fail `times` times. */
export interface Fault {
  method?: string
  path: RegExp
  skip?: number
  times?: number
  /** 'page': an HTML page (status 200 unless given), as a proxy or a sign-in page answers in the service's place */
  kind: 'status' | 'delay' | 'drop' | 'page'
  status?: number
  retryAfter?: string
  /** a redirect's target (with a 3xx status) */
  location?: string
  /** the JSON a 'status' fault answers, in place of the server's own error body */
  body?: unknown
  delayMs?: number
  /** 'before': fail without applying; 'after': apply the request, then drop the connection */
  when?: 'before' | 'after'
}

/** The faults a local test server injects, in the order they were added; the test reads `fired`. */
export class FaultPlan {
  readonly faults: (Fault & { seen: number; fired: number })[] = []

  inject(fault: Fault): void {
    this.faults.push({ ...fault, seen: 0, fired: 0 })
  }

  /** The fault that fires for this request, if any (counted as fired). */
  take(method: string | undefined, path: string): Fault | undefined {
    const fault = this.faults.find((f) => (!f.method || f.method === method) && f.path.test(path) && f.seen++ >= (f.skip ?? 0) && f.fired < (f.times ?? 1))
    if (fault) fault.fired++
    return fault
  }

  /**
   * A delay fault's wait: it ends early when the client goes away (as a server stops working on a
   * request nobody waits for), so a long delay never keeps the test process alive.
   */
  static wait(fault: Fault, socket: { once(event: 'close', listener: () => void): unknown; destroyed: boolean }): Promise<void> {
    if (socket.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, fault.delayMs ?? 1000)
      timer.unref()
      socket.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** What a 'page' fault answers: a sign-in page, in the service's place. */
  static readonly PAGE = '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form method="post" action="/login"><input name="user"></form></body></html>\n'

  /** Headers of an injected error answer. */
  static headers(fault: Fault): Record<string, string> {
    return { ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}), ...(fault.location ? { location: fault.location } : {}) }
  }
}
