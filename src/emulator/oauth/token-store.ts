/**
 * Every OAuth credential the org has minted: access tokens (sessions), refresh tokens and authorization
 * codes, held in memory for the life of the emulator. It is the SessionResolver that REST and Bulk use.
 *
 * Token shapes follow reference/salesforce-oauth.md §14: access `00D<15>!<[A-Za-z0-9._]+>`, refresh
 * `5Aep<[A-Za-z0-9._]+>`, authorization code `aPrx…==`.
 */
import { randomBytes } from 'node:crypto'
import type { EmulatorOrg } from '../org.ts'
import type { Session, SessionResolver } from './session.ts'

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._'

/** `length` random characters over [A-Za-z0-9._] (64 symbols, so every byte maps without bias). */
export function randomTokenChars(length: number): string {
  let s = ''
  for (const b of randomBytes(length)) s += TOKEN_ALPHABET[b & 63]
  return s
}

/**
 * UNCONFIRMED: Salesforce does not document a cap; third parties (Nango, Paragon, hotovo) report that a
 * user holds at most 5 refresh tokens per app and that a sixth approval revokes the oldest.
 */
export const MAX_REFRESH_TOKENS_PER_USER_AND_APP = 5

/**
 * UNCONFIRMED: Salesforce help says the code is valid for 15 minutes; a third-party write-up says 2.
 * One-time use is confirmed ("expired authorization code" on reuse).
 */
export const AUTH_CODE_LIFETIME_MS = 15 * 60_000

export interface AccessTokenRecord extends Session {
  /** The identity URL returned with the token (`${origin}/id/<org>/<user>`). */
  readonly idUrl: string
  /** The refresh token this access token was issued with or from, if any. */
  readonly refreshToken: string | undefined
  lastActivityMs: number
  revoked: boolean
}

export interface RefreshTokenRecord {
  readonly token: string
  readonly userId: string
  readonly clientId: string
  readonly scopes: readonly string[]
  readonly issuedAtMs: number
  readonly idUrl: string
  /** All refresh tokens descending from one approval share a family; rotation stays inside it. */
  readonly family: string
  state: 'active' | 'rotated' | 'revoked'
}

export interface AuthCodeRecord {
  readonly code: string
  readonly clientId: string
  readonly userId: string
  readonly redirectUri: string
  readonly scopes: readonly string[]
  readonly codeChallenge: string | undefined
  readonly codeChallengeMethod: 'S256' | 'plain'
  readonly issuedAtMs: number
  used: boolean
}

export type TokenLookup =
  | { readonly kind: 'access'; readonly record: AccessTokenRecord; readonly live: boolean }
  | { readonly kind: 'refresh'; readonly record: RefreshTokenRecord; readonly live: boolean }

export class TokenStore implements SessionResolver {
  readonly #org: EmulatorOrg
  readonly #timeoutMs: () => number
  readonly #access = new Map<string, AccessTokenRecord>()
  readonly #refresh = new Map<string, RefreshTokenRecord>()
  readonly #codes = new Map<string, AuthCodeRecord>()

  /** `timeoutSeconds` is read on every check, so a changed session timeout applies to live sessions too. */
  constructor(org: EmulatorOrg, timeoutSeconds: () => number) {
    this.#org = org
    this.#timeoutMs = () => timeoutSeconds() * 1000
  }

  issueAccessToken(input: {
    userId: string
    clientId: string
    scopes: readonly string[]
    idUrl: string
    refreshToken?: string | undefined
  }): AccessTokenRecord {
    const now = this.#org.clock.now()
    const accessToken = `${this.#org.orgId.slice(0, 15)}!AQ${randomTokenChars(110)}`
    const record: AccessTokenRecord = {
      accessToken,
      userId: input.userId,
      clientId: input.clientId,
      scopes: [...input.scopes],
      issuedAtMs: now,
      idUrl: input.idUrl,
      refreshToken: input.refreshToken,
      lastActivityMs: now,
      revoked: false,
    }
    this.#access.set(accessToken, record)
    return record
  }

  /** Mints a refresh token; a new approval (no `family`) may push the user's oldest one out (see the cap). */
  issueRefreshToken(input: {
    userId: string
    clientId: string
    scopes: readonly string[]
    idUrl: string
    family?: string
  }): RefreshTokenRecord {
    const token = `5Aep861${randomTokenChars(80)}`
    const record: RefreshTokenRecord = {
      token,
      userId: input.userId,
      clientId: input.clientId,
      scopes: [...input.scopes],
      issuedAtMs: this.#org.clock.now(),
      idUrl: input.idUrl,
      family: input.family ?? token,
      state: 'active',
    }
    this.#refresh.set(token, record)
    if (!input.family) this.#enforceApprovalCap(input.userId, input.clientId)
    return record
  }

