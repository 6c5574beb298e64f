/**
 * The state store on PostgreSQL (`SFSYNC_STATE_URL`), for services and workers on several machines.
 * Tables live in their own schema (default `sfsync`). The cross-process lock of a connection is a
 * transaction-level advisory lock keyed by schema and connection name; it is released by COMMIT or
 * ROLLBACK, so a crashed process never leaves it held.
 */
import pg from 'pg'
import {
  CONNECTION_COLUMNS,
  connectionToRow,
  rowToConnection,
  rowToToken,
  type ConnectionRecord,
  type LockedState,
  type StateStore,
  type TokenRecord,
} from './state-store.ts'
import { ConnectionExistsError, LockTimeoutError } from './state-errors.ts'

export interface PostgresStateStoreOptions {
  readonly url: string
  /** Schema of the tables (created when missing). */
  readonly schema: string
  readonly lockTimeoutMs?: number
}

type Queryable = Pick<pg.PoolClient, 'query'>

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

export class PostgresStateStore implements StateStore {
  readonly kind = 'postgres' as const
  readonly #pool: pg.Pool
  readonly #schema: string
  readonly #lockTimeoutMs: number
  readonly #t: { connections: string; tokens: string }

  private constructor(options: PostgresStateStoreOptions) {
    this.#pool = new pg.Pool({ connectionString: options.url, max: 10 })
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    this.#pool.on('error', () => undefined)
    this.#schema = options.schema
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 60_000
    this.#t = {
      connections: `${ident(options.schema)}.connections`,
      tokens: `${ident(options.schema)}.tokens`,
    }
  }

  /**
   * Connects and creates the schema and tables when missing.
   * @example const store = await PostgresStateStore.open({ url: 'postgres://localhost/sfsync', schema: 'sfsync' })
   */
  static async open(options: PostgresStateStoreOptions): Promise<PostgresStateStore> {
    const store = new PostgresStateStore(options)
    try {
      await store.#transaction(async (c) => {
        // Serialise concurrent first starts: CREATE ... IF NOT EXISTS races on the catalogue otherwise.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sfsync-state-schema:${options.schema}`])
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${ident(options.schema)}`)
        await c.query(`CREATE TABLE IF NOT EXISTS ${store.#t.connections} (
          name TEXT PRIMARY KEY, instance_url TEXT NOT NULL, client_id TEXT NOT NULL, flow TEXT NOT NULL,
          secret_sealed TEXT, refresh_token_sealed TEXT, api_url TEXT NOT NULL, org_id TEXT NOT NULL,
          user_id TEXT NOT NULL, username TEXT NOT NULL, identity_url TEXT NOT NULL, scopes TEXT NOT NULL,
          callback_url TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`)
        await c.query(`CREATE TABLE IF NOT EXISTS ${store.#t.tokens} (
          connection TEXT PRIMARY KEY REFERENCES ${store.#t.connections}(name) ON DELETE CASCADE,
          access_token_sealed TEXT NOT NULL, issued_at_ms BIGINT NOT NULL, checked_at_ms BIGINT NOT NULL,
          generation INTEGER NOT NULL)`)
      })
    } catch (err) {
      await store.#pool.end()
      throw err
    }
    return store
  }

  async #transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect()
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw err
    } finally {
      client.release()
    }
  }

  async getConnection(name: string): Promise<ConnectionRecord | undefined> {
    return this.#readConnection(this.#pool, name)
  }

  async #readConnection(q: Queryable, name: string): Promise<ConnectionRecord | undefined> {
    const { rows } = await q.query(`SELECT * FROM ${this.#t.connections} WHERE name = $1`, [name])
    return rows[0] ? rowToConnection(rows[0] as Record<string, unknown>) : undefined
  }

  async #readToken(q: Queryable, name: string): Promise<TokenRecord | undefined> {
    const { rows } = await q.query(`SELECT * FROM ${this.#t.tokens} WHERE connection = $1`, [name])
    return rows[0] ? rowToToken(rows[0] as Record<string, unknown>) : undefined
  }

  async #writeToken(q: Queryable, t: TokenRecord): Promise<void> {
    await q.query(
      `INSERT INTO ${this.#t.tokens} (connection, access_token_sealed, issued_at_ms, checked_at_ms, generation)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (connection) DO UPDATE SET access_token_sealed = EXCLUDED.access_token_sealed,
         issued_at_ms = EXCLUDED.issued_at_ms, checked_at_ms = EXCLUDED.checked_at_ms, generation = EXCLUDED.generation`,
      [t.connection, t.accessTokenSealed, t.issuedAtMs, t.checkedAtMs, t.generation],
    )
  }

  async listConnections(): Promise<ConnectionRecord[]> {
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#t.connections} ORDER BY name`)
    return rows.map((r) => rowToConnection(r as Record<string, unknown>))
  }

  async saveConnection(
    connection: ConnectionRecord,
    token: TokenRecord | undefined,
    options?: { replace?: boolean },
  ): Promise<void> {
    await this.#transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.#lockKey(connection.name)])
      const existing = await c.query(`SELECT 1 FROM ${this.#t.connections} WHERE name = $1`, [
        connection.name,
      ])
      if (existing.rowCount && !options?.replace) throw new ConnectionExistsError(connection.name)
      if (existing.rowCount)
        await c.query(`DELETE FROM ${this.#t.connections} WHERE name = $1`, [connection.name])
      const cols = CONNECTION_COLUMNS.join(', ')
      const marks = CONNECTION_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')
      await c.query(
        `INSERT INTO ${this.#t.connections} (${cols}) VALUES (${marks})`,
        connectionToRow(connection),
      )
      if (token) await this.#writeToken(c, token)
    })
  }

  async deleteConnection(name: string): Promise<boolean> {
    const result = await this.#pool.query(`DELETE FROM ${this.#t.connections} WHERE name = $1`, [name])
    return (result.rowCount ?? 0) > 0
  }

  async getToken(name: string): Promise<TokenRecord | undefined> {
    return this.#readToken(this.#pool, name)
  }

  async touchToken(name: string, generation: number, atMs: number): Promise<void> {
    await this.#pool.query(
      `UPDATE ${this.#t.tokens} SET checked_at_ms = $1 WHERE connection = $2 AND generation = $3 AND checked_at_ms < $1`,
      [atMs, name, generation],
    )
  }

  #lockKey(name: string): string {
    return `sfsync-connection:${this.#schema}:${name}`
  }

  async withLock<T>(name: string, fn: (tx: LockedState) => Promise<T>): Promise<T> {
    return this.#transaction(async (c) => {
      await c.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(this.#lockTimeoutMs))}`)
      try {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.#lockKey(name)])
      } catch (err) {
        // 55P03 lock_not_available: lock_timeout elapsed.
        if ((err as { code?: string }).code === '55P03') throw new LockTimeoutError(name, this.#lockTimeoutMs)
        throw err
      }
      const tx: LockedState = {
        getConnection: (n) => this.#readConnection(c, n),
        getToken: (n) => this.#readToken(c, n),
        putToken: (t) => this.#writeToken(c, t),
        setRefreshToken: async (n, sealed) => {
          await c.query(
            `UPDATE ${this.#t.connections} SET refresh_token_sealed = $1, updated_at = $2 WHERE name = $3`,
            [sealed, new Date().toISOString(), n],
          )
        },
      }
      return fn(tx)
    })
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}
