/**
 * Authentication and API accounting of an API call, shared by every layer that serves `/services/data/
 * vXX.X/...` (REST here; Bulk may call the same functions): the access token must resolve to a live
 * session, the user must be API-enabled, and the call counts against `DailyApiRequests` unless the
 * allocation is spent (403 REQUEST_LIMIT_EXCEEDED).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { bearerToken } from '../app.ts'
import { ApiError, invalidSession } from '../errors.ts'
import type { EmulatorContext } from '../context.ts'
import type { EmulatorOrg } from '../org.ts'
import type { Session } from '../oauth/session.ts'

/** The live session of the request's access token; throws 401 INVALID_SESSION_ID or 403 API_DISABLED_FOR_ORG. */
export function authenticateApiCall(ctx: EmulatorContext, req: FastifyRequest): Session {
  const token = bearerToken(req)
  const session = token ? ctx.sessions.resolve(token) : undefined
  if (!session) throw invalidSession()
  const user = ctx.org.userById(session.userId)
  if (user && !user.apiEnabled) {
    // org.ts: a user whose profile lacks "API Enabled" gets API_DISABLED_FOR_ORG (reference §2.12).
    throw new ApiError(403, 'API_DISABLED_FOR_ORG', 'The REST API is not enabled for this Organization.')
  }
  return session
}

/**
 * Counts one API call and sets `Sforce-Limit-Info` on the reply; once the daily allocation is spent,
 * throws 403 REQUEST_LIMIT_EXCEEDED (the refused call is not counted, the header still sent).
 */
export function countApiCall(org: EmulatorOrg, reply: FastifyReply): void {
  const counted = org.apiUsage.tryRecord()
  reply.header('Sforce-Limit-Info', org.apiUsage.header())
  if (!counted) {
    // Message as reported by users hitting the daily limit (reference §2.12, jetstream#868).
    throw new ApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')
  }
}

/** Both of the above, in Salesforce's order: an unauthenticated call is never counted. */
export function requireApiSession(ctx: EmulatorContext, req: FastifyRequest, reply: FastifyReply): Session {
  const session = authenticateApiCall(ctx, req)
  countApiCall(ctx.org, reply)
  return session
}
