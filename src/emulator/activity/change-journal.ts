/**
 * The org's change journal: every committed change to every record (live activity, REST, Bulk ingest,
 * control API), in commit order, with a cursor (`seq`, strictly increasing), kept in the emulator's own
 * SQLite database (table `_journal`). Each entry carries the record's after-image, so that a test can
 * replay the journal and know exactly what the org holds at any `seq`, deleted records included.
 *
 * Optionally the journal starts with one `baseline` entry per record the generator wrote, so that a
 * replay from seq 0 gives the whole org, not only what changed since startup.
 * @example const j = new ChangeJournal(data, clock); j.attach(); j.read(0, 100)
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { formatSfDateTime } from '../clock.ts'
import type { RecordChange, RecordFields } from '../data/org-data.ts'
import type { SqliteOrgData } from '../data/sqlite-org-data.ts'
import { recordJson, type StoredRow } from '../data/records/record-json.ts'
import type { OrgSObjectSchema } from '../data/schema/sobject-schema.ts'
import { DELETED_MS_COLUMN, quoteIdent, ROWID_COLUMN, tableName } from '../data/storage-layout.ts'

export const JOURNAL_TABLE = '_journal'

/**
 * `RecordChange.op`, plus `baseline` for a record as it stood when the journal started and `schema`
 * for a record whose values a runtime schema change rewrote (schema-io/).
 */
export type JournalOp = RecordChange['op'] | 'baseline' | 'schema'

interface SchemaRewrite {
  readonly op: 'schema'
  readonly sobject: string
  readonly id: string
  readonly systemModstampMs: number
}

/** One journal entry as the control API serves it. */
export interface JournalEntry {
  readonly seq: number
  readonly op: JournalOp
  readonly sobject: string
  readonly id: string
  /** The record's SystemModstamp after the change (Salesforce datetime), or null when it has none. */
  readonly systemModstamp: string | null
  /** When the change became visible to queries (after the commit lag). */
  readonly visibleAt: string
  /** True when the record is in the recycle bin after the change (false after a purge: it is gone). */
  readonly isDeleted: boolean
  /** Every field after the change, in REST JSON form (the current describe); null for `purge`. */
  readonly record: RecordFields | null
}

/** Something that knows the visible time of the change being journaled (the activity while it commits). */
export type VisibleTime = () => number

export class ChangeJournal {
  readonly #data: SqliteOrgData
  readonly #db: DatabaseSync
  readonly #visibleNow: VisibleTime
  readonly #insert: StatementSync
  readonly #rows = new Map<string, { fields: readonly unknown[]; stmt: StatementSync }>()
  #detach: (() => void) | undefined

