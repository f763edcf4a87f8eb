import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { HubService, Principal } from '../hub-service.ts'
import { AssignBody, BlobNames, BuildBody, OutcomeBody, ReviewBody, TokenBody, parseBody } from './api-schemas.ts'
import { authenticate } from './authenticate.ts'
import { checkText } from './input-hygiene.ts'
import { HttpError } from './http-error.ts'
import { StoreConflict } from '../store/hub-store.ts'

const ROUTES = [
  'GET /api/v1/me',
  'GET /api/v1/scenarios[?manual=true]',
  'GET /api/v1/scenarios/:id',
  'GET /api/v1/builds',
  'POST /api/v1/builds {name}  (qa, ci)',
  'GET /api/v1/builds/:build/matrix',
  'GET /api/v1/builds/:build/review-queue  (qa)',
  'GET /api/v1/builds/:build/manual-results',
  'GET /api/v1/builds/:build/gate',
  'GET /api/v1/builds/:build/approvals',
  'POST /api/v1/builds/:build/approvals {comment?}  (qa)',
  'POST /api/v1/assignments {build, environment?, scenarios | allManual, tester?, due?}  (qa)',
  'GET /api/v1/assignments[?build=]',
  'POST /api/v1/assignments/:id/claim  (tester)',
  'POST /api/v1/evidence  raw body, Content-Type of the file, X-File-Name  (tester, qa)',
  'POST /api/v1/outcomes  Idempotency-Key  {build, scenario, status, environment?, steps?, comment?, elapsedMs?, details?, defects?, evidence?, contentHash?}  (tester, qa)',
  'GET /api/v1/outcomes[?build=]  (own; qa: all)',
  'GET /api/v1/outcomes/:id',
  'POST /api/v1/outcomes/:id/review {verdict, reason?}  (qa)',
  'GET /api/v1/runs[?build=]',
  'PUT /api/v1/runs/:id {run, cases}  (ci, qa)',
  'POST /api/v1/runs/:id/cases?from=N  NDJSON  (ci, qa)',
  'POST /api/v1/runs/:id/complete  (ci, qa)',
  'GET /api/v1/runs/:id/results  NDJSON',
  'POST /api/v1/blobs/missing {names}',
  'PUT /api/v1/blobs/attachments/:name  (ci, qa)',
  'GET /api/v1/blobs/attachments/:name',
  'GET|POST /api/v1/tokens, DELETE /api/v1/tokens/:id, POST /api/v1/tokens/:id/rotate  (qa)',
]

type Params = Record<string, string>
type Query = Record<string, string | undefined>

