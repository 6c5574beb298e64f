/**
 * Processes an ingest job in the background: parses the uploaded CSV (csv-parse), writes each row
 * through the record layer, and records per-row outcomes in the successful / failed / unprocessed
 * result files (reference/salesforce-data-api.md §4.5).
 */
import type { BulkJobFault } from '../faults/fault-injector.ts'
import { applyJobFault } from './job-fault.ts'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { parse } from 'csv-parse'
import { DmlError, type OrgData, type WriteContext } from '../data/org-data.ts'
import { COLUMN_DELIMITERS, LINE_ENDINGS, quoteCsv } from './bulk-csv.ts'
import { ResultsFileWriter } from './results-file.ts'
import { buildRecord, errorCell, resolveColumns, type IngestColumn } from './ingest-row.ts'
import type { IngestJob } from './ingest-job.ts'

export interface RunIngestJobOptions {
  readonly data: OrgData
  readonly dir: string
  readonly rowsPerSlice: number
  readonly now: () => number
  /** Called once per 10,000 rows processed: Bulk 2.0 counts internal batches of that size. */
  readonly onBatch: () => void
  /** A fault injected into this job (control API), applied once it is InProgress. */
  readonly fault?: BulkJobFault | undefined
}

/** Salesforce splits ingest data into internal batches of 10,000 records (SFDOC bulk_api_2_limits). */
const RECORDS_PER_BATCH = 10_000

interface RowOutcome {
  readonly id: string
  readonly created?: boolean
  readonly error?: string
}

function applyRow(
  job: IngestJob,
  data: OrgData,
  columns: readonly IngestColumn[],
  row: readonly string[],
  ctx: WriteContext,
): RowOutcome {
  let id = ''
  try {
    const schema = data.schema(job.object)
    if (!schema) throw new DmlError('INVALID_TYPE', `sObject type '${job.object}' is not supported.`)
    const record = buildRecord(data, schema, columns, row)
    id = record.id ?? ''
    switch (job.operation) {
      case 'insert':
        if (record.id)
          throw new DmlError('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id'])
        return { id: data.create(job.object, record.fields, ctx), created: true }
      case 'update':
        if (!record.id) throw new DmlError('MISSING_ARGUMENT', 'Id not specified in an update call')
        data.update(job.object, record.id, record.fields, ctx)
        return { id: record.id, created: false }
      case 'upsert': {
        const ext = job.externalIdFieldName ?? 'Id'
        if (ext.toLowerCase() === 'id') {
          if (record.id) {
            data.update(job.object, record.id, record.fields, ctx)
            return { id: record.id, created: false }
          }
          return { id: data.create(job.object, record.fields, ctx), created: true }
        }
        const extField = schema.field(ext)?.name ?? ext
        const { [extField]: value, ...rest } = record.fields
        if (value === undefined || value === null)
          throw new DmlError('MISSING_ARGUMENT', `${extField} not specified`, [extField])
        const result = data.upsert(job.object, extField, value, rest, ctx)
        return { id: result.id, created: result.created }
      }
      case 'delete':
      case 'hardDelete':
        if (!record.id) throw new DmlError('MISSING_ARGUMENT', 'Id not specified in a delete call')
        if (job.operation === 'delete') data.delete(job.object, record.id, ctx)
        else data.purge(job.object, record.id)
        return { id: record.id, created: false }
    }
  } catch (err) {
    if (err instanceof DmlError) return { id, error: errorCell(err) }
    return { id, error: `UNKNOWN_EXCEPTION:${err instanceof Error ? err.message : String(err)}:--` }
  }
}

