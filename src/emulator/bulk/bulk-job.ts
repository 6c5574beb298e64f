/**
 * The state every Bulk API 2.0 job shares (query and ingest), and its job-info JSON, with Salesforce's
 * field names and formats (reference/salesforce-data-api.md §4.1, §4.5).
 */
import { formatSfDateTime } from '../clock.ts'
import type { ColumnDelimiter, LineEnding } from './bulk-csv.ts'

export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted'
export type QueryOperation = 'query' | 'queryAll'
export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete'

/** States after which a job does no more work. */
export const FINAL_STATES: ReadonlySet<JobState> = new Set(['JobComplete', 'Failed', 'Aborted'])

export interface BulkJobInit {
  readonly id: string
  readonly object: string
  readonly createdById: string
  readonly createdMs: number
  /** `58.0` for a job created through `/services/data/v58.0/...`. */
  readonly apiVersion: number
  readonly lineEnding: LineEnding
  readonly columnDelimiter: ColumnDelimiter
}

/** Fields and behaviour shared by query and ingest jobs. */
export abstract class BulkJob {
  readonly id: string
  readonly object: string
  readonly createdById: string
  readonly createdMs: number
  readonly apiVersion: number
  readonly lineEnding: LineEnding
  readonly columnDelimiter: ColumnDelimiter
  state: JobState
  systemModstampMs: number
  /** Emulated time the job reached a final state (retention counts from here). */
  finishedMs: number | undefined
  numberRecordsProcessed = 0
  /** Milliseconds of real processing time. */
  totalProcessingTime = 0
  errorMessage: string | undefined
  abstract readonly jobType: 'V2Query' | 'V2Ingest'

  constructor(init: BulkJobInit, state: JobState) {
    this.id = init.id
    this.object = init.object
    this.createdById = init.createdById
    this.createdMs = init.createdMs
    this.apiVersion = init.apiVersion
    this.lineEnding = init.lineEnding
    this.columnDelimiter = init.columnDelimiter
    this.state = state
    this.systemModstampMs = init.createdMs
  }

  get isFinal(): boolean {
    return FINAL_STATES.has(this.state)
  }

  /** Moves to `state` at emulated time `nowMs`. */
  transition(state: JobState, nowMs: number): void {
    this.state = state
    this.systemModstampMs = nowMs
    if (FINAL_STATES.has(state)) this.finishedMs ??= nowMs
  }

  /** Common leading fields of every job-info shape. */
  protected head(operation: string): Record<string, unknown> {
    return {
      id: this.id,
      operation,
      object: this.object,
      createdById: this.createdById,
      createdDate: formatSfDateTime(this.createdMs),
      systemModstamp: formatSfDateTime(this.systemModstampMs),
      state: this.state,
    }
  }
}

/**
 * Serialises job info. JSON.stringify writes `58` for 58.0; Salesforce writes `58.0`, so the apiVersion
 * number is patched into the text (a client reading JSON sees the same number either way).
 */
export function jobInfoJson(info: Record<string, unknown>): string {
  return JSON.stringify(info).replace(/"apiVersion":(\d+)([,}])/g, '"apiVersion":$1.0$2')
}
