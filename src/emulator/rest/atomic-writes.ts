/**
 * All-or-none writes for sObject Collections and Composite: runs a batch of synchronous writes and,
 * when the caller decides the batch failed, undoes all of it. With the record layer's `transaction`
 * the undo is a real rollback; without it, writes are undone by compensation (purge what was created,
 * restore changed fields, undelete what was deleted), which leaves audit fields touched and purged ids
 * in `/deleted` — good enough until the record layer offers transactions.
 */
import type { OrgData, RecordFields, UpsertResult, WriteContext, JsonValue } from '../data/org-data.ts'

/** The record layer's writes, recorded so that they can be undone. */
export class UndoableWriter {
  readonly #data: OrgData
  readonly #ctx: WriteContext
  readonly #undo: Array<() => void> = []
  /** False inside a real transaction: nothing to record. */
  readonly #compensate: boolean

  constructor(data: OrgData, ctx: WriteContext, compensate: boolean) {
    this.#data = data
    this.#ctx = ctx
    this.#compensate = compensate
  }

  create(sobject: string, fields: RecordFields): string {
    const id = this.#data.create(sobject, fields, this.#ctx)
    if (this.#compensate) this.#undo.push(() => this.#data.purge(sobject, id))
    return id
  }

  update(sobject: string, id: string, fields: RecordFields): void {
    const before = this.#compensate ? this.#snapshot(sobject, id, fields) : undefined
    this.#data.update(sobject, id, fields, this.#ctx)
    if (before) this.#undo.push(() => this.#data.update(sobject, id, before, this.#ctx))
  }

  delete(sobject: string, id: string): void {
    this.#data.delete(sobject, id, this.#ctx)
    if (this.#compensate) this.#undo.push(() => this.#data.undelete(sobject, id, this.#ctx))
  }

  upsert(sobject: string, field: string, value: JsonValue, fields: RecordFields): UpsertResult {
    let before: RecordFields | undefined
    if (this.#compensate) {
      const [existing] = this.#data.findByExternalId(sobject, field, value)
      if (existing) before = this.#snapshot(sobject, existing, fields)
    }
    const result = this.#data.upsert(sobject, field, value, fields, this.#ctx)
    if (this.#compensate) {
      if (result.created) this.#undo.push(() => this.#data.purge(sobject, result.id))
      else if (before) {
        const restore = before
        this.#undo.push(() => this.#data.update(sobject, result.id, restore, this.#ctx))
      }
    }
    return result
  }

  /** The current values of the updatable fields a write is about to change. */
  #snapshot(sobject: string, id: string, fields: RecordFields): RecordFields | undefined {
    const schema = this.#data.schema(sobject)
    const names = Object.keys(fields)
      .map((k) => schema?.field(k))
      .filter((f) => f !== undefined && f.updateable === true)
      .map((f) => f!.name)
    if (names.length === 0) return undefined
    return this.#data.retrieve(sobject, id, names)
  }

  /** Undoes every recorded write, newest first; an undo that fails does not stop the others. */
  undoAll(): void {
    while (this.#undo.length > 0) {
      const step = this.#undo.pop()
      try {
        step?.()
      } catch {
        // Best effort: the record may have been changed by the batch in a way that cannot be reversed.
      }
    }
  }
}

class Rollback<R> extends Error {
  readonly result: R
  constructor(result: R) {
    super('rollback')
    this.result = result
  }
}

/**
 * Runs `work` and returns its result; when `failed(result)` is true every write `work` made is undone
 * first. Errors thrown by `work` undo its writes too and propagate.
 */
export function runAtomically<R>(
  data: OrgData,
  ctx: WriteContext,
  work: (writer: UndoableWriter) => R,
  failed: (result: R) => boolean,
): R {
  if (data.transaction) {
    const transaction = data.transaction.bind(data)
    try {
      return transaction(() => {
        const result = work(new UndoableWriter(data, ctx, false))
        if (failed(result)) throw new Rollback(result)
        return result
      })
    } catch (err) {
      if (err instanceof Rollback) return err.result as R
      throw err
    }
  }
  const writer = new UndoableWriter(data, ctx, true)
  let result: R
  try {
    result = work(writer)
  } catch (err) {
    writer.undoAll()
    throw err
  }
  if (failed(result)) writer.undoAll()
  return result
}