/** Moves the job through InProgress to JobComplete (or Failed), writing its result files. */
export async function runIngestJob(job: IngestJob, options: RunIngestJobOptions): Promise<void> {
  // An aborted job still runs, to list its rows as unprocessed; it stays Aborted.
  if (!job.cancelled) job.transition('InProgress', options.now())
  const started = performance.now()
  const delimiter = COLUMN_DELIMITERS[job.columnDelimiter]
  const eol = LINE_ENDINGS[job.lineEnding]
  const line = (cells: readonly string[]): string => cells.map(quoteCsv).join(delimiter) + eol
  const base = join(options.dir, job.id)

  // An injected failure leaves every row unprocessed, as a job that failed before processing does.
  let failure: string | undefined = job.cancelled
    ? undefined
    : await applyJobFault(job, options.fault, options.now)
  // Salesforce checks the upload's line endings against the job's (UNCONFIRMED text, widely quoted).
  if (failure === undefined && job.lineEnding === 'LF') {
    const fh = await open(job.uploadPath, 'r')
    try {
      const head = Buffer.alloc(65536)
      const { bytesRead } = await fh.read(head, 0, head.length, 0)
      if (head.subarray(0, bytesRead).includes('\r\n'))
        failure = 'ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF'
    } finally {
      await fh.close()
    }
  }

  const parser = createReadStream(job.uploadPath).pipe(
    parse({ delimiter, bom: true, skip_empty_lines: true, relax_column_count: false }),
  )
  let header: string[] | undefined
  let columns: IngestColumn[] | undefined
  let successful: ResultsFileWriter | undefined
  let failed: ResultsFileWriter | undefined
  let unprocessed: ResultsFileWriter | undefined
  const ctx: WriteContext = { userId: job.createdById }
  let processed = 0
  let failedRows = 0
  let pending: string[][] = []
  const processRows = (rows: readonly string[][]): void => {
    for (const record of rows) {
      if (failure !== undefined || job.cancelled || !columns) {
        unprocessed?.add(line(record))
        continue
      }
      const outcome = applyRow(job, options.data, columns, record, ctx)
      processed++
      if (outcome.error !== undefined) {
        failedRows++
        failed?.add(line([outcome.id, outcome.error, ...record]))
      } else {
        successful?.add(line([outcome.id, outcome.created ? 'true' : 'false', ...record]))
      }
      if (processed % RECORDS_PER_BATCH === 0) options.onBatch()
    }
    job.numberRecordsProcessed = processed
    job.numberRecordsFailed = failedRows
  }
  // A slice of rows is written in one transaction when the record layer offers them: per-row commits
  // would cost one fsync each. Rows fail one by one inside it (errors are caught per row).
  const processSlice = (): void => {
    const rows = pending
    pending = []
    if (rows.length === 0) return
    if (options.data.transaction) options.data.transaction(() => processRows(rows))
    else processRows(rows)
  }
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = record
        successful = await ResultsFileWriter.create(
          `${base}.success`,
          line(['sf__Id', 'sf__Created', ...header]),
        )
        failed = await ResultsFileWriter.create(`${base}.failed`, line(['sf__Id', 'sf__Error', ...header]))
        unprocessed = await ResultsFileWriter.create(`${base}.unprocessed`, line(header))
        const schema = options.data.schema(job.object)
        const resolved = schema ? resolveColumns(options.data, schema, header) : { unknown: header[0] ?? '' }
        if ('unknown' in resolved) {
          // UNCONFIRMED text: Salesforce's Bulk job message for an unknown column.
          failure ??= `InvalidBatch : Field name not found : ${resolved.unknown}`
        } else {
          columns = resolved
        }
        continue
      }
      // A deleted job (or a closing emulator) needs no unprocessed list: stop reading.
      if (job.deleted) break
      pending.push(record)
      if (pending.length >= options.rowsPerSlice) {
        processSlice()
        for (const writer of [successful, failed, unprocessed]) if (writer?.shouldFlush) await writer.flush()
        await yieldToLoop()
      }
    }
    processSlice()
  } catch (err) {
    // UNCONFIRMED text: a CSV Salesforce cannot parse fails the job.
    failure ??= `InvalidBatch : Failed to parse CSV: ${err instanceof Error ? err.message : String(err)}`
  }
  if (processed % RECORDS_PER_BATCH !== 0) options.onBatch()
  if (!header) {
    // UNCONFIRMED text: an empty upload.
    failure ??= 'InvalidBatch : No data found in the uploaded CSV'
    successful = await ResultsFileWriter.create(`${base}.success`, line(['sf__Id', 'sf__Created']))
    failed = await ResultsFileWriter.create(`${base}.failed`, line(['sf__Id', 'sf__Error']))
    unprocessed = await ResultsFileWriter.create(`${base}.unprocessed`, '')
  }
  const results = {
    successful: await (successful as ResultsFileWriter).finish(),
    failed: await (failed as ResultsFileWriter).finish(),
    unprocessed: await (unprocessed as ResultsFileWriter).finish(),
  }
  job.results = results
  job.totalProcessingTime = Math.round(performance.now() - started)
  if (job.deleted) {
    await job.removeFiles()
    return
  }
  if (job.state === 'Aborted') return
  if (failure !== undefined) {
    job.errorMessage = failure
    job.transition('Failed', options.now())
  } else {
    job.transition('JobComplete', options.now())
  }
}
