/**
 * Row-level access to the record tables: read by id, insert, rewrite, purge, and the small queries the
 * write path needs (live lookups, external-id matches, cascade children). Statements are prepared once.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { makeId } from '../../ids.ts'
import type { DescribeField } from '../org-data.ts'
import type { OrgSObjectSchema } from '../schema/sobject-schema.ts'
import { DELETED_MS_COLUMN, PURGED_TABLE, quoteIdent, ROWID_COLUMN, tableName } from '../storage-layout.ts'
import type { Row } from './derived-fields.ts'
import type { StoredRow } from './record-json.ts'
import type { SqlValue } from './value-codec.ts'

const DELETED = quoteIdent(DELETED_MS_COLUMN)
const ROWID = quoteIdent(ROWID_COLUMN)

/** Prepared-statement access to the record tables of one org database. */
export class RecordStore {
  readonly #db: DatabaseSync
  readonly #schemas: ReadonlyMap<string, OrgSObjectSchema>
  readonly #statements = new Map<string, StatementSync>()
  readonly #pod: string

  constructor(db: DatabaseSync, schemas: ReadonlyMap<string, OrgSObjectSchema>, pod: string) {
    this.#db = db
    this.#schemas = schemas
    this.#pod = pod
  }

  #stmt(sql: string): StatementSync {
    let stmt = this.#statements.get(sql)
    if (!stmt) {
      stmt = this.#db.prepare(sql)
      this.#statements.set(sql, stmt)
    }
    return stmt
  }

  /** The id of the `n`th record of the object (the same numbering the generator uses). */
  newId(schema: OrgSObjectSchema, n: number): string {
    const prefix = schema.describe.keyPrefix
    if (!prefix) throw new Error(`${schema.name} has no key prefix`)
    return makeId(prefix, this.#pod, n)
  }

  /** The stored row (with `_rowid` and `_deletedMs`), live or deleted. */
  byId(sobject: string, id: string): StoredRow | undefined {
    const row = this.#stmt(`SELECT * FROM ${tableName(sobject)} WHERE "Id" = ?`).get(id)
    return row as StoredRow | undefined
  }

  /** One stored field of a live record, or undefined when there is none. */
  liveField(sobject: string, id: string, field: string): SqlValue | undefined {
    const schema = this.#schemas.get(sobject)
    const f = schema?.field(field)
    if (!schema || !f) return undefined
    const row = this.#stmt(
      `SELECT ${quoteIdent(f.name)} AS v FROM ${tableName(schema.name)} WHERE "Id" = ? AND ${DELETED} IS NULL`,
    ).get(id)
    return row ? (row.v as SqlValue) : undefined
  }

  insert(schema: OrgSObjectSchema, row: Row): void {
    const columns = schema.storedFields.map((f) => f.name)
    const sql = `INSERT INTO ${tableName(schema.name)} (${columns.map(quoteIdent).join(', ')}) VALUES (${columns
      .map(() => '?')
      .join(', ')})`
    this.#stmt(sql).run(...columns.map((c) => row[c] ?? null))
  }

  /** Rewrites every stored column and `_deletedMs` of the row with `_rowid`. */
  update(schema: OrgSObjectSchema, row: Row): void {
    const columns = schema.storedFields.map((f) => f.name).filter((c) => c !== 'Id')
    const sql = `UPDATE ${tableName(schema.name)} SET ${columns
      .map((c) => `${quoteIdent(c)} = ?`)
      .join(', ')}, ${DELETED} = ? WHERE ${ROWID} = ?`
    this.#stmt(sql).run(...columns.map((c) => row[c] ?? null), row._deletedMs ?? null, row._rowid ?? null)
  }

  /** Removes the row for good and remembers its deletion for `/deleted`. */
  purge(schema: OrgSObjectSchema, row: Row, deletedMs: number): void {
    this.#stmt(`INSERT INTO ${quoteIdent(PURGED_TABLE)} ("sobject", "Id", "deletedMs") VALUES (?, ?, ?)`).run(
      schema.name,
      row.Id ?? null,
      deletedMs,
    )
    this.#stmt(`DELETE FROM ${tableName(schema.name)} WHERE ${ROWID} = ?`).run(row._rowid ?? null)
  }

  /** Ids of live records whose `field` equals `value`, oldest first. */
  findLive(schema: OrgSObjectSchema, field: DescribeField, value: SqlValue): string[] {
    const collate = field.caseSensitive === true ? ' COLLATE BINARY' : ''
    return this.#stmt(
      `SELECT "Id" AS id FROM ${tableName(schema.name)} WHERE ${quoteIdent(field.name)}${collate} = ? AND ${DELETED} IS NULL ORDER BY ${ROWID}`,
    )
      .all(value)
      .map((r) => String(r.id))
  }

  countLive(sobject: string): number {
    const row = this.#stmt(`SELECT COUNT(*) AS n FROM ${tableName(sobject)} WHERE ${DELETED} IS NULL`).get()
    return Number(row?.n ?? 0)
  }

  /**
   * Rows of objects whose lookup to `schema` cascades deletes, pointing at `id`: live ones when
   * `deletedMs` is null, else those deleted at exactly `deletedMs` (deleted together with the parent).
   */
  cascadeChildren(
    schema: OrgSObjectSchema,
    id: string,
    deletedMs: number | null,
  ): Array<[OrgSObjectSchema, StoredRow]> {
    const relationships = (schema.describe.childRelationships ?? []) as Array<{
      childSObject: string
      field: string
      cascadeDelete: boolean
    }>
    const out: Array<[OrgSObjectSchema, StoredRow]> = []
    for (const r of relationships) {
      const child = this.#schemas.get(r.childSObject)
      if (!r.cascadeDelete || !child || !child.has(r.field)) continue
      const where = deletedMs === null ? `${DELETED} IS NULL` : `${DELETED} = ?`
      const stmt = this.#stmt(
        `SELECT * FROM ${tableName(child.name)} WHERE ${quoteIdent(r.field)} = ? AND ${where} ORDER BY ${ROWID}`,
      )
      const rows = deletedMs === null ? stmt.all(id) : stmt.all(id, deletedMs)
      for (const row of rows) out.push([child, row as StoredRow])
    }
    return out
  }
}
