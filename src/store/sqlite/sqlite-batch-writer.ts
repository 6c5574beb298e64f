/**
 * SQLite's write path: one prepared statement, run row by row inside the caller's transaction. Rows
 * are not buffered: perf-limits.md measured that holding 10k parsed rows before each transaction
 * promotes them to the old generation and costs seconds of GC, while `run` per row inside an explicit
 * BEGIN … COMMIT does not.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { DestinationError } from '../destination.ts'
import type { BatchWriter, RawValue } from '../destination.ts'
import type { SqlDriver, WriterContext } from '../sql-driver.ts'
import { quoteIdent } from '../sql-driver.ts'

type Converter = (value: RawValue) => unknown

export class SqliteBatchWriter implements BatchWriter {
  readonly #db: DatabaseSync
  readonly #driver: SqlDriver
  readonly #ctx: WriterContext
  readonly #stmt: StatementSync
  readonly #converters: Converter[]
  readonly #width: number
  #pending = 0
  #closed = false

  constructor(db: DatabaseSync, driver: SqlDriver, ctx: WriterContext) {
    this.#db = db
    this.#driver = driver
    this.#ctx = ctx
    const names = ctx.columns.map((c) => quoteIdent(c.column)).join(', ')
    const params = ctx.columns.map((_, i) => `?${i + 1}`).join(', ')
    const sql = `INSERT INTO ${ctx.table} (${names}) VALUES (${params})${ctx.options.mode === 'upsert' ? ` ${ctx.onConflict}` : ''}`
    this.#stmt = db.prepare(sql)
    this.#width = ctx.normalizers.length
    this.#converters = ctx.normalizers.map((normalize, i) => {
      const kind = ctx.columns[i]?.kind ?? 'text'
      if (kind === 'id' || kind === 'text')
        return (v) => (v === null || typeof v === 'string' ? v : String(v))
      return (v) => driver.encode(kind, normalize(v))
    })
  }

  get pendingRows(): number {
    return this.#pending
  }

  async write(rows: readonly (readonly RawValue[])[]): Promise<void> {
    if (this.#closed) throw new DestinationError(`The writer of ${this.#ctx.object} is closed.`)
    const width = this.#width
    const conv = this.#converters
    const values: unknown[] = new Array(width + 1)
    values[width] = this.#ctx.syncedAt
    try {
      if (!this.#db.isTransaction) this.#db.exec('BEGIN IMMEDIATE')
      for (const row of rows) {
        if (row.length !== width)
          throw new DestinationError(
            `A row of ${this.#ctx.object} has ${row.length} values for ${width} fields.`,
          )
        for (let i = 0; i < width; i++) values[i] = (conv[i] as Converter)(row[i] as RawValue)
        this.#stmt.run(...(values as (string | number | null)[]))
        this.#pending++
      }
    } catch (error) {
      this.#fail()
      if (
        error instanceof Error &&
        'code' in error &&
        error.code === 'ERR_SQLITE_ERROR' &&
        /UNIQUE/.test(error.message)
      )
        throw new DestinationError(
          `A row of ${this.#ctx.object} already exists: the insert mode is for empty tables.`,
          {
            cause: error,
            nextStep: 'Write with mode "upsert".',
          },
        )
      throw error
    }
  }

  async commit(checkpoint?: unknown): Promise<void> {
    if (this.#closed) throw new DestinationError(`The writer of ${this.#ctx.object} is closed.`)
    try {
      if (!this.#db.isTransaction) {
        if (checkpoint === undefined) return
        this.#db.exec('BEGIN IMMEDIATE')
      }
      if (checkpoint !== undefined) await this.#ctx.saveCheckpoint(this.#driver, checkpoint)
      this.#db.exec('COMMIT')
      this.#pending = 0
    } catch (error) {
      this.#fail()
      throw error
    }
  }

  async abort(): Promise<void> {
    this.#fail()
  }

  async close(): Promise<void> {
    this.#fail()
  }

  /** Rolls back whatever is open and closes the writer. */
  #fail(): void {
    if (this.#closed) return
    this.#closed = true
    this.#pending = 0
    if (this.#db.isOpen && this.#db.isTransaction) this.#db.exec('ROLLBACK')
    this.#ctx.release()
  }
}
