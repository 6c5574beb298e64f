/**
 * The incremental steps of an object already loaded (issue 5 "Incremental", "Schema evolution",
 * "Formula fields"): back-fill columns new since the last run, read changes with
 * `cursor >= last cursor - lookback` on queryAll as idempotent upserts guarded by the cursor column,
 * apply deletes, refresh formula columns when due, and move the cursor, never past
 * "org now - visibility lag" (records that become visible late are read on the next run).
 */
import type { ObjectEvent } from './sync-lifecycle.ts'
import type { ObjectPlan } from './sync-plan.ts'
import type { ObjectCheckpoint } from './object-checkpoint.ts'
import { datetimeMs } from './object-checkpoint.ts'
import { orgNow, readBulkInto, readRestInto, readsByBulk, type ObjectSyncContext } from './object-context.ts'
import { soqlDatetime } from './soql.ts'
import { applyDeletedWindow, deleteLocal } from './object-deletes.ts'
import { reconcileIds } from './id-reconciliation.ts'
import type { Tally } from './object-sync.ts'

/**
 * Reads `fields` for rows already synced (cursor <= `upTo`) and writes just those columns: one Bulk
 * job when the object holds as many rows as a load would read by Bulk (a new column on a million rows
 * is ~10 calls, not 500 REST pages), REST otherwise.
 */
async function rereadColumns(
  ctx: ObjectSyncContext,
  plan: ObjectPlan,
  columns: readonly string[],
  upTo: string,
  cp: ObjectCheckpoint,
): Promise<number> {
  const fields = ['Id', ...columns.filter((c) => c !== 'Id')]
  // Only rows the destination already holds (cursor <= the cursor): newer ones come whole with the changes.
  const where = plan.cursorField ? `${plan.cursorField} <= ${soqlDatetime(datetimeMs(upTo))}` : undefined
  const local = await ctx.dest.countRows(plan.object, { includeDeleted: true })
  if (readsByBulk(ctx, plan, local)) {
    // Not resumable on purpose: a crash leaves the columns pending, and the next run reads them again.
    const r = await readBulkInto(ctx, plan, {
      fields,
      ...(where ? { where } : {}),
      writer: { mode: 'upsert' },
      checkpointOf: () => cp,
    })
    return r.written
  }
  const r = await readRestInto(ctx, plan, {
    fields,
    ...(where ? { where } : {}),
    writer: { mode: 'upsert' },
    checkpointOf: () => cp,
  })
  return r.rows
}

/** The changes since the cursor are too many for REST pages (their first page said how many). */
class ManyChanges extends Error {
  readonly total: number
  constructor(total: number) {
    super(`${total} changes`)
    this.total = total
  }
}

/**
 * Whether a periodic step is due. The org clock is estimated from whole-second `Date` headers, so two
 * runs may disagree by up to a second: an interval of 0 means every run, whatever the estimate.
 */
function due(last: number | undefined, now: number, everyMs: number): boolean {
  return last === undefined || everyMs <= 0 || now - last >= everyMs
}