  constructor(data: SqliteOrgData, visibleNow: VisibleTime) {
    this.#data = data
    this.#db = data.database
    this.#visibleNow = visibleNow
    this.#db.exec(
      `CREATE TABLE IF NOT EXISTS ${quoteIdent(JOURNAL_TABLE)} ("seq" INTEGER PRIMARY KEY AUTOINCREMENT, "op" TEXT NOT NULL, "sobject" TEXT NOT NULL, "id" TEXT NOT NULL, "systemModstampMs" INTEGER, "visibleAtMs" INTEGER NOT NULL, "deleted" INTEGER NOT NULL, "record" TEXT)`,
    )
    this.#insert = this.#db.prepare(
      `INSERT INTO ${quoteIdent(JOURNAL_TABLE)} ("op", "sobject", "id", "systemModstampMs", "visibleAtMs", "deleted", "record") VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
  }

  /** Starts journaling every change (idempotent). */
  attach(): void {
    if (this.#detach || !this.#data.onChange) return
    this.#detach = this.#data.onChange((change) => this.#record(change))
  }

  detach(): void {
    this.#detach?.()
    this.#detach = undefined
  }

  /**
   * Writes one `baseline` entry per stored record (live and in the recycle bin), object by object in
   * describeGlobal order. Called once, before any change, at startup.
   */
  writeBaseline(): number {
    const at = this.#visibleNow()
    const before = this.latestSeq()
    this.#db.exec('BEGIN')
    try {
      for (const schema of this.#data.schemas()) {
        this.#db
          .prepare(
            `${this.#insertSelect(schema)} FROM ${tableName(schema.name)} ORDER BY ${quoteIdent(ROWID_COLUMN)}`,
          )
          // A NULL stamp parameter: each row's own SystemModstamp.
          .run('baseline', null, at)
      }
      this.#db.exec('COMMIT')
    } catch (err) {
      this.#db.exec('ROLLBACK')
      throw err
    }
    return this.latestSeq() - before
  }

  /**
   * Journals the current image of records whose stored values changed without a write (a runtime
   * schema change cut or converted them): op `schema`, their SystemModstamp unchanged.
   */
  recordImages(sobject: string, ids: readonly string[]): void {
    for (const id of ids) this.#record({ op: 'schema', sobject, id, systemModstampMs: Number.NaN })
  }

  /** The cursor of the newest entry (0 when empty). */
  latestSeq(): number {
    const row = this.#db.prepare(`SELECT MAX("seq") AS s FROM ${quoteIdent(JOURNAL_TABLE)}`).get()
    return Number(row?.s ?? 0)
  }

  /** Entries with `seq > after`, oldest first, at most `limit`. */
  read(after: number, limit: number): JournalEntry[] {
    const rows = this.#db
      .prepare(`SELECT * FROM ${quoteIdent(JOURNAL_TABLE)} WHERE "seq" > ? ORDER BY "seq" LIMIT ?`)
      .all(after, limit)
    return rows.map((r) => this.#entry(r as Record<string, unknown>))
  }

  #record(change: RecordChange | SchemaRewrite): void {
    const schema = this.#data.schema(change.sobject)
    if (!schema) return
    const visibleAt = this.#visibleNow()
    if (change.op !== 'purge') {
      // The statement is rebuilt when the object's stored fields change (runtime schema changes).
      let cached = this.#rows.get(schema.name)
      if (!cached || cached.fields !== schema.storedFields) {
        cached = {
          fields: schema.storedFields,
          stmt: this.#db.prepare(
            `${this.#insertSelect(schema)} FROM ${tableName(schema.name)} WHERE "Id" = ?`,
          ),
        }
        this.#rows.set(schema.name, cached)
      }
      // NaN (a schema rewrite) binds as NULL: the row's own SystemModstamp is kept.
      const stamp = Number.isNaN(change.systemModstampMs) ? null : change.systemModstampMs
      const written = cached.stmt.run(change.op, stamp, visibleAt, change.id)
      if (Number(written.changes) > 0) return
    }
    this.#insert.run(change.op, schema.name, change.id, change.systemModstampMs, visibleAt, 0, null)
  }

  /**
   * `INSERT INTO _journal ... SELECT` of one object's rows with their image built by SQLite (a JS
   * round trip per row costs several times more). Parameters: op, SystemModstamp (ms, or NULL to take
   * the row's own), visibleAt; the caller appends FROM and WHERE.
   */
  #insertSelect(schema: OrgSObjectSchema): string {
    const own = schema.has('SystemModstamp')
      ? '"SystemModstamp"'
      : schema.has('LastModifiedDate')
        ? '"LastModifiedDate"'
        : 'NULL'
    return `INSERT INTO ${quoteIdent(JOURNAL_TABLE)} ("op", "sobject", "id", "systemModstampMs", "visibleAtMs", "deleted", "record") SELECT ?, '${schema.name.replace(/'/g, "''")}', "Id", COALESCE(?, ${own}), ?, ${quoteIdent(DELETED_MS_COLUMN)} IS NOT NULL, ${imageExpression(schema)}`
  }

  #entry(r: Record<string, unknown>): JournalEntry {
    const sobject = String(r.sobject)
    const schema = this.#data.schema(sobject)
    let record: RecordFields | null = null
    if (typeof r.record === 'string') {
      const row = JSON.parse(r.record) as StoredRow
      // Converted with the describe as it is now: a field deleted since is left out, one added is null.
      record = schema ? recordJson(schema, row) : row
    }
    const modstamp = r.systemModstampMs === null ? null : Number(r.systemModstampMs)
    return {
      seq: Number(r.seq),
      op: String(r.op) as JournalOp,
      sobject,
      id: String(r.id),
      systemModstamp: modstamp === null ? null : formatSfDateTime(modstamp),
      visibleAt: formatSfDateTime(Number(r.visibleAtMs)),
      isDeleted: Number(r.deleted) === 1,
      record,
    }
  }
}

/** json_object takes at most 127 arguments: a row's image is built in chunks and spliced. */
const COLUMNS_PER_CHUNK = 50

/** The SQL expression of a row's stored image: `{"Field": value, ..., "_deletedMs": n}`. */
export function imageExpression(schema: OrgSObjectSchema): string {
  const columns = [...schema.storedFields.map((f) => f.name), DELETED_MS_COLUMN]
  const chunks: string[] = []
  for (let i = 0; i < columns.length; i += COLUMNS_PER_CHUNK) {
    const pairs = columns
      .slice(i, i + COLUMNS_PER_CHUNK)
      .map((c) => `'${c.replace(/'/g, "''")}', ${quoteIdent(c)}`)
    chunks.push(`json_object(${pairs.join(', ')})`)
  }
  // Values are scalars, so each chunk ends in exactly one '}' and starts with exactly one '{'.
  return chunks
    .map((chunk, i) => {
      let part = chunk
      if (i > 0) part = `ltrim(${part}, '{')`
      if (i < chunks.length - 1) part = `rtrim(${part}, '}')`
      return part
    })
    .join(` || ',' || `)
}
