import type { FastifyRequest } from 'fastify'
import type { HubService, Principal } from '../hub-service.ts'
import { HttpError } from './http-error.ts'

/** The token of an API request: `Authorization: Bearer …`. */
export async function authenticate(service: HubService, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization
  if (!header) throw new HttpError(401, 'no token: send Authorization: Bearer <token> (bdd-matrix token create gives one)')
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) throw new HttpError(401, 'the Authorization header must be "Bearer <token>"')
  const principal = await service.principal(match[1]!)
  if (!principal) throw new HttpError(401, 'this token is not valid (unknown or revoked); ask QA for a new one')
  return principal
}
