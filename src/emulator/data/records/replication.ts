/**
 * `/sobjects/{X}/updated` and `/deleted` over the storage layout (reference/salesforce-data-api.md §2.7).
 *
 * Reading of the reference, as implemented:
 * - start and end are truncated to the minute; the window is [start, end), and it never reaches past
 *   the current minute (later changes may still be in flight), so `latestDateCovered` is
 *   min(end, now truncated to the minute). The REST layer refuses bad windows (order, 30/15 days, 600k).
 * - updated: live records whose SystemModstamp (else LastModifiedDate) falls in the window. Deleted
 *   records are reported by /deleted only (UNCONFIRMED that getUpdated leaves them out).
 * - deleted: records whose deletion falls in the window, whether still in the recycle bin or purged
 *   since: the delete log is separate from the recycle bin and outlives its emptying (reference §2.7:
 *   "no more than 15 days, or less if the Recycle Bin was purged" is read as the log's own purge, which
 *   the emulator does not run). A record deleted then undeleted is no longer reported (UNCONFIRMED).
 *   `earliestDateAvailable` is the start of the 15-day log, truncated to the minute.
 */
import type { DatabaseSync } from 'node:sqlite'
import { formatSfDateTime } from '../../clock.ts'
import type { DeletedResult, UpdatedResult } from '../org-data.ts'
import type { OrgSObjectSchema } from '../schema/sobject-schema.ts'
import { DELETED_MS_COLUMN, PURGED_TABLE, quoteIdent, ROWID_COLUMN, tableName } from '../storage-layout.ts'

/** Replication windows are kept to the minute. */
export const MINUTE_MS = 60_000
/** How long the delete log keeps entries (reference §2.7). */
export const DELETE_LOG_DAYS = 15

const floorMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS

function window(startMs: number, endMs: number, nowMs: number): { start: number; end: number } {
  const start = floorMinute(startMs)
  const end = Math.max(start, Math.min(floorMinute(endMs), floorMinute(nowMs)))
  return { start, end }
}

/** The `/updated` answer for [startMs, endMs). */
export function updatedIds(
  db: DatabaseSync,
  schema: OrgSObjectSchema,
  startMs: number,
  endMs: number,
  nowMs: number,
): UpdatedResult {
  const { start, end } = window(startMs, endMs, nowMs)
  const cursor = schema.has('SystemModstamp') ? 'SystemModstamp' : 'LastModifiedDate'
  const rows = db
    .prepare(
      `SELECT "Id" AS id FROM ${tableName(schema.name)} WHERE ${quoteIdent(cursor)} >= ? AND ${quoteIdent(
        cursor,
      )} < ? AND ${quoteIdent(DELETED_MS_COLUMN)} IS NULL ORDER BY ${quoteIdent(cursor)}, ${quoteIdent(ROWID_COLUMN)}`,
    )
    .all(start, end)
  return { ids: rows.map((r) => String(r.id)), latestDateCovered: formatSfDateTime(end) }
}

/** The `/deleted` answer for [startMs, endMs), recycle bin and purged records alike. */
export function deletedRecords(
  db: DatabaseSync,
  schema: OrgSObjectSchema,
  startMs: number,
  endMs: number,
  nowMs: number,
): DeletedResult {
  const { start, end } = window(startMs, endMs, nowMs)
  const earliest = floorMinute(nowMs - DELETE_LOG_DAYS * 86_400_000)
  const from = Math.max(start, earliest)
  const rows = db
    .prepare(
      `SELECT "Id" AS id, ${quoteIdent(DELETED_MS_COLUMN)} AS ms FROM ${tableName(schema.name)}
        WHERE ${quoteIdent(DELETED_MS_COLUMN)} >= ? AND ${quoteIdent(DELETED_MS_COLUMN)} < ?
       UNION ALL
       SELECT "Id" AS id, "deletedMs" AS ms FROM ${quoteIdent(PURGED_TABLE)}
        WHERE "sobject" = ? AND "deletedMs" >= ? AND "deletedMs" < ?
       ORDER BY ms, id`,
    )
    .all(from, end, schema.name, from, end)
  return {
    deletedRecords: rows.map((r) => ({ id: String(r.id), deletedDate: formatSfDateTime(Number(r.ms)) })),
    earliestDateAvailable: formatSfDateTime(earliest),
    latestDateCovered: formatSfDateTime(end),
  }
}
