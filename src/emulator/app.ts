/**
 * The emulator's HTTP shell: one Fastify instance with Salesforce's conventions applied once, here,
 * for every route: body parsers that fail the way Salesforce fails, the 16,384-byte URI limit, JSON
 * content type, 404/405 answers, request counters, the control API's bearer check, and one error
 * handler that turns thrown errors into Salesforce's bodies.
 */
import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import { ApiError, OAuthEndpointError, notFound } from './errors.ts'
import { DmlError, SoqlError } from './data/org-data.ts'
import type { EmulatorOrg } from './org.ts'
import { installFaultHooks } from './faults/fault-hooks.ts'

/** Salesforce refuses a request line over 16,384 bytes with 414 (reference/salesforce-data-api.md §1.1). */
export const MAX_URI_BYTES = 16_384

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8'

/** Sends `body` as JSON with Salesforce's content type. */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', JSON_CONTENT_TYPE).send(JSON.stringify(body))
}

/** Throws 401 unless the request carries the control API's bearer token. */
export function requireControl(org: EmulatorOrg, req: FastifyRequest): void {
  const header = req.headers.authorization ?? ''
  const token = header.replace(/^Bearer\s+/i, '')
  if (!header || token !== org.controlToken) {
    throw new ApiError(
      401,
      'CONTROL_UNAUTHORIZED',
      "The control API needs the emulator's controlToken as a Bearer token",
    )
  }
}

/** The access token of a REST request: `Authorization: Bearer x` or `OAuth x` (jsforce's CometD uses OAuth). */
export function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization
  if (!header) return undefined
  const match = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(header.trim())
  return match?.[1]
}

export interface AppOptions {
  readonly org: EmulatorOrg
  /** Log level for the request log on stderr. */
  readonly logLevel?: string
  /** Serve HTTPS with this PEM key and certificate (`sfsync emulator --https`); plain HTTP when absent. */
  readonly tls?: { readonly key: string; readonly cert: string }
}

