/**
 * The state store on SQLite (`node:sqlite`), one file in $SFSYNC_HOME shared by every process of the
 * installation. WAL mode lets readers run while a process holds the write lock of a token refresh.
 *
 * The cross-process lock is `BEGIN IMMEDIATE` on a second connection. `node:sqlite` is synchronous, so
 * instead of a busy timeout (which would block the event loop) the lock is polled asynchronously.
 */
import { DatabaseSync } from 'node:sqlite'
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS connections (
  name TEXT PRIMARY KEY, instance_url TEXT NOT NULL, client_id TEXT NOT NULL, flow TEXT NOT NULL,
  secret_sealed TEXT, refresh_token_sealed TEXT, api_url TEXT NOT NULL, org_id TEXT NOT NULL,
  user_id TEXT NOT NULL, username TEXT NOT NULL, identity_url TEXT NOT NULL, scopes TEXT NOT NULL,
  callback_url TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
  connection TEXT PRIMARY KEY REFERENCES connections(name) ON DELETE CASCADE,
  access_token_sealed TEXT NOT NULL, issued_at_ms INTEGER NOT NULL, checked_at_ms INTEGER NOT NULL,
  generation INTEGER NOT NULL
);`

export interface SqliteStateStoreOptions {
  readonly path: string
  /** How long `withLock` waits for another process (default 60 s). */
  readonly lockTimeoutMs?: number
}

function isBusy(err: unknown): boolean {
  const e = err as { errcode?: number; message?: string }
  return e.errcode === 5 || e.errcode === 6 || /database is locked|SQLITE_BUSY/i.test(String(e.message))
}

/** Opens (creating when needed, mode 0600) the SQLite state database. */
export class SqliteStateStore implements StateStore {
  readonly kind = 'sqlite' as const
  readonly #db: DatabaseSync
  readonly #lockDb: DatabaseSync
  readonly #lockTimeoutMs: number
  /** Serialises this process's users of the one lock connection. */
  #lockQueue: Promise<unknown> = Promise.resolve()

  private constructor(options: SqliteStateStoreOptions) {
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 })
    // Create the file with 0600 before SQLite does (SQLite would use the umask).
    closeSync(openSync(options.path, 'a', 0o600))
    chmodSync(options.path, 0o600)
    // timeout 0: a busy database is waited for asynchronously (#begin), never by blocking the thread.
    this.#db = new DatabaseSync(options.path, { timeout: 0 })
    // secure_delete: an erased connection's sealed secret does not linger in free pages.
    this.#db.exec('PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;')
    this.#lockDb = new DatabaseSync(options.path, { timeout: 0 })
    this.#lockDb.exec('PRAGMA foreign_keys = ON;')
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 60_000
  }

  /**
   * Opens the store and creates its tables (several processes may do so at once).
   * @example const store = await SqliteStateStore.open({ path: '/home/me/.sfsync/state.sqlite' })
   */
  static async open(options: SqliteStateStoreOptions): Promise<SqliteStateStore> {
    const store = new SqliteStateStore(options)
    try {
      await store.#init()
    } catch (err) {
      store.#lockDb.close()
      store.#db.close()
      throw err
    }
    return store
  }

  async #init(): Promise<void> {
    const started = Date.now()
    for (;;) {
      try {
        this.#db.exec('PRAGMA journal_mode = WAL')
        this.#db.exec(SCHEMA)
        return
      } catch (err) {
        if (!isBusy(err) || Date.now() - started > this.#lockTimeoutMs) throw err
        await sleep(10 + Math.random() * 40)
      }
    }
  }

  async getConnection(name: string): Promise<ConnectionRecord | undefined> {
    return this.#read(() => readConnection(this.#db, name))
  }

  async listConnections(): Promise<ConnectionRecord[]> {
    return this.#read(() =>
      this.#db
        .prepare('SELECT * FROM connections ORDER BY name')
        .all()
        .map((r) => rowToConnection(r as Record<string, unknown>)),
    )
  }

  async saveConnection(
    connection: ConnectionRecord,
    token: TokenRecord | undefined,
    options?: { replace?: boolean },
  ): Promise<void> {
    const db = this.#db
    await this.#begin(db, connection.name)
    try {
      const exists = db.prepare('SELECT 1 FROM connections WHERE name = ?').get(connection.name)
      if (exists && !options?.replace) throw new ConnectionExistsError(connection.name)
      if (exists) db.prepare('DELETE FROM connections WHERE name = ?').run(connection.name)
      const cols = CONNECTION_COLUMNS.join(', ')
      const marks = CONNECTION_COLUMNS.map(() => '?').join(', ')
      db.prepare(`INSERT INTO connections (${cols}) VALUES (${marks})`).run(...connectionToRow(connection))
      if (token) writeToken(db, token)
      db.exec('COMMIT')
    } catch (err) {
      db.exec('ROLLBACK')
      throw err
    }
  }

  async deleteConnection(name: string): Promise<boolean> {
    await this.#begin(this.#db, name)
    try {
      const result = this.#db.prepare('DELETE FROM connections WHERE name = ?').run(name)
      this.#db.exec('COMMIT')
      return Number(result.changes) > 0
    } catch (err) {
      this.#db.exec('ROLLBACK')
      throw err
    }
  }

  async getToken(name: string): Promise<TokenRecord | undefined> {
    return this.#read(() => readToken(this.#db, name))
  }

  async touchToken(name: string, generation: number, atMs: number): Promise<void> {
    try {
      this.#db
        .prepare(
          'UPDATE tokens SET checked_at_ms = ? WHERE connection = ? AND generation = ? AND checked_at_ms < ?',
        )
        .run(atMs, name, generation, atMs)
    } catch (err) {
      // Best effort: while another process refreshes, the mark is simply skipped.
      if (!isBusy(err)) throw err
    }
  }

  async withLock<T>(name: string, fn: (tx: LockedState) => Promise<T>): Promise<T> {
    const run = this.#lockQueue.then(() => this.#locked(name, fn))
    this.#lockQueue = run.catch(() => undefined)
    return run
  }

  async #locked<T>(name: string, fn: (tx: LockedState) => Promise<T>): Promise<T> {
    const db = this.#lockDb
    await this.#begin(db, name)
    const tx: LockedState = {
      getConnection: async (n) => readConnection(db, n),
      getToken: async (n) => readToken(db, n),
      putToken: async (t) => writeToken(db, t),
      setRefreshToken: async (n, sealed) => {
        db.prepare('UPDATE connections SET refresh_token_sealed = ?, updated_at = ? WHERE name = ?').run(
          sealed,
          new Date().toISOString(),
          n,
        )
      },
    }
    try {
      const result = await fn(tx)
      db.exec('COMMIT')
      return result
    } catch (err) {
      db.exec('ROLLBACK')
      throw err
    }
  }

  /** A read, retried in the rare moments WAL readers see SQLITE_BUSY (recovery, checkpoint). */
  async #read<T>(fn: () => T): Promise<T> {
    const started = Date.now()
    for (;;) {
      try {
        return fn()
      } catch (err) {
        if (!isBusy(err) || Date.now() - started > this.#lockTimeoutMs) throw err
        await sleep(5 + Math.random() * 20)
      }
    }
  }

  /** `BEGIN IMMEDIATE`, polled with jitter while another connection or process writes. */
  async #begin(db: DatabaseSync, name: string): Promise<void> {
    const started = Date.now()
    for (let attempt = 0; ; attempt++) {
      try {
        db.exec('BEGIN IMMEDIATE')
        return
      } catch (err) {
        if (!isBusy(err)) throw err
        if (Date.now() - started > this.#lockTimeoutMs) throw new LockTimeoutError(name, this.#lockTimeoutMs)
        await sleep(5 + Math.random() * Math.min(100, 10 * (attempt + 1)))
      }
    }
  }

  async close(): Promise<void> {
    await this.#lockQueue
    this.#lockDb.close()
    this.#db.close()
  }
}

function readConnection(db: DatabaseSync, name: string): ConnectionRecord | undefined {
  const row = db.prepare('SELECT * FROM connections WHERE name = ?').get(name)
  return row ? rowToConnection(row) : undefined
}

function readToken(db: DatabaseSync, name: string): TokenRecord | undefined {
  const row = db.prepare('SELECT * FROM tokens WHERE connection = ?').get(name)
  return row ? rowToToken(row) : undefined
}

function writeToken(db: DatabaseSync, t: TokenRecord): void {
  db.prepare(
    `INSERT INTO tokens (connection, access_token_sealed, issued_at_ms, checked_at_ms, generation) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (connection) DO UPDATE SET access_token_sealed = excluded.access_token_sealed,
       issued_at_ms = excluded.issued_at_ms, checked_at_ms = excluded.checked_at_ms, generation = excluded.generation`,
  ).run(t.connection, t.accessTokenSealed, t.issuedAtMs, t.checkedAtMs, t.generation)
}