export async function addApiRoutes(app: FastifyInstance, service: HubService): Promise<void> {
  await app.register(
    async (api) => {
      api.addHook('onRequest', async (request) => {
        if (request.url === '/api/v1' || request.url === '/api/v1/') return
        request.principal = await authenticate(service, request)
      })
      const who = (request: FastifyRequest): Principal => request.principal!

      api.get('/', async () => ({ api: 'bdd-matrix results hub', version: 1, routes: ROUTES }))
      api.get('/me', async (request) => ({ id: who(request).id, name: who(request).name, role: who(request).role }))

      api.get('/scenarios', async (request) => {
        const { manual } = request.query as Query
        return [...service.project.scenarios.values()].filter((s) => manual === undefined || s.manual === (manual === 'true' || manual === '1'))
      })
      api.get('/scenarios/:id', async (request) => service.scenario((request.params as Params).id!))

      api.get('/builds', async () => service.store.builds())
      api.post('/builds', async (request, reply) => {
        const body = parseBody(BuildBody, request.body)
        await service.createBuild(who(request), body.name)
        return reply.code(201).send({ name: body.name })
      })
      api.get('/builds/:build/matrix', async (request, reply) => reply.type('application/json; charset=utf-8').send(await service.renderedMatrix((request.params as Params).build!, 'json', (m) => JSON.stringify(m))))
      api.get('/builds/:build/review-queue', async (request) => service.reviewQueue(who(request), (request.params as Params).build!))
      api.get('/builds/:build/manual-results', async (request) => {
        const { build } = request.params as Params
        await service.requireBuild(build!)
        return service.manualResults(build!)
      })

      api.get('/builds/:build/gate', async (request) => service.gate((request.params as Params).build!))
      api.get('/builds/:build/approvals', async (request) => {
        const { build } = request.params as Params
        await service.requireBuild(build!)
        return service.store.approvals(build!)
      })
      api.post('/builds/:build/approvals', async (request, reply) => {
        service.need(who(request), 'qa')
        const { build } = request.params as Params
        await service.requireBuild(build!)
        const body = (request.body ?? {}) as { comment?: unknown }
        if (body.comment !== undefined && (typeof body.comment !== 'string' || body.comment.length > 2000 || body.comment.includes('\u0000'))) throw new HttpError(422, 'comment: a text of up to 2,000 characters', 'comment')
        await service.approve(who(request), build!, body.comment as string | undefined)
        return reply.code(201).send(await service.store.approvals(build!))
      })
      api.post('/assignments', async (request, reply) => reply.code(201).send(await service.assign(who(request), parseBody(AssignBody, request.body))))
      api.get('/assignments', async (request) => service.assignments(who(request), (request.query as Query).build))
      api.post('/assignments/:id/claim', async (request) => service.claim(who(request), idOf((request.params as Params).id!)))

      // Files arrive as raw bytes whatever their type: a JSON or text file is evidence, not a body to parse.
      await api.register(async (files) => {
        files.removeAllContentTypeParsers()
        files.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: service.limits.maxEvidenceBytes + 1 }, (_req, body, done) => done(null, body))
        files.post('/evidence', async (request, reply) => {
          if (!Buffer.isBuffer(request.body)) throw new HttpError(415, 'send the evidence file as the raw body with its Content-Type (e.g. image/png)')
          const name = safeDecode(String(request.headers['x-file-name'] ?? ''))
          return reply.code(201).send(await service.uploadEvidence(who(request), String(request.headers['content-type'] ?? ''), name, request.body))
        })
        files.put('/blobs/attachments/:name', async (request, reply) => {
          service.need(who(request), 'ci', 'qa')
          const name = `attachments/${(request.params as Params).name}`
          if (!Buffer.isBuffer(request.body)) throw new HttpError(415, 'send the attachment as the raw body with its Content-Type')
          const digest = createHash('sha256').update(request.body).digest('hex').slice(0, 24)
          if (!/^attachments\/[0-9a-f]{24}\.[a-z0-9]{1,5}$/.test(name) || !name.startsWith(`attachments/${digest}.`)) throw new HttpError(422, `${name}: an attachment is named by its content (attachments/<sha256, 24 hex>.<ext>); this body's is ${digest}`)
          await service.store.putBlob(name, String(request.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!, request.body)
          return reply.code(204).send()
        })
      })

      api.post('/outcomes', async (request, reply) => {
        const body = parseBody(OutcomeBody, request.body)
        const { outcome, replayed } = await service.submit(who(request), headerOf(request, 'idempotency-key'), body)
        return reply
          .code(replayed ? 200 : 201)
          .header('idempotent-replayed', String(replayed))
          .send(outcome)
      })
      api.get('/outcomes', async (request) => service.outcomes(who(request), (request.query as Query).build))
      api.get('/outcomes/:id', async (request) => service.outcome(who(request), idOf((request.params as Params).id!)))
      api.post('/outcomes/:id/review', async (request) => {
        const body = parseBody(ReviewBody, request.body)
        return service.review(who(request), idOf((request.params as Params).id!), body.verdict, body.reason)
      })

      api.get('/runs', async (request) => {
        const { build } = request.query as Query
        return service.store.runs(build ? [build] : undefined)
      })
      api.put('/runs/:id', async (request) => service.beginRun(who(request), (request.params as Params).id!, request.body))
      api.post('/runs/:id/cases', async (request) => {
        if (typeof request.body !== 'string') throw new HttpError(415, 'send the cases as application/x-ndjson, one case a line')
        checkText('body', request.body, Number.MAX_SAFE_INTEGER)
        return service.addCases(who(request), (request.params as Params).id!, Number((request.query as Query).from ?? 'x'), request.body)
      })
      api.post('/runs/:id/complete', async (request) => service.completeRun(who(request), (request.params as Params).id!))
      api.get('/runs/:id/results', async (request, reply) => {
        const { id } = request.params as Params
        const record = await service.store.runRecord(id!)
        if (!record?.complete) throw new HttpError(404, `no complete run ${id} on the hub`)
        const [run] = (await service.store.runs([record.build])).filter((r) => r.id === id)
        const lines = [JSON.stringify(run)]
        await service.store.caseLines(id!, (line) => lines.push(line))
        return reply.type('application/x-ndjson').send(`${lines.join('\n')}\n`)
      })

      api.post('/blobs/missing', async (request) => ({ missing: await service.store.missingBlobs(parseBody(BlobNames, request.body).names) }))
      api.get('/blobs/attachments/:name', async (request, reply) => {
        const blob = await service.store.blob(`attachments/${(request.params as Params).name}`)
        if (!blob) throw new HttpError(404, `no attachment ${(request.params as Params).name}`)
        return reply.type(blob.mediaType).header('content-disposition', 'attachment').header('content-security-policy', "default-src 'none'").send(blob.body)
      })

      api.get('/tokens', async (request) => {
        service.need(who(request), 'qa')
        return service.store.listTokens()
      })
      api.post('/tokens', async (request, reply) => {
        service.need(who(request), 'qa')
        const body = parseBody(TokenBody, request.body)
        const { token, record } = await service.store.createToken(body.name, body.role).catch((error: Error) => {
          throw error instanceof StoreConflict ? new HttpError(409, error.message, 'name') : error
        })
        return reply.code(201).send({ ...record, token })
      })
      api.post('/tokens/:id/rotate', async (request, reply) => {
        service.need(who(request), 'qa')
        const rotated = await service.store.rotateToken((request.params as Params).id!)
        service.forgetPrincipals()
        if (!rotated) throw new HttpError(404, `no active token ${(request.params as Params).id}; bdd-matrix token list shows them`)
        return reply.code(201).send({ ...rotated.record, token: rotated.token, revoked: rotated.revoked.id })
      })
      api.delete('/tokens/:id', async (request) => {
        service.need(who(request), 'qa')
        const revoked = await service.store.revokeToken((request.params as Params).id!)
        service.forgetPrincipals()
        if (!revoked) throw new HttpError(404, `no token ${(request.params as Params).id}`)
        return revoked
      })
    },
    { prefix: '/api/v1' },
  )
}

function idOf(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new HttpError(404, `${value}: not an id`)
  return Number(value)
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
