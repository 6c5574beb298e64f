/**
 * What every successful grant has in common: which scopes are granted, minting the tokens, and the
 * token response itself (reference/salesforce-oauth.md §1 table, §8 signature). There is no
 * `expires_in`: Salesforce never sends one (§10).
 */
import { createHmac } from 'node:crypto'
import type { EmulatorOrg, EmulatorUser } from '../org.ts'
import type { OAuthClient } from './connected-app.ts'
import type { IdTokenSigner } from './id-token.ts'
import type { TokenStore } from './token-store.ts'

const REFRESH_SCOPES = new Set(['refresh_token', 'offline_access'])

/** True when the app's selected scopes allow `scope`: `full` "encompasses all other scopes" except refresh (§0). */
function appAllows(appScopes: readonly string[], scope: string): boolean {
  if (appScopes.includes(scope)) return true
  if (REFRESH_SCOPES.has(scope)) return appScopes.some((s) => REFRESH_SCOPES.has(s))
  return appScopes.includes('full')
}

/**
 * The scopes granted for a request. No `scope` parameter means every scope selected on the app.
 * UNCONFIRMED: requested scopes the app does not allow are dropped silently (the reference's §0 expects
 * the CLI's `refresh_token api web` against a `full`-only app to succeed without a refresh token).
 */
export function grantedScopes(appScopes: readonly string[], requested: string | undefined): string[] {
  const wanted = requested?.trim() ? requested.trim().split(/[\s+]+/) : [...appScopes]
  const out: string[] = []
  for (const scope of wanted) if (appAllows(appScopes, scope) && !out.includes(scope)) out.push(scope)
  return out
}

/**
 * Client credentials tokens get the app's scopes "with some exceptions (notably: full, web,
 * offline_access, refresh_token)" (simple-salesforce PR #662, third-party).
 * UNCONFIRMED: we keep `full`, so that an app set up as the seed page says (`full` only) still yields a
 * usable token; nothing found shows Salesforce refusing or emptying such a token.
 */
export function clientCredentialsScopes(appScopes: readonly string[]): string[] {
  return appScopes.filter((s) => !REFRESH_SCOPES.has(s) && s !== 'web' && s !== 'openid')
}

/** True when the granted scopes carry a refresh token. */
export function grantsRefreshToken(scopes: readonly string[]): boolean {
  return scopes.some((s) => REFRESH_SCOPES.has(s))
}

/** base64(HMAC-SHA256(consumer secret, id + issued_at)); empty key for a client without a secret (UNCONFIRMED). */
export function tokenSignature(clientSecret: string | undefined, idUrl: string, issuedAt: string): string {
  return createHmac('sha256', clientSecret ?? '')
    .update(idUrl + issuedAt)
    .digest('base64')
}

/** The identity URL of a user: `${origin}/id/<org id 18>/<user id 18>`. */
export function identityUrl(org: EmulatorOrg, origin: string, userId: string): string {
  return `${origin}/id/${org.orgId}/${userId}`
}

export interface IssueInput {
  readonly client: OAuthClient
  readonly user: EmulatorUser
  readonly scopes: readonly string[]
  /**
   * Origin of the identity URL. UNCONFIRMED (reference §7, §15): we use the host the token request
   * went to, so login-host flows get `http://localhost:PORT/id/…` (as login.salesforce.com) and My
   * Domain flows the My Domain, as in Salesforce's client-credentials sample.
   */
  readonly origin: string
  /** `new`: mint a refresh token (a new approval); `none`: do not; or an existing one to link to. */
  readonly refresh: { kind: 'new' } | { kind: 'none' } | { kind: 'existing'; token: string; family: string }
  /** When rotating, the refresh token that replaces the presented one (same family). */
  readonly rotateFamily?: string | undefined
  readonly nonce?: string | undefined
}

export type TokenResponse = Record<string, string>

export class TokenIssuer {
  readonly #org: EmulatorOrg
  readonly #store: TokenStore
  readonly #signer: IdTokenSigner

  constructor(org: EmulatorOrg, store: TokenStore, signer: IdTokenSigner) {
    this.#org = org
    this.#store = store
    this.#signer = signer
  }

  /** Mints the tokens and builds the response body, in Salesforce's field order. */
  issue(input: IssueInput): TokenResponse {
    const idUrl = identityUrl(this.#org, input.origin, input.user.id)
    let refreshToken: string | undefined
    let returnRefresh = false
    if (input.refresh.kind === 'new') {
      refreshToken = this.#store.issueRefreshToken({
        userId: input.user.id,
        clientId: input.client.clientId,
        scopes: input.scopes,
        idUrl,
      }).token
      returnRefresh = true
    } else if (input.refresh.kind === 'existing') {
      refreshToken = input.refresh.token
      if (input.rotateFamily !== undefined) {
        refreshToken = this.#store.issueRefreshToken({
          userId: input.user.id,
          clientId: input.client.clientId,
          scopes: input.scopes,
          idUrl,
          family: input.rotateFamily,
        }).token
        returnRefresh = true
      }
    }
    const access = this.#store.issueAccessToken({
      userId: input.user.id,
      clientId: input.client.clientId,
      scopes: input.scopes,
      idUrl,
      refreshToken,
    })
    const issuedAt = String(access.issuedAtMs)
    const body: TokenResponse = { access_token: access.accessToken }
    if (returnRefresh && refreshToken) body.refresh_token = refreshToken
    body.signature = tokenSignature(input.client.clientSecret, idUrl, issuedAt)
    body.scope = input.scopes.join(' ')
    if (input.scopes.includes('openid')) {
      body.id_token = this.#signer.sign({
        issuer: input.origin,
        clientId: input.client.clientId,
        idUrl,
        user: input.user,
        accessToken: access.accessToken,
        nowMs: access.issuedAtMs,
        nonce: input.nonce,
      })
    }
    body.instance_url = this.#org.instanceUrl
    body.id = idUrl
    body.token_type = 'Bearer'
    body.issued_at = issuedAt
    return body
  }
}
