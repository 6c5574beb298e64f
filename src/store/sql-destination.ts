/**
 * The destination core shared by both dialects: system tables, schema evolution, checkpoints, run and
 * schema history, deletes and reads. What differs (types, placeholders, transactions, the fast write
 * path) comes from the {@link SqlDriver}; decisions use its capability flags, never its name.
 */
import { DestinationError } from './destination.ts'
import type {
  BatchWriter,
  CanonicalValue,
  ColumnDef,
  Destination,
  DestinationCapabilities,
  FieldSpec,
  IdStage,
  RunRecord,
  SchemaChange,
  SchemaHistoryEntry,
  WriterOptions,
} from './destination.ts'
import { cursorIndex, evolveTable, readRegistry, SYSTEM_TABLES } from './schema-evolution.ts'
import type { RegisteredColumn } from './schema-evolution.ts'
import { asText, quoteIdent } from './sql-driver.ts'
import type { SqlDriver, SqlExecutor } from './sql-driver.ts'
import { SYSTEM_COLUMNS } from './type-mapping.ts'
import { normalizerFor } from './value-conversion.ts'

const SYNCED_AT = SYSTEM_COLUMNS[0] as ColumnDef

/** A {@link Destination} over one {@link SqlDriver}. Create it with {@link SqlDestination.open}. */
export class SqlDestination implements Destination {
  readonly #driver: SqlDriver
  readonly #now: () => Date
  #openWriters = 0

  private constructor(driver: SqlDriver, now: () => Date) {
    this.#driver = driver
    this.#now = now
  }

  /** Creates the system tables when missing and returns the destination. */
  static async open(driver: SqlDriver, options: { now?: () => Date } = {}): Promise<SqlDestination> {
    const dest = new SqlDestination(driver, options.now ?? (() => new Date()))
    try {
      await dest.#createSystemTables()
    } catch (error) {
      await driver.close()
      throw new DestinationError('Could not create the sfsync system tables in the destination.', {
        cause: error,
      })
    }
    return dest
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.#driver.dialect
  }

  get capabilities(): DestinationCapabilities {
    return this.#driver.capabilities
  }

  tableName(object: string): string {
    return object.toLowerCase()
  }

