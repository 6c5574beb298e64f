/**
 * PostgreSQL's write path, COPY in both modes (perf-limits.md: multi-row INSERT runs at 0.08–0.31×
 * of COPY). `insert`: plain COPY into the table, the fastest load of an empty table. `upsert`: COPY
 * into a session-local stage table, then one `INSERT … SELECT … ON CONFLICT (id) DO UPDATE` at commit
 * (0.36× of plain COPY, the price of ON CONFLICT). Either way the checkpoint is written after the rows
 * and before COMMIT, in the same transaction. Rows are streamed, never held.
 */
import { finished } from 'node:stream/promises'
import type { Writable } from 'node:stream'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { DestinationError } from '../destination.ts'
import type { BatchWriter, RawValue } from '../destination.ts'
import type { DbRow, SqlExecutor, WriterContext } from '../sql-driver.ts'
import { quoteIdent } from '../sql-driver.ts'

type Encoder = (value: RawValue) => string

const STAGE = quoteIdent('_sfsync_stage')
const COPY_SPECIAL = /[\\\n\r\t\0]/
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '' }
/** Flush COPY text to the socket at about this many characters. */
const FLUSH_CHARS = 64 * 1024

/** A text value in COPY's text format; NUL cannot be stored in PostgreSQL text and is dropped. */
function copyText(s: string): string {
  return COPY_SPECIAL.test(s) ? s.replace(/[\\\n\r\t\0]/g, (c) => COPY_ESCAPES[c] ?? '') : s
}

export class PostgresBatchWriter implements BatchWriter {
  readonly #client: pg.PoolClient
  readonly #ctx: WriterContext
  readonly #encoders: Encoder[]
  readonly #width: number
  readonly #copySql: string
  readonly #mergeSql: string
  readonly #tx: SqlExecutor
  #copy: Writable | undefined
  #copyError: Error | undefined
  #inTransaction = false
  #pending = 0
  #closed = false

  private constructor(client: pg.PoolClient, ctx: WriterContext) {
    this.#client = client
    this.#ctx = ctx
    this.#width = ctx.normalizers.length
    const names = ctx.columns.map((c) => quoteIdent(c.column)).join(', ')
    const target = ctx.options.mode === 'insert' ? ctx.table : STAGE
    this.#copySql = `COPY ${target} (${names}) FROM STDIN`
    // A batch may hold the same Id twice (two queries of one window): the row written last wins.
    this.#mergeSql = `INSERT INTO ${ctx.table} (${names}) SELECT DISTINCT ON ("id") ${names} FROM ${STAGE} ORDER BY "id", ctid DESC ${ctx.onConflict}`
    this.#encoders = ctx.normalizers.map((normalize, i): Encoder => {
      const kind = ctx.columns[i]?.kind ?? 'text'
      if (kind === 'id' || kind === 'text')
        return (v) => (v === null ? '\\N' : copyText(typeof v === 'string' ? v : String(v)))
      return (v) => {
        const n = normalize(v)
        return n === null ? '\\N' : n === true ? 't' : n === false ? 'f' : n
      }
    })
    this.#tx = {
      query: async (sql, params = []) => (await client.query(sql, params as unknown[])).rows as DbRow[],
    }
  }

  /** Prepares the stage table (upsert mode) on the writer's own connection. */
  static async open(client: pg.PoolClient, ctx: WriterContext): Promise<PostgresBatchWriter> {
    const writer = new PostgresBatchWriter(client, ctx)
    try {
      if (ctx.options.mode === 'upsert')
        await client.query(
          `DROP TABLE IF EXISTS pg_temp.${STAGE}; CREATE TEMP TABLE ${STAGE} (LIKE ${ctx.table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`,
        )
    } catch (error) {
      client.release()
      ctx.release()
      throw error
    }
    return writer
  }

  get pendingRows(): number {
    return this.#pending
  }

  async #begin(): Promise<void> {
    if (!this.#inTransaction) {
      await this.#client.query('BEGIN')
      this.#inTransaction = true
    }
  }

  #openCopy(): Writable {
    const copy = this.#client.query(copyFrom(this.#copySql))
    this.#copyError = undefined
    copy.on('error', (error: Error) => {
      this.#copyError = error
    })
    this.#copy = copy
    return copy
  }

  async #send(copy: Writable, text: string): Promise<void> {
    const earlier = this.#copyError
    if (earlier) throw earlier
    if (!copy.write(text)) {
      // Wait for the socket to drain, or for the server to reject the COPY.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          copy.off('drain', done)
          copy.off('error', done)
          resolve()
        }
        copy.on('drain', done)
        copy.on('error', done)
      })
      const failed = this.#copyError
      if (failed) throw failed
    }
  }

  async write(rows: readonly (readonly RawValue[])[]): Promise<void> {
    if (this.#closed) throw new DestinationError(`The writer of ${this.#ctx.object} is closed.`)
    const width = this.#width
    const enc = this.#encoders
    const tail = `\t${this.#ctx.syncedAt}\n`
    try {
      await this.#begin()
      const copy = this.#copy ?? this.#openCopy()
      let text = ''
      for (const row of rows) {
        if (row.length !== width)
          throw new DestinationError(
            `A row of ${this.#ctx.object} has ${row.length} values for ${width} fields.`,
          )
        let line = (enc[0] as Encoder)(row[0] as RawValue)
        for (let i = 1; i < width; i++) line += '\t' + (enc[i] as Encoder)(row[i] as RawValue)
        text += line + tail
        this.#pending++
        if (text.length >= FLUSH_CHARS) {
          await this.#send(copy, text)
          text = ''
        }
      }
      if (text.length > 0) await this.#send(copy, text)
    } catch (error) {
      await this.#fail(error)
      throw error
    }
  }

  async commit(checkpoint?: unknown): Promise<void> {
    if (this.#closed) throw new DestinationError(`The writer of ${this.#ctx.object} is closed.`)
    try {
      if (!this.#inTransaction) {
        if (checkpoint === undefined) return
        await this.#begin()
      }
      const copy = this.#copy
      if (copy) {
        this.#copy = undefined
        copy.end()
        await finished(copy)
        const copyError = this.#copyError
        if (copyError) throw copyError
        if (this.#ctx.options.mode === 'upsert') await this.#client.query(this.#mergeSql)
      }
      if (checkpoint !== undefined) await this.#ctx.saveCheckpoint(this.#tx, checkpoint)
      await this.#client.query('COMMIT')
      this.#inTransaction = false
      this.#pending = 0
    } catch (error) {
      await this.#fail(error)
      if (
        error instanceof Error &&
        'code' in error &&
        error.code === '23505' &&
        this.#ctx.options.mode === 'insert'
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

  async abort(): Promise<void> {
    await this.#fail(undefined)
  }

  async close(): Promise<void> {
    await this.#fail(undefined)
  }

  /** Rolls back, returns the connection to the pool (destroyed if it may be unusable), closes. */
  async #fail(error: unknown): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#pending = 0
    let broken = false
    const copy = this.#copy
    this.#copy = undefined
    if (copy && !this.#copyError) {
      // An unfinished COPY cannot be rolled back by statement: end the connection instead of reusing it.
      copy.destroy()
      broken = true
    }
    if (this.#inTransaction && !broken) {
      try {
        await this.#client.query('ROLLBACK')
      } catch {
        broken = true
      }
    }
    this.#inTransaction = false
    this.#client.release(
      broken ? (error instanceof Error ? error : new Error('writer aborted mid-COPY')) : undefined,
    )
    this.#ctx.release()
  }
}
