/**
 * What every step of an object's sync needs, and the shared way to read a query into the
 * destination over REST (split into field groups for wide objects) or Bulk.
 */
import type { Destination, WriterOptions } from '../store/destination.ts'
import type { BulkQueryClient } from '../salesforce/data/bulk-query.ts'
import type { DescribeClient } from '../salesforce/data/describe-client.ts'
import { queryPath } from '../salesforce/data/rest-query.ts'
import type { MeteredApi } from './metered-api.ts'
import type { SyncSettings } from './sync-options.ts'
import type { SyncEvent } from './sync-events.ts'
import type { ObjectPlan } from './sync-plan.ts'
import { selectSoql, splitForUri } from './soql.ts'
import { readBulk, readRest, type BulkPosition, type RestPosition } from './query-readers.ts'
import { WriterSink } from './writer-sink.ts'
import type { BulkJobInfo } from '../salesforce/data/bulk-query.ts'

export interface ObjectSyncContext {
  readonly api: MeteredApi
  readonly bulk: BulkQueryClient
  readonly describe: DescribeClient
  readonly dest: Destination
  readonly settings: SyncSettings
  readonly emit: (e: SyncEvent) => void
}

/** The org's clock (ms). */
export function orgNow(ctx: ObjectSyncContext): number {
  return ctx.api.clock.now()
}

/** Whether `rows` records of the object are read through Bulk: Bulk serves it and they reach the threshold. */
export function readsByBulk(ctx: ObjectSyncContext, plan: ObjectPlan, rows: number): boolean {
  return plan.bulk.allowed && rows >= ctx.settings.bulkThreshold
}

/** Field groups of a REST query on `fields` (Id first), each under the URI limit. */
export function restGroups(
  ctx: ObjectSyncContext,
  plan: ObjectPlan,
  fields: readonly string[],
  where?: string,
): string[][] {
  const prefix =
    Buffer.byteLength(new URL(queryPath(ctx.api, '', true), 'https://x.my.salesforce.com').pathname) + 80
  const first = [
    'Id',
    ...(plan.hasIsDeleted && fields.includes('IsDeleted') ? ['IsDeleted'] : []),
    ...(plan.cursorField && fields.includes(plan.cursorField) ? [plan.cursorField] : []),
  ]
  const groups = splitForUri(plan.object, fields, where, {
    pathPrefixBytes: prefix,
    always: first,
    budgetBytes: ctx.settings.uriBudgetBytes,
  })
  // Only the first group carries IsDeleted and the cursor: the others are joined to it by Id.
  return groups.map((g, i) => (i === 0 ? g : g.filter((f) => f === 'Id' || !first.includes(f))))
}

export interface ReadIntoOptions<P> {
  readonly fields: readonly string[]
  readonly where?: string
  readonly writer: WriterOptions
  /** The checkpoint to commit with the rows, from the reader's position and the largest cursor seen. */
  readonly checkpointOf: (position: P, maxSeen: number | undefined, group: number) => unknown
  readonly onRows?: (n: number) => void
}

/** Reads a REST queryAll into the destination, group by group from `fromGroup`. */
export async function readRestInto(
  ctx: ObjectSyncContext,
  plan: ObjectPlan,
  o: ReadIntoOptions<RestPosition> & {
    fromGroup?: number
    resume?: RestPosition
    /** Called with the first page's server clock and `totalSize`; throwing stops the read before any row is written. */
    onFirstPage?: (serverDate: number | undefined, totalSize: number) => void
    collectIds?: boolean
  },
): Promise<{ rows: number; maxSeen: number | undefined; deletedIds: string[]; ids: string[] }> {
  const groups = restGroups(ctx, plan, o.fields, o.where)
  let rows = 0
  let maxSeen: number | undefined
  const deletedIds: string[] = []
  let ids: string[] = []
  for (let g = o.fromGroup ?? 0; g < groups.length; g++) {
    const fields = groups[g] as string[]
    const guard =
      o.writer.staleGuardColumn && fields.includes(o.writer.staleGuardColumn)
        ? o.writer.staleGuardColumn
        : undefined
    const sink = new WriterSink<RestPosition>({
      dest: ctx.dest,
      object: plan.object,
      fields,
      options: {
        ...o.writer,
        ...(guard ? { staleGuardColumn: guard.toLowerCase() } : { staleGuardColumn: undefined }),
      },
      cursorField: plan.cursorField,
      checkpointOf: (p, max) => o.checkpointOf(p, max, g),
      ...(o.onRows && g === 0 ? { onRows: o.onRows } : {}),
      collectIds: (o.collectIds ?? false) && g === 0,
    })
    let firstPage = true
    try {
      const resume = g === o.fromGroup ? o.resume : undefined
      await readRest({
        api: ctx.api,
        soql: selectSoql(plan.object, fields, o.where),
        fields,
        all: true,
        ...(resume ? { resume } : {}),
        batchSize: ctx.settings.restBatchSize,
        consumer: sink,
        onPage: (page) => {
          if (firstPage && g === 0) o.onFirstPage?.(page.serverDate, page.totalSize)
          firstPage = false
        },
      })
    } finally {
      await sink.close()
    }
    if (g === 0) {
      rows += sink.written
      maxSeen = sink.maxSeen
      deletedIds.push(...sink.deletedIds)
      ids = sink.ids
    }
  }
  return { rows, maxSeen, deletedIds, ids }
}

/** Reads a Bulk queryAll job (created, or resumed) into the destination. */
export async function readBulkInto(
  ctx: ObjectSyncContext,
  plan: ObjectPlan,
  o: ReadIntoOptions<BulkPosition> & {
    resume?: BulkPosition
    /** Called once the job exists, so that a load can checkpoint it; other reads start over after a crash. */
    onJob?: (job: BulkJobInfo, reused: boolean) => Promise<void>
  },
): Promise<{
  rows: number
  written: number
  maxSeen: number | undefined
  job: BulkJobInfo
  reused: boolean
  deletedIds: string[]
}> {
  const sink = new WriterSink<BulkPosition>({
    dest: ctx.dest,
    object: plan.object,
    fields: o.fields,
    options: o.writer,
    cursorField: plan.cursorField,
    checkpointOf: (p, max) => o.checkpointOf(p, max, 0),
    ...(o.onRows ? { onRows: o.onRows } : {}),
  })
  try {
    const r = await readBulk({
      bulk: ctx.bulk,
      object: plan.object,
      soql: selectSoql(plan.object, o.fields, o.where),
      fields: o.fields,
      ...(o.resume ? { resume: o.resume } : {}),
      poll: ctx.settings.bulkPoll,
      ...(ctx.settings.bulkPageRecords !== undefined ? { maxRecords: ctx.settings.bulkPageRecords } : {}),
      commitRows: ctx.settings.commitRows,
      ...(o.onJob ? { onJob: o.onJob } : {}),
      onJobFailed: (err) =>
        ctx.emit({ type: 'notice', object: plan.object, message: `${err.message} Reading with a new job.` }),
      consumer: sink,
    })
    return {
      rows: r.rows,
      written: sink.written,
      maxSeen: sink.maxSeen,
      job: r.job,
      reused: r.reused,
      deletedIds: sink.deletedIds,
    }
  } finally {
    await sink.close()
  }
}
