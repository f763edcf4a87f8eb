import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import type { HubService, Principal } from '../hub-service.ts'
import { BuildBody, OutcomeBody, parseBody } from './api-schemas.ts'
import { evidenceTypeOf } from '../media-types.ts'
import { HttpError } from './http-error.ts'
import { logFailure } from './hub-server.ts'
import { checkText, textProblem } from './input-hygiene.ts'
import { assignmentsPage, boardPage, buildsPage, errorPage, gatePage, HUB_CSS, loginPage, reviewPage, submitPage, withBackLink, type SubmitForm } from './pages.ts'

const COOKIE = 'bdm_session'
const SESSION_HOURS = 12
const CSP = "default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

interface PageSession {
  principal: Principal
  csrf: string
}

/** The web pages: a tester's assignments and submission form, QA's review queue and board, live matrices. */
export async function addPageRoutes(app: FastifyInstance, service: HubService, log?: (line: string) => void): Promise<void> {
  await app.register(async (pages) => {
    await pages.register(formbody, { bodyLimit: 1 << 20 })
    await pages.register(multipart, { limits: { fileSize: service.limits.maxEvidenceBytes, files: 20, fields: 100, fieldSize: 100_000 } })

    pages.addHook('onSend', async (_request, reply, payload) => {
      if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) reply.header('content-security-policy', CSP).header('x-frame-options', 'DENY').header('cache-control', 'no-store')
      return payload
    })
    // Pages answer refusals with a page, not JSON.
    pages.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
      const status = error instanceof HttpError ? error.status : error.code === 'FST_REQ_FILE_TOO_LARGE' ? 413 : (error.statusCode ?? 500)
      if (status >= 500) logFailure(log, request.id, `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`, error)
      const message = error instanceof HttpError ? error.message : status === 413 ? `a file is larger than the ${Math.round(service.limits.maxEvidenceBytes / (1 << 20))} MB evidence may have` : status < 500 ? error.message.split('\n')[0]! : `the hub failed on this request (request ${request.id}); its log says why`
      const session = await sessionOf(service, request).catch(() => undefined)
      return reply.code(status).type('text/html; charset=utf-8').send(errorPage(session?.principal, status, message))
    })

    pages.get('/', async (request, reply) => {
      const session = await sessionOf(service, request)
      if (!session) return reply.redirect('/login')
      return reply.redirect(session.principal.role === 'tester' ? '/assignments' : '/builds')
    })
    pages.get('/hub.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(HUB_CSS))
    pages.get('/login', async (_request, reply) => html(reply, loginPage()))
    pages.post('/login', async (request, reply) => {
      sameOrigin(request)
      const token = String((request.body as Record<string, unknown> | undefined)?.token ?? '').trim()
      const principal = token ? await service.store.tokenFor(token) : undefined
      if (!principal) return html(reply.code(401), loginPage('That token is not valid (unknown or revoked).'))
      const secret = randomBytes(32).toString('base64url')
      await service.store.createSession(principal.id, secret, randomBytes(24).toString('base64url'), SESSION_HOURS)
      // Secure where the browser came over https (a proxy that ends TLS says so): never sent in the clear then
      const secure = String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim() === 'https' ? '; Secure' : ''
      reply.header('set-cookie', `${COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_HOURS * 3600}${secure}`)
      return reply.redirect(principal.role === 'tester' ? '/assignments' : '/builds', 303)
    })
    pages.post('/logout', async (request, reply) => {
      await requireForm(service, request)
      await service.store.endSession(cookieOf(request)!)
      reply.header('set-cookie', `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`)
      return reply.redirect('/login', 303)
    })

    pages.get('/builds', async (request, reply) => {
      const session = await requirePage(service, request, reply)
      if (!session) return reply
      return html(reply, buildsPage(session.principal, session.csrf, await service.store.builds()))
    })
    pages.post('/builds', async (request, reply) => {
      const session = await requireForm(service, request)
      service.need(session.principal, 'qa')
      const { name } = parseBody(BuildBody, { name: String((request.body as Record<string, unknown>).name ?? '') })
      await service.createBuild(session.principal, name)
      return reply.redirect(`/builds/${encodeURIComponent(name)}/board`, 303)
    })

    pages.get('/assignments', async (request, reply) => {
      const session = await requirePage(service, request, reply)
      if (!session) return reply
      service.need(session.principal, 'tester', 'qa')
      const assignments = await service.assignments(session.principal)
      const mine = await service.store.outcomes({ person: session.principal.name, latestOnly: true })
      const submitted = (request.query as Record<string, string>).submitted
      return html(reply, assignmentsPage(session.principal, session.csrf, assignments, service.project.scenarios, mine, submitted ? `Outcome ${submitted} submitted: QA reviews it before it counts.` : undefined))
    })
    pages.post('/assignments/:id/claim', async (request, reply) => {
      const session = await requireForm(service, request)
      await service.claim(session.principal, Number((request.params as { id: string }).id))
      return reply.redirect('/assignments', 303)
    })

    pages.get('/builds/:build/scenarios/:id', async (request, reply) => {
      const session = await requirePage(service, request, reply)
      if (!session) return reply
      service.need(session.principal, 'tester', 'qa')
      const { build, id } = request.params as { build: string; id: string }
      await service.requireBuild(build)
      const environment = service.manualEnvironment((request.query as Record<string, string>).env || undefined)
      return html(reply, submitPage(session.principal, session.csrf, submitForm(service, build, id, environment, randomUUID())))
    })
    pages.post('/builds/:build/scenarios/:id', async (request, reply) => {
      const session = await sessionOf(service, request)
      if (!session) throw new HttpError(401, 'log in first')
      sameOrigin(request)
      if (!request.isMultipart()) throw new HttpError(415, 'send the form as multipart/form-data')
      const fields: Record<string, string> = {}
      const files: { name: string; type: string; body: Buffer }[] = []
      // A refused part (a file too large, a field that is not text) is answered with the form
      // again, as is any other refusal: what the tester typed is never lost.
      let refusal: HttpError | undefined
      try {
        for await (const part of request.parts()) {
          checkText('a field name', part.fieldname, 100)
          if (part.type === 'file') {
            const body = await part.toBuffer()
            if (part.filename) checkText(`${part.fieldname} (file name)`, part.filename, 500)
            if (part.filename && body.length) files.push({ name: part.filename, type: part.mimetype, body })
          } else {
            const value = String(part.value)
            const problem = textProblem(value)
            if (problem) refusal ??= new HttpError(422, `${part.fieldname}: ${problem}`, part.fieldname)
            else fields[part.fieldname] = value
          }
        }
      } catch (error) {
        const e = error as Error & { code?: string }
        if (e.code === 'FST_REQ_FILE_TOO_LARGE') refusal = new HttpError(413, `a file is larger than the ${Math.round(service.limits.maxEvidenceBytes / (1 << 20))} MB evidence may have`, 'evidence')
        else if (error instanceof HttpError) refusal = error
        else throw error
      }
      // The form's own token is checked before anything is stored.
      checkCsrf(fields._csrf ?? '', session)
      const { build, id } = request.params as { build: string; id: string }
      const scenario = service.scenario(id)
      try {
        if (refusal) throw refusal
        const outcome = await submitFromForm(session, build, scenario.id, fields, files)
        return reply.redirect(`/assignments?submitted=${outcome.id}`, 303)
      } catch (error) {
        // A refusal shows the form again with everything typed (a file input cannot be refilled).
        if (!(error instanceof HttpError) || error.status >= 500 || error.status === 401) throw error
        const environment = service.manualEnvironments.some((e) => e.id === fields.environment) ? fields.environment! : service.manualEnvironment(undefined)
        const form = { ...submitForm(service, build, scenario.id, environment, error.field !== 'Idempotency-Key' && fields.key && /^[\x21-\x7e]{8,200}$/.test(fields.key) ? fields.key : randomUUID()), values: fields, error: inFormWords(error.message) }
        return html(reply.code(error.status), submitPage(session.principal, session.csrf, form))
      }
    })

    const submitFromForm = async (session: PageSession, build: string, id: string, fields: Record<string, string>, files: { name: string; type: string; body: Buffer }[]): Promise<{ id: number }> => {
      const evidenceNames: Record<string, string> = {}
      const evidence: string[] = []
      for (const file of files) {
        const stored = await service.uploadEvidence(session.principal, evidenceTypeOf(file.type, file.name), file.name, file.body)
        evidence.push(stored.file)
        evidenceNames[stored.file] = stored.name
      }
      const scenario = service.scenario(id)
      const steps = scenario.steps.flatMap((_, i) => (fields[`step-${i}`] ? [{ index: i, status: fields[`step-${i}`] }] : []))
      const details = Object.fromEntries(['os', 'machine', 'nodeVersion', 'region'].filter((k) => fields[k]?.trim()).map((k) => [k, fields[k]!.trim()]))
      const defects = (fields.defects ?? '').split(/\r?\n/).map((d) => d.trim()).filter(Boolean)
      const minutes = fields.minutes?.trim()
      const body = parseBody(OutcomeBody, {
        build,
        scenario: id,
        status: fields.status,
        ...(fields.environment ? { environment: fields.environment } : {}),
        ...(steps.length ? { steps } : {}),
        ...(fields.comment?.trim() ? { comment: fields.comment.trim() } : {}),
        ...(minutes ? { elapsedMs: Math.round(Number(minutes) * 60_000) } : {}),
        ...(Object.keys(details).length ? { details } : {}),
        ...(defects.length ? { defects } : {}),
        ...(evidence.length ? { evidence } : {}),
        ...(fields.contentHash ? { contentHash: fields.contentHash } : {}),
      })
      const { outcome } = await service.submit(session.principal, fields.key, body, evidenceNames)
      return outcome
    }

    pages.get('/builds/:build/review', async (request, reply) => {
      const session = await requirePage(service, request, reply)
      if (!session) return reply
      const { build } = request.params as { build: string }
      const queue = await service.reviewQueue(session.principal, build)
      return html(reply, reviewPage(session.principal, session.csrf, build, queue.pending, queue.conflicts, service.project.scenarios))
    })
    pages.post('/outcomes/:id/review', async (request, reply) => {
      const session = await requireForm(service, request)
      const form = request.body as Record<string, string>
      const verdict = form.verdict as 'accepted' | 'rejected' | 'needs-info'
      if (!['accepted', 'rejected', 'needs-info'].includes(verdict)) throw new HttpError(422, 'choose a verdict: accept, reject or needs info')
      const reviewed = await service.review(session.principal, Number((request.params as { id: string }).id), verdict, form.reason?.trim() || undefined)
      return reply.redirect(`/builds/${encodeURIComponent(reviewed.build)}/review`, 303)
    })

    pages.get('/builds/:build/board', async (request, reply) => {
      const session = await requirePage(service, request, reply)
      if (!session) return reply
      service.need(session.principal, 'qa')
      const { build } = request.params as { build: string }
      await service.requireBuild(build)
      const testers = (await service.store.listTokens()).filter((t) => t.role === 'tester' && !t.revokedAt).map((t) => t.name)
      return html(reply, boardPage(session.principal, session.csrf, build, await service.store.assignments({ build }), await service.store.outcomes({ build, latestOnly: true }), service.project.scenarios, testers, service.manualEnvironments))
    })
    pages.post('/builds/:build/assign', async (request, reply) => {
      const session = await requireForm(service, request)
      const form = request.body as Record<string, string | string[]>
      const { build } = request.params as { build: string }
      const scenarios = ([] as string[]).concat(form.scenario ?? [])
      await service.assign(session.principal, { build, scenarios, ...(form.tester ? { tester: String(form.tester) } : {}), ...(form.environment ? { environment: String(form.environment) } : {}), ...(form.due ? { due: String(form.due) } : {}) })
      return reply.redirect(`/builds/${encodeURIComponent(build)}/board`, 303)
    })

    pages.get('/builds/:build/gate', async (request, reply) => {
      const session = await requirePage(service, request, reply)
      if (!session) return reply
      const { build } = request.params as { build: string }
      const { gateBanner } = await import('../../reporters/html/matrix-html.ts')
      const report = await service.gate(build)
      return html(reply, gatePage(session.principal, session.csrf, build, gateBanner(report), await service.store.approvals(build), report.judged))
    })
    pages.post('/builds/:build/approve', async (request, reply) => {
      const session = await requireForm(service, request)
      service.need(session.principal, 'qa')
      const { build } = request.params as { build: string }
      await service.requireBuild(build)
      const comment = String((request.body as Record<string, unknown>).comment ?? '').trim()
      await service.approve(session.principal, build, comment ? comment.slice(0, 2000) : undefined)
      return reply.redirect(`/builds/${encodeURIComponent(build)}/gate`, 303)
    })

    // A large matrix is a page of features, each feature's scenarios a page of their own
    // (?feature=ID, beside the matrix so that attachment links stay relative to the build).
    pages.get('/builds/:build/matrix', async (request, reply) => {
      const session = await requirePage(service, request, reply)
      if (!session) return reply
      const { matrixToHtml } = await import('../../reporters/html/matrix-html.ts')
      const { build } = request.params as { build: string }
      const feature = (request.query as { feature?: unknown }).feature
      if (feature !== undefined) {
        if (typeof feature !== 'string') throw new HttpError(400, 'give one feature: ?feature=ID')
        return html(
          reply,
          await service.renderedMatrix(build, `html\u0000${feature}`, (m) => {
            if (!m.features.some((f) => f.id === feature)) throw new HttpError(404, `no feature "${feature}" in the scope of this matrix; the matrix lists them`)
            return withBackLink(matrixToHtml(m, { feature }), `/builds/${encodeURIComponent(build)}/matrix`, 'Whole matrix')
          }),
        )
      }
      return html(
        reply,
        await service.renderedMatrix(build, 'html', (m) => {
          const scenarios = new Set(m.features.flatMap((f) => f.scenarios.map((s) => s.id))).size
          const linked = scenarios > service.limits.matrixInlineScenarios ? { scenariosAt: (id: string) => `matrix?feature=${encodeURIComponent(id)}` } : {}
          return withBackLink(matrixToHtml(m, linked), '/builds', 'Builds')
        }),
      )
    })
    // Attachment links of the matrix page are relative to it; evidence links of the review queue.
    const serveBlob = async (request: FastifyRequest, reply: FastifyReply, name: string) => {
      const session = await requirePage(service, request, reply)
      if (!session) return reply
      const blob = await service.store.blob(`attachments/${name}`)
      if (!blob) throw new HttpError(404, `no attachment ${name}`)
      const inline = /^image\/(png|jpeg|gif|webp)$|^text\/plain$/.test(blob.mediaType)
      return reply.type(blob.mediaType).header('content-security-policy', "default-src 'none'").header('content-disposition', inline ? 'inline' : 'attachment').send(blob.body)
    }
    pages.get('/builds/:build/attachments/:name', async (request, reply) => serveBlob(request, reply, (request.params as { name: string }).name))
    pages.get('/evidence/attachments/:name', async (request, reply) => serveBlob(request, reply, (request.params as { name: string }).name))
  })
}

