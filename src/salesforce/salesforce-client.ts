/**
 * Authenticated calls to an org: the bearer token from the TokenManager on every request, and on
 * `INVALID_SESSION_ID` one re-authentication and one replay; a second refusal is an AuthError that
 * names the likely cause. Generic over paths and bodies, so that REST, Bulk and the sync engine share it.
 */
import type { HttpRequest, HttpResponse, HttpTransport, StreamingHttpResponse } from './http-transport.ts'
import { sendStreaming } from './http-transport.ts'
import type { AccessToken, TokenManager } from './token-manager.ts'
import { AuthError, SalesforceApiError } from './errors.ts'

/** 401s that a new token does not cure (jsforce src/http-api.ts `isSessionExpired`, reference §10). */
const NOT_REFRESHABLE = [
  'This session is not valid for use with the REST API',
  'Connected app is not attached to Agent',
]

/** True when a response says the session expired: REST/Bulk 2.0 401, Bulk 1.0 400, SOAP 500. */
export function isSessionExpired(res: HttpResponse): boolean {
  if (NOT_REFRESHABLE.some((s) => res.text.includes(s))) return false
  if (res.status === 401) return true
  return (res.status === 400 || res.status === 500) && /InvalidSessionId|INVALID_SESSION_ID/.test(res.text)
}

/** Salesforce's first `{errorCode, message}` of an error body. */
export function salesforceErrorOf(res: HttpResponse): { errorCode: string; message: string } {
  const body = Array.isArray(res.json) ? (res.json[0] as unknown) : res.json
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>
    const code =
      typeof b.errorCode === 'string' ? b.errorCode : typeof b.error === 'string' ? b.error : undefined
    const message =
      typeof b.message === 'string'
        ? b.message
        : typeof b.error_description === 'string'
          ? b.error_description
          : undefined
    if (code) return { errorCode: code, message: message ?? '' }
  }
  return {
    errorCode: `HTTP_${res.status}`,
    message: res.status === 401 ? 'Session expired or invalid' : 'unexpected response',
  }
}

/** A request relative to the connection's `instance_url` (or an absolute URL on it). */
export type ClientRequest = Omit<HttpRequest, 'url'> & { readonly path: string }

export interface SalesforceClientOptions {
  readonly http: HttpTransport
  readonly tokens: TokenManager
  readonly apiVersion: string
}

/**
 * @example const sf = new SalesforceClient({ http, tokens, apiVersion: '62.0' }); const limits = await sf.json('GET', sf.dataPath('limits'))
 */
export class SalesforceClient {
  readonly #o: SalesforceClientOptions

  constructor(options: SalesforceClientOptions) {
    this.#o = options
  }

  get apiVersion(): string {
    return this.#o.apiVersion
  }

  /** The connection's current access token value (renewed if needed); for introspection by `doctor`. */
  async currentToken(): Promise<string> {
    return (await this.#o.tokens.current()).value
  }

  /** `/services/data/vXX.X/<rest>`. */
  dataPath(rest = ''): string {
    return `/services/data/v${this.#o.apiVersion}/${rest.replace(/^\//, '')}`
  }

  async #send(token: AccessToken, req: ClientRequest): Promise<HttpResponse> {
    const url = /^https?:\/\//.test(req.path) ? req.path : `${token.apiUrl}${req.path}`
    return this.#o.http.send({
      ...req,
      url,
      headers: { ...req.headers, authorization: `Bearer ${token.value}` },
    })
  }

  /** Sends a request; any status comes back except an expired session, which is renewed and replayed once. */
  async request(req: ClientRequest): Promise<HttpResponse> {
    const { tokens } = this.#o
    const first = await tokens.current()
    const res = await this.#send(first, req)
    if (!isSessionExpired(res)) {
      if (res.status === 401) throw this.#authError(res, 'not-refreshable')
      if (res.status < 400) await tokens.markValid(first)
      return res
    }
    const renewed = await tokens.renew(first.generation)
    const replay = await this.#send(renewed, req)
    if (isSessionExpired(replay) || replay.status === 401) throw this.#authError(replay, 'after-renewal')
    if (replay.status < 400) await tokens.markValid(renewed)
    return replay
  }

  async #open(token: AccessToken, req: ClientRequest): Promise<StreamingHttpResponse | HttpResponse> {
    const url = /^https?:\/\//.test(req.path) ? req.path : `${token.apiUrl}${req.path}`
    const res = await sendStreaming(this.#o.http, {
      ...req,
      url,
      headers: { ...req.headers, authorization: `Bearer ${token.value}` },
    })
    if (res.status < 400) return res
    // Error bodies are small: read them, so that the session check and the caller see the text.
    const text = res.body ? await new Response(res.body).text() : ''
    let json: unknown
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    return { status: res.status, headers: res.headers, text, json }
  }

  /**
   * Like {@link request}, but the body of a successful (< 400) answer is left unread for the caller to
   * stream; an answer >= 400 comes back read (`text`, `json`). Same renewal rule: an expired session
   * is renewed and the request replayed once, before any body byte is consumed.
   */
  async stream(req: ClientRequest): Promise<StreamingHttpResponse | HttpResponse> {
    const { tokens } = this.#o
    const first = await tokens.current()
    const res = await this.#open(first, req)
    if (!('text' in res) || !isSessionExpired(res)) {
      if (res.status === 401 && 'text' in res) throw this.#authError(res, 'not-refreshable')
      if (res.status < 400) await tokens.markValid(first)
      return res
    }
    const renewed = await tokens.renew(first.generation)
    const replay = await this.#open(renewed, req)
    if ('text' in replay && (isSessionExpired(replay) || replay.status === 401))
      throw this.#authError(replay, 'after-renewal')
    if (replay.status < 400) await tokens.markValid(renewed)
    return replay
  }

  #authError(res: HttpResponse, why: 'not-refreshable' | 'after-renewal'): AuthError {
    const { errorCode, message } = salesforceErrorOf(res)
    const cause =
      why === 'not-refreshable'
        ? "the session is not valid for this API (a high-assurance session requirement or an IP restriction on the user's profile or the app)"
        : "Salesforce refused a freshly issued token: the user may be inactive or frozen, API access may be off for the user's profile (\"API Enabled\"), the app's IP Relaxation policy may block this address, or an admin revoked the app's sessions"
    return new AuthError(
      `Authentication failed for "${this.#o.tokens.name}": ${cause}. (Salesforce: ${errorCode}: ${message})`,
      {
        errorCode,
        nextStep: `Run \`sfsync doctor --name ${this.#o.tokens.name}\`.`,
      },
    )
  }

  /** Sends and parses JSON; a status >= 400 becomes a SalesforceApiError with Salesforce's errorCode. */
  async json<T = unknown>(method: HttpRequest['method'], path: string, body?: unknown): Promise<T> {
    return requestJson<T>((req) => this.request(req), method, path, body)
  }
}

/**
 * Sends a JSON request through `send` and parses the answer; a status >= 400 becomes a
 * SalesforceApiError with Salesforce's errorCode. Shared by every client that wraps `request`.
 */
export async function requestJson<T = unknown>(
  send: (req: ClientRequest) => Promise<HttpResponse>,
  method: HttpRequest['method'],
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await send({
    method,
    path,
    headers: {
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  if (res.status >= 400) {
    const { errorCode, message } = salesforceErrorOf(res)
    throw new SalesforceApiError({
      httpStatus: res.status,
      errorCode,
      message,
      method,
      path: path.split('?')[0] ?? path,
    })
  }
  return res.json as T
}
