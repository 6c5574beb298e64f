/**
 * A Bulk API 2.0 ingest job: its info as Salesforce reports it, its uploaded CSV and its three result
 * files (successful, failed, unprocessed), all on disk (reference/salesforce-data-api.md §4.5).
 */
import { rm } from 'node:fs/promises'
import { BulkJob, type BulkJobInit, type IngestOperation } from './bulk-job.ts'
import type { ResultsFile } from './results-file.ts'

export interface IngestJobInit extends BulkJobInit {
  readonly operation: IngestOperation
  readonly externalIdFieldName: string | undefined
  /** Where the uploaded CSV is kept. */
  readonly uploadPath: string
}

/** Result files, written while the job runs. */
export interface IngestResults {
  readonly successful: ResultsFile
  readonly failed: ResultsFile
  readonly unprocessed: ResultsFile
}

export class IngestJob extends BulkJob {
  readonly jobType = 'V2Ingest' as const
  readonly operation: IngestOperation
  readonly externalIdFieldName: string | undefined
  readonly uploadPath: string
  /** True once a `PUT .../batches` has stored data (Salesforce allows one upload per job). */
  uploaded = false
  numberRecordsFailed = 0
  results: IngestResults | undefined
  /** Set by abort and delete: the runner stops writing records and lists the rest as unprocessed. */
  cancelled = false
  /** Set by delete: the runner removes its files when it finishes. */
  deleted = false

  constructor(init: IngestJobInit) {
    super(init, 'Open')
    this.operation = init.operation
    this.externalIdFieldName = init.externalIdFieldName
    this.uploadPath = init.uploadPath
  }

  /** `services/data/v58.0/jobs/ingest/750.../batches` (reference §4.5; wording UNCONFIRMED). */
  get contentUrl(): string {
    return `services/data/v${this.apiVersion.toFixed(1)}/jobs/ingest/${this.id}/batches`
  }

  #base(): Record<string, unknown> {
    const info: Record<string, unknown> = this.head(this.operation)
    if (this.externalIdFieldName !== undefined) info.externalIdFieldName = this.externalIdFieldName
    info.concurrencyMode = 'Parallel'
    info.contentType = 'CSV'
    info.apiVersion = this.apiVersion
    return info
  }

  /** The create/close/abort response. */
  createInfo(): Record<string, unknown> {
    const info = this.#base()
    // contentUrl is only meaningful while the job is Open (SFDOC create_job).
    if (this.state === 'Open') info.contentUrl = this.contentUrl
    info.lineEnding = this.lineEnding
    info.columnDelimiter = this.columnDelimiter
    return info
  }

  /** `GET /jobs/ingest/{id}` (SFDOC get_job_info). */
  statusInfo(): Record<string, unknown> {
    const info = this.#base()
    info.jobType = this.jobType
    if (this.state === 'Open') info.contentUrl = this.contentUrl
    info.lineEnding = this.lineEnding
    info.columnDelimiter = this.columnDelimiter
    info.numberRecordsProcessed = this.numberRecordsProcessed
    info.numberRecordsFailed = this.numberRecordsFailed
    info.retries = 0
    info.totalProcessingTime = this.totalProcessingTime
    info.apiActiveProcessingTime = this.totalProcessingTime
    info.apexProcessingTime = 0
    if (this.errorMessage !== undefined) info.errorMessage = this.errorMessage
    return info
  }

  /** One entry of `GET /jobs/ingest`. */
  listInfo(): Record<string, unknown> {
    const info = this.#base()
    info.jobType = this.jobType
    if (this.state === 'Open') info.contentUrl = this.contentUrl
    info.lineEnding = this.lineEnding
    info.columnDelimiter = this.columnDelimiter
    return info
  }

  /** Deletes the upload and the result files. */
  async removeFiles(): Promise<void> {
    await rm(this.uploadPath, { force: true })
    if (this.results) {
      await this.results.successful.remove()
      await this.results.failed.remove()
      await this.results.unprocessed.remove()
      this.results = undefined
    }
  }
}
