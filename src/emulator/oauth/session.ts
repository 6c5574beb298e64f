/**
 * The contract between the OAuth layer (which mints and revokes access tokens) and every layer that
 * accepts them (REST, Bulk, identity).
 */
export interface Session {
  readonly accessToken: string
  readonly userId: string
  /** Consumer key of the app the token was issued to. */
  readonly clientId: string
  readonly scopes: readonly string[]
  readonly issuedAtMs: number
}

export interface SessionResolver {
  /**
   * The live session for `accessToken`, or undefined when unknown, expired (session timeout, emulated
   * clock) or revoked. Callers answer 401 INVALID_SESSION_ID on undefined.
   */
  resolve(accessToken: string): Session | undefined
}