/** A refusal in the words of the form: its fields by their labels, not the API's names. */
function inFormWords(message: string): string {
  return message
    .replace(/^defects\.(\d+): Invalid URL/, (_, n: string) => `Defect links, line ${Number(n) + 1}: not a link; write one address a line, starting https://`)
    // (the form sends only the steps given a status: a message naming its step says which)
    .replace(/^steps\.\d+\.(status|index): step (?=\d)/, 'Step ')
    .replace(/^steps\.(\d+)\.status:/, (_, n: string) => `Step ${Number(n) + 1}:`)
    .replace(/^elapsedMs:/, 'Minutes it took:')
    .replace(/^details\.nodeVersion:/, 'DMS version:')
    .replace(/^details\.(\w+):/, (_, k: string) => `${k === 'os' ? 'Operating system' : k[0]!.toUpperCase() + k.slice(1)}:`)
    .replace(/^status:.*/, 'Outcome: choose passed, failed, blocked or skipped')
}

/** The submission form of a scenario: its steps, the acceptance criteria of its features, the environment's preparation. */
function submitForm(service: HubService, build: string, id: string, environment: string, key: string): SubmitForm {
  const scenario = service.scenario(id)
  const features = scenario.featureIds.flatMap((f) => {
    const feature = service.project.scope?.features.find((x) => x.id === f)
    return feature ? [{ id: feature.id, name: feature.name, acceptance: feature.acceptance }] : []
  })
  return { build, environment, environments: service.manualEnvironments, scenario, features, key, maxMb: Math.round(service.limits.maxEvidenceBytes / (1 << 20)) }
}

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(body)
}

function cookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=')
    if (name === COOKIE) return rest.join('=')
  }
  return undefined
}

async function sessionOf(service: HubService, request: FastifyRequest): Promise<PageSession | undefined> {
  const secret = cookieOf(request)
  if (!secret) return undefined
  const found = await service.store.session(secret)
  return found ? { principal: found.token, csrf: found.csrf } : undefined
}

async function requirePage(service: HubService, request: FastifyRequest, reply: FastifyReply): Promise<PageSession | undefined> {
  const session = await sessionOf(service, request)
  if (!session) void reply.redirect('/login')
  return session
}

/** A form post: a session, a form from this hub (its CSRF token), from this origin. */
async function requireForm(service: HubService, request: FastifyRequest): Promise<PageSession> {
  const session = await sessionOf(service, request)
  if (!session) throw new HttpError(401, 'log in first')
  sameOrigin(request)
  const given = String((request.body as Record<string, unknown> | undefined)?._csrf ?? '')
  checkCsrf(given, session)
  return session
}

/** A browser names the page a form came from: it must be this hub. */
/**
 * A form posted from another site is refused by its Origin's host. Not by its scheme: behind a
 * reverse proxy or load balancer that ends TLS, the browser's page is https while the hub is asked
 * over http. A proxy that sends the hub its own upstream name says the public one in
 * X-Forwarded-Host, which a page of another site cannot add to a form it posts.
 */
function sameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin
  if (!origin) return
  const forwarded = String(request.headers['x-forwarded-host'] ?? '').split(',').map((host) => host.trim())
  const host = URL.canParse(origin) ? new URL(origin).host : undefined
  if (!host || ![request.headers.host, ...forwarded].includes(host)) throw new HttpError(403, `a form from ${origin} may not post to this hub`)
}

/** The form's CSRF token is the session's: the form came from a page of this hub. */
function checkCsrf(given: string, session: PageSession): void {
  if (!safeEqual(given, session.csrf)) throw new HttpError(403, 'this form is stale or not from this hub; reload the page and submit again')
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
