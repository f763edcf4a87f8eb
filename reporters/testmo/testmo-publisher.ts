import { appendFileSync, existsSync, renameSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { setMaxListeners } from 'node:events'
import axios from 'axios'
import { UserError } from '../../src/errors.ts'
import type { MergedCase } from '../../src/results/merge-results.ts'
import { holding, retryingRequest, serviceUrl, withId, type Answer, type RequestContext, type RetryPolicy } from '../retrying-request.ts'
import { axiosProxy, serviceProxy, type ProxySettings } from '../service-proxy.ts'
import type { TestmoResources } from './testmo-resources.ts'
import { journalShapeProblem } from './journal-shape.ts'
import { missing, placeElsewhere, readJournal, recordLanded, type Batch, type Inflight, type PublishJournal, type ThreadRecord } from './publish-journal.ts'
import { orderOf, testKey, testMapper, type TestLinks } from './test-mapper.ts'

export type { RetryPolicy } from '../retrying-request.ts'

export interface TestmoTarget {
  /** https origin of the instance (TESTMO_URL or --instance) */
  instance: string
  /** TESTMO_TOKEN */
  token: string
  projectId: number
  /** --proxy, else HTTPS_PROXY/NO_PROXY of this environment; none given: connect directly */
  proxy?: ProxySettings
}

/**
 * 429 without Retry-After waits 60 s, as Testmo's docs ask. Anything else is retried first after
 * 0.1 s — a lost answer or a passing 500 is over by then, and waiting 0.5 s doubled the time of a
 * publish that met one — and ten attempts still wait out some 50 s of outage.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, baseMs: 100, maxMs: 30_000, defaultRetryAfterMs: 60_000, timeoutMs: 60_000 }

export interface RunDescription {
  name: string
  source: string
  tags?: string[]
  config?: string
  milestone?: string
  fields: { type: number; name: string; value: string }[]
  links: { name: string; url: string; note?: string }[]
  /** links to files stored elsewhere (Testmo uploads nothing) */
  artifacts?: { name: string; url: string; note?: string; mime_type?: string; size?: number }[]
}

export interface PublishStats {
  requests: number
  retries: number
}

/** Testmo publisher over its REST API, as the official CLI uses it, but resumable and retrying. */
export class TestmoPublisher {
  private readonly requests: RequestContext
  private readonly aborting = new AbortController()
  readonly stats: PublishStats = { requests: 0, retries: 0 }
  /** the journal file holds this publish's first record: later ones are appended */
  private logging = false
  /** requests in flight at once: appends on a thread, pages of a listing */
  private readonly parallel: number
  /** the instance's origin, as the publisher reaches it */
  readonly origin: string
  /** no journal file was here: this publish starts from nothing it knows of */
  private journalStarted = false
  /** the keys of each run's tests, read once a publish (an adopted run's) */
  private readonly runKeys = new Map<number, Promise<Set<string>>>()

  constructor(
    private readonly target: TestmoTarget,
    private readonly journalFile: string,
    private readonly options: {
      batchSize?: number
      /** appends in flight at once on a thread */
      parallel?: number
      retry?: RetryPolicy
      log?: (line: string) => void
      /** extra trusted CA (PEM) */
      ca?: Buffer
      /**
       * the journal file may be gone while Testmo holds what it recorded (a CI job, whose retry
       * starts in a fresh workspace): without one, Testmo is asked first
       */
      journalMayBeLost?: boolean
    } = {},
  ) {
    const instance = serviceUrl(target.instance, 'TESTMO_URL (or --instance)', { https: true, example: 'https://<name>.testmo.net' })
    this.origin = instance.origin
    const proxy = serviceProxy(instance, target.proxy)
    this.parallel = Math.min(MAX_PARALLEL, Math.max(1, options.parallel ?? DEFAULT_PARALLEL))
    if (!target.token) throw new UserError('TESTMO_TOKEN', 'no Testmo API token: set TESTMO_TOKEN to an API token of the Testmo user that publishes')
    const retry = options.retry ?? DEFAULT_RETRY
    // Every request in flight listens for the abort: `parallel` appends and the checks beside them.
    setMaxListeners(4 * MAX_PARALLEL, this.aborting.signal)
    const http = axios.create({
      baseURL: `${this.origin}/api/v1`,
      timeout: retry.timeoutMs,
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      validateStatus: () => true,
      proxy: axiosProxy(proxy),
      // Testmo's API does not redirect; following one would re-send an append the journal has not
      // seen land (and keep a copy of every body for it). A 3xx is reported as an answer.
      maxRedirects: 0,
      ...(options.ca ? { httpsAgent: new https.Agent({ ca: options.ca }) } : {}),
    })
    this.requests = {
      http,
      retry,
      service: 'Testmo',
      code: 'TESTMO',
      then: 'run the same command again to resume',
      refusal: (status, data, doing) => refusal(status, data, doing, target),
      stats: this.stats,
      signal: this.aborting.signal,
      ...(options.log ? { log: options.log } : {}),
      ...(proxy ? { via: proxy.shown } : {}),
    }
  }