  async #createSystemTables(): Promise<void> {
    const d = this.#driver
    const t = (kind: ColumnDef['kind']): string => d.columnType({ kind, length: 0, precision: 0, scale: 0 })
    const [text, int, big, bool, ts] = [t('text'), t('integer'), t('bigint'), t('boolean'), t('datetime')]
    await d.transaction(async (tx) => {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${d.table(SYSTEM_TABLES.columns)} (
        object ${text} NOT NULL, column_name ${text} NOT NULL, field_name ${text} NOT NULL, sf_type ${text} NOT NULL,
        kind ${text} NOT NULL, length ${int} NOT NULL, precision ${int} NOT NULL, scale ${int} NOT NULL,
        position ${int} NOT NULL, in_org ${bool} NOT NULL, backfill_pending ${bool} NOT NULL,
        PRIMARY KEY (object, column_name))`)
      await tx.query(`CREATE TABLE IF NOT EXISTS ${d.table(SYSTEM_TABLES.checkpoints)} (
        object ${text} PRIMARY KEY, checkpoint ${text} NOT NULL, updated_at ${ts} NOT NULL)`)
      await tx.query(`CREATE TABLE IF NOT EXISTS ${d.table(SYSTEM_TABLES.runs)} (
        run_id ${text} NOT NULL, object ${text} NOT NULL, status ${text} NOT NULL, started_at ${ts} NOT NULL,
        finished_at ${ts}, rows_written ${big} NOT NULL, rows_deleted ${big} NOT NULL, api_calls ${big} NOT NULL,
        error ${text}, details ${text}, PRIMARY KEY (run_id, object))`)
      await tx.query(`CREATE TABLE IF NOT EXISTS ${d.table(SYSTEM_TABLES.history)} (
        seq ${d.autoIncrementKey}, object ${text} NOT NULL, change ${text} NOT NULL, column_name ${text},
        before ${text}, after ${text}, backfill ${bool} NOT NULL, changed_at ${ts} NOT NULL)`)
    })
  }

  /** Writes other than a writer's own need the connection to be free where there is only one. */
  #assertNoOpenWriter(what: string): void {
    if (this.#openWriters > 0 && !this.#driver.capabilities.concurrentTransactions)
      throw new DestinationError(
        `Cannot ${what} while a writer is open on this destination: close the writer first.`,
      )
  }

  async ensureTable(object: string, fields: readonly FieldSpec[]): Promise<SchemaChange[]> {
    this.#assertNoOpenWriter('change a table')
    if (!fields.some((f) => f.name.toLowerCase() === 'id'))
      throw new DestinationError(`The fields of ${object} do not include Id.`)
    const changes = await this.#driver.transaction((tx) =>
      evolveTable(this.#driver, tx, object, fields, this.#now()),
    )
    if (changes.length > 0) this.#driver.resetStatements()
    return changes
  }

  async columns(object: string): Promise<RegisteredColumn[] | undefined> {
    const cols = await readRegistry(this.#driver, this.#driver, object)
    return cols.length === 0 ? undefined : cols
  }

  async markBackfilled(object: string, columns: readonly string[]): Promise<void> {
    this.#assertNoOpenWriter('mark columns back-filled')
    const d = this.#driver
    await d.transaction(async (tx) => {
      for (const column of columns)
        await tx.query(
          `UPDATE ${d.table(SYSTEM_TABLES.columns)} SET backfill_pending = ${d.param(1)} WHERE object = ${d.param(2)} AND column_name = ${d.param(3)}`,
          [d.encode('boolean', false), object, column.toLowerCase()],
        )
    })
  }

  async openWriter(
    object: string,
    fields: readonly string[],
    options: WriterOptions = {},
  ): Promise<BatchWriter> {
    this.#assertNoOpenWriter('open a second writer')
    const d = this.#driver
    const registry = await readRegistry(d, d, object)
    if (registry.length === 0) throw new DestinationError(`No table for ${object}: call ensureTable first.`)
    const byName = new Map(registry.map((c) => [c.column, c]))
    const seen = new Set<string>()
    const columns: ColumnDef[] = fields.map((field) => {
      const col = byName.get(field.toLowerCase())
      if (!col || col.sfType === 'system')
        throw new DestinationError(`${object} has no column for field ${field}.`)
      if (seen.has(col.column)) throw new DestinationError(`Field ${field} is listed twice for ${object}.`)
      seen.add(col.column)
      return col
    })
    if (!seen.has('id')) throw new DestinationError(`The fields written to ${object} must include Id.`)
    const guard = options.staleGuardColumn?.toLowerCase()
    if (guard !== undefined && !seen.has(guard))
      throw new DestinationError(
        `The stale guard column ${guard} is not among the fields written to ${object}.`,
      )
    const all = [...columns, SYNCED_AT]
    const table = d.table(this.tableName(object))
    const updates = all.filter((c) => c.column !== 'id')
    const changed = columns
      .filter((c) => c.column !== 'id')
      .map((c) => d.distinct(`${table}.${quoteIdent(c.column)}`, `excluded.${quoteIdent(c.column)}`))
    let where = changed.length > 0 ? `(${changed.join(' OR ')})` : 'FALSE'
    if (guard !== undefined) {
      const [cur, inc] = [`${table}.${quoteIdent(guard)}`, `excluded.${quoteIdent(guard)}`]
      where += ` AND (${cur} IS NULL OR ${inc} IS NULL OR ${inc} >= ${cur})`
    }
    const onConflict =
      updates.length === 0
        ? 'ON CONFLICT ("id") DO NOTHING'
        : `ON CONFLICT ("id") DO UPDATE SET ${updates.map((c) => `${quoteIdent(c.column)} = excluded.${quoteIdent(c.column)}`).join(', ')} WHERE ${where}`
    // Initial load into an empty table: build the cursor index once at the end instead of row by row
    // (measured on SQLite: 1.4–1.8× faster inserts without it; a sorted build afterwards is cheap).
    const index = options.mode === 'insert' ? cursorIndex(d, object, registry) : undefined
    let rebuildIndex: string | undefined
    if (index && (await d.query(`SELECT 1 AS one FROM ${table} LIMIT 1`)).length === 0) {
      await d.transaction((tx) => tx.query(index.drop))
      rebuildIndex = index.create
    }
    this.#openWriters++
    let released = false
    const release = (): void => {
      if (!released) this.#openWriters--
      released = true
    }
    try {
      const writer = await d.openWriter({
        object,
        table,
        columns: all,
        normalizers: columns.map(normalizerFor),
        syncedAt: (options.syncedAt ?? this.#now()).toISOString(),
        options: { mode: options.mode ?? 'upsert', staleGuardColumn: guard },
        onConflict,
        saveCheckpoint: (tx, checkpoint) => this.#saveCheckpoint(tx, object, checkpoint),
        release,
      })
      return rebuildIndex === undefined
        ? writer
        : new IndexRebuildingWriter(writer, () => this.#rebuildIndex(rebuildIndex))
    } catch (error) {
      release()
      if (rebuildIndex !== undefined) await this.#rebuildIndex(rebuildIndex)
      throw error
    }
  }

  async #rebuildIndex(sql: string): Promise<void> {
    await this.#driver.transaction((tx) => tx.query(sql))
  }

  async #saveCheckpoint(tx: SqlExecutor, object: string, checkpoint: unknown): Promise<void> {
    const d = this.#driver
    const json = JSON.stringify(checkpoint)
    if (json === undefined)
      throw new DestinationError(`The checkpoint of ${object} cannot be stored as JSON.`)
    await tx.query(
      `INSERT INTO ${d.table(SYSTEM_TABLES.checkpoints)} (object, checkpoint, updated_at) VALUES (${d.param(1)}, ${d.param(2)}, ${d.param(3)})
       ON CONFLICT (object) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at`,
      [object, json, d.encode('datetime', this.#now().toISOString())],
    )
  }

  async deleteRows(
    object: string,
    ids: readonly string[],
    options: { hard?: boolean; checkpoint?: unknown } = {},
  ): Promise<number> {
    this.#assertNoOpenWriter('delete rows')
    const d = this.#driver
    const table = d.table(this.tableName(object))
    // Leave room for the other parameters of the statement.
    const chunk = Math.min(10_000, d.capabilities.maxBindParameters - 2)
    const syncedAt = d.encode('datetime', this.#now().toISOString())
    return d.transaction(async (tx) => {
      let changed = 0
      for (let i = 0; i < ids.length; i += chunk) {
        const part = ids.slice(i, i + chunk)
        const list = part.map((_, j) => d.param(j + (options.hard ? 1 : 3))).join(', ')
        const rows = options.hard
          ? await tx.query(`DELETE FROM ${table} WHERE "id" IN (${list}) RETURNING "id"`, part)
          : await tx.query(
              `UPDATE ${table} SET "isdeleted" = ${d.param(1)}, "_sfsync_synced_at" = ${d.param(2)}
                WHERE "id" IN (${list}) AND "isdeleted" <> ${d.param(1)} RETURNING "id"`,
              [d.encode('boolean', true), syncedAt, ...part],
            )
        changed += rows.length
      }
      if (options.checkpoint !== undefined) await this.#saveCheckpoint(tx, object, options.checkpoint)
      return changed
    })
  }

  async readCheckpoint(object: string): Promise<unknown> {
    const d = this.#driver
    const rows = await d.query(
      `SELECT checkpoint FROM ${d.table(SYSTEM_TABLES.checkpoints)} WHERE object = ${d.param(1)}`,
      [object],
    )
    const json = rows[0]?.checkpoint
    return typeof json === 'string' ? (JSON.parse(json) as unknown) : undefined
  }

  async writeCheckpoint(object: string, checkpoint: unknown): Promise<void> {
    this.#assertNoOpenWriter('write a checkpoint')
    await this.#driver.transaction((tx) => this.#saveCheckpoint(tx, object, checkpoint))
  }

  async recordRun(run: RunRecord): Promise<void> {
    this.#assertNoOpenWriter('record a run')
    const d = this.#driver
    const p = (i: number): string => d.param(i)
    const ts = (date: Date | undefined): unknown => (date ? d.encode('datetime', date.toISOString()) : null)
    await d.query(
      `INSERT INTO ${d.table(SYSTEM_TABLES.runs)} (run_id, object, status, started_at, finished_at, rows_written, rows_deleted, api_calls, error, details)
       VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(p).join(', ')})
       ON CONFLICT (run_id, object) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
         finished_at = excluded.finished_at, rows_written = excluded.rows_written, rows_deleted = excluded.rows_deleted,
         api_calls = excluded.api_calls, error = excluded.error, details = excluded.details`,
      [
        run.runId,
        run.object,
        run.status,
        ts(run.startedAt),
        ts(run.finishedAt),
        run.rowsWritten,
        run.rowsDeleted,
        run.apiCalls,
        run.error ?? null,
        run.details === undefined ? null : JSON.stringify(run.details),
      ],
    )
  }

  async runs(object?: string): Promise<RunRecord[]> {
    const d = this.#driver
    const rows = await d.query(
      `SELECT * FROM ${d.table(SYSTEM_TABLES.runs)}${object === undefined ? '' : ` WHERE object = ${d.param(1)}`} ORDER BY started_at, object`,
      object === undefined ? [] : [object],
    )
    return rows.map((r) => {
      const finished = d.canonical('datetime', r.finished_at)
      return {
        runId: asText(r.run_id),
        object: asText(r.object),
        status: asText(r.status),
        startedAt: new Date(String(d.canonical('datetime', r.started_at))),
        ...(finished === null ? {} : { finishedAt: new Date(String(finished)) }),
        rowsWritten: Number(r.rows_written),
        rowsDeleted: Number(r.rows_deleted),
        apiCalls: Number(r.api_calls),
        ...(r.error === null ? {} : { error: asText(r.error) }),
        ...(r.details === null ? {} : { details: JSON.parse(asText(r.details)) as unknown }),
      }
    })
  }

  async schemaHistory(object?: string): Promise<SchemaHistoryEntry[]> {
    const d = this.#driver
    const rows = await d.query(
      `SELECT * FROM ${d.table(SYSTEM_TABLES.history)}${object === undefined ? '' : ` WHERE object = ${d.param(1)}`} ORDER BY seq`,
      object === undefined ? [] : [object],
    )
    return rows.map((r) => ({
      seq: Number(r.seq),
      object: asText(r.object),
      change: asText(r.change) as SchemaChange['change'],
      ...(r.column_name === null ? {} : { column: asText(r.column_name) }),
      ...(r.before === null ? {} : { before: asText(r.before) }),
      ...(r.after === null ? {} : { after: asText(r.after) }),
      backfill: d.canonical('boolean', r.backfill) === true,
      at: String(d.canonical('datetime', r.changed_at)),
    }))
  }

  async readRows(
    object: string,
    options: { ids?: readonly string[] } = {},
  ): Promise<Record<string, CanonicalValue>[]> {
    const d = this.#driver
    const registry = await readRegistry(d, d, object)
    if (registry.length === 0) throw new DestinationError(`No table for ${object}.`)
    const table = d.table(this.tableName(object))
    const list = registry.map((c) => quoteIdent(c.column)).join(', ')
    const out: Record<string, CanonicalValue>[] = []
    const ids = options.ids
    const chunk = Math.min(10_000, d.capabilities.maxBindParameters)
    const queries: [string, unknown[]][] = []
    if (ids === undefined) queries.push([`SELECT ${list} FROM ${table} ORDER BY "id"`, []])
    else
      for (let i = 0; i < ids.length; i += chunk) {
        const part = ids.slice(i, i + chunk)
        queries.push([
          `SELECT ${list} FROM ${table} WHERE "id" IN (${part.map((_, j) => d.param(j + 1)).join(', ')}) ORDER BY "id"`,
          part,
        ])
      }
    for (const [sql, params] of queries)
      for (const row of await d.query(sql, params)) {
        const rec: Record<string, CanonicalValue> = {}
        for (const c of registry) rec[c.column] = d.canonical(c.kind, row[c.column])
        out.push(rec)
      }
    return out
  }

  async countRows(object: string, options: { includeDeleted?: boolean } = {}): Promise<number> {
    const d = this.#driver
    const where = options.includeDeleted ? '' : ` WHERE "isdeleted" = ${d.param(1)}`
    const rows = await d.query(
      `SELECT COUNT(*) AS n FROM ${d.table(this.tableName(object))}${where}`,
      options.includeDeleted ? [] : [d.encode('boolean', false)],
    )
    return Number(rows[0]?.n ?? 0)
  }

  async *listIds(
    object: string,
    options: { pageSize?: number } = {},
  ): AsyncGenerator<string[], void, undefined> {
    const d = this.#driver
    const table = d.table(this.tableName(object))
    const size = options.pageSize ?? 10_000
    if (!Number.isInteger(size) || size < 1)
      throw new DestinationError('listIds: pageSize must be a positive integer.')
    // Keyset pagination: each page starts after the last Id of the previous one.
    let after: string | undefined
    for (;;) {
      const rows =
        after === undefined
          ? await d.query(`SELECT "id" FROM ${table} ORDER BY "id" LIMIT ${size}`)
          : await d.query(
              `SELECT "id" FROM ${table} WHERE "id" > ${d.param(1)} ORDER BY "id" LIMIT ${size}`,
              [after],
            )
      if (rows.length === 0) return
      const ids = rows.map((r) => asText(r.id))
      yield ids
      if (ids.length < size) return
      after = ids[ids.length - 1]
    }
  }

  async openIdStage(object: string): Promise<IdStage> {
    this.#assertNoOpenWriter('stage Ids')
    const d = this.#driver
    const table = this.tableName(object)
    const stage = d.table(`${ID_STAGE_PREFIX}${table}`)
    const idType = d.columnType({ kind: 'id', length: 18, precision: 0, scale: 0 })
    // A regular table, not a TEMP one: on PostgreSQL every statement may take another pooled
    // connection. Dropped first, so a stage left behind by a crashed run never leaks into this one.
    await d.transaction(async (tx) => {
      await tx.query(`DROP TABLE IF EXISTS ${stage}`)
      await tx.query(`${d.createScratchTable} ${stage} ("id" ${idType} PRIMARY KEY)`)
    })
    d.resetStatements()
    return new SqlIdStage(d, d.table(table), stage, (what) => this.#assertNoOpenWriter(what))
  }

  async close(): Promise<void> {
    await this.#driver.close()
  }
}

/** Prefix of an object's Id stage table (system tables are `_sfsync_*`; Salesforce names never start with `_`). */
export const ID_STAGE_PREFIX = '_sfsync_ids_'

/** Ids per statement of {@link SqlIdStage.add}: one list parameter, so only the statement's size bounds it. */
const STAGE_CHUNK = 10_000

/** {@link IdStage} over one stage table; every query is one statement, so any pooled connection serves it. */
class SqlIdStage implements IdStage {
  readonly #driver: SqlDriver
  readonly #table: string
  readonly #stage: string
  readonly #assertNoOpenWriter: (what: string) => void
  #dropped = false

  constructor(driver: SqlDriver, table: string, stage: string, assertNoOpenWriter: (what: string) => void) {
    this.#driver = driver
    this.#table = table
    this.#stage = stage
    this.#assertNoOpenWriter = assertNoOpenWriter
  }

  async add(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return
    this.#assertOpen()
    this.#assertNoOpenWriter('stage Ids')
    const d = this.#driver
    // SQLite needs a WHERE in INSERT … SELECT … ON CONFLICT (its parser would read ON as a join).
    const sql = `INSERT INTO ${this.#stage} ("id") SELECT value FROM ${d.textList(1)} WHERE true ON CONFLICT ("id") DO NOTHING`
    await d.transaction(async (tx) => {
      for (let i = 0; i < ids.length; i += STAGE_CHUNK)
        await tx.query(sql, [d.encodeTextList(ids.slice(i, i + STAGE_CHUNK))])
    })
  }

