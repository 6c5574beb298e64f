/**
 * The access token of one connection, shared by every process of an installation through the state
 * store. A valid token is reused; one whose validity is in doubt (unused for a while) is checked by
 * introspection when the app allows it; a new one comes from the refresh-token flow when there is a
 * refresh token, else from the client-credentials flow. A rotated refresh token is committed together
 * with the new access token before either is used.
 *
 * Renewal is single-flight twice over: inside a process concurrent callers share one promise, and
 * across processes the state store's lock is taken and the token re-read under it, so that N callers
 * meeting one expired token cause exactly one token request.
 */
import type { Logger } from 'pino'
import type { StateStore, ConnectionRecord, LockedState, TokenRecord } from '../store/state/state-store.ts'
import type { SecretBox } from '../secrets/secret-box.ts'
import type { SecretValues } from '../secrets/redacting-logger.ts'
import { InputError } from '../config/sfsync-error.ts'
import { AuthError, OAuthError } from './errors.ts'
import type { ClientCredentials, OAuthEndpoints, TokenResponse } from './oauth/oauth-endpoints.ts'

/** An access token handed to a caller, with what it needs to use it. */
export interface AccessToken {
  readonly value: string
  /** Base URL of API calls (`instance_url`). */
  readonly apiUrl: string
  readonly generation: number
}

/** Seal contexts: a ciphertext only opens in the row and role it was written for. */
export const sealContext = {
  consumerSecret: (name: string) => `consumer_secret:${name}`,
  refreshToken: (name: string) => `refresh_token:${name}`,
  accessToken: (name: string) => `access_token:${name}`,
}

export interface TokenManagerOptions {
  readonly name: string
  readonly store: StateStore
  readonly box: SecretBox
  readonly oauth: OAuthEndpoints
  readonly secrets: SecretValues
  readonly log: Logger
  readonly now?: () => number
  /**
   * After this long without being known valid, a token is in doubt and is introspected before use
   * (default 15 minutes, Salesforce's shortest session timeout).
   */
  readonly doubtAfterMs?: number
}

/** In-process single flight, per state store and connection. */
const INFLIGHT = new WeakMap<StateStore, Map<string, Promise<AccessToken>>>()

/** The connection named `name`, or a clear error naming the known ones. */
export async function requireConnection(store: StateStore, name: string): Promise<ConnectionRecord> {
  const conn = await store.getConnection(name)
  if (conn) return conn
  const known = (await store.listConnections()).map((c) => c.name)
  throw new InputError(`There is no connection named "${name}".`, {
    code: 'CONNECTION_NOT_FOUND',
    nextStep: known.length ? `Known connections: ${known.join(', ')}.` : 'Create one with `sfsync connect`.',
  })
}

/** Converts a token response into what the store keeps. */
export function tokenRecordOf(
  name: string,
  box: SecretBox,
  res: TokenResponse,
  generation: number,
  nowMs: number,
): TokenRecord {
  return {
    connection: name,
    accessTokenSealed: box.seal(res.access_token, sealContext.accessToken(name)),
    issuedAtMs: res.issued_at ? Number(res.issued_at) : nowMs,
    checkedAtMs: nowMs,
    generation,
  }
}

/**
 * @example const tokens = new TokenManager({ name: 'prod', store, box, oauth, secrets, log }); const t = await tokens.current()
 */
export class TokenManager {
  readonly #o: Required<TokenManagerOptions>
  #marked: { generation: number; atMs: number } | undefined

  constructor(options: TokenManagerOptions) {
    this.#o = { now: Date.now, doubtAfterMs: 15 * 60_000, ...options }
  }

  get name(): string {
    return this.#o.name
  }

  /** The client credentials of the connection (the secret decrypted only for the request). */
  credentials(conn: ConnectionRecord): ClientCredentials {
    const clientSecret = conn.secretSealed
      ? this.#o.box.open(conn.secretSealed, sealContext.consumerSecret(conn.name), 'consumer secret')
      : undefined
    this.#o.secrets.add(clientSecret)
    return { clientId: conn.clientId, clientSecret }
  }

