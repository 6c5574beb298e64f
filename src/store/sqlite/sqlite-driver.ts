/**
 * The SQLite dialect (`node:sqlite`, one connection per destination file). Column types and encoding
 * follow docs/type-mapping.md: ISO text for dates and times, 0/1 for booleans, REAL for decimals.
 */
import { DatabaseSync } from 'node:sqlite'
import type { StatementSync } from 'node:sqlite'
import type {
  BatchWriter,
  CanonicalValue,
  ColumnDef,
  ColumnKind,
  DestinationCapabilities,
} from '../destination.ts'
import type { DbRow, SqlDriver, SqlExecutor, WriterContext } from '../sql-driver.ts'
import { asText, quoteIdent } from '../sql-driver.ts'
import { canonicalDecimal } from '../value-conversion.ts'
import { SqliteBatchWriter } from './sqlite-batch-writer.ts'

/** What differs on SQLite. */
export const SQLITE_CAPABILITIES: DestinationCapabilities = Object.freeze({
  // SQLITE_MAX_VARIABLE_NUMBER defaults to 32766 since SQLite 3.32 (node:sqlite bundles 3.5x).
  maxBindParameters: 32766,
  supportsTransactionalDdl: true,
  exactDecimals: false,
  alterColumnType: false,
  schemas: false,
  concurrentTransactions: false,
})

/** Options of {@link SqliteDriver}. */
export interface SqliteDriverOptions {
  /** Path of the database file (created when missing). */
  readonly path: string
}

/** Column type of a column definition (docs/type-mapping.md). */
export function sqliteColumnType(col: Pick<ColumnDef, 'kind' | 'length' | 'precision' | 'scale'>): string {
  switch (col.kind) {
    case 'boolean':
      return 'BOOLEAN'
    case 'integer':
    case 'bigint':
      return 'INTEGER'
    case 'decimal':
    case 'double':
      return 'REAL'
    default:
      return 'TEXT'
  }
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const
  readonly capabilities = SQLITE_CAPABILITIES
  readonly autoIncrementKey = 'INTEGER PRIMARY KEY AUTOINCREMENT'
  readonly createScratchTable = 'CREATE TABLE'
  readonly #db: DatabaseSync
  readonly #statements = new Map<string, StatementSync>()
  #txQueue: Promise<unknown> = Promise.resolve()

  constructor(options: SqliteDriverOptions) {
    this.#db = new DatabaseSync(options.path)
    // WAL + synchronous=NORMAL: the measured write path (perf-limits.md row 4); a commit survives a
    // process crash (kill -9), only an OS crash can lose the last commits.
    // cache_size 16 MiB: with the 2 MiB default, loads spill pages and spend twice the system time; 64 MiB
    // cost 50 MB more peak RSS for no CPU gained on a 200k-row load (measured with the sync-load bench).
    this.#db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -16384',
    )
  }

  /** The connection, for the batch writer. */
  get database(): DatabaseSync {
    return this.#db
  }

  table(name: string): string {
    return quoteIdent(name)
  }

  columnType(col: Pick<ColumnDef, 'kind' | 'length' | 'precision' | 'scale'>): string {
    return sqliteColumnType(col)
  }

  param(i: number): string {
    return `?${i}`
  }

  textList(i: number): string {
    return `json_each(${this.param(i)})`
  }

  encodeTextList(values: readonly string[]): unknown {
    return JSON.stringify(values)
  }

  distinct(a: string, b: string): string {
    return `${a} IS NOT ${b}`
  }

  encode(kind: ColumnKind, value: string | boolean | null): unknown {
    if (value === null) return null
    if (kind === 'boolean') return value === true || value === 'true' ? 1 : 0
    if (kind === 'decimal' || kind === 'double') return Number(value)
    return value
  }

  canonical(kind: ColumnKind, value: unknown): CanonicalValue {
    if (value === null || value === undefined) return null
    switch (kind) {
      case 'boolean':
        return value === 1n || value === 1 || value === true
      case 'integer':
      case 'bigint':
        if (typeof value === 'bigint')
          return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
            ? Number(value)
            : asText(value)
        return Number(value)
      case 'decimal':
      case 'double':
        return typeof value === 'bigint' ? asText(value) : canonicalDecimal(value as number | string)
      default:
        return asText(value)
    }
  }

  alterColumnType(): string {
    throw new Error('SQLite cannot change a column type in place (capabilities.alterColumnType is false)')
  }

  cast(column: string, type: string): string {
    return `CAST(${column} AS ${type})`
  }

  #statement(sql: string): StatementSync {
    let stmt = this.#statements.get(sql)
    if (!stmt) {
      stmt = this.#db.prepare(sql)
      stmt.setReadBigInts(true) // integers beyond 2^53 (long fields) must not throw on read
      this.#statements.set(sql, stmt)
    }
    return stmt
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<DbRow[]> {
    const stmt = this.#statement(sql)
    const args = params as (null | number | bigint | string)[]
    if (stmt.columns().length === 0) {
      stmt.run(...args)
      return []
    }
    return stmt.all(...args)
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // One connection: transactions queue behind each other instead of nesting.
    const run = async (): Promise<T> => {
      this.#db.exec('BEGIN IMMEDIATE')
      try {
        const result = await fn(this)
        this.#db.exec('COMMIT')
        return result
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK')
        throw error
      }
    }
    const next = this.#txQueue.then(run, run)
    this.#txQueue = next.catch(() => undefined)
    return next
  }

  async openWriter(ctx: WriterContext): Promise<BatchWriter> {
    return new SqliteBatchWriter(this.#db, this, ctx)
  }

  resetStatements(): void {
    this.#statements.clear()
  }

  async close(): Promise<void> {
    this.#statements.clear()
    if (this.#db.isOpen) this.#db.close()
  }
}
