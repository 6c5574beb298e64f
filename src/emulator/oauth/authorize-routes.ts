/**
 * The browser half of the web-server (and user-agent) flow: `GET /services/oauth2/authorize` validates
 * the request, the login page (`POST /login`) starts a UI session, and the "Allow Access?" page
 * (`/setup/secur/RemoteAccessAuthorizationPage.apexp`, Salesforce's own path) redirects to the callback
 * with `code` and `state` or with `error=access_denied` (reference/salesforce-oauth.md §3).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorUser } from '../org.ts'
import { oauthParams, requestOrigin } from './oauth-request.ts'
import type { OAuthState } from './oauth-state.ts'
import type { PendingAuthorization } from './browser-sessions.ts'
import { grantedScopes } from './token-issuer.ts'
import { approvalPage, loginPage } from './login-pages.ts'

export const APPROVAL_PATH = '/setup/secur/RemoteAccessAuthorizationPage.apexp'

/** Salesforce's login error (shown on its login page for any bad username/password). */
export const LOGIN_ERROR =
  "Please check your username and password. If you still can't log in, contact your Salesforce administrator."

/**
 * Errors found before a usable redirect exists are written into the body, form-encoded, with no
 * content type (reference §3: "browsers download that body as a file named 'authorize'").
 * UNCONFIRMED: the HTTP status (400 here).
 */
function bodyError(reply: FastifyReply, error: string, description: string): FastifyReply {
  reply.hijack()
  const body = `error=${encodeURIComponent(error)}&error_description=${encodeURIComponent(description)}`
  reply.raw.writeHead(400, { 'content-length': Buffer.byteLength(body) })
  reply.raw.end(body)
  return reply
}

function withQuery(url: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, v)
  return `${url}${url.includes('?') ? '&' : '?'}${query.toString()}`
}

/** A path on this host to continue at after login; anything else (other hosts, `//x`) becomes `/`. */
export function safeStartUrl(value: string | undefined): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : '/'
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/html;charset=UTF-8').send(body)
}

/** Issues the code (or, for response_type=token, the tokens in the fragment) and redirects to the callback. */
function completeApproved(
  state: OAuthState,
  reply: FastifyReply,
  p: PendingAuthorization,
  user: EmulatorUser,
) {
  state.browser.finish(p.id)
  if (p.responseType === 'token') {
    const client = state.apps.client(p.clientId)
    if (!client)
      return reply.redirect(withQuery(p.redirectUri, { error: 'invalid_client_id', state: p.state }))
    // The user-agent flow gets no refresh token here (Salesforce only issues one to some callbacks).
    const scopes = p.scopes.filter((s) => s !== 'refresh_token' && s !== 'offline_access')
    const body = state.issuer.issue({
      client,
      user,
      scopes,
      origin: p.origin,
      refresh: { kind: 'none' },
      nonce: p.nonce,
    })
    const fragment = new URLSearchParams({ ...body, ...(p.state !== undefined ? { state: p.state } : {}) })
    return reply.redirect(`${p.redirectUri}#${fragment.toString()}`)
  }
  const record = state.store.issueAuthCode({
    clientId: p.clientId,
    userId: user.id,
    redirectUri: p.redirectUri,
    scopes: p.scopes,
    codeChallenge: p.codeChallenge,
    codeChallengeMethod: p.codeChallengeMethod,
  })
  return reply.redirect(withQuery(p.redirectUri, { code: record.code, state: p.state }))
}

function denied(state: OAuthState, reply: FastifyReply, p: PendingAuthorization): FastifyReply {
  state.browser.finish(p.id)
  return reply.redirect(
    withQuery(p.redirectUri, {
      error: 'access_denied',
      error_description: 'end-user denied authorization',
      state: p.state,
    }),
  )
}

/**
 * After login: skip the approval page for an app this user already approved, or whose users are admin
 * pre-authorized (unless prompt=consent).
 */
function continueAuthorization(
  state: OAuthState,
  reply: FastifyReply,
  p: PendingAuthorization,
  user: EmulatorUser,
): FastifyReply {
  const preAuthorized = state.apps.client(p.clientId)?.settings.permittedUsers === 'adminApproved'
  if (!p.forceConsent && (preAuthorized || state.browser.hasApproved(user.id, p.clientId)))
    return completeApproved(state, reply, p, user)
  return html(
    reply,
    200,
    approvalPage({
      appName: state.apps.nameOf(p.clientId),
      username: user.username,
      scopes: p.scopes,
      action: APPROVAL_PATH,
      fields: { source: p.id },
    }),
  )
}

