/**
 * Settings of a sync run, with their defaults and the reasons for them.
 */
import type { BulkPollOptions } from '../salesforce/data/bulk-query.ts'

export interface SyncSettings {
  /** Remove deleted rows instead of marking them `isdeleted = true`. Default false. */
  readonly hardDeletes: boolean
  /** Read every selected object again from scratch (upserts, then an Id reconciliation). */
  readonly full: boolean
  /** Changes are read from `cursor - lookbackMs` (equal timestamps, clock skew). Default 60 s. */
  readonly lookbackMs: number
  /**
   * The cursor never passes "org now minus this": records can become visible after their timestamp
   * (commit lag; field-notes pain point 2). Default 120 s.
   */
  readonly visibilityLagMs: number
  /** Objects with at least this many rows (COUNT()) are loaded through Bulk API 2.0. Default 20,000. */
  readonly bulkThreshold: number
  /** Id reconciliation (purged and hard-deleted rows) at most this often. Default 24 h. */
  readonly reconcileEveryMs: number
  /** Re-read formula columns this often; undefined: never. */
  readonly formulaRefreshEveryMs: number | undefined
  /**
   * Rows per transaction. Default by destination (perf-limits.md): SQLite 10k (row by row inside 10k-row
   * transactions keeps garbage collection low), PostgreSQL 50k (one COPY per 50k rows; fewer COPY starts).
   */
  readonly commitRows: number
  /** `maxRecords` of Bulk results pages; undefined: the server's default. */
  readonly bulkPageRecords: number | undefined
  /** REST `batchSize` hint (200–2,000). */
  readonly restBatchSize: number
  readonly bulkPoll: BulkPollOptions
  /** Bytes a REST query URI may take; wider objects are read in several field groups (16,384 − 2,500). */
  readonly uriBudgetBytes: number
}

export const SYNC_DEFAULTS: SyncSettings = {
  hardDeletes: false,
  full: false,
  lookbackMs: 60_000,
  visibilityLagMs: 120_000,
  bulkThreshold: 20_000,
  reconcileEveryMs: 24 * 3_600_000,
  formulaRefreshEveryMs: undefined,
  commitRows: 10_000,
  bulkPageRecords: undefined,
  restBatchSize: 2_000,
  bulkPoll: {},
  uriBudgetBytes: 16_384 - 2_500,
}