  /** Stops whatever request or retry is under way (the command failed elsewhere). */
  abort(): void {
    this.aborting.abort(new UserError('TESTMO_ABORTED', 'publish to Testmo abandoned'))
  }

  /** Reads the journal of this publication, refusing one written for other results or one that cannot be read. */
  journal(publication: string, options: { /** a journal of another publication is started anew, not refused */ replacing?: boolean } = {}): PublishJournal {
    if (!existsSync(this.journalFile) || (options.replacing && !this.journalOf(publication))) {
      this.journalStarted = true
      return { journalVersion: 6, publication, threads: {}, runCompleted: false }
    }
    let journal: PublishJournal
    try {
      journal = readJournal(this.journalFile)
      const problem = journalShapeProblem(journal)
      if (problem) throw new Error(`not a publish journal of this shape: ${problem}`)
    } catch (error) {
      throw new UserError('TESTMO_JOURNAL', `${this.journalFile}: the publish journal cannot be read (${(error as Error).message}); it records what reached Testmo, so it is not guessed at — look at the run in Testmo, then remove the file to publish anew`)
    }
    if (journal.publication !== publication)
      throw new UserError('TESTMO_JOURNAL', `${this.journalFile}: this publish journal belongs to other results (${journal.publication}, run ${journal.runId ?? 'not created'}); remove it to publish these results as a new run`)
    // A journal of version 1 said only this of what was in flight.
    if (journal.creatingRun && !journal.inflight) journal.inflight = { kind: 'create-run' }
    delete journal.creatingRun
    // Version 2 kept its one append in flight beside the run's requests; version 3 keeps appends by thread.
    if (journal.inflight?.kind === 'append') {
      const { thread, from, size } = journal.inflight
      journal.threads[thread]!.inflight = [{ from, size }]
      journal.inflight = undefined
    }
    // Version 4 kept no order of a thread's tests: a thread's order is settled when it is published (settleOrder).
    journal.journalVersion = 6
    return journal
  }

  /** Whether the journal file is this publication's; one that cannot be read is (it is refused by name when read). */
  private journalOf(publication: string): boolean {
    try {
      const journal = readJournal(this.journalFile)
      return journalShapeProblem(journal) !== undefined || journal.publication === publication
    } catch {
      return true
    }
  }

  /**
   * Settles what the journal says was in flight by reading Testmo's state: a run created under
   * the publication's tag is adopted, a completion is read from the run's status (appends are
   * settled by their thread, publishThread). Only then is anything sent again.
   */
  async resume(journal: PublishJournal): Promise<void> {
    const inflight = journal.inflight
    if (!inflight) return
    switch (inflight.kind) {
      case 'create-run':
        journal.runId ??= (await this.findRun(publicationTag(journal.publication)))?.id
        break
      case 'create-thread':
        // Testmo lists no threads of a run: a thread whose creation was cut off stays empty in the
        // run (no test is ever in it twice); a new one is made.
        break
      case 'complete-thread':
        if (await this.runIsCompleted(journal.runId!)) journal.threads[inflight.thread]!.completed = true
        break
      case 'complete-run':
        if (await this.runIsCompleted(journal.runId!)) journal.runCompleted = true
        break
    }
    journal.inflight = undefined
    this.save(journal)
  }

