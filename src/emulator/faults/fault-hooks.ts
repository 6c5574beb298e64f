/**
 * Plugs the fault injector and the request log into the HTTP shell: an onRequest hook (log entry,
 * latency, status faults, sessions revoked by a fault) and an onSend hook (body faults). Installed
 * by buildApp before any route, so every route gets them; the control API (`/__emulator/...`) is
 * logged but never faulted.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, invalidSession } from '../errors.ts'
import type { FaultInjector, AppliedFault } from './fault-injector.ts'
import { bodyThatDrops, payloadBytes, truncateEncodedCsv, type BodyPayload } from './body-faults.ts'
import { seededUniform } from './fault-injector.ts'

/** The path of a raw URL, without its query string. */
function pathOf(url: string | undefined): string {
  const raw = url ?? '/'
  const q = raw.indexOf('?')
  return q < 0 ? raw : raw.slice(0, q)
}

function isControlPath(path: string): boolean {
  return path === '/__emulator' || path.startsWith('/__emulator/')
}

/** The access token of a request (`Bearer x` or `OAuth x`), never logged. */
function accessToken(req: FastifyRequest): string | undefined {
  const match = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec((req.headers.authorization ?? '').trim())
  return match?.[1]
}

/** Salesforce's 500 body names an ErrorId; ours is derived from the fault's draw, so it repeats under a seed. */
function errorIdOf(fault: AppliedFault): string {
  const a = Math.floor(seededUniform(fault.ruleId, 'error-id', 0, String(fault.position)) * 2 ** 31)
  const b = Math.floor(fault.position * 65_536)
  return `${a}-${b} (${-a})`
}

/** The error a status fault answers with (reference/salesforce-data-api.md §1.4, §1.5, §2.12). */
function statusFaultError(fault: AppliedFault, path: string): ApiError | undefined {
  switch (fault.spec.kind) {
    case 'server-error':
      return new ApiError(
        500,
        'UNKNOWN_EXCEPTION',
        `An unexpected error occurred. Please include this ErrorId if you contact support: ${errorIdOf(fault)}`,
      )
    case 'server-unavailable':
      // UNCONFIRMED: status 503 with errorCode SERVER_UNAVAILABLE and "Server too busy" (the message
      // restforce users reported, restforce#156; the code is in restforce's error list, PR #570).
      return new ApiError(503, 'SERVER_UNAVAILABLE', 'Server too busy')
    case 'too-many-requests':
      // UNCONFIRMED: Salesforce's REST API answers a spent allowance with 403; 429 comes from edges and
      // proxies. The body reuses REQUEST_LIMIT_EXCEEDED so that clients parse it like the 403.
      return new ApiError(429, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')
    case 'request-limit-exceeded':
      return new ApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')
    case 'invalid-session':
      return invalidSession()
    case 'uri-too-long':
      // Same answer as a real long URI (app.ts), whose body is UNCONFIRMED there.
      return new ApiError(
        414,
        'URI_TOO_LONG',
        `The request URI is too long (${Buffer.byteLength(path)} bytes shown here; fault injected)`,
      )
    default:
      return undefined
  }
}

/**
 * Registers the hooks on the root instance. Call before registering any route.
 * @example installFaultHooks(app, org.faults)
 */
export function installFaultHooks(app: FastifyInstance, injector: FaultInjector): void {
  const bodyFaults = new WeakMap<object, AppliedFault>()

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now()
    const at = new Date().toISOString()
    const path = pathOf(req.raw.url)
    // 'close' comes once per response, finished or cut off: the one place every request ends.
    reply.raw.once('close', () => {
      const faults = injector.requestFaults(req.raw)
      injector.log.add({
        at,
        method: req.method,
        path,
        status: reply.raw.statusCode,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        completed: reply.raw.writableFinished,
        ...(faults.length > 0
          ? { faults: faults.map((f) => f.kind), faultRules: faults.map((f) => f.ruleId) }
          : {}),
      })
    })
    if (isControlPath(path)) return

    const token = accessToken(req)
    // Sessions a fault revoked while no OAuth layer was there to revoke them (see setSessionRevoker).
    if (token !== undefined && injector.isRevokedLocally(token) && !path.startsWith('/services/oauth2/'))
      throw invalidSession()

    const decided = injector.forRequest(req.method, path)
    for (const fault of decided.applied) injector.noteRequestFault(req.raw, fault)
    if (decided.latencyMs > 0) await sleep(decided.latencyMs)
    const fault = decided.fault
    if (!fault) return
    if (fault.spec.kind === 'connection-reset' || fault.spec.kind === 'truncated-csv') {
      bodyFaults.set(req.raw, fault)
      return
    }
    if (fault.spec.kind === 'invalid-session' && token !== undefined) injector.revokeSession(token)
    const error = statusFaultError(fault, path)
    if (error) throw error
  })

  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const fault = bodyFaults.get(req.raw)
    if (!fault) return payload
    bodyFaults.delete(req.raw)
    const body = payload as BodyPayload | null | undefined
    const notApplicable = (): void => {
      injector.refund(fault)
      injector.unnoteRequestFault(req.raw, fault)
    }
    if (body === null || body === undefined) {
      notApplicable()
      return payload
    }

    if (fault.spec.kind === 'truncated-csv') {
      const contentType = String(reply.getHeader('content-type') ?? '')
      if (reply.statusCode !== 200 || !/^text\/csv\b/i.test(contentType)) {
        notApplicable()
        return payload
      }
      const bytes = await payloadBytes(body)
      const encoding = reply.getHeader('content-encoding')
      const cut = truncateEncodedCsv(
        bytes,
        typeof encoding === 'string' ? encoding : undefined,
        fault.position,
      )
      if (!cut) {
        notApplicable()
        return bytes
      }
      // Fastify sets Content-Length from the returned Buffer: consistent with the truncated body.
      return cut
    }

    // connection-reset: announce the whole body, send part of it, then close the connection.
    if (typeof body === 'string' || Buffer.isBuffer(body))
      reply.header('content-length', String(Buffer.byteLength(body)))
    // Fastify reports a response stream that ends early; this one ends early on purpose.
    reply.log.level = 'silent'
    const res = reply.raw
    return bodyThatDrops(body, fault.position, () => {
      if (!res.headersSent) res.flushHeaders()
      // end() (FIN after what is written) rather than a TCP reset: a reset may discard the bytes
      // already sent, and the partial body is the point. The client sees the body stop short.
      res.socket?.end()
    })
  })
}
