/**
 * Cursors over query results. A row query keeps only the matching `_rowid`s (a RowidSet) fixed at
 * execution time, and reads each page by rowid: a run of consecutive rowids (the natural order of an
 * unfiltered query) as one `BETWEEN` range scan of the primary key, anything else through `json_each`.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { JsonValue, QueryCursor } from '../data/org-data.ts'
import type { RecordShape } from './record-shape.ts'
import type { RowidSet } from './rowid-set.ts'

/** Rows read per SQL statement when streaming flat rows. */
const ROWS_BATCH = 5_000
/** The API version of record urls inside child results of flat rows (which have no version). */
const FLAT_ROWS_API_VERSION = '60.0'

/** The sObjects URL prefix for an API version given as `60.0` or `v60.0`. */
export function sobjectsBase(apiVersion: string): string {
  const v = apiVersion.startsWith('v') ? apiVersion.slice(1) : apiVersion
  return `/services/data/v${v}/sobjects/`
}

/** The cursor of a row query: rowids fixed at execution, values read page by page. */
export class RowCursor implements QueryCursor {
  readonly totalSize: number
  readonly recordCount: number
  readonly columns: readonly string[]
  readonly #db: DatabaseSync
  readonly #rowids: RowidSet
  readonly #shape: RecordShape
  readonly #from: string
  #range: StatementSync | undefined
  #list: StatementSync | undefined

  /**
   * @param from `FROM "X" AS t0 LEFT JOIN ...` for the selected columns.
   */
  constructor(db: DatabaseSync, rowids: RowidSet, shape: RecordShape, from: string) {
    this.#db = db
    this.#rowids = rowids
    this.#shape = shape
    this.#from = from
    this.totalSize = rowids.length
    this.recordCount = rowids.length
    this.columns = shape.columns
  }

  fetch(offset: number, count: number, apiVersion: string): Array<Record<string, unknown>> {
    const base = sobjectsBase(apiVersion)
    const rows = this.#read(offset, count)
    const records = rows.map((row) => this.#shape.record(row, base))
    this.#attachChildren(
      rows,
      apiVersion,
      (i, key, value) => ((records[i] as Record<string, unknown>)[key] = value),
    )
    return records
  }

  *rows(offset: number, count: number): Iterable<readonly JsonValue[]> {
    const end = Math.min(this.totalSize, offset + count)
    for (let at = Math.max(0, offset); at < end; at += ROWS_BATCH) {
      const rows = this.#read(at, Math.min(ROWS_BATCH, end - at))
      const flats = rows.map((row) => this.#shape.flat(row))
      // Bulk refuses child subqueries (bulk-query-check); flat rows still carry them, as JSON.
      const columns = new Map(this.#shape.children.map((c) => [c.plan.key, c.column]))
      this.#attachChildren(rows, FLAT_ROWS_API_VERSION, (i, key, value) => {
        ;(flats[i] as JsonValue[])[columns.get(key) as number] = value
      })
      yield* flats
    }
  }

  /** Reads the child subqueries of a page of parents and hands each parent's result to `set`. */
  #attachChildren(
    rows: unknown[][],
    apiVersion: string,
    set: (i: number, key: string, value: JsonValue) => void,
  ): void {
    if (this.#shape.children.length === 0) return
    const ids = rows.map((r) => this.#shape.rootId(r))
    for (const { plan } of this.#shape.children) {
      const children = plan.fetch(ids, apiVersion)
      ids.forEach((id, i) => set(i, plan.key, children.get(id) ?? null))
    }
  }

  /** Rows `[offset, offset+count)` of the result as SQL arrays, in result order. */
  #read(offset: number, count: number): unknown[][] {
    const start = Math.max(0, offset)
    const end = Math.min(this.totalSize, start + Math.max(0, count))
    if (end <= start) return []
    const window = this.#rowids.window(start, end)
    if (window.kind === 'range') {
      this.#range ??= this.#prepare(`t0."_rowid" BETWEEN ? AND ?`, true)
      return this.#range.all(window.first, window.last) as unknown as unknown[][]
    }
    const ids = window.ids
    this.#list ??= this.#prepare(`t0."_rowid" IN (SELECT value FROM json_each(?))`, false)
    const rows = this.#list.all(JSON.stringify(Array.from(ids))) as unknown as unknown[][]
    // Put the rows back in result order; the rowid is the last column.
    const position = new Map<number, number>()
    for (let i = 0; i < ids.length; i++) position.set(ids[i] as number, i)
    const ordered: unknown[][] = new Array<unknown[]>(ids.length)
    for (const row of rows) ordered[position.get(row[row.length - 1] as number) as number] = row
    // A row purged since execution leaves a hole: skip it.
    return ordered.filter((r) => r !== undefined)
  }

  #prepare(where: string, ordered: boolean): StatementSync {
    const cols = [...this.#shape.sql, 't0."_rowid"'].join(', ')
    const stmt = this.#db.prepare(
      `SELECT ${cols} ${this.#from} WHERE ${where}${ordered ? ' ORDER BY t0."_rowid"' : ''}`,
    )
    stmt.setReturnArrays(true)
    return stmt
  }
}

/** A cursor over records computed at execution (aggregate queries). */
export class ListCursor implements QueryCursor {
  readonly totalSize: number
  readonly recordCount: number
  readonly columns: readonly string[]
  readonly #records: ReadonlyArray<Record<string, JsonValue>>

  constructor(records: ReadonlyArray<Record<string, JsonValue>>, columns: readonly string[]) {
    this.#records = records
    this.columns = columns
    this.totalSize = records.length
    this.recordCount = records.length
  }

  fetch(offset: number, count: number): Array<Record<string, unknown>> {
    return this.#records.slice(Math.max(0, offset), Math.max(0, offset) + Math.max(0, count)).map((r) => ({
      attributes: { type: 'AggregateResult' },
      ...r,
    }))
  }

  *rows(offset: number, count: number): Iterable<readonly JsonValue[]> {
    for (const r of this.#records.slice(Math.max(0, offset), Math.max(0, offset) + Math.max(0, count)))
      yield this.columns.map((c) => r[c] ?? null)
  }
}

/** `SELECT COUNT() ...`: totalSize is the count and there are no records. */
export class CountCursor implements QueryCursor {
  readonly totalSize: number
  readonly recordCount = 0
  readonly columns: readonly string[] = []

  constructor(count: number) {
    this.totalSize = count
  }

  fetch(): Array<Record<string, unknown>> {
    return []
  }

  *rows(): Iterable<readonly JsonValue[]> {
    // COUNT() returns no records, only totalSize.
  }
}
