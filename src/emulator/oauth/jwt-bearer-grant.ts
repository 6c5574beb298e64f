/**
 * The JWT bearer grant (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, reference
 * /salesforce-oauth.md §2.5), as `sf org login jwt` uses it: an RS256 assertion signed with the key whose
 * certificate was uploaded to the app ("Use Digital Signatures"); `iss` = consumer key, `sub` = username,
 * `aud` = the login URL. No client secret, no refresh token.
 */
import { createVerify } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { publicKeyFromPem } from './connected-app.ts'
import { invalidClientId, oauthError, type OAuthState } from './oauth-state.ts'
import { requestOrigin, type OAuthParams } from './oauth-request.ts'
import type { TokenResponse } from './token-issuer.ts'

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/**
 * UNCONFIRMED: Salesforce's answer to a malformed, badly signed or expired assertion, or one naming an
 * unknown user. "invalid assertion" is what we answer for all of them.
 */
const invalidAssertion = () => oauthError('invalid_grant', 'invalid assertion')

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  if (!part) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

const trimSlash = (s: string) => s.replace(/\/+$/, '')

/**
 * The audiences accepted: the emulator's two origins, and the real login hosts, because the sf CLI
 * retries with those on failure and must succeed on its first attempt (reference §13).
 */
function audienceAccepted(state: OAuthState, aud: unknown): boolean {
  const accepted = [
    state.org.loginUrl,
    state.org.instanceUrl,
    'https://login.salesforce.com',
    'https://test.salesforce.com',
  ]
  const values = Array.isArray(aud) ? aud : [aud]
  return values.some((v) => typeof v === 'string' && accepted.includes(trimSlash(v)))
}

/** Handles one JWT bearer token request. */
export function jwtBearerGrant(state: OAuthState, req: FastifyRequest, params: OAuthParams): TokenResponse {
  const [head, body, signature] = (params.assertion ?? '').split('.')
  const header = decodePart(head)
  const claims = decodePart(body)
  if (!header || !claims || !signature || header.alg !== 'RS256') throw invalidAssertion()
  const client = typeof claims.iss === 'string' ? state.apps.client(claims.iss) : undefined
  if (!client) throw invalidClientId()
  const key =
    client.settings.useDigitalSignatures && client.settings.certificate
      ? publicKeyFromPem(client.settings.certificate)
      : undefined
  if (!key) throw invalidAssertion()
  const valid = createVerify('RSA-SHA256')
    .update(`${head}.${body}`)
    .verify(key, Buffer.from(signature, 'base64url'))
  if (!valid) throw invalidAssertion()
  if (!audienceAccepted(state, claims.aud)) throw oauthError('invalid_grant', 'Audience validation failed')
  // sfdx-core sends `exp` in milliseconds (Date.now() + 300), far in the future read as seconds: only
  // an `exp` in the past, read either way, is refused.
  const now = state.org.clock.now()
  const exp = typeof claims.exp === 'number' ? claims.exp : NaN
  if (!(exp * 1000 > now || exp > now)) throw invalidAssertion()
  const user = typeof claims.sub === 'string' ? state.org.userByUsername(claims.sub) : undefined
  if (!user?.isActive) throw invalidAssertion()
  if (
    client.settings.permittedUsers !== 'adminApproved' &&
    !state.browser.hasApproved(user.id, client.clientId)
  )
    throw oauthError('invalid_grant', "user hasn't approved this consumer")
  const scopes = client.settings.scopes.filter((s) => s !== 'refresh_token' && s !== 'offline_access')
  return state.issuer.issue({
    client,
    user,
    scopes,
    origin: requestOrigin(state.org, req),
    refresh: { kind: 'none' },
  })
}
