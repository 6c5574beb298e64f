/**
 * One object's sync, driven through the object lifecycle (sync-lifecycle.ts): describe and plan, then
 * either a load (first run, resumed load, `--full`, or an object without a cursor field) or the
 * incremental steps (back-fill new columns, changes since the cursor, deletes, formula refresh).
 * Every failure ends in a result with `status: 'failed'` for this object only (STYLE.md §7).
 */
import { SfsyncError } from '../config/sfsync-error.ts'
import { SalesforceApiError } from '../salesforce/errors.ts'
import { countRecords } from '../salesforce/data/rest-query.ts'
import type { BulkJobInfo } from '../salesforce/data/bulk-query.ts'
import { OBJECT_TRANSITIONS, StateMachine, type ObjectEvent, type ObjectState } from './sync-lifecycle.ts'
import { planObject, type ObjectPlan } from './sync-plan.ts'
import type { ObjectResult } from './sync-events.ts'
import { parseCheckpoint, datetimeMs, type LoadState, type ObjectCheckpoint } from './object-checkpoint.ts'
import { orgNow, readBulkInto, readRestInto, readsByBulk, type ObjectSyncContext } from './object-context.ts'
import { selectSoql } from './soql.ts'
import { RowCountMismatchError } from './query-readers.ts'
import { applyIncremental } from './object-changes.ts'
import { deleteLocal } from './object-deletes.ts'
import { reconcileIds } from './id-reconciliation.ts'

/** Bulk refusals that mean "read this object over REST instead" (reference §4.3). */
function bulkRefused(err: unknown): boolean {
  return (
    err instanceof SalesforceApiError &&
    (err.errorCode === 'INVALIDENTITY' ||
      /not supported by the Bulk API|compound data not supported|FeatureNotEnabled|API_DISABLED/i.test(
        err.salesforceMessage,
      ))
  )
}