  localOnly(options: { pageSize?: number } = {}): AsyncGenerator<string[], void, undefined> {
    return this.#antiJoin(this.#table, this.#stage, options.pageSize)
  }

  stagedOnly(options: { pageSize?: number } = {}): AsyncGenerator<string[], void, undefined> {
    return this.#antiJoin(this.#stage, this.#table, options.pageSize)
  }

  /** Ids of `from` with no row of the same Id in `other`, in pages, keyset on the Id. */
  async *#antiJoin(
    from: string,
    other: string,
    pageSize = 10_000,
  ): AsyncGenerator<string[], void, undefined> {
    if (!Number.isInteger(pageSize) || pageSize < 1)
      throw new DestinationError('Id stage: pageSize must be a positive integer.')
    this.#assertOpen()
    const d = this.#driver
    const missing = `NOT EXISTS (SELECT 1 FROM ${other} o WHERE o."id" = f."id")`
    // Each page is one statement read whole: no cursor stays open while the caller deletes or writes.
    let after: string | undefined
    for (;;) {
      const rows =
        after === undefined
          ? await d.query(`SELECT f."id" FROM ${from} f WHERE ${missing} ORDER BY f."id" LIMIT ${pageSize}`)
          : await d.query(
              `SELECT f."id" FROM ${from} f WHERE f."id" > ${d.param(1)} AND ${missing} ORDER BY f."id" LIMIT ${pageSize}`,
              [after],
            )
      if (rows.length === 0) return
      const ids = rows.map((r) => asText(r.id))
      yield ids
      if (ids.length < pageSize) return
      after = ids[ids.length - 1]
    }
  }

  async drop(): Promise<void> {
    if (this.#dropped) return
    this.#assertNoOpenWriter('drop the Id stage')
    await this.#driver.transaction((tx) => tx.query(`DROP TABLE IF EXISTS ${this.#stage}`))
    this.#dropped = true
    this.#driver.resetStatements()
  }

  #assertOpen(): void {
    if (this.#dropped) throw new DestinationError('The Id stage was dropped.')
  }
}

/** A writer that rebuilds the cursor index, dropped for an initial load, once it is closed or aborted. */
class IndexRebuildingWriter implements BatchWriter {
  readonly #inner: BatchWriter
  readonly #rebuild: () => Promise<void>
  #rebuilt = false

  constructor(inner: BatchWriter, rebuild: () => Promise<void>) {
    this.#inner = inner
    this.#rebuild = rebuild
  }

  get pendingRows(): number {
    return this.#inner.pendingRows
  }

  write(rows: Parameters<BatchWriter['write']>[0]): Promise<void> {
    return this.#inner.write(rows)
  }

  commit(checkpoint?: unknown): Promise<void> {
    return this.#inner.commit(checkpoint)
  }

  async abort(): Promise<void> {
    await this.#inner.abort()
    await this.#finish()
  }

  async close(): Promise<void> {
    await this.#inner.close()
    await this.#finish()
  }

  async #finish(): Promise<void> {
    if (this.#rebuilt) return
    this.#rebuilt = true
    await this.#rebuild()
  }
}
