/**
 * A Bulk API 2.0 query job: its info as Salesforce reports it, and its results once complete.
 */
import { BulkJob, type BulkJobInit, type QueryOperation } from './bulk-job.ts'
import type { ResultsFile } from './results-file.ts'
import type { QueryCursor } from '../data/org-data.ts'
import type { CsvColumnKind } from './bulk-csv.ts'

export interface QueryJobInit extends BulkJobInit {
  readonly operation: QueryOperation
  readonly query: string
  /** The rows, fixed when the job was created (the SOQL ran then). */
  readonly cursor: QueryCursor
  /** How each column's values are written (datetimes get `Z`). */
  readonly kinds: readonly CsvColumnKind[]
  /** Whether the object supports automatic PK chunking (custom objects and a few standard ones). */
  readonly pkChunkingSupported: boolean
}

export class QueryJob extends BulkJob {
  readonly jobType = 'V2Query' as const
  readonly operation: QueryOperation
  readonly query: string
  readonly kinds: readonly CsvColumnKind[]
  readonly pkChunkingSupported: boolean
  /** Dropped once the results are written, so that the rows are not kept alive. */
  cursor: QueryCursor | undefined
  results: ResultsFile | undefined
  /** Set by abort/delete: the runner stops at its next slice. */
  cancelled = false

  constructor(init: QueryJobInit) {
    super(init, 'UploadComplete')
    this.operation = init.operation
    this.query = init.query
    this.cursor = init.cursor
    this.kinds = init.kinds
    this.pkChunkingSupported = init.pkChunkingSupported
  }

  /** The create/abort response: no counters yet (reference §4.1, the airbyte create example). */
  createInfo(): Record<string, unknown> {
    return {
      ...this.head(this.operation),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: this.apiVersion,
      lineEnding: this.lineEnding,
      columnDelimiter: this.columnDelimiter,
    }
  }

  /** `GET /jobs/query/{id}` (reference §4.1, SFDOC query_get_one_job). */
  statusInfo(): Record<string, unknown> {
    const info: Record<string, unknown> = {
      ...this.head(this.operation),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: this.apiVersion,
      jobType: this.jobType,
      lineEnding: this.lineEnding,
      columnDelimiter: this.columnDelimiter,
      numberRecordsProcessed: this.numberRecordsProcessed,
      retries: 0,
      totalProcessingTime: this.totalProcessingTime,
      isPkChunkingSupported: this.pkChunkingSupported,
    }
    // UNCONFIRMED: where errorMessage sits; jsforce notes query jobs often carry none.
    if (this.errorMessage !== undefined) info.errorMessage = this.errorMessage
    return info
  }

  /** One entry of `GET /jobs/query` (SFDOC query_get_all_jobs example). */
  listInfo(): Record<string, unknown> {
    return {
      ...this.head(this.operation),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: this.apiVersion,
      jobType: this.jobType,
      lineEnding: this.lineEnding,
      columnDelimiter: this.columnDelimiter,
    }
  }
}
