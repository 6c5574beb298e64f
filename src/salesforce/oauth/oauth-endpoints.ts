/**
 * The client side of Salesforce's OAuth endpoints (reference/salesforce-oauth.md §1–§7): the token
 * endpoint (every grant sfsync uses, and the device-code request), introspection, revocation and the
 * identity URL. Requests are form-encoded; errors become `OAuthError` with Salesforce's code kept.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import type { HttpResponse, HttpTransport } from '../http-transport.ts'
import { OAuthError, SalesforceApiError } from '../errors.ts'
import type { SecretValues } from '../../secrets/redacting-logger.ts'
import { SfsyncError } from '../../config/sfsync-error.ts'

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  instance_url: z.string().min(1),
  id: z.string().min(1),
  token_type: z.string().optional(),
  issued_at: z.string().regex(/^\d+$/).optional(),
  scope: z.string().optional(),
  signature: z.string().optional(),
})

/** A successful token response (only the fields sfsync uses). */
export type TokenResponse = z.infer<typeof tokenResponseSchema>

const deviceCodeSchema = z.object({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().min(1),
  interval: z.coerce.number().int().positive().optional(),
})
export type DeviceCodeResponse = z.infer<typeof deviceCodeSchema>

const introspectionSchema = z.object({
  active: z.boolean(),
  exp: z.number().optional(),
  iat: z.number().optional(),
  scope: z.string().optional(),
  client_id: z.string().optional(),
})
export type IntrospectionResponse = z.infer<typeof introspectionSchema>

const identitySchema = z.object({
  user_id: z.string().min(15),
  organization_id: z.string().min(15),
  username: z.string().min(1),
  display_name: z.string().optional(),
  urls: z.record(z.string(), z.string().nullable()).optional(),
})
export type Identity = z.infer<typeof identitySchema>

/** The consumer key and (optional) secret of the Connected App. */
export interface ClientCredentials {
  readonly clientId: string
  readonly clientSecret: string | undefined
}

function oauthErrorOf(res: HttpResponse, grant: string, host: string): OAuthError | undefined {
  let body: Record<string, unknown> | undefined
  if (res.json && typeof res.json === 'object' && !Array.isArray(res.json))
    body = res.json as Record<string, unknown>
  else if (/(^|&)error=/.test(res.text)) body = Object.fromEntries(new URLSearchParams(res.text))
  const error = body?.error
  if (typeof error !== 'string') return undefined
  const description = typeof body?.error_description === 'string' ? body.error_description : ''
  return new OAuthError({ error, description, httpStatus: res.status, context: { grant, host } })
}

function unexpected(res: HttpResponse, what: string, path: string): SfsyncError {
  // The body is not echoed: it could hold anything. Its kind and status say enough.
  const kind = res.headers.get('content-type') ?? 'no content type'
  return new SalesforceApiError({
    httpStatus: res.status,
    errorCode: 'UNEXPECTED_RESPONSE',
    message: `${what} answered ${res.status} with ${kind}, not the expected OAuth JSON`,
    method: 'POST',
    path,
    nextStep:
      "Check that the URL is the org's My Domain (Setup → My Domain), not a Lightning or custom site URL.",
  })
}

/**
 * Talks to one org's OAuth endpoints at `host` (the My Domain, or login.salesforce.com for the login flows).
 * @example const oauth = new OAuthEndpoints({ http, secrets }); const t = await oauth.clientCredentials(host, { clientId, clientSecret })
 */
export class OAuthEndpoints {
  readonly #http: HttpTransport
  readonly #secrets: SecretValues

  constructor(options: { http: HttpTransport; secrets: SecretValues }) {
    this.#http = options.http
    this.#secrets = options.secrets
  }

