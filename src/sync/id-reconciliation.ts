/**
 * The Id reconciliation (issue 5 "Deletes"; DESIGN.md "Deletes"): the one check that the destination
 * holds exactly the org's Ids, whatever the incremental steps missed. The org's Ids are scanned
 * (Bulk for large objects, REST for small) straight into the destination's Id stage
 * (`Destination.openIdStage`), and the database computes both differences with anti-joins:
 * - local Ids the org no longer has (purged, hard-deleted) are deleted locally, soft or hard;
 * - org Ids without a local row are fetched by Id over REST and upserted through the same writer
 *   path as the changes query, so their values are converted identically.
 * Memory stays flat whatever the object's size: Ids pass through in batches, never collected.
 */
import { SfsyncError } from '../config/sfsync-error.ts'
import type { IdStage } from '../store/destination.ts'
import type { ObjectPlan } from './sync-plan.ts'
import { readRestInto, type ObjectSyncContext } from './object-context.ts'
import { readBulk, readRest, type Row, type RowConsumer } from './query-readers.ts'
import { IDS_PER_QUERY, idInWhere, selectSoql } from './soql.ts'
import { deleteLocal } from './object-deletes.ts'

/** Org Ids per transaction into the stage. */
const STAGE_BATCH = 10_000
/** Ids per page of each difference read from the destination. */
const DIFF_PAGE = 10_000

/** What a reconciliation did. */
export interface ReconcileResult {
  /** Local rows deleted (soft or hard) because the org no longer has them. */
  readonly deleted: number
  /** Rows fetched from the org because the destination lacked them. */
  readonly fetched: number
  /** Ids the org's scan returned. */
  readonly orgIds: number
}

/**
 * Streams the first column of the reader's rows into the stage, {@link STAGE_BATCH} Ids per
 * transaction (a Bulk page arrives in batches of about 50 rows: one transaction each would cost a
 * round trip per 50 Ids on PostgreSQL). At most one batch is held here, whatever the object's size.
 */
class StageSink implements RowConsumer<unknown> {
  readonly #stage: IdStage
  #pending: string[] = []

  constructor(stage: IdStage) {
    this.#stage = stage
  }

  async rows(rows: Row[]): Promise<void> {
    // Whatever the reader's batch size (a few dozen rows, or thousands from the parser thread), at
    // most STAGE_BATCH Ids go in one call.
    for (const r of rows) {
      this.#pending.push(String(r[0]))
      if (this.#pending.length >= STAGE_BATCH) await this.#flush()
    }
  }

  async commit(): Promise<void> {
    await this.#flush()
  }

  // The reader reads again from its last commit: Ids held since then come again. Ids already staged
  // come again too, which the stage ignores.
  async abort(): Promise<void> {
    this.#pending = []
  }

  async #flush(): Promise<void> {
    const ids = this.#pending
    this.#pending = []
    await this.#stage.add(ids)
  }
}

/**
 * Reconciles the object's Ids with the org's, both ways. `useBulk` reads the Id scan through Bulk
 * API 2.0 (large objects). With hard deletes, records in the org's recycle bin count as gone.
 */
export async function reconcileIds(
  ctx: ObjectSyncContext,
  plan: ObjectPlan,
  useBulk: boolean,
): Promise<ReconcileResult> {
  const stage = await ctx.dest.openIdStage(plan.object)
  let result: ReconcileResult
  try {
    const orgIds = await scanOrgIds(ctx, plan, useBulk, new StageSink(stage))
    let deleted = 0
    for await (const page of stage.localOnly({ pageSize: DIFF_PAGE }))
      deleted += await deleteLocal(ctx, plan.object, page)
    let fetched = 0
    for await (const page of stage.stagedOnly({ pageSize: DIFF_PAGE }))
      fetched += await fetchByIds(ctx, plan, page)
    if (fetched > 0)
      ctx.emit({
        type: 'notice',
        object: plan.object,
        message: `Id reconciliation: ${fetched} row(s) the destination lacked were fetched`,
      })
    result = { deleted, fetched, orgIds }
  } catch (err) {
    // The error that stopped the reconciliation is the one to report; a stage the drop could not
    // remove is replaced by the next reconciliation.
    await stage.drop().catch(() => undefined)
    throw err
  }
  await stage.drop()
  return result
}

/** The org's Id scan (queryAll: the recycle bin included, unless deletes are hard) into `sink`. */
async function scanOrgIds(
  ctx: ObjectSyncContext,
  plan: ObjectPlan,
  useBulk: boolean,
  sink: StageSink,
): Promise<number> {
  const where = ctx.settings.hardDeletes && plan.hasIsDeleted ? 'IsDeleted = false' : undefined
  const soql = selectSoql(plan.object, ['Id'], where)
  if (useBulk) {
    const r = await readBulk({
      bulk: ctx.bulk,
      object: plan.object,
      soql,
      fields: ['Id'],
      poll: ctx.settings.bulkPoll,
      consumer: sink,
    })
    return r.rows
  }
  const r = await readRest({
    api: ctx.api,
    soql,
    fields: ['Id'],
    all: true,
    batchSize: ctx.settings.restBatchSize,
    consumer: sink,
  })
  return r.rows
}

/**
 * Fetches the records of `ids` with the object's fields (queryAll by Id, 200 per query) and upserts
 * them as the changes query does. The stored checkpoint is committed again unchanged with the rows.
 * Returns the rows written.
 */
async function fetchByIds(ctx: ObjectSyncContext, plan: ObjectPlan, ids: readonly string[]): Promise<number> {
  const fields = plan.fields.map((f) => f.name)
  const checkpoint = await ctx.dest.readCheckpoint(plan.object)
  if (checkpoint === undefined)
    // Both callers reconcile after a checkpoint exists; rows written now must not create one.
    throw new SfsyncError('SYNC_FAILED', `${plan.object} has no checkpoint to reconcile against.`)
  let written = 0
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const part = ids.slice(i, i + IDS_PER_QUERY)
    const r = await readRestInto(ctx, plan, {
      fields,
      where: idInWhere(plan.object, part),
      writer: {
        mode: 'upsert',
        ...(plan.cursorField ? { staleGuardColumn: plan.cursorField.toLowerCase() } : {}),
      },
      checkpointOf: () => checkpoint,
    })
    written += r.rows
    if (ctx.settings.hardDeletes) await deleteLocal(ctx, plan.object, r.deletedIds)
  }
  return written
}
