/**
 * The emulator's REST API under `/services/data`: the unauthenticated, uncounted versions list, and
 * every versioned resource behind one hook that authenticates the access token (401
 * INVALID_SESSION_ID), checks the version (404 NOT_FOUND) and counts the call against
 * `DailyApiRequests` (`Sforce-Limit-Info` on the answer, 403 REQUEST_LIMIT_EXCEEDED once spent).
 * Operations are synchronous RestRoute handlers (rest-call.ts) so that `/composite` reuses them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sendJson } from '../app.ts'
import { ApiError, notFound } from '../errors.ts'
import type { EmulatorContext } from '../context.ts'
import type { Session } from '../oauth/session.ts'
import { apiVersions, parseApiVersion } from './api-versions.ts'
import { collectionRoutes } from './collection-routes.ts'
import { compositeRoutes } from './composite-routes.ts'
import { describeRoutes } from './describe-routes.ts'
import { QueryLocators } from './query-locators.ts'
import { queryRoutes } from './query-routes.ts'
import { replicationRoutes } from './replication-routes.ts'
import { authenticateApiCall, countApiCall } from './rest-auth.ts'
import {
  methodNotAllowed,
  runRestHandler,
  type HttpMethod,
  type QueryParams,
  type RestResult,
  type RestRoute,
} from './rest-call.ts'
import { sobjectRowRoutes } from './sobject-row-routes.ts'
import { versionRoutes } from './version-routes.ts'

const VERSIONED = '/services/data/:version'
const ALL_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']

/** Every REST operation of the org, in one table (the composite resources dispatch through it too). */
export function restRouteTable(locators: QueryLocators): RestRoute[] {
  const routes: RestRoute[] = [
    ...versionRoutes(),
    ...describeRoutes(),
    ...replicationRoutes(),
    ...sobjectRowRoutes(),
    ...queryRoutes(locators),
    ...collectionRoutes(),
  ]
  routes.push(...compositeRoutes(() => routes))
  return routes
}

function sendResult(reply: FastifyReply, result: RestResult): FastifyReply {
  for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value)
  if (result.body === undefined) return reply.code(result.status).send()
  return sendJson(reply, result.status, result.body)
}

function stringHeaders(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') out[name] = value
    else if (Array.isArray(value)) out[name] = value.join(', ')
  }
  return out
}

/**
 * Request bodies of this API are JSON. Checked before Fastify parses the body, so that a form or
 * multipart body (which the app accepts for OAuth) never reaches an sObject write.
 */
function requireJsonBody(req: FastifyRequest): void {
  if (req.method !== 'POST' && req.method !== 'PATCH' && req.method !== 'PUT') return
  const type = req.headers['content-type']
  if (type === undefined || /^application\/json\s*(?:;|$)/i.test(type)) return
  const length = req.headers['content-length']
  if (length === '0' && req.headers['transfer-encoding'] === undefined) return
  // Same answer as the app's own 415 for an unparsable media type.
  throw new ApiError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `Content type '${type}' is not supported for this resource`,
  )
}

export async function registerRestRoutes(app: FastifyInstance, ctx: EmulatorContext): Promise<void> {
  // The Versions resource needs no session and does not count (reference §2.1, SFDOC headers_api_usage).
  for (const url of ['/services/data', '/services/data/']) {
    app.get(url, async (_req, reply) => sendJson(reply, 200, apiVersions()))
  }

  const locators = new QueryLocators(ctx.org)
  const routes = restRouteTable(locators)
  const sessions = new WeakMap<FastifyRequest, { session: Session; version: string }>()

  await app.register(async (api) => {
    api.addHook('onRequest', async (req, reply) => {
      const session = authenticateApiCall(ctx, req)
      const version = parseApiVersion((req.params as { version?: string }).version ?? '')
      if (!version) throw notFound()
      countApiCall(ctx.org, reply)
      requireJsonBody(req)
      sessions.set(req, { session, version })
    })

    const byPath = new Map<string, RestRoute[]>()
    for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route])

    for (const [path, pathRoutes] of byPath) {
      const urls =
        path === '' ? [VERSIONED, `${VERSIONED}/`] : [`${VERSIONED}/${path}`, `${VERSIONED}/${path}/`]
      const allowed = pathRoutes.map((r) => r.method)
      for (const url of urls) {
        for (const route of pathRoutes) {
          api.route({
            method: route.method,
            url,
            handler: async (req, reply) => {
              const { session, version } = sessions.get(req) ?? {}
              if (!session || !version) throw notFound()
              const { version: _v, ...params } = req.params as Record<string, string>
              const result = runRestHandler(route.handler, {
                ctx,
                session,
                method: route.method,
                version,
                params,
                query: (req.query ?? {}) as QueryParams,
                headers: stringHeaders(req),
                body: req.body,
              })
              return sendResult(reply, result)
            },
          })
        }
        // Fastify's 404 handler cannot see parametric routes, so each resource answers its own 405.
        const others: string[] = ALL_METHODS.filter((m) => !allowed.includes(m))
        if (!allowed.includes('GET')) others.push('HEAD')
        if (others.length > 0) {
          api.route({
            method: others,
            url,
            handler: async (req) => {
              throw methodNotAllowed(req.method, allowed)
            },
          })
        }
      }
    }
  })
}