export async function applyIncremental(
  ctx: ObjectSyncContext,
  plan: ObjectPlan,
  cp: ObjectCheckpoint,
  t: Tally,
  send: (e: ObjectEvent) => void,
): Promise<void> {
  const object = plan.object
  const cursorField = plan.cursorField as string
  const oldCursor = cp.cursor as string
  const oldMs = datetimeMs(oldCursor)
  const fields = plan.fields.map((f) => f.name)

  // 1. Back-fill columns added to the table (new fields, or rebuilt ones) before reading changes.
  const registry = (await ctx.dest.columns(object)) ?? []
  const byColumn = new Map(plan.fields.map((f) => [f.name.toLowerCase(), f.name]))
  const pending = registry.filter((c) => c.backfillPending && c.inOrg && byColumn.has(c.column))
  if (pending.length > 0) {
    const names = pending.map((c) => byColumn.get(c.column) as string)
    ctx.emit({ type: 'notice', object, message: `back-filling ${names.join(', ')}` })
    t.rowsWritten += await rereadColumns(ctx, plan, names, oldCursor, cp)
    await ctx.dest.markBackfilled(
      object,
      pending.map((c) => c.column),
    )
  }
  send('backfilled')

  // 2. Changes since the cursor (queryAll: recycle-bin deletes and undeletes come with them).
  const since = oldMs - ctx.settings.lookbackMs
  const where = `${cursorField} >= ${soqlDatetime(since)}`
  let snapshot: number | undefined
  let rows = 0
  ctx.emit({ type: 'object-start', object, phase: 'changes', strategy: 'rest' })
  t.strategy = 'rest'
  const seen = new Set<string>()
  const writer = { mode: 'upsert', staleGuardColumn: cursorField.toLowerCase() } as const
  const onRows = (n: number): void => {
    rows += n
    ctx.emit({ type: 'rows', object, rows })
  }
  let changes: { rows: number; maxSeen: number | undefined; deletedIds: string[]; ids: string[] }
  try {
    changes = await readRestInto(ctx, plan, {
      fields,
      where,
      writer,
      onRows,
      onFirstPage: (serverDate, totalSize) => {
        snapshot = serverDate
        // A mass update (a data load, an admin's field fix) is read like a load: one Bulk job instead
        // of a REST page per 2,000 rows. The first page told the size; nothing of it was written.
        if (readsByBulk(ctx, plan, totalSize)) throw new ManyChanges(totalSize)
      },
      // The cursor moves only once the whole run of this object is done: a crash re-reads, harmlessly.
      checkpointOf: () => cp,
      collectIds: true,
    })
  } catch (err) {
    if (!(err instanceof ManyChanges)) throw err
    ctx.emit({ type: 'object-start', object, phase: 'changes', strategy: 'bulk', expectedRows: err.total })
    t.strategy = 'bulk'
    rows = 0
    // Not resumable: a crash leaves the cursor where it was, and the next run reads the changes again.
    const r = await readBulkInto(ctx, plan, {
      fields,
      where,
      writer,
      onRows,
      checkpointOf: () => cp,
    })
    // Ids are not kept for so many rows: the delete window then checks each of its Ids by query.
    changes = { rows: r.written, maxSeen: r.maxSeen, deletedIds: r.deletedIds, ids: [] }
  }
  t.rowsWritten += changes.rows
  // Ids the changes query returned are in their right state already.
  for (const id of changes.ids) seen.add(id)
  if (ctx.settings.hardDeletes) t.rowsDeleted += await deleteLocal(ctx, object, changes.deletedIds)
  const limit = (snapshot ?? orgNow(ctx)) - ctx.settings.visibilityLagMs
  const next = Math.max(oldMs, changes.maxSeen === undefined ? limit : Math.min(changes.maxSeen, limit))
  send('changes-applied')

  // 3. Deletes: /deleted over the same window; a reconciliation when it was outrun or is due.
  const window = await applyDeletedWindow(ctx, plan, since, seen)
  t.rowsDeleted += window.deleted
  let reconciledAt = cp.reconciledAt
  const now = orgNow(ctx)
  if (window.outrun || due(reconciledAt, now, ctx.settings.reconcileEveryMs)) {
    if (window.outrun)
      ctx.emit({ type: 'notice', object, message: 'the delete window was outrun: reconciling Ids' })
    const local = await ctx.dest.countRows(object, { includeDeleted: true })
    const rec = await reconcileIds(ctx, plan, readsByBulk(ctx, plan, local))
    t.rowsDeleted += rec.deleted
    t.rowsWritten += rec.fetched
    t.reconciled = true
    reconciledAt = now
  }
  send('deletes-applied')

  // 4. Formula columns: their values change without the cursor moving.
  let formulasAt = cp.formulasAt
  const every = ctx.settings.formulaRefreshEveryMs
  if (every !== undefined && plan.formulaFields.length > 0 && due(formulasAt, now, every)) {
    await rereadColumns(ctx, plan, plan.formulaFields, new Date(next).toISOString(), cp)
    formulasAt = now
    t.formulasRefreshed = true
  }
  send('formulas-refreshed')

  const cursor = new Date(next).toISOString()
  t.cursor = cursor
  await ctx.dest.writeCheckpoint(object, {
    v: 1,
    cursorField,
    cursor,
    fields,
    ...(reconciledAt !== undefined ? { reconciledAt } : {}),
    ...(formulasAt !== undefined ? { formulasAt } : {}),
  } satisfies ObjectCheckpoint)
}
