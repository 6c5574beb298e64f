/**
 * The token-holder endpoints: userinfo (§6), the identity URL `/id/{org}/{user}` (§7), introspection
 * (§4), revocation (§5), the OpenID discovery document and key set (§9) and the success page
 * (reference/salesforce-oauth.md).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sendJson } from '../app.ts'
import { OAuthEndpointError } from '../errors.ts'
import { normalizeId } from '../ids.ts'
import type { EmulatorUser } from '../org.ts'
import { identityToken, oauthParams, requestOrigin } from './oauth-request.ts'
import { authenticateClient, type OAuthState } from './oauth-state.ts'
import type { AccessTokenRecord } from './token-store.ts'
import { messagePage } from './login-pages.ts'

/**
 * Invalid or expired tokens get 403 on the identity endpoints (Mobile SDK PR #2430, jsforce PR #736).
 * UNCONFIRMED: the plain-text bodies `Bad_OAuth_Token` / `Missing_OAuth_Token`.
 */
function forbidden(reply: FastifyReply, body: string): FastifyReply {
  return reply.code(403).header('content-type', 'text/plain;charset=UTF-8').send(body)
}

function liveToken(state: OAuthState, req: FastifyRequest): AccessTokenRecord | 'missing' | 'bad' {
  const token = identityToken(req)
  if (!token) return 'missing'
  if (!state.store.resolve(token)) return 'bad'
  return state.store.accessToken(token) ?? 'bad'
}

/** `urls` of the identity and userinfo responses; `{version}` stays literal unless a version is asked for. */
function identityUrls(state: OAuthState, user: EmulatorUser, version: string): Record<string, string> {
  const base = state.org.instanceUrl
  const org15 = state.org.orgId.slice(0, 15)
  const rest = `${base}/services/data/v${version}`
  return {
    enterprise: `${base}/services/Soap/c/${version}/${org15}`,
    metadata: `${base}/services/Soap/m/${version}/${org15}`,
    partner: `${base}/services/Soap/u/${version}/${org15}`,
    rest: `${rest}/`,
    sobjects: `${rest}/sobjects/`,
    search: `${rest}/search/`,
    query: `${rest}/query/`,
    recent: `${rest}/recent/`,
    tooling_soap: `${base}/services/Soap/T/${version}/${org15}`,
    tooling_rest: `${rest}/tooling/`,
    profile: `${base}/${user.id}`,
    feeds: `${rest}/chatter/feeds`,
    groups: `${rest}/chatter/groups`,
    users: `${rest}/chatter/users`,
    feed_items: `${rest}/chatter/feed-items`,
    feed_elements: `${rest}/chatter/feed-elements`,
    custom_domain: base,
  }
}

function requestedVersion(req: FastifyRequest): string {
  const v = oauthParams(req).version
  // UNCONFIRMED: which version `latest` names; the newest the reference mentions.
  if (v === 'latest') return '64.0'
  return v && /^\d+\.\d$/.test(v) ? v : '{version}'
}

function photos(state: OAuthState): { picture: string; thumbnail: string } {
  const base = `${state.org.instanceUrl}/profilephoto/005/`
  return { picture: `${base}F`, thumbnail: `${base}T` }
}

function identityBody(state: OAuthState, req: FastifyRequest, user: EmulatorUser, idUrl: string): object {
  return {
    id: idUrl,
    asserted_user: true,
    user_id: user.id,
    organization_id: state.org.orgId,
    username: user.username,
    nick_name: user.username.split('@')[0],
    display_name: `${user.firstName} ${user.lastName}`,
    email: user.email,
    email_verified: true,
    first_name: user.firstName,
    last_name: user.lastName,
    timezone: 'America/Los_Angeles',
    photos: photos(state),
    addr_street: null,
    addr_city: null,
    addr_state: null,
    addr_country: 'US',
    addr_zip: null,
    mobile_phone: null,
    mobile_phone_verified: false,
    is_lightning_login_user: false,
    status: { created_date: null, body: null },
    urls: identityUrls(state, user, requestedVersion(req)),
    active: user.isActive,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: -28_800_000,
    last_modified_date: '2024-01-01T00:00:00.000+0000',
    is_app_installed: true,
  }
}

function userinfoBody(state: OAuthState, req: FastifyRequest, user: EmulatorUser, idUrl: string): object {
  const pic = photos(state)
  return {
    sub: idUrl,
    user_id: user.id,
    organization_id: state.org.orgId,
    preferred_username: user.username,
    nickname: user.username.split('@')[0],
    name: `${user.firstName} ${user.lastName}`,
    email: user.email,
    email_verified: true,
    given_name: user.firstName,
    family_name: user.lastName,
    zoneinfo: 'America/Los_Angeles',
    photos: pic,
    profile: `${state.org.instanceUrl}/${user.id}`,
    picture: pic.picture,
    address: { country: 'US' },
    is_salesforce_integration_user: false,
    urls: identityUrls(state, user, requestedVersion(req)),
    active: user.isActive,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: -28_800_000,
    updated_at: '2024-01-01T00:00:00Z',
    is_app_installed: true,
  }
}

function formError(error: string, description: string): OAuthEndpointError {
  return new OAuthEndpointError(400, error, description, 'form')
}

const TOKEN_SHAPE = /^(00D[A-Za-z0-9]{12}![A-Za-z0-9._]+|5Aep[A-Za-z0-9._]+)$/