  /**
   * Creates the run once. Testmo has no idempotency key, so the run carries a tag naming this
   * publication: when a create's answer is lost (timeout, dropped connection, a publish killed
   * mid-request), the run is looked up by that tag before another is made.
   */
  async createRun(journal: PublishJournal, run: RunDescription): Promise<number> {
    await this.resume(journal)
    if (journal.runId) return journal.runId
    const marker = publicationTag(journal.publication)
    if (this.mayHaveBeenLost()) {
      const found = await this.findRun(marker)
      if (found) {
        journal.runId = found.id
        if (found.completed) journal.runCompleted = true
        else journal.adopted = true
        this.options.log?.(`Testmo holds run ${found.id} of these results${found.completed ? ', completed' : ''} (found by its tag ${marker}) and no journal of it is here (${this.journalFile}: a retried job starts without it): ${found.completed ? 'nothing is sent again' : 'only the tests not in it are sent'}`)
        this.save(journal)
        return found.id
      }
    }
    const tags = [...(run.tags ?? []), marker]
    const body = { name: run.name, source: run.source, fields: run.fields, links: run.links, artifacts: run.artifacts ?? [], tags, ...(run.config ? { config: run.config } : {}), ...(run.milestone ? { milestone: run.milestone } : {}) }
    let found: number | undefined
    const response = await this.write(journal, { kind: 'create-run' }, 'post', `/projects/${this.target.projectId}/automation/runs`, body, 'creating the automation run', async () => (found = (await this.findRun(marker))?.id) !== undefined)
    journal.runId = response ? holding(this.requests, response.data, 'creating the automation run', 'run id', withId).id : found
    this.settled(journal)
    return journal.runId!
  }

  /** Whether this publish started without a journal where one may have been lost: Testmo is then asked first. */
  private mayHaveBeenLost(): boolean {
    return this.journalStarted && this.options.journalMayBeLost === true
  }

  /**
   * A run given to this publish (a --thread job's) that an attempt without this journal may have
   * published to: its tests are read before a thread is made (`adopted`).
   */
  adoptGivenRun(journal: PublishJournal): void {
    if (!this.mayHaveBeenLost() || journal.adopted) return
    journal.adopted = true
    this.save(journal)
  }

  /** The newest run that carries the publication's tag, and whether it is completed (2 success, 3 failure; 4 running). */
  private async findRun(marker: string): Promise<{ id: number; completed: boolean } | undefined> {
    const doing = 'looking for the run of these results'
    const page = holding(this.requests, await this.send('get', `/projects/${this.target.projectId}/automation/runs?tags=${encodeURIComponent(marker)}&per_page=100`, undefined, doing), doing, 'page of runs', (data): data is { result: unknown[] } => Array.isArray((data as { result?: unknown } | null)?.result))
    const run = page.result[0] as { id?: unknown; status?: unknown } | undefined
    if (run === undefined) return undefined
    const status = run.status
    if (!withId(run)) throw new UserError('TESTMO_ANSWER', `Testmo answered ${doing} with a run without an id; run the same command again to resume`)
    return { id: run.id, completed: status === 2 || status === 3 }
  }