function serverFactory(tls: AppOptions['tls']) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    // Node refuses request heads over 16 KiB by itself (431, before any route runs). Let a larger head
    // through so that the emulator answers the 414/431 itself, with Salesforce's body.
    const options: ServerOptions = { maxHeaderSize: 1024 * 1024, keepAliveTimeout: 65_000 }
    return tls
      ? createHttpsServer({ ...options, key: tls.key, cert: tls.cert }, handler)
      : createServer(options, handler)
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { org } = options
  const app = Fastify({
    serverFactory: serverFactory(options.tls),
    bodyLimit: 150 * 1024 * 1024,
    // A path segment is bounded by the URI limit (answered 414 below), not by the router's default.
    routerOptions: { maxParamLength: MAX_URI_BYTES },
    // Fastify's own refusals before routing (bad percent-encoding in a path) in Salesforce's shape.
    frameworkErrors: (error, _req, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      void sendJson(reply, tooLong ? 414 : 400, [
        { errorCode: tooLong ? 'URI_TOO_LONG' : 'INVALID_REQUEST', message: error.message },
      ])
    },
    logger: {
      level: options.logLevel ?? 'warn',
      stream: process.stderr,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.query', 'req.body'],
        censor: '[redacted]',
      },
    },
  })

  // First, so that every request (even one refused by the URI check below) is logged, and before any
  // route, so that faults reach every route (faults/fault-hooks.ts).
  installFaultHooks(app, org.faults)

  app.addHook('onRequest', async (req) => {
    const uriBytes = Buffer.byteLength(req.raw.url ?? '')
    if (uriBytes > MAX_URI_BYTES) {
      // UNCONFIRMED: the body of Salesforce's 414 (its edge may answer with HTML); we keep the API's
      // error shape so that clients parse it like any other error.
      throw new ApiError(
        414,
        'URI_TOO_LONG',
        `The request URI is ${uriBytes} bytes; the limit is ${MAX_URI_BYTES}`,
      )
    }
    let headerBytes = uriBytes
    for (let i = 0; i < req.raw.rawHeaders.length; i++)
      headerBytes += Buffer.byteLength(req.raw.rawHeaders[i] ?? '') + 2
    if (headerBytes > MAX_URI_BYTES) {
      throw new ApiError(
        431,
        'REQUEST_HEADER_FIELDS_TOO_LARGE',
        `The request URI and headers are ${headerBytes} bytes; the limit is ${MAX_URI_BYTES}`,
      )
    }
  })

  app.addHook('onResponse', async (req) => {
    const route = req.routeOptions.url ?? 'unmatched'
    org.counters.increment(`${req.method} ${route}`)
  })

  // The Date header is the org's clock, which clients measure cursors and windows against: it shows the
  // emulated time (moved forward by the control API), not the host's.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('date', new Date(org.clock.now()).toUTCString())
  })

  // JSON bodies: Salesforce answers a malformed body with 400 JSON_PARSER_ERROR.
  app.removeContentTypeParser(['application/json'])
  app.addContentTypeParser(['application/json'], { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    try {
      done(null, JSON.parse(text))
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err)
      done(new ApiError(400, 'JSON_PARSER_ERROR', `The request body is not valid JSON: ${detail}`), undefined)
    }
  })
  await app.register(formbody)
  await app.register(multipart, { attachFieldsToBody: 'keyValues' })

  app.setNotFoundHandler(async (req, reply) => {
    const url = (req.raw.url ?? '/').split('?')[0] ?? '/'
    const methods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD'] as const
    const allowed = methods.filter((m) => m !== req.method && app.hasRoute({ method: m, url }))
    if (allowed.length > 0) {
      return sendJson(reply, 405, [
        {
          errorCode: 'METHOD_NOT_ALLOWED',
          message: `HTTP Method '${req.method}' not allowed. Allowed are ${allowed.join(',')}`,
        },
      ])
    }
    return sendJson(reply, 404, notFound().body())
  })

  app.setErrorHandler(async (error: unknown, req, reply) => {
    if (error instanceof OAuthEndpointError) {
      if (error.format === 'form') {
        const body = new URLSearchParams({ error: error.error, error_description: error.errorDescription })
        return reply
          .code(error.status)
          .header('content-type', 'application/x-www-form-urlencoded')
          .send(body.toString())
      }
      return sendJson(reply, error.status, { error: error.error, error_description: error.errorDescription })
    }
    if (error instanceof ApiError) return sendJson(reply, error.status, error.body())
    if (error instanceof DmlError) {
      return sendJson(reply, error.httpStatus, [
        { errorCode: error.statusCode, message: error.message, fields: [...error.fields] },
      ])
    }
    if (error instanceof SoqlError)
      return sendJson(reply, 400, [{ message: error.message, errorCode: error.errorCode }])
    const code = (error as { code?: unknown }).code
    const statusCode = (error as { statusCode?: unknown }).statusCode
    if (req.isMultipart() && statusCode === undefined) {
      // The multipart parser (busboy) throws plain errors on a malformed body: the client's fault, not
      // ours. UNCONFIRMED: Salesforce's exact answer to a malformed multipart body.
      const detail = error instanceof Error ? error.message : 'malformed body'
      return sendJson(reply, 400, [
        { errorCode: 'INVALID_REQUEST', message: `The multipart body could not be parsed: ${detail}` },
      ])
    }
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendJson(reply, 415, [
        {
          errorCode: 'UNSUPPORTED_MEDIA_TYPE',
          message: `Content type '${req.headers['content-type'] ?? ''}' is not supported for this resource`,
        },
      ])
    }
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      // Fastify's own client errors (body too large, bad form body, ...) in Salesforce's shape.
      const message = error instanceof Error ? error.message : 'Bad request'
      return sendJson(reply, statusCode, [
        { errorCode: statusCode === 413 ? 'REQUEST_TOO_LARGE' : 'INVALID_REQUEST', message },
      ])
    }
    const errorId = `${randomBytes(5).readUInt32BE(0)}-${randomBytes(3).readUInt16BE(0)} (${randomBytes(4).readInt32BE(0)})`
    req.log.error({ err: error, errorId }, 'unexpected error')
    return sendJson(reply, 500, [
      {
        errorCode: 'UNKNOWN_EXCEPTION',
        message: `An unexpected error occurred. Please include this ErrorId if you contact support: ${errorId}`,
      },
    ])
  })

  return app
}
