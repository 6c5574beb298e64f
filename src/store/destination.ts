/**
 * The destination port: where synced rows, checkpoints, run history and schema history live
 * (DESIGN.md "Destination layout"). One implementation per dialect (SQLite, PostgreSQL), both run
 * through the same contract suite (`destination.contract.test.ts`). Sync code talks to this interface
 * and to {@link DestinationCapabilities}, never to a dialect.
 */
import { SfsyncError } from '../config/sfsync-error.ts'

/** The part of a describe field the store needs (reference/salesforce-data-api.md §2.4). */
export interface FieldSpec {
  /** API name, e.g. `AnnualRevenue`, `Score__c`. */
  readonly name: string
  /** Describe `type`, e.g. `string`, `currency`, `datetime`. */
  readonly type: string
  /** Characters, for text types. 0 or absent: unbounded. */
  readonly length?: number
  readonly precision?: number
  readonly scale?: number
  /** Digits of an `int` field. */
  readonly digits?: number
}

/** What a column holds, independent of the dialect; see docs/type-mapping.md. */
export type ColumnKind =
  'id' | 'text' | 'boolean' | 'integer' | 'bigint' | 'decimal' | 'double' | 'date' | 'datetime' | 'time'

/** A column of an object's table, as recorded in the destination's column registry. */
export interface ColumnDef {
  /** Column name: the lowercased API name, or `_sfsync_*` for system columns. */
  readonly column: string
  /** Salesforce API name; empty for system columns. */
  readonly field: string
  /** Salesforce describe type; `system` for system columns. */
  readonly sfType: string
  readonly kind: ColumnKind
  /** Characters for text kinds (0: unbounded); 0 otherwise. */
  readonly length: number
  /** For `decimal`: total and fractional digits. 0 otherwise. */
  readonly precision: number
  readonly scale: number
}

/** One change made to a table, also written to the schema history table. */
export interface SchemaChange {
  readonly object: string
  readonly change:
    'create_table' | 'add_column' | 'widen_column' | 'rebuild_column' | 'field_removed' | 'field_restored'
  readonly column?: string
  readonly before?: string
  readonly after?: string
  /** True when the column's values must be fetched again (a new column, or one rebuilt empty). */
  readonly backfill: boolean
}

/** A row of the schema history table. */
export interface SchemaHistoryEntry extends SchemaChange {
  readonly seq: number
  readonly at: string
}

/** What differs between destinations, as data (STYLE.md §3). */
export interface DestinationCapabilities {
  /** Largest number of bind parameters in one statement (SQLite ≥ 3.32: 32766; PostgreSQL: 65535). */
  readonly maxBindParameters: number
  /** DDL can be rolled back with the rows (both: true). */
  readonly supportsTransactionalDdl: boolean
  /** Decimal columns keep every digit (PostgreSQL `numeric`); false where they are IEEE doubles (SQLite). */
  readonly exactDecimals: boolean
  /** A column's type can change in place; otherwise it is replaced by a new column. */
  readonly alterColumnType: boolean
  /** Tables live in a named schema (PostgreSQL); false for SQLite. */
  readonly schemas: boolean
  /**
   * Several transactions can be open at once (PostgreSQL: a pool). When false (SQLite: one
   * connection), an open writer's transaction is the only one: other writes wait until it is closed.
   */
  readonly concurrentTransactions: boolean
}

/** A value as it arrives: a CSV field (string or null) or a REST JSON value. */
export type RawValue = string | number | boolean | null

/** A value as {@link Destination.readRows} returns it, the same on every dialect (docs/type-mapping.md). */
export type CanonicalValue = string | number | boolean | null

/** How a {@link BatchWriter} writes. */
export interface WriterOptions {
  /**
   * `insert`: the fast initial-load path (PostgreSQL: plain COPY; SQLite: one prepared INSERT); an Id
   * that already exists fails the batch. `upsert`: insert or update by Id; a row identical to the
   * stored one is left untouched, so a replayed batch changes nothing. Default `upsert`.
   */
  readonly mode?: 'insert' | 'upsert'
  /**
   * In `upsert` mode, a stored row is not overwritten by one whose value in this column (a cursor
   * column such as `systemmodstamp`) is older. Default: none.
   */
  readonly staleGuardColumn?: string
  /** Value of `_sfsync_synced_at` for the rows written. Default: when the writer was opened. */
  readonly syncedAt?: Date
}

/**
 * Writes rows of one object, in a fixed column order, in transactions that the caller ends with
 * {@link BatchWriter.commit}: the rows written since the last commit and the checkpoint commit together.
 * Any error rolls the open transaction back and closes the writer.
 */
export interface BatchWriter {
  /** Appends rows (values in the writer's field order) to the open transaction. */
  write(rows: readonly (readonly RawValue[])[]): Promise<void>
  /** Rows written since the last commit. */
  readonly pendingRows: number
  /** Commits the pending rows and, when given, the object's checkpoint, in one transaction. */
  commit(checkpoint?: unknown): Promise<void>
  /** Rolls the pending rows back and closes the writer. */
  abort(): Promise<void>
  /** Closes the writer; pending rows not committed are rolled back. */
  close(): Promise<void>
}