  /**
   * Appends a thread's tests in batches, up to `parallel` appends in flight; batches already in
   * Testmo are never sent again. The thread is completed unless `complete` is false: completing the
   * run completes its threads, so a one-shot publish leaves that to the run, as the official CLI's
   * `automation:run:submit` does.
   */
  async publishThread(journal: PublishJournal, threadKey: string, cases: MergedCase[], links: TestLinks = {}, options: { complete?: boolean; /** fields and artifacts sent with the thread's creation */ resources?: Pick<TestmoResources, 'fields' | 'artifacts'> } = {}): Promise<void> {
    await this.resume(journal)
    // (a run found completed was published whole by an attempt without this journal)
    if (journal.runCompleted) return
    const runId = journal.runId!
    let thread = journal.threads[threadKey]
    const order = orderOf(cases)
    if (!thread) {
      const present = journal.adopted ? await this.keysOfRun(runId) : undefined
      if (present && cases.every((c) => present.has(testKey(c)))) return
      const elapsed = Math.round(cases.reduce((n, c) => n + c.durationMs, 0) * 1000)
      const response = await this.write(journal, { kind: 'create-thread', thread: threadKey }, 'post', `/automation/runs/${runId}/threads`, { fields: [{ type: 1, name: 'Thread', value: threadKey }, ...(options.resources?.fields ?? [])], artifacts: options.resources?.artifacts ?? [], elapsed_computed: elapsed }, `creating thread ${threadKey}`)
      thread = journal.threads[threadKey] = { id: holding(this.requests, response!.data, `creating thread ${threadKey}`, 'thread id', withId).id, sent: 0, completed: false, order }
      if (present) placeElsewhere(thread, cases, present)
      this.settled(journal)
    }
    const current = thread
    if (current.order !== order) await this.settleOrder(journal, threadKey, current, cases, order)
    // Appends killed in flight are settled first: Testmo's count of the thread, or its tests' keys.
    if (current.inflight?.length) {
      for (const batch of await this.whichLanded(runId, current, current.inflight, cases)) recordLanded(current, batch)
      current.inflight = []
      this.save(journal)
    }
    await this.appendAll(journal, threadKey, current, cases, testMapper(links))
    if (!current.completed && options.complete !== false) {
      await this.write(journal, { kind: 'complete-thread', thread: threadKey }, 'post', `/automation/runs/threads/${current.id}/complete`, {}, `completing thread ${threadKey}`, undefined, (status, data) => status === 422 && alreadyCompleted(data))
      current.completed = true
      this.settled(journal)
    }
  }

  /**
   * A thread counted in another order of its tests than these results give (a journal of an
   * earlier bdd-matrix, whose merge ordered a build's cells otherwise): what it says was sent now
   * names other tests. Unless nothing was sent, Testmo's keys settle it: the tests there must be
   * the first of this order, and are counted so; otherwise the publish stops before sending any
   * test twice.
   */
  private async settleOrder(journal: PublishJournal, threadKey: string, thread: ThreadRecord, cases: MergedCase[], order: string): Promise<void> {
    if (thread.elsewhere) {
      // some of its tests are in other threads of the run: the run's keys place them all anew
      const present = await this.threadKeys(journal.runId!)
      const here = await this.threadKeys(journal.runId!, thread.id)
      thread.sent = 0
      delete thread.landed
      thread.inflight = []
      placeElsewhere(thread, cases, present)
      thread.elsewhere = cases.filter((c) => present.has(testKey(c)) && !here.has(testKey(c))).length
    } else if (thread.sent || thread.landed?.length || thread.inflight?.length) {
      const runId = journal.runId!
      const keys = await this.threadKeys(runId, thread.id)
      let first = 0
      while (first < cases.length && keys.has(testKey(cases[first]!))) first++
      const further = cases.slice(first).filter((c) => keys.has(testKey(c))).length
      if (further)
        throw new UserError('TESTMO_JOURNAL', `${this.journalFile}: thread ${threadKey} (${thread.id}, run ${runId}) was counted in another order of its tests, by an earlier bdd-matrix, and Testmo holds ${first + further} of them, not the first ${first + further} of this order; nothing was sent twice — look at the run in Testmo, then remove the journal to publish anew`)
      thread.sent = first
      delete thread.landed
      thread.inflight = []
    }
    thread.order = order
    this.save(journal)
  }

