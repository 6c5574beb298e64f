/**
 * The REST layer's own request/response shape. Every REST operation is a synchronous function from a
 * RestCall to a RestResult, so that the same code answers an HTTP request and a `/composite`
 * subrequest, and so that a composite request's writes can run inside one record-layer transaction
 * (no other request can interleave between synchronous steps).
 */
import type { EmulatorContext } from '../context.ts'
import type { Session } from '../oauth/session.ts'
import { ApiError } from '../errors.ts'
import { DmlError, SoqlError } from '../data/org-data.ts'

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

export type QueryParams = Readonly<Record<string, string | readonly string[] | undefined>>

export interface RestCall {
  readonly ctx: EmulatorContext
  readonly session: Session
  readonly method: HttpMethod
  /** The API version without its `v`: `'50.0'`. */
  readonly version: string
  /** Path parameters, already URL-decoded. */
  readonly params: Readonly<Record<string, string>>
  readonly query: QueryParams
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: unknown
}

export interface RestResult {
  readonly status: number
  /** JSON body; undefined for 204/304. */
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

export type RestHandler = (call: RestCall) => RestResult

/** One operation: `path` is relative to `/services/data/vXX.X/` (`''` for the version root). */
export interface RestRoute {
  readonly method: HttpMethod
  readonly path: string
  readonly handler: RestHandler
}

/** The first value of a query parameter. */
export function queryParam(query: QueryParams, name: string): string | undefined {
  const value = query[name]
  return typeof value === 'string' ? value : value?.[0]
}

/**
 * Salesforce's answer for an error thrown by an operation, or undefined for an unexpected error (which
 * the app's error handler turns into a 500 with an ErrorId).
 */
export function errorResult(err: unknown): RestResult | undefined {
  if (err instanceof ApiError) return { status: err.status, body: err.body() }
  if (err instanceof DmlError) {
    return {
      status: err.httpStatus,
      body: [{ message: err.message, errorCode: err.statusCode, fields: [...err.fields] }],
    }
  }
  if (err instanceof SoqlError)
    return { status: 400, body: [{ message: err.message, errorCode: err.errorCode }] }
  return undefined
}

/** Runs an operation and turns Salesforce errors into results; unexpected errors propagate. */
export function runRestHandler(handler: RestHandler, call: RestCall): RestResult {
  try {
    return handler(call)
  } catch (err) {
    const result = errorResult(err)
    if (result) return result
    throw err
  }
}

/**
 * Finds the operation for `method` and a path relative to the version root (`sobjects/Account/001...`),
 * as Fastify would: static segments win over parameters. Returns the params, or `methodsAllowed` when
 * the path exists under other methods only.
 */
export function matchRestRoute(
  routes: readonly RestRoute[],
  method: string,
  relativePath: string,
): { route: RestRoute; params: Record<string, string> } | { methodsAllowed: HttpMethod[] } | undefined {
  const trimmed = relativePath.replace(/^\/+|\/+$/g, '')
  const segments = trimmed === '' ? [] : trimmed.split('/')
  let best: { route: RestRoute; params: Record<string, string>; score: number } | undefined
  const allowed = new Set<HttpMethod>()
  for (const route of routes) {
    const pattern = route.path === '' ? [] : route.path.split('/')
    if (pattern.length !== segments.length) continue
    const params: Record<string, string> = {}
    let score = 0
    let ok = true
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i] ?? ''
      const s = segments[i] ?? ''
      if (p.startsWith(':')) {
        if (s === '') {
          ok = false
          break
        }
        params[p.slice(1)] = safeDecode(s)
      } else if (p === s) {
        // Static segments outrank parameters at the same depth, as in Fastify's router.
        score += 2 ** (pattern.length - i)
      } else {
        ok = false
        break
      }
    }
    if (!ok) continue
    if (route.method !== method) {
      allowed.add(route.method)
      continue
    }
    if (!best || score > best.score) best = { route, params, score }
  }
  if (best) return { route: best.route, params: best.params }
  if (allowed.size > 0) return { methodsAllowed: [...allowed] }
  return undefined
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** Salesforce's 405 body (wording UNCONFIRMED, reference §2.12). */
export function methodNotAllowed(method: string, allowed: readonly string[]): ApiError {
  const list = allowed.includes('GET') ? ['GET', 'HEAD', ...allowed.filter((m) => m !== 'GET')] : allowed
  return new ApiError(
    405,
    'METHOD_NOT_ALLOWED',
    `HTTP Method '${method}' not allowed. Allowed are ${list.join(',')}`,
  )
}
