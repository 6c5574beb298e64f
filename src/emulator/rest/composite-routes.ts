/**
 * Composite `/composite` (up to 25 subrequests, `@{ref.field}` references, allOrNone) and composite
 * batch `/composite/batch` (up to 25 independent subrequests, haltOnError), reference §2.10. Each
 * subrequest is dispatched to the same operations as a plain HTTP call, synchronously, and the whole
 * composite counts as one API call.
 */
import { ApiError } from '../errors.ts'
import { runAtomically } from './atomic-writes.ts'
import { parseApiVersion } from './api-versions.ts'
import {
  matchRestRoute,
  methodNotAllowed,
  runRestHandler,
  type HttpMethod,
  type RestCall,
  type RestResult,
  type RestRoute,
} from './rest-call.ts'

export const MAX_SUBREQUESTS = 25
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']
const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g

interface SubrequestInput {
  method: string
  url: string
  body?: unknown
  headers?: Record<string, string>
}

function badRequest(message: string): ApiError {
  // UNCONFIRMED code for structural composite errors (reference §2.10: a top-level 400 before any subrequest).
  return new ApiError(400, 'INVALID_INPUT', message)
}

/**
 * Runs one subrequest: the URL is `/services/data/vXX.X/...` (or `vXX.X/...` in a batch), query string
 * included; anything that is not one of this layer's operations answers 404 NOT_FOUND.
 */
export function dispatchSubrequest(
  parent: RestCall,
  routes: readonly RestRoute[],
  input: SubrequestInput,
): RestResult {
  const method = input.method.toUpperCase()
  const [pathPart = '', queryPart = ''] = input.url.split(/\?(.*)/s)
  const match = /^\/?(?:services\/data\/)?(v[^/]+)(?:\/(.*))?$/.exec(pathPart)
  const version = match ? parseApiVersion(match[1] ?? '') : undefined
  const notFound = {
    status: 404,
    body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
  }
  if (!match || !version || !METHODS.includes(method as HttpMethod)) return notFound
  const found = matchRestRoute(routes, method, match[2] ?? '')
  if (!found) return notFound
  if ('methodsAllowed' in found) {
    const err = methodNotAllowed(method, found.methodsAllowed)
    return { status: err.status, body: err.body() }
  }
  const query: Record<string, string[]> = {}
  for (const [k, v] of new URLSearchParams(queryPart)) (query[k] ??= []).push(v)
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = String(v)
  return runRestHandler(found.route.handler, {
    ctx: parent.ctx,
    session: parent.session,
    method: method as HttpMethod,
    version,
    params: found.params,
    query,
    headers,
    body: input.body,
  })
}

/** The value at `path` (`.id`, `.records[0].Id`) of an earlier subresponse body. */
function lookup(body: unknown, path: string): unknown {
  let value: unknown = body
  for (const part of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    if (value === null || typeof value !== 'object') return undefined
    const key = part.startsWith('.') ? part.slice(1) : Number(part.slice(1, -1))
    value = (value as Record<string | number, unknown>)[key]
  }
  return value
}

class UnresolvedReference extends Error {}

/** Replaces `@{ref.path}` in strings (deeply in bodies); a string that is only a reference takes the value's type. */
function resolveReferences(value: unknown, results: ReadonlyMap<string, RestResult>): unknown {
  if (typeof value === 'string') {
    const whole = new RegExp(`^${REFERENCE.source}$`).exec(value)
    const resolve = (ref: string, path: string): unknown => {
      const result = results.get(ref)
      const found = result && result.status < 400 ? lookup(result.body, path) : undefined
      if (found === undefined || found === null) {
        throw new UnresolvedReference(
          `Invalid reference specified. No value for ${ref}${path} found in ${ref}. Provided referenceId ('${ref}') must be an existing referenceId in the current request.`,
        )
      }
      return found
    }
    if (whole) return resolve(whole[1] ?? '', whole[2] ?? '')
    return value.replace(REFERENCE, (_m, ref: string, path: string) => String(resolve(ref, path)))
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, results))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = resolveReferences(v, results)
    return out
  }
  return value
}

interface CompositeItem {
  method: string
  url: string
  referenceId: string
  body?: unknown
  httpHeaders?: Record<string, string>
}

function parseComposite(body: unknown): { allOrNone: boolean; items: CompositeItem[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(
      400,
      'JSON_PARSER_ERROR',
      'The request body must be a JSON object with a compositeRequest array',
    )
  }
  const { allOrNone, compositeRequest } = body as { allOrNone?: unknown; compositeRequest?: unknown }
  if (!Array.isArray(compositeRequest) || compositeRequest.length === 0)
    throw badRequest('compositeRequest must be a non-empty array of subrequests')
  if (compositeRequest.length > MAX_SUBREQUESTS)
    throw badRequest(`A composite request can contain at most ${MAX_SUBREQUESTS} subrequests`)
  const seen = new Set<string>()
  const items = compositeRequest.map((raw, i): CompositeItem => {
    const item = (raw ?? {}) as Record<string, unknown>
    const { method, url, referenceId, httpHeaders } = item
    if (typeof method !== 'string' || typeof url !== 'string')
      throw badRequest(`Subrequest ${i} needs a method and a url`)
    if (typeof referenceId !== 'string' || !/^[A-Za-z0-9_]+$/.test(referenceId))
      throw badRequest(`Subrequest ${i} needs a referenceId of letters, digits and underscores`)
    if (seen.has(referenceId)) throw badRequest(`Duplicate referenceId: ${referenceId}`)
    seen.add(referenceId)
    const headers =
      httpHeaders && typeof httpHeaders === 'object' ? (httpHeaders as Record<string, string>) : undefined
    return { method, url, referenceId, body: item.body, ...(headers ? { httpHeaders: headers } : {}) }
  })
  return { allOrNone: allOrNone === true, items }
}