  /**
   * Sends every test of the thread not yet in Testmo. Up to `parallel` appends are in flight, each
   * recorded in the journal before it leaves (the record of the next carries the outcomes of those
   * answered since: one journal write a batch). The official CLI sends 250 tests an append and
   * Testmo documents no maximum: a server that refuses a batch as too large (413, or 422 about its
   * size) gets halves from then on. A failed append stays recorded in flight for the rerun to settle.
   */
  private async appendAll(journal: PublishJournal, threadKey: string, thread: ThreadRecord, cases: MergedCase[], toTest: (c: MergedCase) => Record<string, unknown>): Promise<void> {
    const runId = journal.runId!
    let batchSize = this.options.batchSize ?? DEFAULT_BATCH
    const parallel = this.parallel
    const gaps = missing(thread, cases.length)
    const take = (): Batch | undefined => {
      const gap = gaps[0]
      if (!gap) return undefined
      const batch = { from: gap.from, size: Math.min(batchSize, gap.size) }
      gap.from += batch.size
      gap.size -= batch.size
      if (!gap.size) gaps.shift()
      return batch
    }
    thread.inflight ??= []
    const inflight = thread.inflight
    const running = new Set<Promise<void>>()
    let failure: { error: unknown } | undefined
    // appends under way, those of them whose outcome is being asked, and who waits for them to end
    const sending = new Set<Batch>()
    const settling = new Set<Batch>()
    const ended: (() => void)[] = []
    let resume: (() => void) | undefined
    const othersEnded = (batch: Batch): Promise<void> | undefined =>
      [...sending].some((b) => b !== batch && !settling.has(b)) ? new Promise((resolve) => ended.push(resolve)) : undefined
    // Sent once the journal records it in flight (with the batches launched beside it: one write).
    const append = async (batch: Batch, body: string): Promise<void> => {
      // The outcome of this append is unknown (timeout, dropped connection): ask Testmo. Its count
      // answers only while no other append is under way on the thread, so none is launched and
      // those under way are let finish (a round trip) — listing the thread's tests instead costs a
      // request per 1,000 of them.
      const landed = async () => {
        settling.add(batch)
        try {
          for (let waiting = othersEnded(batch); waiting; waiting = othersEnded(batch)) await waiting
          return (await this.whichLanded(runId, thread, [batch], cases, () => inflight.length === 1)).length > 0
        } finally {
          settling.delete(batch)
          // the launching goes on beside the resend, not a round trip after it
          resume?.()
        }
      }
      sending.add(batch)
      let answer: Answer | undefined
      try {
        answer = await this.request('post', `/automation/runs/threads/${thread.id}/append`, body, `appending ${batch.size} tests to thread ${threadKey}`, landed,
          (status, data) => tooLarge(status, data) && batch.size > 1)
      } finally {
        sending.delete(batch)
        // (woken after this append's outcome is recorded below: the promise runs them later)
        for (const wake of ended.splice(0)) wake()
      }
      inflight.splice(inflight.indexOf(batch), 1)
      if (answer !== undefined && answer.status >= 300) {
        batchSize = Math.min(batchSize, Math.max(1, Math.floor(batch.size / 2)))
        this.options.log?.(`Testmo refused ${batch.size} tests in one append as too large; sending ${batchSize} at a time`)
        gaps.unshift(batch)
        return
      }
      recordLanded(thread, batch)
    }
    for (;;) {
      const group: { batch: Batch; body: string }[] = []
      while (!failure && !settling.size && running.size + group.length < parallel) {
        const batch = take()
        if (!batch) break
        // JSON text, serialised here: axios sends a string as it is.
        group.push({ batch, body: JSON.stringify({ tests: cases.slice(batch.from, batch.from + batch.size).map(toTest) }) })
      }
      if (group.length) {
        for (const { batch } of group) inflight.push(batch)
        this.save(journal)
        for (const { batch, body } of group) {
          const sending: Promise<void> = append(batch, body).catch((error: unknown) => void (failure ??= { error })).finally(() => running.delete(sending))
          running.add(sending)
        }
      }
      if (!running.size) break
      await Promise.race([...running, new Promise<void>((resolve) => (resume = resolve))])
    }
    this.save(journal)
    if (failure) throw failure.error
  }

  /**
   * Which of these batches (sent, answer not recorded) are in Testmo. The thread's test count
   * settles it when it equals what was known plus none or all of them (and always for one batch
   * when no other append is under way); otherwise the thread's tests are listed and each batch
   * looked up by its tests' keys.
   */
  private async whichLanded(runId: number, thread: ThreadRecord, batches: Batch[], cases: MergedCase[], alone: () => boolean = () => true): Promise<Batch[]> {
    if (alone()) {
      // (what is known to be in Testmo, less what is in other threads: the count is this thread's)
      const known = thread.sent + (thread.landed ?? []).reduce((n, b) => n + b.size, 0) - (thread.elsewhere ?? 0)
      const count = await this.countTests(runId, thread.id)
      const pending = batches.reduce((n, b) => n + b.size, 0)
      if (alone() && count <= known) return []
      if (alone() && count === known + pending) return batches
    }
    const keys = await this.threadKeys(runId, thread.id)
    return batches.filter((batch) => {
      const present = cases.slice(batch.from, batch.from + batch.size).filter((c) => keys.has(testKey(c))).length
      if (present === 0) return false
      if (present === batch.size) return true
      throw new UserError('TESTMO_FAILED', `Testmo holds ${present} of the ${batch.size} tests of one append to thread ${thread.id} (run ${runId}); an append is applied whole, so this run was changed by something else — look at the run in Testmo, then remove the journal to publish anew`)
    })
  }