function asSfsyncError(err: unknown): SfsyncError {
  if (err instanceof SfsyncError) return err
  return new SfsyncError('SYNC_FAILED', `Unexpected error: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  })
}

/** Mutable tally of one object's run. */
interface Tally {
  phase: ObjectResult['phase']
  strategy: 'bulk' | 'rest' | undefined
  rowsWritten: number
  rowsDeleted: number
  cursor: string | null
  bulkJobId?: string
  reusedBulkJob?: boolean
  schemaChanges: number
  reconciled: boolean
  formulasRefreshed: boolean
}

/** Syncs one object; never throws (the failure is in the result). */
export async function syncObject(
  ctx: ObjectSyncContext,
  object: string,
  wantedFields?: readonly string[],
): Promise<ObjectResult> {
  const started = Date.now()
  ctx.api.current = object
  const callsBefore = ctx.api.callsOf(object)
  const m = new StateMachine<ObjectState, ObjectEvent>('object', OBJECT_TRANSITIONS, 'pending')
  const t: Tally = {
    phase: 'none',
    strategy: undefined,
    rowsWritten: 0,
    rowsDeleted: 0,
    cursor: null,
    schemaChanges: 0,
    reconciled: false,
    formulasRefreshed: false,
  }
  let error: SfsyncError | undefined
  try {
    m.send('start')
    const plan = planObject(await ctx.describe.describe(object), wantedFields)
    const changes = await ctx.dest.ensureTable(object, plan.fieldSpecs)
    t.schemaChanges = changes.length
    for (const c of changes)
      if (c.change !== 'create_table')
        ctx.emit({
          type: 'notice',
          object,
          message: `schema: ${c.change}${c.column ? ` ${c.column}` : ''}${c.before ? ` (${c.before} → ${c.after ?? ''})` : ''}`,
        })
    const cp = parseCheckpoint(await ctx.dest.readCheckpoint(object))
    const needsLoad =
      ctx.settings.full ||
      !cp ||
      cp.cursor === null ||
      cp.load !== undefined ||
      plan.cursorField === undefined
    if (needsLoad) {
      m.send('needs-load')
      t.phase = 'load'
      await loadObject(ctx, plan, cp, t)
      m.send('loaded')
    } else {
      m.send('needs-changes')
      t.phase = 'changes'
      await applyIncremental(ctx, plan, cp, t, (e) => m.send(e))
    }
  } catch (err) {
    error = asSfsyncError(err)
    m.send('error')
  }
  const result: ObjectResult = {
    object,
    status: m.state === 'failed' ? 'failed' : 'synced',
    phase: t.phase,
    strategy: t.strategy,
    rowsWritten: t.rowsWritten,
    rowsDeleted: t.rowsDeleted,
    apiCalls: ctx.api.callsOf(object) - callsBefore,
    durationMs: Date.now() - started,
    cursor: t.cursor,
    ...(t.bulkJobId ? { bulkJobId: t.bulkJobId, reusedBulkJob: t.reusedBulkJob ?? false } : {}),
    schemaChanges: t.schemaChanges,
    reconciled: t.reconciled,
    formulasRefreshed: t.formulasRefreshed,
    ...(error ? { error } : {}),
  }
  return result
}

export type { Tally }

/** The cursor a finished load leaves: never past the snapshot time minus the visibility lag. */
function cursorAfterLoad(ctx: ObjectSyncContext, plan: ObjectPlan, load: LoadState): string | null {
  if (!plan.cursorField) return null
  const limit = (load.startedAt ?? orgNow(ctx)) - ctx.settings.visibilityLagMs
  const at = load.maxSeen === undefined ? limit : Math.min(load.maxSeen, limit)
  return new Date(at).toISOString()
}

/** Loads (or resumes loading) every row of the object. */
async function loadObject(
  ctx: ObjectSyncContext,
  plan: ObjectPlan,
  cp: ObjectCheckpoint | undefined,
  t: Tally,
): Promise<void> {
  const object = plan.object
  const fields = plan.fields.map((f) => f.name)
  // An interrupted load (even of --full) resumes, as long as it reads the same fields.
  const resumable = cp?.load && cp.load.fields.join(',') === fields.join(',') ? cp.load : undefined
  let strategy: 'bulk' | 'rest'
  let expected: number | undefined
  if (resumable) strategy = resumable.strategy
  else if (!plan.bulk.allowed) strategy = 'rest'
  else {
    expected = await countRecords(ctx.api, `SELECT COUNT() FROM ${object}`, true)
    strategy = readsByBulk(ctx, plan, expected) ? 'bulk' : 'rest'
  }
  const localRows = await ctx.dest.countRows(object, { includeDeleted: true })
  const base: LoadState = resumable ?? {
    strategy,
    mode: strategy === 'bulk' && localRows === 0 ? 'insert' : 'upsert',
    fields,
    startedAt: undefined,
    maxSeen: undefined,
    reconcileAfter: localRows > 0,
  }
  const checkpoint = (load: LoadState | undefined, cursor: string | null): ObjectCheckpoint => ({
    v: 1,
    cursorField: plan.cursorField ?? null,
    cursor,
    fields,
    ...(load ? { load } : {}),
    ...(cp?.reconciledAt !== undefined ? { reconciledAt: cp.reconciledAt } : {}),
    ...(cp?.formulasAt !== undefined ? { formulasAt: cp.formulasAt } : {}),
  })
  const previousCursor = resumable ? (cp?.cursor ?? null) : null
  let load = base
  let rowsSoFar = 0
  const onRows = (n: number) => {
    rowsSoFar += n
    ctx.emit({
      type: 'rows',
      object,
      rows: rowsSoFar,
      ...(expected !== undefined ? { expectedRows: expected } : {}),
    })
  }
  ctx.emit({
    type: 'object-start',
    object,
    phase: 'load',
    strategy,
    ...(expected !== undefined ? { expectedRows: expected } : {}),
  })
  t.strategy = strategy
  if (strategy === 'bulk') {
    try {
      const r = await readBulkInto(ctx, plan, {
        fields,
        writer: { mode: load.mode },
        ...(load.bulk ? { resume: load.bulk } : {}),
        onRows,
        onJob: async (job: BulkJobInfo, reused: boolean) => {
          t.bulkJobId = job.id
          t.reusedBulkJob = reused
          if (!reused) {
            // A new job: rows of an abandoned one may be in the table, so only a fresh load may insert.
            const mode = load.bulk && load.bulk.rows > 0 ? 'upsert' : load.mode
            load = {
              ...load,
              mode,
              startedAt: datetimeMs(job.createdDate),
              maxSeen: undefined,
              bulk: { jobId: job.id, locator: '', skip: 0, rows: 0 },
            }
            await ctx.dest.writeCheckpoint(object, checkpoint(load, previousCursor))
          }
          expected ??= job.numberRecordsProcessed
        },
        checkpointOf: (position, maxSeen) => {
          load = { ...load, bulk: position, maxSeen }
          return checkpoint(load, previousCursor)
        },
      })
      t.rowsWritten += r.written
      load = { ...load, maxSeen: r.maxSeen ?? load.maxSeen }
      if (ctx.settings.hardDeletes) t.rowsDeleted += await deleteLocal(ctx, object, r.deletedIds)
    } catch (err) {
      if (err instanceof RowCountMismatchError) {
        // Do not resume this job again: the next run reads the object with a new one, as upserts.
        load = {
          ...load,
          mode: 'upsert',
          bulk: undefined,
          maxSeen: undefined,
          startedAt: undefined,
          reconcileAfter: true,
        }
        await ctx.dest.writeCheckpoint(object, checkpoint(load, previousCursor))
      }
      if (!bulkRefused(err)) throw err
      ctx.emit({
        type: 'notice',
        object,
        message: `Bulk API refused the object (${(err as SalesforceApiError).salesforceMessage}); reading it over REST.`,
      })
      strategy = 'rest'
      t.strategy = 'rest'
      load = { ...load, strategy: 'rest', mode: 'upsert', bulk: undefined }
    }
  }
  if (strategy === 'rest') {
    const read = (from: LoadState['rest']) =>
      readRestInto(ctx, plan, {
        fields,
        writer: { mode: 'upsert' },
        ...(from ? { fromGroup: from.group, resume: from.position } : {}),
        onRows,
        onFirstPage: (serverDate) => {
          if (load.startedAt === undefined && serverDate !== undefined)
            load = { ...load, startedAt: serverDate }
        },
        checkpointOf: (position, maxSeen, group) => {
          load = { ...load, rest: { group, position }, ...(group === 0 ? { maxSeen } : {}) }
          return checkpoint(load, previousCursor)
        },
      })
    let r
    try {
      r = await read(load.rest)
    } catch (err) {
      // A query locator lives two days (reference §2.5): an expired one means reading again from the start.
      if (!(
        load.rest &&
        err instanceof SalesforceApiError &&
        /INVALID_QUERY_LOCATOR|NOT_FOUND/.test(err.errorCode)
      ))
        throw err
      ctx.emit({
        type: 'notice',
        object,
        message: 'the saved query locator expired; reading the object again',
      })
      load = { ...load, rest: undefined, startedAt: undefined, maxSeen: undefined, reconcileAfter: true }
      r = await read(undefined)
    }
    t.rowsWritten += r.rows
    if (ctx.settings.hardDeletes) t.rowsDeleted += await deleteLocal(ctx, object, r.deletedIds)
  }
  let reconciledAt = cp?.reconciledAt
  if (load.reconcileAfter || ctx.settings.full || !plan.cursorField) {
    const at = orgNow(ctx)
    const rec = await reconcileIds(ctx, plan, strategy === 'bulk')
    t.rowsDeleted += rec.deleted
    t.rowsWritten += rec.fetched
    t.reconciled = true
    reconciledAt = at
  }
  const cursor = cursorAfterLoad(ctx, plan, load)
  t.cursor = cursor
  await ctx.dest.writeCheckpoint(object, {
    ...checkpoint(undefined, cursor),
    reconciledAt: reconciledAt ?? load.startedAt ?? orgNow(ctx),
    formulasAt: load.startedAt ?? orgNow(ctx),
  } satisfies ObjectCheckpoint)
}

export { selectSoql }
