/**
 * `/services/oauth2/token`: every grant the emulator supports (reference/salesforce-oauth.md §2):
 * client_credentials, authorization_code (+PKCE), refresh_token (+rotation), device (+ the device-code
 * request with `response_type=device_code`), password and JWT bearer (jwt-bearer-grant.ts). Errors are
 * 400 JSON `{error,error_description}`.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorUser } from '../org.ts'
import { hostKind, oauthParams, requestOrigin, type OAuthParams } from './oauth-request.ts'
import { authenticateClient, oauthError, type OAuthState } from './oauth-state.ts'
import { DEVICE_POLL_INTERVAL_SECONDS } from './device-codes.ts'
import { JWT_BEARER_GRANT, jwtBearerGrant } from './jwt-bearer-grant.ts'
import {
  clientCredentialsScopes,
  grantedScopes,
  grantsRefreshToken,
  type TokenResponse,
} from './token-issuer.ts'

const KNOWN_GRANTS = new Set([
  'client_credentials',
  'authorization_code',
  'refresh_token',
  'device',
  'password',
  JWT_BEARER_GRANT,
])

const unsupportedGrant = () => oauthError('unsupported_grant_type', 'grant type not supported')
const expiredToken = () => oauthError('invalid_grant', 'expired access/refresh token')
const tokenExchangeFailed = () => oauthError('invalid_grant', 'token exchange failed')
const authenticationFailure = () => oauthError('invalid_grant', 'authentication failure')

/** Sends a token response as JSON, or form-encoded/XML when `format` or `Accept` asks for it (REST guide v216). */
function sendTokenResponse(
  req: FastifyRequest,
  reply: FastifyReply,
  params: OAuthParams,
  body: object,
): FastifyReply {
  const accept = (req.headers.accept ?? '').toLowerCase()
  const format =
    params.format ??
    (accept.startsWith('application/x-www-form-urlencoded')
      ? 'urlencoded'
      : accept.startsWith('application/xml')
        ? 'xml'
        : 'json')
  reply.header('cache-control', 'no-cache,must-revalidate,max-age=0,no-store,private')
  const entries = Object.entries(body as Record<string, string | number>).map(([k, v]): [string, string] => [
    k,
    String(v),
  ])
  if (format === 'urlencoded') {
    return reply
      .code(200)
      .header('content-type', 'application/x-www-form-urlencoded')
      .send(new URLSearchParams(entries).toString())
  }
  if (format === 'xml') {
    // UNCONFIRMED: the XML element names; Salesforce documents the format but no sample was found.
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    const inner = entries.map(([k, v]) => `<${k}>${esc(v ?? '')}</${k}>`).join('')
    return reply
      .code(200)
      .header('content-type', 'application/xml;charset=UTF-8')
      .send(`<?xml version="1.0" encoding="UTF-8"?><OAuth>${inner}</OAuth>`)
  }
  return reply.code(200).header('content-type', 'application/json;charset=UTF-8').send(JSON.stringify(body))
}

function activeUser(state: OAuthState, userId: string): EmulatorUser | undefined {
  const user = state.org.userById(userId)
  return user?.isActive ? user : undefined
}

function clientCredentialsGrant(state: OAuthState, req: FastifyRequest, params: OAuthParams): TokenResponse {
  if (hostKind(state.org, req) === 'login')
    throw oauthError('invalid_grant', 'request not supported on this domain')
  const client = authenticateClient(state, req, params, true)
  const { settings } = client
  // UNCONFIRMED (reference §1, §15): third-party tables disagree on the answer when the flow is off; a
  // disabled flow has no execution user, so we answer as for a missing Run As user.
  const runAs =
    settings.clientCredentialsEnabled && settings.runAsUsername
      ? state.org.userByUsername(settings.runAsUsername)
      : undefined
  if (!runAs?.isActive) throw oauthError('invalid_grant', 'no client credentials user enabled')
  return state.issuer.issue({
    client,
    user: runAs,
    scopes: clientCredentialsScopes(settings.scopes),
    origin: requestOrigin(state.org, req),
    refresh: { kind: 'none' },
  })
}