/** Registers userinfo, the identity URL, introspect, revoke, discovery, keys and the success page. */
export function registerIdentityRoutes(app: FastifyInstance, state: OAuthState): void {
  const { org, store } = state

  const userinfo = async (req: FastifyRequest, reply: FastifyReply) => {
    const token = liveToken(state, req)
    if (token === 'missing') return forbidden(reply, 'Missing_OAuth_Token')
    const user = token === 'bad' ? undefined : org.userById(token.userId)
    if (token === 'bad' || !user) return forbidden(reply, 'Bad_OAuth_Token')
    return sendJson(reply, 200, userinfoBody(state, req, user, token.idUrl))
  }
  app.get('/services/oauth2/userinfo', userinfo)
  app.post('/services/oauth2/userinfo', userinfo)

  const identity = async (
    req: FastifyRequest<{ Params: { orgId: string; userId: string } }>,
    reply: FastifyReply,
  ) => {
    const token = liveToken(state, req)
    if (token === 'missing') return forbidden(reply, 'Missing_OAuth_Token')
    if (token === 'bad') return forbidden(reply, 'Bad_OAuth_Token')
    const orgId = normalizeId(req.params.orgId)
    const userId = normalizeId(req.params.userId)
    const user = userId ? org.userById(userId) : undefined
    // UNCONFIRMED: the body for an id URL of another org or an unknown user.
    if (orgId !== org.orgId || !user) return forbidden(reply, 'Bad_Id')
    // Another user's identity needs the full or api scope (help remoteaccess_using_openid.htm).
    if (user.id !== token.userId && !token.scopes.some((s) => s === 'full' || s === 'api'))
      return forbidden(reply, 'Bad_Id')
    const idUrl = `${requestOrigin(org, req)}/id/${org.orgId}/${user.id}`
    return sendJson(reply, 200, identityBody(state, req, user, idUrl))
  }
  app.get('/id/:orgId/:userId', identity)
  app.post('/id/:orgId/:userId', identity)

  app.get('/id/keys', async (_req, reply) => sendJson(reply, 200, state.signer.jwks()))

  app.post('/services/oauth2/introspect', async (req, reply) => {
    const params = oauthParams(req)
    const client = authenticateClient(state, req, params, true)
    const found = params.token ? store.lookup(params.token) : undefined
    // UNCONFIRMED (reference §4): a token of another app, without "Introspect All Tokens", is reported
    // inactive rather than refused.
    const visible =
      found && (found.record.clientId === client.clientId || client.settings.introspectAllTokens)
    if (!found || !found.live || !visible) return sendJson(reply, 200, { active: false })
    const user = org.userById(found.record.userId)
    const record = found.record
    const iat = Math.floor(record.issuedAtMs / 1000)
    const body: Record<string, unknown> = {
      active: true,
      scope: record.scopes.join(' '),
      client_id: record.clientId,
      username: user?.username,
      sub: record.idUrl,
      token_type: found.kind === 'access' ? 'access_token' : 'refresh_token',
    }
    // Refresh tokens are valid until revoked (default policy), so they carry no exp (UNCONFIRMED).
    if (found.kind === 'access') body.exp = Math.floor(store.expiresAtMs(found.record) / 1000)
    body.iat = iat
    body.nbf = iat
    return sendJson(reply, 200, body)
  })

  const revoke = async (req: FastifyRequest, reply: FastifyReply) => {
    const token = oauthParams(req).token
    // A missing or malformed token answers unsupported_token_type (forrest #213 sent an array).
    if (!token || !TOKEN_SHAPE.test(token))
      throw formError('unsupported_token_type', 'this token type is not supported')
    const found = store.lookup(token)
    // UNCONFIRMED: unknown or already dead tokens answer invalid_token ("Token was invalid", reference §5).
    if (!found || !found.live) throw formError('invalid_token', 'Token was invalid')
    if (found.kind === 'access') store.revokeAccessToken(token)
    else store.revokeFamily(found.record.family)
    org.counters.increment('oauth.revoke')
    return reply.code(200).send()
  }
  app.post('/services/oauth2/revoke', revoke)
  app.get('/services/oauth2/revoke', revoke)

  app.get('/.well-known/openid-configuration', async (req, reply) => {
    const origin = requestOrigin(org, req)
    return sendJson(reply, 200, {
      issuer: origin,
      authorization_endpoint: `${origin}/services/oauth2/authorize`,
      token_endpoint: `${origin}/services/oauth2/token`,
      revocation_endpoint: `${origin}/services/oauth2/revoke`,
      userinfo_endpoint: `${origin}/services/oauth2/userinfo`,
      jwks_uri: `${origin}/id/keys`,
      registration_endpoint: `${origin}/services/oauth2/register`,
      introspection_endpoint: `${origin}/services/oauth2/introspect`,
      scopes_supported: [
        'id',
        'api',
        'web',
        'full',
        'chatter_api',
        'visualforce',
        'refresh_token',
        'openid',
        'profile',
        'email',
        'address',
        'phone',
        'offline_access',
        'custom_permissions',
        'wave_api',
        'eclair_api',
      ],
      response_types_supported: ['code', 'token', 'token id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      display_values_supported: ['page', 'popup', 'touch'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'private_key_jwt'],
      claims_supported: [
        'active',
        'address',
        'email',
        'email_verified',
        'family_name',
        'given_name',
        'is_app_installed',
        'language',
        'locale',
        'name',
        'nickname',
        'organization_id',
        'phone_number',
        'phone_number_verified',
        'photos',
        'picture',
        'preferred_username',
        'profile',
        'sub',
        'updated_at',
        'urls',
        'user_id',
        'user_type',
        'zoneinfo',
      ],
    })
  })

  app.get('/services/oauth2/success', async (_req, reply) =>
    reply
      .code(200)
      .header('content-type', 'text/html;charset=UTF-8')
      .send(messagePage('Remote Access Application Authorization', 'Authorization complete.')),
  )
}