/** A row of the run history table (one per run and object). */
export interface RunRecord {
  readonly runId: string
  readonly object: string
  readonly status: string
  readonly startedAt: Date
  readonly finishedAt?: Date
  readonly rowsWritten: number
  readonly rowsDeleted: number
  readonly apiCalls: number
  readonly error?: string
  /** Free-form details (strategy, Bulk job id, ...), stored as JSON. */
  readonly details?: unknown
}

/** The destination port. */
export interface Destination {
  readonly dialect: 'sqlite' | 'postgres'
  readonly capabilities: DestinationCapabilities
  /** Table name of an object (the lowercased API name). */
  tableName(object: string): string
  /**
   * Creates the object's table, or evolves it to hold `fields`: new fields become columns, wider
   * types widen in place, incompatible type changes rebuild the column; fields gone from the org are
   * kept. Every change is recorded in the schema history in the same transaction.
   */
  ensureTable(object: string, fields: readonly FieldSpec[]): Promise<SchemaChange[]>
  /** The recorded columns of an object's table (with `inOrg: false` for fields gone from the org), or undefined. */
  columns(
    object: string,
  ): Promise<(ColumnDef & { readonly inOrg: boolean; readonly backfillPending: boolean })[] | undefined>
  /** Clears the back-fill flag of columns once their values have been fetched again. */
  markBackfilled(object: string, columns: readonly string[]): Promise<void>
  /** Opens a writer for rows whose values come in the order of `fields` (API names, must include `Id`). */
  openWriter(object: string, fields: readonly string[], options?: WriterOptions): Promise<BatchWriter>
  /**
   * Marks rows deleted (`isdeleted = true`), or removes them when `hard`, together with the checkpoint
   * when given. Returns how many rows were changed.
   */
  deleteRows(
    object: string,
    ids: readonly string[],
    options?: { hard?: boolean; checkpoint?: unknown },
  ): Promise<number>
  readCheckpoint(object: string): Promise<unknown>
  writeCheckpoint(object: string, checkpoint: unknown): Promise<void>
  recordRun(run: RunRecord): Promise<void>
  runs(object?: string): Promise<RunRecord[]>
  schemaHistory(object?: string): Promise<SchemaHistoryEntry[]>
  /** Rows of an object in canonical form, keyed by column, ordered by id. `ids` limits them. */
  readRows(object: string, options?: { ids?: readonly string[] }): Promise<Record<string, CanonicalValue>[]>
  countRows(object: string, options?: { includeDeleted?: boolean }): Promise<number>
  /**
   * Every local Id of an object (soft-deleted ones included), in pages of `pageSize` (default 10,000)
   * in the database's Id order (collation-dependent: compare as sets), for the Id reconciliation
   * against the org. Never holds the table in memory.
   */
  listIds(object: string, options?: { pageSize?: number }): AsyncGenerator<string[], void, undefined>
  /**
   * Opens the Id stage of an object for an Id reconciliation: a table of the destination's own
   * (`_sfsync_ids_<table>`), emptied first (a stage left by a crashed run is replaced), that the org's
   * Ids are streamed into so that the database, not memory, compares them with the local Ids.
   * Always {@link IdStage.drop} it, also after an error.
   * @example
   * const stage = await dest.openIdStage('Account')
   * try {
   *   for await (const ids of orgIdPages) await stage.add(ids)
   *   for await (const gone of stage.localOnly()) await dest.deleteRows('Account', gone)
   * } finally { await stage.drop() }
   */
  openIdStage(object: string): Promise<IdStage>
  close(): Promise<void>
}

/**
 * The org's Ids of one object, staged in the destination (see {@link Destination.openIdStage}).
 * Both differences are anti-joins run by the database and read in pages (keyset on the Id, in the
 * database's Id order: compare as sets), so neither side is ever held in memory.
 */
export interface IdStage {
  /** Adds Ids, in one transaction; an Id already staged is ignored (a page read again is harmless). */
  add(ids: readonly string[]): Promise<void>
  /**
   * Local Ids (soft-deleted rows included) that are not staged: rows the org no longer has. Pages of
   * `pageSize` (default 10,000); rows deleted or written between pages do not disturb the paging.
   */
  localOnly(options?: { pageSize?: number }): AsyncGenerator<string[], void, undefined>
  /** Staged Ids without a local row: records the destination lacks. Pages as {@link IdStage.localOnly}. */
  stagedOnly(options?: { pageSize?: number }): AsyncGenerator<string[], void, undefined>
  /** Drops the stage table; safe to call twice. */
  drop(): Promise<void>
}

/** A destination operation that failed (database error, misuse). */
export class DestinationError extends SfsyncError {
  constructor(message: string, options?: { cause?: unknown; nextStep?: string }) {
    super('DESTINATION_FAILED', message, options)
  }
}

/** A value that cannot be stored in its column; names the column, never the value (it is record data). */
export class DestinationValueError extends SfsyncError {
  readonly column: string
  constructor(column: string, expected: string) {
    super('DESTINATION_VALUE_INVALID', `Column "${column}": the value is not ${expected}.`)
    this.column = column
  }
}
