/**
 * A {@link RowConsumer} that writes into the destination: the writer opens on the first rows, each
 * commit stores the rows with the checkpoint made from the reader's position, and an abort rolls the
 * uncommitted rows back (the writer opens again for the next attempt). It also tracks what the engine
 * needs afterwards: rows written, the largest cursor value, and the Ids seen deleted.
 */
import type { BatchWriter, Destination, WriterOptions } from '../store/destination.ts'
import type { Row, RowConsumer } from './query-readers.ts'
import { datetimeMs } from './object-checkpoint.ts'

export class WriterSink<P> implements RowConsumer<P> {
  readonly #dest: Destination
  readonly #object: string
  readonly #fields: readonly string[]
  readonly #options: WriterOptions
  readonly #checkpointOf: (position: P, maxSeen: number | undefined) => unknown
  readonly #onRows: ((n: number) => void) | undefined
  readonly #cursorIndex: number
  readonly #deletedIndex: number
  #writer: BatchWriter | undefined
  #pendingMaxText: string | undefined
  #pendingDeleted: string[] = []
  /** Rows committed through this sink. */
  written = 0
  #pending = 0
  /** Largest committed cursor value (ms). */
  maxSeen: number | undefined
  /** Ids committed with IsDeleted = true. */
  readonly deletedIds: string[] = []
  /** Every Id committed, when asked for (`collectIds`). */
  readonly ids: string[] = []
  readonly #collectIds: boolean
  #pendingIds: string[] = []

  constructor(input: {
    dest: Destination
    object: string
    fields: readonly string[]
    options: WriterOptions
    checkpointOf: (position: P, maxSeen: number | undefined) => unknown
    cursorField?: string | undefined
    onRows?: (n: number) => void
    collectIds?: boolean
  }) {
    this.#collectIds = input.collectIds ?? false
    this.#dest = input.dest
    this.#object = input.object
    this.#fields = input.fields
    this.#options = input.options
    this.#checkpointOf = input.checkpointOf
    this.#onRows = input.onRows
    this.#cursorIndex = input.cursorField ? input.fields.indexOf(input.cursorField) : -1
    this.#deletedIndex = input.fields.indexOf('IsDeleted')
  }

  async rows(rows: Row[]): Promise<void> {
    if (rows.length === 0) return
    this.#writer ??= await this.#dest.openWriter(this.#object, this.#fields, this.#options)
    await this.#writer.write(rows)
    this.#pending += rows.length
    const ci = this.#cursorIndex
    const di = this.#deletedIndex
    if (ci >= 0 || di >= 0)
      for (const r of rows) {
        if (ci >= 0) {
          const v = r[ci]
          // One reader sends one datetime format (fixed width), so the text compares like the time;
          // parsing happens once per commit, not once per row.
          const top = this.#pendingMaxText
          if (
            typeof v === 'string' &&
            (top === undefined || (v.length === top.length ? v > top : datetimeMs(v) > datetimeMs(top)))
          )
            this.#pendingMaxText = v
        }
        if (di >= 0) {
          const d = r[di]
          if (d === true || d === 'true') this.#pendingDeleted.push(String(r[0]))
        }
      }
    if (this.#collectIds) for (const r of rows) this.#pendingIds.push(String(r[0]))
    this.#onRows?.(rows.length)
  }

  /** The largest cursor value including rows not yet committed. */
  get maxIncludingPending(): number | undefined {
    const text = this.#pendingMaxText
    const pending = text === undefined ? NaN : datetimeMs(text)
    if (!Number.isFinite(pending)) return this.maxSeen
    return this.maxSeen === undefined ? pending : Math.max(this.maxSeen, pending)
  }

  async commit(position: P): Promise<void> {
    const max = this.maxIncludingPending
    const checkpoint = this.#checkpointOf(position, max)
    if (this.#writer) await this.#writer.commit(checkpoint)
    else await this.#dest.writeCheckpoint(this.#object, checkpoint)
    this.maxSeen = max
    this.written += this.#pending
    this.deletedIds.push(...this.#pendingDeleted)
    for (const id of this.#pendingIds) this.ids.push(id)
    this.#pendingIds = []
    this.#pending = 0
    this.#pendingMaxText = undefined
    this.#pendingDeleted = []
  }

  async abort(): Promise<void> {
    const w = this.#writer
    this.#writer = undefined
    this.#pending = 0
    this.#pendingMaxText = undefined
    this.#pendingDeleted = []
    this.#pendingIds = []
    if (w) await w.abort()
  }

  async close(): Promise<void> {
    const w = this.#writer
    this.#writer = undefined
    if (w) await w.close()
  }
}