  async #post(
    host: string,
    path: string,
    params: Record<string, string | undefined>,
    label: string,
  ): Promise<HttpResponse> {
    const body = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) if (v !== undefined) body.set(k, v)
    return this.#http.send({
      method: 'POST',
      url: `${host}${path}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
      // Token requests are safe to repeat: at worst a second token is minted.
      idempotent: true,
      label,
    })
  }

  /** POSTs a grant to `/services/oauth2/token` and validates the answer. */
  async token(
    host: string,
    params: Record<string, string | undefined>,
    client: ClientCredentials,
  ): Promise<TokenResponse> {
    const grant = params.grant_type ?? 'unknown'
    const res = await this.#post(
      host,
      '/services/oauth2/token',
      { ...params, client_id: client.clientId, client_secret: client.clientSecret },
      `POST /services/oauth2/token (${grant})`,
    )
    if (res.status !== 200)
      throw oauthErrorOf(res, grant, host) ?? unexpected(res, 'The token endpoint', '/services/oauth2/token')
    const parsed = tokenResponseSchema.safeParse(res.json)
    if (!parsed.success) throw unexpected(res, 'The token endpoint', '/services/oauth2/token')
    this.#secrets.add(parsed.data.access_token)
    this.#secrets.add(parsed.data.refresh_token)
    if (client.clientSecret && parsed.data.signature && parsed.data.issued_at)
      verifySignature(client.clientSecret, parsed.data)
    return parsed.data
  }

  clientCredentials(host: string, client: ClientCredentials): Promise<TokenResponse> {
    return this.token(host, { grant_type: 'client_credentials' }, client)
  }

  refresh(host: string, refreshToken: string, client: ClientCredentials): Promise<TokenResponse> {
    return this.token(host, { grant_type: 'refresh_token', refresh_token: refreshToken }, client)
  }

  /** Step 1 of the device flow: `response_type=device_code` (no grant_type), reference §2.6. */
  async deviceCode(
    host: string,
    client: ClientCredentials,
    scope: string | undefined,
  ): Promise<DeviceCodeResponse> {
    const res = await this.#post(
      host,
      '/services/oauth2/token',
      { response_type: 'device_code', client_id: client.clientId, client_secret: client.clientSecret, scope },
      'POST /services/oauth2/token (device_code)',
    )
    if (res.status !== 200)
      throw (
        oauthErrorOf(res, 'device_code', host) ??
        unexpected(res, 'The token endpoint', '/services/oauth2/token')
      )
    const parsed = deviceCodeSchema.safeParse(res.json)
    if (!parsed.success) throw unexpected(res, 'The device-code request', '/services/oauth2/token')
    this.#secrets.add(parsed.data.device_code)
    return parsed.data
  }

  /** Introspects a token with the app's credentials (reference §4). */
  async introspect(
    host: string,
    token: string,
    hint: 'access_token' | 'refresh_token',
    client: ClientCredentials,
  ): Promise<IntrospectionResponse> {
    const res = await this.#post(
      host,
      '/services/oauth2/introspect',
      { token, token_type_hint: hint, client_id: client.clientId, client_secret: client.clientSecret },
      'POST /services/oauth2/introspect',
    )
    if (res.status !== 200)
      throw (
        oauthErrorOf(res, 'introspect', host) ??
        unexpected(res, 'The introspection endpoint', '/services/oauth2/introspect')
      )
    const parsed = introspectionSchema.safeParse(res.json)
    if (!parsed.success) throw unexpected(res, 'The introspection endpoint', '/services/oauth2/introspect')
    return parsed.data
  }

  /** Revokes a token (a refresh token takes its access tokens with it). An already dead token is not an error. */
  async revoke(host: string, token: string): Promise<'revoked' | 'already-invalid'> {
    const res = await this.#post(host, '/services/oauth2/revoke', { token }, 'POST /services/oauth2/revoke')
    if (res.status === 200) return 'revoked'
    const err = oauthErrorOf(res, 'revoke', host)
    if (err && (err.oauthError === 'invalid_token' || err.oauthError === 'unsupported_token_type'))
      return 'already-invalid'
    throw err ?? unexpected(res, 'The revoke endpoint', '/services/oauth2/revoke')
  }

  /** GETs the identity URL (`id` of the token response) with the access token (reference §7). */
  async identity(idUrl: string, accessToken: string): Promise<Identity> {
    const res = await this.#http.send({
      method: 'GET',
      url: `${idUrl}${idUrl.includes('?') ? '&' : '?'}format=json`,
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      label: 'GET /id/…',
    })
    if (res.status === 403)
      throw new SfsyncError('AUTH_FAILED', 'The identity URL refused the new access token (403).', {
        nextStep: 'Check that the user is active and the app has the "full" or "api" scope.',
      })
    const parsed = identitySchema.safeParse(res.json)
    if (res.status !== 200 || !parsed.success) throw unexpected(res, 'The identity URL', '/id/…')
    return parsed.data
  }
}

/**
 * Checks `signature` = base64(HMAC-SHA256(secret, id + issued_at)) (reference §8): a mismatch means
 * the answer did not come from the org that knows this secret.
 */
export function verifySignature(secret: string, token: TokenResponse): void {
  const expected = createHmac('sha256', secret)
    .update(`${token.id}${token.issued_at ?? ''}`)
    .digest()
  const given = Buffer.from(token.signature ?? '', 'base64')
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new SfsyncError(
      'AUTH_FAILED',
      "The token response's signature does not match the consumer secret.",
      {
        nextStep: 'Check that --instance-url points at your org and not at a proxy that rewrites responses.',
      },
    )
}