  #enforceApprovalCap(userId: string, clientId: string): void {
    const families = new Map<string, RefreshTokenRecord>()
    for (const r of this.#refresh.values()) {
      if (r.userId === userId && r.clientId === clientId && r.state === 'active' && !families.has(r.family))
        families.set(r.family, r)
    }
    const excess = families.size - MAX_REFRESH_TOKENS_PER_USER_AND_APP
    if (excess <= 0) return
    // Map iteration follows insertion order, so the first families are the oldest approvals.
    for (const family of [...families.keys()].slice(0, excess)) this.revokeFamily(family)
  }

  issueAuthCode(input: Omit<AuthCodeRecord, 'code' | 'issuedAtMs' | 'used'>): AuthCodeRecord {
    const code = `aPrx${randomBytes(60).toString('base64').replace(/=+$/, '')}==`
    const record: AuthCodeRecord = { ...input, code, issuedAtMs: this.#org.clock.now(), used: false }
    this.#codes.set(code, record)
    return record
  }

  /** The code if it exists; callers check `used` and the lifetime (both answer "expired authorization code"). */
  authCode(code: string): AuthCodeRecord | undefined {
    return this.#codes.get(code)
  }

  isAuthCodeExpired(record: AuthCodeRecord): boolean {
    return this.#org.clock.now() - record.issuedAtMs > AUTH_CODE_LIFETIME_MS
  }

  refreshToken(token: string): RefreshTokenRecord | undefined {
    return this.#refresh.get(token)
  }

  /** The access token's record whatever its state (for introspection and revocation). */
  accessToken(token: string): AccessTokenRecord | undefined {
    return this.#access.get(token)
  }

  /** True while the token is neither revoked nor past the session timeout. */
  isLive(record: AccessTokenRecord): boolean {
    return !record.revoked && this.#org.clock.now() - record.lastActivityMs < this.#timeoutMs()
  }

  /** Emulated time (ms) at which the session times out if unused. */
  expiresAtMs(record: AccessTokenRecord): number {
    return record.lastActivityMs + this.#timeoutMs()
  }

  /**
   * The live session of `accessToken`, recording the use. The timeout counts inactivity, and Salesforce
   * moves the last-activity mark only once half the timeout has passed since the previous mark
   * (reference/salesforce-oauth.md §10, from an admin handbook excerpt).
   */
  resolve(accessToken: string): Session | undefined {
    const record = this.#access.get(accessToken)
    if (!record || !this.isLive(record)) return undefined
    const now = this.#org.clock.now()
    if (now - record.lastActivityMs >= this.#timeoutMs() / 2) record.lastActivityMs = now
    return record
  }

  lookup(token: string): TokenLookup | undefined {
    const access = this.#access.get(token)
    if (access) return { kind: 'access', record: access, live: this.isLive(access) }
    const refresh = this.#refresh.get(token)
    if (refresh) return { kind: 'refresh', record: refresh, live: refresh.state === 'active' }
    return undefined
  }

  revokeAccessToken(token: string): void {
    const record = this.#access.get(token)
    if (record) record.revoked = true
  }

  /** Revokes every refresh token of `family` and every access token issued from any of them. */
  revokeFamily(family: string): void {
    const tokens = new Set<string>()
    for (const r of this.#refresh.values()) {
      if (r.family !== family) continue
      r.state = 'revoked'
      tokens.add(r.token)
    }
    for (const a of this.#access.values()) {
      if (a.refreshToken !== undefined && tokens.has(a.refreshToken)) a.revoked = true
    }
  }

  /** Revokes every token of one user (or of everyone), returning how many live tokens died. */
  revokeAll(userId?: string): { accessTokens: number; refreshTokens: number } {
    let accessTokens = 0
    let refreshTokens = 0
    for (const a of this.#access.values()) {
      if (userId !== undefined && a.userId !== userId) continue
      if (this.isLive(a)) accessTokens++
      a.revoked = true
    }
    for (const r of this.#refresh.values()) {
      if (userId !== undefined && r.userId !== userId) continue
      if (r.state === 'active') refreshTokens++
      r.state = 'revoked'
    }
    return { accessTokens, refreshTokens }
  }

  /** Counts by state, for the control API (never the token values). */
  counts(): Record<string, number> {
    let live = 0
    let expired = 0
    let revoked = 0
    for (const a of this.#access.values()) {
      if (a.revoked) revoked++
      else if (this.isLive(a)) live++
      else expired++
    }
    const refresh = { active: 0, rotated: 0, revoked: 0 }
    for (const r of this.#refresh.values()) refresh[r.state]++
    return {
      accessTokensLive: live,
      accessTokensExpired: expired,
      accessTokensRevoked: revoked,
      refreshTokensActive: refresh.active,
      refreshTokensRotated: refresh.rotated,
      refreshTokensRevoked: refresh.revoked,
    }
  }
}