  #open(conn: ConnectionRecord, token: TokenRecord): AccessToken {
    const value = this.#o.box.open(
      token.accessTokenSealed,
      sealContext.accessToken(conn.name),
      'access token',
    )
    this.#o.secrets.add(value)
    return { value, apiUrl: conn.apiUrl, generation: token.generation }
  }

  /** A token to use now: the stored one, checked by introspection when in doubt, or a new one. */
  async current(): Promise<AccessToken> {
    const { store, name } = this.#o
    const conn = await requireConnection(store, name)
    const token = await store.getToken(name)
    if (!token) return this.renew(null)
    const access = this.#open(conn, token)
    if (this.#o.now() - token.checkedAtMs < this.#o.doubtAfterMs) return access
    return this.#settleDoubt(conn, token, access)
  }

  async #settleDoubt(conn: ConnectionRecord, token: TokenRecord, access: AccessToken): Promise<AccessToken> {
    const creds = this.credentials(conn)
    // Introspection needs the app's secret; without one, the API's 401 is the only check.
    if (!creds.clientSecret) return access
    try {
      const result = await this.#o.oauth.introspect(conn.instanceUrl, access.value, 'access_token', creds)
      if (result.active) {
        await this.#o.store.touchToken(conn.name, token.generation, this.#o.now())
        return access
      }
      this.#o.log.info({ connection: conn.name }, 'stored access token is no longer active; renewing')
      return this.renew(token.generation)
    } catch (err) {
      // Introspection not permitted or refused: use the token and let a 401 decide.
      if (err instanceof OAuthError) return access
      throw err
    }
  }

  /** Marks the token as known valid (after a successful call); cheap enough to call often. */
  async markValid(access: AccessToken): Promise<void> {
    const now = this.#o.now()
    // One write per half minute is plenty for a doubt window of minutes; not one per API call.
    if (this.#marked?.generation === access.generation && now - this.#marked.atMs < 30_000) return
    this.#marked = { generation: access.generation, atMs: now }
    await this.#o.store.touchToken(this.#o.name, access.generation, now)
  }

  /**
   * A token newer than the rejected generation (`null`: any token). Exactly one token request per
   * expiry, however many callers and processes meet it.
   */
  renew(rejectedGeneration: number | null): Promise<AccessToken> {
    const { store, name } = this.#o
    let byName = INFLIGHT.get(store)
    if (!byName) INFLIGHT.set(store, (byName = new Map<string, Promise<AccessToken>>()))
    const pending = byName.get(name)
    if (pending) return pending
    const flight = store
      .withLock(name, (tx) => this.#renewLocked(tx, rejectedGeneration))
      .finally(() => {
        byName.delete(name)
      })
    byName.set(name, flight)
    return flight
  }

  async #renewLocked(tx: LockedState, rejectedGeneration: number | null): Promise<AccessToken> {
    const { name, box, oauth, log } = this.#o
    const conn = await tx.getConnection(name)
    if (!conn)
      throw new InputError(`There is no connection named "${name}".`, { code: 'CONNECTION_NOT_FOUND' })
    // Re-read under the lock: another process may have renewed while this one waited.
    const stored = await tx.getToken(name)
    if (stored && (rejectedGeneration === null || stored.generation > rejectedGeneration))
      return this.#open(conn, stored)
    const creds = this.credentials(conn)
    let res: TokenResponse
    try {
      if (conn.refreshTokenSealed) {
        const refreshToken = box.open(
          conn.refreshTokenSealed,
          sealContext.refreshToken(name),
          'refresh token',
        )
        this.#o.secrets.add(refreshToken)
        res = await oauth.refresh(conn.instanceUrl, refreshToken, creds)
      } else if (conn.flow === 'client_credentials') {
        res = await oauth.clientCredentials(conn.instanceUrl, creds)
      } else {
        throw new AuthError(
          `The connection "${name}" has no refresh token, so its session cannot be renewed without logging in again.`,
          {
            nextStep: `Run \`sfsync login --name ${name} --${conn.flow === 'web' ? 'web' : 'device'}\`. To avoid this, add "Perform requests at any time (refresh_token, offline_access)" under Setup → App Manager → your app → Edit → Selected OAuth Scopes ("full" alone gives no refresh token).`,
          },
        )
      }
    } catch (err) {
      if (err instanceof OAuthError)
        throw new AuthError(`Renewing the session of "${name}" failed: ${err.message}`, {
          cause: err,
          ...(err.nextStep ? { nextStep: err.nextStep } : {}),
        })
      throw err
    }
    // Rotation: the new refresh token is committed with the access token, before either is used.
    if (res.refresh_token)
      await tx.setRefreshToken(name, box.seal(res.refresh_token, sealContext.refreshToken(name)))
    const record = tokenRecordOf(name, box, res, (stored?.generation ?? 0) + 1, this.#o.now())
    await tx.putToken(record)
    log.info(
      { connection: name, generation: record.generation, rotated: Boolean(res.refresh_token) },
      'access token renewed',
    )
    return { value: res.access_token, apiUrl: conn.apiUrl, generation: record.generation }
  }
}