function pkceMatches(verifier: string, challenge: string, method: 'S256' | 'plain'): boolean {
  if (method === 'plain') return verifier === challenge
  return createHash('sha256').update(verifier).digest('base64url') === challenge.replace(/=+$/, '')
}

function authorizationCodeGrant(state: OAuthState, req: FastifyRequest, params: OAuthParams): TokenResponse {
  const client = authenticateClient(state, req, params, (c) => c.settings.requireSecretForWebServerFlow)
  // Form encoders that leave `+` unescaped turn it into a space; codes are base64.
  const code = (params.code ?? '').replace(/ /g, '+')
  const record = code ? state.store.authCode(code) : undefined
  // UNCONFIRMED exact text (reference §1): "invalid authorization code".
  if (!record || record.clientId !== client.clientId)
    throw oauthError('invalid_grant', 'invalid authorization code')
  if (record.used || state.store.isAuthCodeExpired(record))
    throw oauthError('invalid_grant', 'expired authorization code')
  if (params.redirect_uri !== record.redirectUri)
    throw oauthError('redirect_uri_mismatch', 'redirect_uri must match configuration')
  const verifier = params.code_verifier
  // PKCE (reference §2.2): the codes are documented, the descriptions are UNCONFIRMED.
  if (record.codeChallenge !== undefined) {
    if (!verifier) throw oauthError('invalid_grant', 'invalid code verifier')
    if (!pkceMatches(verifier, record.codeChallenge, record.codeChallengeMethod))
      throw oauthError('invalid_request', 'invalid code verifier')
  } else if (verifier) {
    throw oauthError('invalid_request', 'unexpected code verifier')
  }
  const user = activeUser(state, record.userId)
  if (!user) throw authenticationFailure()
  record.used = true
  return state.issuer.issue({
    client,
    user,
    scopes: record.scopes,
    origin: requestOrigin(state.org, req),
    refresh: grantsRefreshToken(record.scopes) ? { kind: 'new' } : { kind: 'none' },
  })
}

function refreshTokenGrant(state: OAuthState, req: FastifyRequest, params: OAuthParams): TokenResponse {
  const client = authenticateClient(state, req, params, (c) => c.settings.requireSecretForRefreshTokenFlow)
  const record = params.refresh_token ? state.store.refreshToken(params.refresh_token) : undefined
  if (!record || record.clientId !== client.clientId) throw expiredToken()
  if (record.state === 'rotated') {
    // Reusing a rotated-out token invalidates the current refresh token and its access tokens (help,
    // refresh token rotation).
    state.store.revokeFamily(record.family)
    throw expiredToken()
  }
  if (record.state !== 'active') throw expiredToken()
  const user = activeUser(state, record.userId)
  if (!user) throw expiredToken()
  const rotate = client.settings.refreshTokenRotation
  if (rotate) record.state = 'rotated'
  return state.issuer.issue({
    client,
    user,
    scopes: record.scopes,
    origin: requestOrigin(state.org, req),
    refresh: { kind: 'existing', token: record.token, family: record.family },
    rotateFamily: rotate ? record.family : undefined,
  })
}

function passwordGrant(state: OAuthState, req: FastifyRequest, params: OAuthParams): TokenResponse {
  const client = authenticateClient(state, req, params, true)
  // Blocked flows answer like bad credentials (jsforce #1506, django-salesforce #326).
  if (!client.settings.passwordFlowEnabled) throw authenticationFailure()
  const user = params.username ? state.org.userByUsername(params.username) : undefined
  // The emulated users have no security token, so the password alone must match.
  if (!user?.isActive || params.password !== user.password) throw authenticationFailure()
  const scopes = grantedScopes(client.settings.scopes, params.scope).filter(
    (s) => s !== 'refresh_token' && s !== 'offline_access',
  )
  return state.issuer.issue({
    client,
    user,
    scopes,
    origin: requestOrigin(state.org, req),
    refresh: { kind: 'none' },
  })
}

