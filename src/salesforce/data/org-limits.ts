/**
 * `/limits` and the replication resource `/sobjects/X/deleted/` (reference §2.6, §2.7).
 */
import type { SalesforceApi } from './salesforce-api.ts'

/** One `/limits` entry. */
export interface LimitEntry {
  readonly Max: number
  readonly Remaining: number
}

/** `/limits`, keyed by limit name (`DailyApiRequests`, `DailyBulkV2QueryJobs`, …). */
export type OrgLimits = Readonly<Record<string, LimitEntry | undefined>>

export async function readLimits(api: SalesforceApi): Promise<OrgLimits> {
  return api.json<OrgLimits>('GET', api.dataPath('limits'))
}

/** `getDeleted`'s answer. */
export interface DeletedRecords {
  readonly deletedRecords: readonly { readonly id: string; readonly deletedDate: string }[]
  /** Deletes before this are no longer listed: a cursor older than it has outrun the window. */
  readonly earliestDateAvailable: string
  /** The next window starts here. */
  readonly latestDateCovered: string
}

/** Salesforce's replication parameter format: ISO UTC, `+00:00` (seconds are truncated by the org). */
function replicationDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '+00:00')
}

/** Ids deleted between `start` and `end` (at most 15 days back). */
export async function getDeleted(
  api: SalesforceApi,
  object: string,
  start: Date,
  end: Date,
): Promise<DeletedRecords> {
  const q = `start=${encodeURIComponent(replicationDate(start))}&end=${encodeURIComponent(replicationDate(end))}`
  return api.json<DeletedRecords>('GET', api.dataPath(`sobjects/${encodeURIComponent(object)}/deleted/?${q}`))
}