function authorize(state: OAuthState, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const params = oauthParams(req)
  const client = params.client_id ? state.apps.client(params.client_id) : undefined
  if (!client) return bodyError(reply, 'invalid_client_id', 'client identifier invalid')
  const redirectUri = params.redirect_uri
  if (!redirectUri) return bodyError(reply, 'redirect_uri_missing', 'redirect_uri not provided')
  if (!client.settings.callbackUrls.includes(redirectUri))
    return bodyError(reply, 'redirect_uri_mismatch', 'redirect_uri must match configuration')
  const fail = (error: string, description: string) =>
    reply.redirect(withQuery(redirectUri, { error, error_description: description, state: params.state }))
  const responseType =
    params.response_type === 'token' || params.response_type === 'token id_token'
      ? 'token'
      : params.response_type
  if (responseType !== 'code' && responseType !== 'token')
    return fail('unsupported_response_type', 'response type not supported')
  const challenge = params.code_challenge
  if (responseType === 'code' && client.settings.requirePkce && !challenge)
    return bodyError(reply, 'invalid_request', 'missing required code challenge')
  const method = params.code_challenge_method ?? 'S256'
  // UNCONFIRMED: Salesforce's answer to an unknown code_challenge_method.
  if (method !== 'S256' && method !== 'plain') return fail('invalid_request', 'invalid code challenge method')
  const scopes = grantedScopes(client.settings.scopes, params.scope)
  // UNCONFIRMED: nothing the app allows was requested.
  if (scopes.length === 0) return fail('invalid_scope', 'requested scope is invalid, unknown, or malformed')
  const prompt = (params.prompt ?? '').split(/\s+/)
  const pending = state.browser.addPending({
    clientId: client.clientId,
    redirectUri,
    responseType,
    scopes,
    state: params.state,
    codeChallenge: responseType === 'code' ? challenge : undefined,
    codeChallengeMethod: method,
    nonce: params.nonce,
    forceConsent: prompt.includes('consent'),
    origin: requestOrigin(state.org, req),
  })
  const user = prompt.includes('login') ? undefined : state.browser.user(req)
  if (params.immediate === 'true') {
    if (!user || !state.browser.hasApproved(user.id, client.clientId))
      return fail('immediate_unsuccessful', 'immediate unsuccessful')
    return completeApproved(state, reply, pending, user)
  }
  if (!user) {
    const startUrl = `${APPROVAL_PATH}?source=${pending.id}`
    return html(reply, 200, loginPage({ startUrl, username: params.login_hint ?? '' }))
  }
  return continueAuthorization(state, reply, pending, user)
}

/** Registers the authorize endpoint, the login form and the approval page. */
export function registerAuthorizeRoutes(app: FastifyInstance, state: OAuthState): void {
  app.get('/services/oauth2/authorize', async (req, reply) => authorize(state, req, reply))

  app.get('/login', async (req, reply) =>
    html(reply, 200, loginPage({ startUrl: safeStartUrl(oauthParams(req).startURL) })),
  )
  app.post('/login', async (req, reply) => {
    const params = oauthParams(req)
    const startUrl = safeStartUrl(params.startURL)
    const user = params.username ? state.org.userByUsername(params.username) : undefined
    if (!user?.isActive || params.pw !== user.password) {
      return html(reply, 200, loginPage({ startUrl, username: params.username ?? '', error: LOGIN_ERROR }))
    }
    state.browser.logIn(reply, user)
    return reply.redirect(startUrl, 302)
  })

  const approval = async (req: FastifyRequest, reply: FastifyReply) => {
    const params = oauthParams(req)
    const pending = state.browser.pending(params.source)
    // UNCONFIRMED: what Salesforce shows for a stale approval page.
    if (!pending) return bodyError(reply, 'invalid_request', 'authorization request expired or unknown')
    const user = state.browser.user(req)
    if (!user) return html(reply, 200, loginPage({ startUrl: `${APPROVAL_PATH}?source=${pending.id}` }))
    if (req.method === 'GET') return continueAuthorization(state, reply, pending, user)
    if (params.action === 'approve') {
      state.browser.recordApproval(user.id, pending.clientId)
      return completeApproved(state, reply, pending, user)
    }
    return denied(state, reply, pending)
  }
  app.get(APPROVAL_PATH, approval)
  app.post(APPROVAL_PATH, approval)
}
