/**
 * Tunables of the emulated Bulk API 2.0: limits, page size, retention and concurrency. Defaults follow
 * Salesforce (reference/salesforce-data-api.md §4, §6); the control API (`/__emulator/bulk/settings`)
 * changes them while the emulator runs, so that tests can reach a limit without 10,000 jobs.
 */
import { ApiError } from '../errors.ts'

export interface BulkSettings {
  /** `DailyBulkV2QueryJobs`: query jobs per rolling 24 h (Salesforce: 10,000). */
  readonly dailyQueryJobLimit: number
  /** `DailyBulkApiBatches`: ingest uploads per rolling 24 h, shared with Bulk 1.0 (Salesforce: 15,000). */
  readonly dailyBatchLimit: number
  /**
   * Rows per results page when the client gives no `maxRecords`. UNCONFIRMED: Salesforce documents only
   * "a default value based on the service"; real pages hold tens of thousands of rows or more. jsforce's
   * `bulk2.query()` pipes every page into one CSV parser and cannot follow a second page (jsforce issues
   * #1546, #1693), so the default is large enough to keep a whole result on one page in tests.
   */
  readonly defaultPageSize: number
  /**
   * Query and ingest jobs processed at the same time; later ones wait in UploadComplete. 0 holds every
   * job in UploadComplete (tests and fault scripts use it to observe an unfinished job).
   */
  readonly maxConcurrentJobs: number
  /** How long a finished job and its results are kept, in emulated time (Salesforce: 7 days). */
  readonly retentionMs: number
  /** Rows encoded between two yields to the event loop while a job runs. */
  readonly rowsPerSlice: number
}

export const BULK_DEFAULTS: BulkSettings = Object.freeze({
  dailyQueryJobLimit: 10_000,
  dailyBatchLimit: 15_000,
  defaultPageSize: 2_000_000,
  maxConcurrentJobs: 2,
  retentionMs: 7 * 24 * 3600 * 1000,
  rowsPerSlice: 5_000,
})

const KEYS = Object.keys(BULK_DEFAULTS) as Array<keyof BulkSettings>

/**
 * Applies a partial update (from the control API) on top of `current`; every value must be a positive
 * integer (retentionMs and maxConcurrentJobs may be 0).
 */
export function updateBulkSettings(current: BulkSettings, patch: unknown): BulkSettings {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw new ApiError(400, 'INVALID_REQUEST', `Give a JSON object with any of: ${KEYS.join(', ')}`)
  const next: Record<string, number> = { ...current }
  for (const [key, value] of Object.entries(patch)) {
    if (!KEYS.includes(key as keyof BulkSettings))
      throw new ApiError(400, 'INVALID_REQUEST', `Unknown Bulk setting '${key}'; known: ${KEYS.join(', ')}`)
    const min = key === 'retentionMs' || key === 'maxConcurrentJobs' ? 0 : 1
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
      throw new ApiError(400, 'INVALID_REQUEST', `Bulk setting '${key}' must be an integer >= ${min}`)
    next[key] = value
  }
  return Object.freeze(next as unknown as BulkSettings)
}