  /**
   * The keys of every test in a thread, 1,000 a page (the most Testmo allows). The first page says
   * how many there are; the rest are read `parallel` at a time — a million tests are a thousand
   * pages, which one after another at a WAN round trip each would hold a resumed publish for
   * minutes. Without a last page, the pages are followed one by one.
   */
  private async threadKeys(runId: number, threadId?: number): Promise<Set<string>> {
    type Page = { result?: { key?: string }[]; next_page?: number | null; last_page?: number } | undefined
    const keys = new Set<string>()
    const read = async (page: number): Promise<Page> => {
      const doing = 'checking which tests reached Testmo'
      const answer = holding(this.requests, await this.send('get', `/automation/runs/${runId}/tests?${threadId === undefined ? '' : `thread_id=${threadId}&`}per_page=1000&page=${page}`, undefined, doing), doing, 'page of tests', (data): data is NonNullable<Page> => Array.isArray((data as { result?: unknown } | null)?.result))
      for (const test of answer.result!) if (typeof test?.key === 'string') keys.add(test.key)
      return answer
    }
    let answer = await read(1)
    const last = Number(answer?.last_page)
    if (Number.isInteger(last) && last > 1) {
      let next = 2
      const reader = async (): Promise<void> => {
        while (next <= last) await read(next++)
      }
      await Promise.all(Array.from({ length: Math.min(this.parallel, last - 1) }, reader))
      return keys
    }
    for (let page = 2; answer?.next_page; page++) answer = await read(page)
    return keys
  }

  /** The keys of every test in the run, read once a publish. */
  private keysOfRun(runId: number): Promise<Set<string>> {
    let keys = this.runKeys.get(runId)
    if (!keys) this.runKeys.set(runId, (keys = this.threadKeys(runId)))
    return keys
  }

  /**
   * The keys of the tests other jobs put in the run: every test's, less those of the threads this
   * journal made — so a rerun finds what the first attempt found, however much of its own it sent.
   */
  async othersKeys(journal: PublishJournal): Promise<Set<string>> {
    await this.resume(journal)
    const runId = journal.runId!
    const keys = await this.threadKeys(runId)
    for (const thread of Object.values(journal.threads)) for (const key of await this.threadKeys(runId, thread.id)) keys.delete(key)
    return keys
  }

  /**
   * Completes the run once. A completion whose answer was lost is retried; Testmo then says the run
   * is already completed — which is what was asked, so it is success (checked on the run's status).
   */
  async completeRun(journal: PublishJournal): Promise<void> {
    await this.resume(journal)
    if (journal.runCompleted) return
    const runId = journal.runId!
    let completedAlready = false
    await this.write(journal, { kind: 'complete-run' }, 'post', `/automation/runs/${runId}/complete`, { measure_elapsed: false }, 'completing the automation run', async () => this.runIsCompleted(runId), (status) => status === 422 && (completedAlready = true))
    if (completedAlready && !(await this.runIsCompleted(runId))) throw new UserError('TESTMO_FAILED', `Testmo refused completing run ${runId} (422) although it is not completed; look at the run in Testmo`)
    journal.runCompleted = true
    this.settled(journal)
  }

  private async runIsCompleted(runId: number): Promise<boolean> {
    const response = (await this.send('get', `/automation/runs/${runId}`, undefined, `reading the status of run ${runId}`)) as { result?: { status?: number } }
    // 2 success, 3 failure: finished; 4 running
    return response?.result?.status === 2 || response?.result?.status === 3
  }