const HALTED = [
  {
    errorCode: 'PROCESSING_HALTED',
    message: 'The transaction was rolled back since another operation in the same transaction failed.',
  },
]

function subresponse(result: RestResult, referenceId: string): Record<string, unknown> {
  return {
    body: result.body ?? null,
    httpHeaders: result.headers ?? {},
    httpStatusCode: result.status,
    referenceId,
  }
}

function composite(routes: () => readonly RestRoute[]) {
  return (call: RestCall): RestResult => {
    const { allOrNone, items } = parseComposite(call.body)
    const subroutes = routes().filter(
      (r) => !r.path.startsWith('composite') || r.path.startsWith('composite/sobjects'),
    )
    const results = new Map<string, RestResult>()
    const outcome = runAtomically(
      call.ctx.data,
      { userId: call.session.userId },
      () => {
        const out: Array<{ referenceId: string; result: RestResult }> = []
        for (const item of items) {
          let result: RestResult
          try {
            const url = String(resolveReferences(item.url, results))
            const body = resolveReferences(item.body, results)
            result = dispatchSubrequest(call, subroutes, {
              method: item.method,
              url,
              body,
              ...(item.httpHeaders ? { headers: item.httpHeaders } : {}),
            })
          } catch (err) {
            if (!(err instanceof UnresolvedReference)) throw err
            result = { status: 400, body: [{ errorCode: 'PROCESSING_HALTED', message: err.message }] }
          }
          results.set(item.referenceId, result)
          out.push({ referenceId: item.referenceId, result })
          if (allOrNone && result.status >= 400) break
        }
        return out
      },
      (out) => allOrNone && out.some((o) => o.result.status >= 400),
    )
    const failed = allOrNone && outcome.some((o) => o.result.status >= 400)
    const compositeResponse = items.map((item) => {
      const done = outcome.find((o) => o.referenceId === item.referenceId)
      if (failed && (!done || done.result.status < 400)) {
        return subresponse({ status: 400, body: HALTED }, item.referenceId)
      }
      return subresponse(done?.result ?? { status: 400, body: HALTED }, item.referenceId)
    })
    return { status: 200, body: { compositeResponse } }
  }
}

function batch(routes: () => readonly RestRoute[]) {
  return (call: RestCall): RestResult => {
    const body = call.body as { haltOnError?: unknown; batchRequests?: unknown } | undefined
    if (typeof body !== 'object' || body === null || !Array.isArray(body.batchRequests))
      throw new ApiError(
        400,
        'JSON_PARSER_ERROR',
        'The request body must be a JSON object with a batchRequests array',
      )
    if (body.batchRequests.length === 0) throw badRequest('batchRequests must not be empty')
    if (body.batchRequests.length > MAX_SUBREQUESTS)
      throw badRequest(`A batch request can contain at most ${MAX_SUBREQUESTS} subrequests`)
    const subroutes = routes().filter(
      (r) => !r.path.startsWith('composite') || r.path.startsWith('composite/sobjects'),
    )
    const items = body.batchRequests.map((raw, i) => {
      const item = (raw ?? {}) as Record<string, unknown>
      if (typeof item.method !== 'string' || typeof item.url !== 'string')
        throw badRequest(`Batch subrequest ${i} needs a method and a url`)
      return { method: item.method, url: item.url, body: item.richInput }
    })
    const haltOnError = body.haltOnError === true
    let halted = false
    let hasErrors = false
    const usage = call.ctx.org.apiUsage
    const results = items.map((item, i) => {
      // "Each subrequest counts against rate limits" (SFDOC resources_composite_batch): the batch call
      // itself was counted as the first; every further executed subrequest counts one more.
      if (!halted && i > 0 && !usage.tryRecord()) {
        hasErrors = true
        if (haltOnError) halted = true
        return {
          statusCode: 403,
          result: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
        }
      }
      if (halted) {
        // UNCONFIRMED wording (reference §2.10 gives the code and the 412).
        return {
          statusCode: 412,
          result: [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }],
        }
      }
      const result = dispatchSubrequest(call, subroutes, item)
      if (result.status >= 400) {
        hasErrors = true
        if (haltOnError) halted = true
      }
      return { statusCode: result.status, result: result.body ?? null }
    })
    return { status: 200, body: { hasErrors, results }, headers: { 'Sforce-Limit-Info': usage.header() } }
  }
}

/** `routes` is called lazily: the composite resources dispatch to every other operation. */
export function compositeRoutes(routes: () => readonly RestRoute[]): RestRoute[] {
  return [
    { method: 'POST', path: 'composite', handler: composite(routes) },
    { method: 'POST', path: 'composite/batch', handler: batch(routes) },
  ]
}
