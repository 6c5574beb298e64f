/**
 * The state store: connections, their encrypted consumer secrets and refresh tokens, and the current
 * access token of each connection, shared by every process of one installation. One interface, two
 * implementations (SQLite in $SFSYNC_HOME, PostgreSQL through SFSYNC_STATE_URL) that pass one contract
 * suite (state-store.contract.test.ts).
 *
 * Every secret arrives here already sealed by secrets/SecretBox: the store never sees a plaintext.
 */

/** How a connection obtains its tokens. */
export type ConnectionFlow = 'client_credentials' | 'device' | 'web'

export interface ConnectionRecord {
  readonly name: string
  /** The URL the user gave: the org's My Domain (the token host of every flow). */
  readonly instanceUrl: string
  readonly clientId: string
  readonly flow: ConnectionFlow
  /** Sealed consumer secret, or null when the app was connected without one (device flow). */
  readonly secretSealed: string | null
  /** Sealed refresh token, or null when the flow or the app's scopes give none. */
  readonly refreshTokenSealed: string | null
  /** `instance_url` of the last token response: the base of API calls. */
  readonly apiUrl: string
  readonly orgId: string
  readonly userId: string
  readonly username: string
  /** The `id` URL of the token response. */
  readonly identityUrl: string
  /** Space-separated granted scopes. */
  readonly scopes: string
  /** Callback URL used by the web-server flow (empty for the other flows). */
  readonly callbackUrl: string
  readonly createdAt: string
  readonly updatedAt: string
}

export interface TokenRecord {
  readonly connection: string
  readonly accessTokenSealed: string
  /** `issued_at` of the token response, ms since epoch. */
  readonly issuedAtMs: number
  /** When the token was last known valid (issued, used successfully, or introspected active). */
  readonly checkedAtMs: number
  /** Increases with every new access token of the connection; lets a process see that another refreshed. */
  readonly generation: number
}

/** What a process may read and write while it holds a connection's lock. */
export interface LockedState {
  getConnection(name: string): Promise<ConnectionRecord | undefined>
  getToken(name: string): Promise<TokenRecord | undefined>
  putToken(token: TokenRecord): Promise<void>
  /** Replaces the sealed refresh token (rotation) in the same transaction as the token. */
  setRefreshToken(name: string, sealed: string | null): Promise<void>
}

export interface StateStore {
  readonly kind: 'sqlite' | 'postgres'
  getConnection(name: string): Promise<ConnectionRecord | undefined>
  listConnections(): Promise<ConnectionRecord[]>
  /**
   * Stores a new connection and its first token in one transaction. Throws `ConnectionExistsError` when
   * the name is taken, unless `replace`.
   */
  saveConnection(
    connection: ConnectionRecord,
    token: TokenRecord | undefined,
    options?: { replace?: boolean },
  ): Promise<void>
  /** Deletes a connection and its token; false when there was none. */
  deleteConnection(name: string): Promise<boolean>
  getToken(name: string): Promise<TokenRecord | undefined>
  /** Marks the token of `generation` as known valid at `atMs` (no-op when another generation is current). */
  touchToken(name: string, generation: number, atMs: number): Promise<void>
  /**
   * Runs `fn` holding the connection's lock, across processes: SQLite `BEGIN IMMEDIATE`, PostgreSQL a
   * transaction-level advisory lock. Writes through `tx` commit when `fn` resolves, roll back when it throws.
   */
  withLock<T>(name: string, fn: (tx: LockedState) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** Rows of the two tables, in column order, shared by both implementations. */
export const CONNECTION_COLUMNS = [
  'name',
  'instance_url',
  'client_id',
  'flow',
  'secret_sealed',
  'refresh_token_sealed',
  'api_url',
  'org_id',
  'user_id',
  'username',
  'identity_url',
  'scopes',
  'callback_url',
  'created_at',
  'updated_at',
] as const

export function connectionToRow(c: ConnectionRecord): (string | null)[] {
  return [
    c.name,
    c.instanceUrl,
    c.clientId,
    c.flow,
    c.secretSealed,
    c.refreshTokenSealed,
    c.apiUrl,
    c.orgId,
    c.userId,
    c.username,
    c.identityUrl,
    c.scopes,
    c.callbackUrl,
    c.createdAt,
    c.updatedAt,
  ]
}

export function rowToConnection(r: Record<string, unknown>): ConnectionRecord {
  const s = (k: string): string => {
    const v = r[k]
    return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : ''
  }
  const n = (k: string): string | null => (r[k] === null || r[k] === undefined ? null : s(k))
  return {
    name: s('name'),
    instanceUrl: s('instance_url'),
    clientId: s('client_id'),
    flow: s('flow') as ConnectionFlow,
    secretSealed: n('secret_sealed'),
    refreshTokenSealed: n('refresh_token_sealed'),
    apiUrl: s('api_url'),
    orgId: s('org_id'),
    userId: s('user_id'),
    username: s('username'),
    identityUrl: s('identity_url'),
    scopes: s('scopes'),
    callbackUrl: s('callback_url'),
    createdAt: s('created_at'),
    updatedAt: s('updated_at'),
  }
}

export function rowToToken(r: Record<string, unknown>): TokenRecord {
  return {
    connection: String(r.connection),
    accessTokenSealed: String(r.access_token_sealed),
    issuedAtMs: Number(r.issued_at_ms),
    checkedAtMs: Number(r.checked_at_ms),
    generation: Number(r.generation),
  }
}