  private async countTests(runId: number, threadId: number): Promise<number> {
    const doing = 'checking what reached Testmo'
    const response = await this.send('get', `/automation/runs/${runId}/tests?thread_id=${threadId}&per_page=100`, undefined, doing)
    return holding(this.requests, response, doing, 'count of tests (total)', (data): data is { total: number } => Number.isSafeInteger((data as { total?: unknown } | null)?.total)).total
  }

  private async send(method: 'get' | 'post', url: string, body: unknown, doing: string, landed?: () => Promise<boolean>, accept?: (status: number, data: unknown) => boolean): Promise<unknown> {
    return (await this.request(method, url, body, doing, landed, accept))?.data
  }

  /** The whole answer (an accepted refusal keeps its status); undefined when the request landed unanswered. */
  private request(method: 'get' | 'post', url: string, body: unknown, doing: string, landed?: () => Promise<boolean>, accept?: (status: number, data: unknown) => boolean): Promise<Answer | undefined> {
    return retryingRequest(this.requests, { method, url, data: body }, doing, { ...(landed ? { landed } : {}), ...(accept ? { accept } : {}) })
  }

  /** A request whose outcome matters: the journal says it is in flight before it leaves. */
  private write(journal: PublishJournal, inflight: Inflight | undefined, method: 'post', url: string, body: unknown, doing: string, landed?: () => Promise<boolean>, accept?: (status: number, data: unknown) => boolean): Promise<Answer | undefined> {
    if (inflight) journal.inflight = inflight
    this.save(journal)
    return this.request(method, url, body, doing, landed, accept)
  }

  /** The request in flight got its answer: the journal records what it changed, and nothing in flight. */
  private settled(journal: PublishJournal): void {
    journal.inflight = undefined
    this.save(journal)
  }

  /**
   * Appends the journal's record. The first save of a publish replaces the file by that one record
   * (written beside it, then renamed over it), so the log holds only this publish's records.
   */
  private save(journal: PublishJournal): void {
    const record = `${JSON.stringify(journal)}\n`
    if (this.logging) return appendFileSync(this.journalFile, record)
    writeFileSync(`${this.journalFile}.tmp`, record)
    renameSync(`${this.journalFile}.tmp`, this.journalFile)
    this.logging = true
  }
}

/** The official CLI's batch: 250 tests an append. */
export const DEFAULT_BATCH = 250

/**
 * Appends in flight at once on a thread. The official CLI sends one at a time, so each append pays
 * a whole round trip; Testmo takes appends from many CI jobs at once (that is what threads are for).
 */
export const DEFAULT_PARALLEL = 6
export const MAX_PARALLEL = 32

/** 413, or a 422 whose message or errors speak of the size: the append did not land, smaller ones may. */
function tooLarge(status: number, data: unknown): boolean {
  if (status === 413) return true
  if (status !== 422) return false
  return /too (large|big|many)|maximum|payload|size|exceed/i.test(JSON.stringify(data ?? ''))
}

function alreadyCompleted(data: unknown): boolean {
  return /already completed|is completed/i.test((data as { message?: string } | undefined)?.message ?? '')
}

function refusal(status: number, data: unknown, doing: string, target: TestmoTarget): UserError {
  const message = (data as { message?: string } | undefined)?.message ?? ''
  if (status === 401) return new UserError('TESTMO_AUTH', `Testmo refused the token while ${doing} (401): set TESTMO_TOKEN to a valid API token`)
  if (status === 403) return new UserError('TESTMO_AUTH', `Testmo refused ${doing} (403 ${message}): the TESTMO_TOKEN user lacks permission in project ${target.projectId}`)
  if (status === 404) return new UserError('TESTMO_NOT_FOUND', `Testmo answered 404 while ${doing}: check the project id (${target.projectId}) and the run id`)
  const errors = (data as { errors?: Record<string, string[]> } | undefined)?.errors
  return new UserError('TESTMO_FAILED', `Testmo answered ${status} while ${doing}: ${message}${errors ? ` (${Object.entries(errors).map(([k, v]) => `${k}: ${v[0]}`).join('; ')})` : ''}`)
}


/** The tag that names a publication on its run (Testmo tags allow letters, digits, _ and -). */
function publicationTag(publication: string): string {
  return `bdd-matrix-${publication}`
}
