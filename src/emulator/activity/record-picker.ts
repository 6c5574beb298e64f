/**
 * Picks random records straight from the org's SQLite tables (storage-layout.ts) for the live
 * activity: a live record, one in the recycle bin, or an id for a lookup. A pick depends only on the
 * Prng draw and the table's contents, so the same seed over the same history picks the same records.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { Prng } from '../data/generate/prng.ts'
import type { OrgSObjectSchema } from '../data/schema/sobject-schema.ts'
import { DELETED_MS_COLUMN, quoteIdent, ROWID_COLUMN, tableName } from '../data/storage-layout.ts'

const ROWID = quoteIdent(ROWID_COLUMN)
const DELETED = quoteIdent(DELETED_MS_COLUMN)

export class RecordPicker {
  readonly #db: DatabaseSync
  readonly #statements = new Map<string, StatementSync>()

  constructor(db: DatabaseSync) {
    this.#db = db
  }

  #stmt(sql: string): StatementSync {
    let stmt = this.#statements.get(sql)
    if (!stmt) {
      stmt = this.#db.prepare(sql)
      this.#statements.set(sql, stmt)
    }
    return stmt
  }

  /**
   * The id of a random live record, or undefined when there is none. With `notAfterMs`, only records
   * whose SystemModstamp is not later (a write stamped then must not move a record's stamp backwards).
   */
  live(schema: OrgSObjectSchema, prng: Prng, notAfterMs?: number): string | undefined {
    const table = tableName(schema.name)
    const bounds = this.#stmt(`SELECT MIN(${ROWID}) AS lo, MAX(${ROWID}) AS hi FROM ${table}`).get()
    const lo = Number(bounds?.lo)
    const hi = Number(bounds?.hi)
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || bounds?.lo === null) return undefined
    const start = prng.int(lo, hi)
    const stamped = notAfterMs !== undefined && schema.has('SystemModstamp')
    const extra = stamped ? ` AND "SystemModstamp" <= ?` : ''
    const args = stamped ? [notAfterMs] : []
    const after = this.#stmt(
      `SELECT "Id" AS id FROM ${table} WHERE ${ROWID} >= ? AND ${DELETED} IS NULL${extra} ORDER BY ${ROWID} LIMIT 1`,
    ).get(start, ...args)
    if (after) return String(after.id)
    const before = this.#stmt(
      `SELECT "Id" AS id FROM ${table} WHERE ${ROWID} < ? AND ${DELETED} IS NULL${extra} ORDER BY ${ROWID} LIMIT 1`,
    ).get(start, ...args)
    return before ? String(before.id) : undefined
  }

  /** The id of a random record in the recycle bin, or undefined when the bin holds none of `schema`. */
  deleted(schema: OrgSObjectSchema, prng: Prng): string | undefined {
    const table = tableName(schema.name)
    const count = Number(
      this.#stmt(`SELECT COUNT(*) AS n FROM ${table} WHERE ${DELETED} IS NOT NULL`).get()?.n ?? 0,
    )
    if (count === 0) return undefined
    const row = this.#stmt(
      `SELECT "Id" AS id FROM ${table} WHERE ${DELETED} IS NOT NULL ORDER BY ${ROWID} LIMIT 1 OFFSET ?`,
    ).get(prng.int(0, count - 1))
    return row ? String(row.id) : undefined
  }
}
