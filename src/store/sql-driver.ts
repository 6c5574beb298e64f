/**
 * What a dialect gives the shared destination core (`sql-destination.ts`): SQL spelling, column types,
 * value encoding, transactions and the fast write path. Kept internal to store/: sync code sees only
 * the Destination port and its capability flags.
 */
import type {
  BatchWriter,
  CanonicalValue,
  ColumnDef,
  ColumnKind,
  DestinationCapabilities,
  WriterOptions,
} from './destination.ts'
import type { Normalizer } from './value-conversion.ts'

/** A row read back from the database. */
export type DbRow = Record<string, unknown>

/** Runs SQL on one connection (inside or outside a transaction). */
export interface SqlExecutor {
  query(sql: string, params?: readonly unknown[]): Promise<DbRow[]>
}

/** Everything a dialect's writer needs, prepared by the core. */
export interface WriterContext {
  readonly object: string
  /** Quoted, qualified table name. */
  readonly table: string
  /** The columns written, in value order: the caller's fields, then `_sfsync_synced_at`. */
  readonly columns: readonly ColumnDef[]
  /** Normalizers of the caller's fields (same order, without the synced-at column). */
  readonly normalizers: readonly Normalizer[]
  /** Normalized `_sfsync_synced_at` value. */
  readonly syncedAt: string
  readonly options: Required<Pick<WriterOptions, 'mode'>> & Pick<WriterOptions, 'staleGuardColumn'>
  /** `ON CONFLICT ("id") DO UPDATE SET ... WHERE ...` for the columns written (no leading space). */
  readonly onConflict: string
  /** Writes the checkpoint inside the writer's transaction. */
  saveCheckpoint(tx: SqlExecutor, checkpoint: unknown): Promise<void>
  /** Called once when the writer closes, whatever the outcome. */
  release(): void
}

/** One dialect. */
export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres'
  readonly capabilities: DestinationCapabilities
  /** Quoted table name, schema-qualified where the dialect has schemas. */
  table(name: string): string
  /** Column type of a column definition. */
  columnType(col: Pick<ColumnDef, 'kind' | 'length' | 'precision' | 'scale'>): string
  /** `INTEGER PRIMARY KEY AUTOINCREMENT` / `bigserial PRIMARY KEY`. */
  readonly autoIncrementKey: string
  /**
   * `CREATE TABLE`, or the dialect's cheaper form for a table whose rows need not survive a crash
   * (PostgreSQL: `CREATE UNLOGGED TABLE`, no WAL), such as the Id stage.
   */
  readonly createScratchTable: string
  /** Placeholder of the i-th (1-based) parameter. */
  param(i: number): string
  /**
   * A FROM item yielding one text column `value` from a list bound as the single parameter `i`
   * (SQLite: `json_each`; PostgreSQL: `unnest` of a text array): one statement for any number of
   * values, whatever the bind-parameter limit. Bind {@link SqlDriver.encodeTextList}'s result.
   */
  textList(i: number): string
  /** Encodes values for {@link SqlDriver.textList}. */
  encodeTextList(values: readonly string[]): unknown
  /** `a IS DISTINCT FROM b` in the dialect's spelling. */
  distinct(a: string, b: string): string
  /** Turns a normalized value into a bind parameter for a column of this kind. */
  encode(kind: ColumnKind, value: string | boolean | null): unknown
  /** Turns a value read back into its canonical form. */
  canonical(kind: ColumnKind, value: unknown): CanonicalValue
  /** `ALTER TABLE t ALTER COLUMN c TYPE ...` for an in-place widening (when capabilities.alterColumnType). */
  alterColumnType(table: string, column: string, type: string): string
  /** SQL expression casting `column` to `type`, to copy values into a replacement column. */
  cast(column: string, type: string): string
  /** Runs `fn` in one transaction on one connection. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>
  /** Opens the dialect's writer (SQLite: prepared statement; PostgreSQL: COPY). */
  openWriter(ctx: WriterContext): Promise<BatchWriter>
  /** Forgets cached statements (after DDL). */
  resetStatements(): void
  close(): Promise<void>
}

/** Quotes an SQL identifier (both dialects use double quotes; an embedded quote is doubled). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** A database value as text (strings, numbers, bigints); anything else is a bug in the caller. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value)
  throw new TypeError(`Expected a text value from the database, got ${typeof value}`)
}