function deviceCodeRequest(state: OAuthState, req: FastifyRequest, params: OAuthParams): object {
  const client = authenticateClient(state, req, params, false)
  // UNCONFIRMED (reference §15): the answer for an app without "Enable for Device Flow".
  if (!client.settings.deviceFlowEnabled)
    throw oauthError('unsupported_response_type', 'response type not supported')
  const origin = requestOrigin(state.org, req)
  const auth = state.devices.create({
    clientId: client.clientId,
    requestedScopes: params.scope?.trim() ? params.scope.trim().split(/[\s+]+/) : undefined,
    origin,
    clientIp: req.ip,
  })
  return {
    user_code: auth.userCode,
    device_code: auth.deviceCode,
    interval: DEVICE_POLL_INTERVAL_SECONDS,
    verification_uri: `${origin}/setup/connect`,
  }
}

function deviceGrant(state: OAuthState, req: FastifyRequest, params: OAuthParams): TokenResponse {
  const client = authenticateClient(state, req, params, false)
  const auth = params.code ? state.devices.byDeviceCode(params.code.replace(/ /g, '+')) : undefined
  // "token exchange failed" is what reused, expired or unknown device codes answer (code-builder-feedback #59/#61).
  if (!auth || auth.clientId !== client.clientId || auth.state === 'used' || state.devices.isExpired(auth))
    throw tokenExchangeFailed()
  const now = state.org.clock.now()
  const tooSoon = auth.lastPollMs !== undefined && now - auth.lastPollMs < DEVICE_POLL_INTERVAL_SECONDS * 1000
  auth.lastPollMs = now
  if (tooSoon) throw oauthError('slow_down', 'polling too quickly for the token endpoint')
  // UNCONFIRMED descriptions (reference §2.6): authorization_pending's text and the denial answer.
  if (auth.state === 'pending') throw oauthError('authorization_pending', 'authorization pending')
  if (auth.state === 'denied') {
    auth.state = 'used'
    throw oauthError('access_denied', 'end-user denied authorization')
  }
  const user = auth.approvedUserId ? activeUser(state, auth.approvedUserId) : undefined
  if (!user) throw tokenExchangeFailed()
  auth.state = 'used'
  const scopes = grantedScopes(client.settings.scopes, auth.requestedScopes?.join(' '))
  return state.issuer.issue({
    client,
    user,
    scopes,
    origin: auth.origin,
    refresh: grantsRefreshToken(scopes) ? { kind: 'new' } : { kind: 'none' },
  })
}

/** Registers POST (and the refusing GET) `/services/oauth2/token`. */
export function registerTokenEndpoint(app: FastifyInstance, state: OAuthState): void {
  app.post('/services/oauth2/token', async (req, reply) => {
    const params = oauthParams(req)
    const grant = params.grant_type
    if (!grant && params.response_type === 'device_code') {
      state.org.counters.increment('oauth.token.device_code')
      return sendTokenResponse(req, reply, params, deviceCodeRequest(state, req, params))
    }
    // Arbitrary grant_type values are folded into one counter so that callers cannot mint counter names.
    state.org.counters.increment(`oauth.token.${grant && KNOWN_GRANTS.has(grant) ? grant : 'unsupported'}`)
    let body: TokenResponse
    switch (grant) {
      case 'client_credentials':
        body = clientCredentialsGrant(state, req, params)
        break
      case 'authorization_code':
        body = authorizationCodeGrant(state, req, params)
        break
      case 'refresh_token':
        body = refreshTokenGrant(state, req, params)
        break
      case 'device':
        body = deviceGrant(state, req, params)
        break
      case 'password':
        body = passwordGrant(state, req, params)
        break
      case JWT_BEARER_GRANT:
        body = jwtBearerGrant(state, req, params)
        break
      default:
        // UNCONFIRMED for a missing grant_type (reference §15); unknown ones are confirmed.
        throw unsupportedGrant()
    }
    return sendTokenResponse(req, reply, params, body)
  })
  // A GET (e.g. after an http→https redirect) is answered like an unknown grant (reference §1).
  app.get('/services/oauth2/token', async () => {
    state.org.counters.increment('oauth.token.unsupported')
    throw unsupportedGrant()
  })
}
