/**
 * Reading a query into a consumer, page by page, with positions the caller can checkpoint:
 * - {@link readBulk}: a Bulk API 2.0 job (created, or reused by id after a crash), its pages streamed
 *   and verified (`Sforce-NumberOfRecords` per page, `numberRecordsProcessed` in total), a broken page
 *   fetched again from the last commit inside it;
 * - {@link readRest}: REST query/queryAll pages followed through `nextRecordsUrl`.
 * Rows reach the consumer as arrays in the order of `fields`, whatever order the page used.
 */
import type { RawValue } from '../store/destination.ts'
import type { BulkJobInfo, BulkPollOptions, BulkQueryClient } from '../salesforce/data/bulk-query.ts'
import { BulkJobFailedError, BulkPageIncompleteError } from '../salesforce/data/bulk-errors.ts'
import type { SalesforceApi } from '../salesforce/data/salesforce-api.ts'
import { fetchQueryPage, type QueryPage, type RestRecord } from '../salesforce/data/rest-query.ts'
import { SfsyncError } from '../config/sfsync-error.ts'

/** A row in the order of the reader's `fields`. */
export type Row = RawValue[]

/**
 * Where a Bulk read stands: the page being read (`locator`: '' for the first page, null once every
 * page is read) and the rows of that page already committed (`skip`).
 */
export interface BulkPosition {
  readonly jobId: string
  readonly locator: string | null
  readonly skip: number
  /** Rows committed over the whole job. */
  readonly rows: number
}

/** Where a REST read stands: the next page to fetch (undefined: the first), rows committed, and whether it is finished. */
export interface RestPosition {
  readonly nextRecordsUrl: string | undefined
  readonly rows: number
  readonly done: boolean
}

/** Receives rows; `commit` makes them durable together with the position; `abort` drops the uncommitted ones. */
export interface RowConsumer<P> {
  rows(rows: Row[]): Promise<void>
  commit(position: P): Promise<void>
  abort(): Promise<void>
}

/** The object's rows did not add up: the run stops for this object with a clear error; the next run starts a new read. */
export class RowCountMismatchError extends SfsyncError {
  constructor(object: string, jobId: string, got: number, expected: number) {
    super(
      'SYNC_FAILED',
      `Bulk query job ${jobId} for ${object} reported ${expected} records but ${got} were read.`,
      { nextStep: 'Run the sync again: it reads the object with a new job.' },
    )
  }
}

/** Maps a page header to `fields`; undefined when the header is already in that order. */
export function columnMap(header: readonly string[], fields: readonly string[]): number[] | undefined {
  const lower = header.map((h) => h.toLowerCase())
  const map = fields.map((f) => lower.indexOf(f.toLowerCase()))
  const missing = fields.filter((_, i) => map[i] === -1)
  if (missing.length > 0)
    throw new SfsyncError(
      'SYNC_FAILED',
      `The results lack the column(s) ${missing.join(', ')} that were asked for.`,
    )
  return map.every((m, i) => m === i) && header.length === fields.length ? undefined : map
}

export interface ReadBulkOptions {
  readonly bulk: BulkQueryClient
  readonly object: string
  readonly soql: string
  readonly fields: readonly string[]
  /** A job to reuse (after a crash), with the position reached. */
  readonly resume?: BulkPosition
  readonly poll?: BulkPollOptions
  /** `maxRecords` per results page; default: the server's choice. */
  readonly maxRecords?: number
  /** Rows per transaction inside a page (perf-limits.md: 10k). */
  readonly commitRows?: number
  /** Fetches of one page before giving up. Default 5. */
  readonly pageAttempts?: number
  /** Called once a job exists (created or reused), before it is waited for, so its id can be checkpointed. */
  readonly onJob?: (job: BulkJobInfo, reused: boolean) => Promise<void>
  /**
   * Jobs to try when one ends Failed/Aborted while waited for (QUERY_TIMEOUT, an internal error): a
   * failed job has no results and nothing of it was written, so a new job is the whole recovery.
   * Default 2 (one new job); a second failure is the object's error.
   */
  readonly jobAttempts?: number
  /** Called when a failed job is replaced by a new one (a notice for the user). */
  readonly onJobFailed?: (err: BulkJobFailedError) => void
  readonly consumer: RowConsumer<BulkPosition>
}

/**
 * Reads a Bulk queryAll job into the consumer. Returns the job and the total rows read.
 * A resumed job that no longer exists, or ended Failed/Aborted, is replaced by a new one (`reused: false`).
 */
export async function readBulk(
  o: ReadBulkOptions,
): Promise<{ job: BulkJobInfo; rows: number; reused: boolean }> {
  let job: BulkJobInfo | undefined
  let reused = false
  let pos: BulkPosition | undefined
  if (o.resume) {
    const found = await o.bulk.getJob(o.resume.jobId)
    if (
      found &&
      (found.state === 'JobComplete' || found.state === 'InProgress' || found.state === 'UploadComplete')
    ) {
      job = found
      reused = true
      pos = o.resume
    }
  }
  let done: BulkJobInfo | undefined
  for (let attempt = 1; !done; attempt++) {
    if (!job) {
      job = await o.bulk.createJob(o.soql, 'queryAll')
      reused = false
      pos = { jobId: job.id, locator: '', skip: 0, rows: 0 }
    }
    await o.onJob?.(job, reused)
    try {
      done = await o.bulk.waitForJob(job.id, o.object, o.poll)
    } catch (err) {
      if (!(err instanceof BulkJobFailedError) || attempt >= (o.jobAttempts ?? 2)) throw err
      o.onJobFailed?.(err)
      job = undefined
    }
  }
  const commitRows = o.commitRows ?? 10_000
  const attempts = o.pageAttempts ?? 5
  let p = pos as BulkPosition
  let map: number[] | undefined
  let mapped = false
  while (p.locator !== null) {
    const locator: string = p.locator
    let failures = 0
    for (;;) {
      let inPage = p.skip
      let pending = 0
      try {
        const page = await o.bulk.openPage(done.id, locator, {
          ...(o.maxRecords !== undefined ? { maxRecords: o.maxRecords } : {}),
          skip: p.skip,
        })
        const next = page.nextLocator
        for await (const batch of page.batches()) {
          if (!mapped) {
            map = columnMap(batch.header, o.fields)
            mapped = true
          }
          const rows: Row[] = map
            ? batch.rows.map((r) => (map as number[]).map((i) => r[i] ?? null))
            : batch.rows
          await o.consumer.rows(rows)
          inPage += rows.length
          pending += rows.length
          if (pending >= commitRows) {
            p = { jobId: done.id, locator, skip: inPage, rows: p.rows + pending }
            await o.consumer.commit(p)
            pending = 0
          }
        }
        p = { jobId: done.id, locator: next ?? null, skip: 0, rows: p.rows + pending }
        await o.consumer.commit(p)
        break
      } catch (err) {
        if (!(err instanceof BulkPageIncompleteError) || ++failures >= attempts) {
          await o.consumer.abort()
          throw err
        }
        // Drop what this attempt wrote after the last commit and fetch the page again from there.
        await o.consumer.abort()
      }
    }
  }
  const expected = done.numberRecordsProcessed
  if (expected !== undefined && expected !== p.rows)
    throw new RowCountMismatchError(o.object, done.id, p.rows, expected)
  return { job: done, rows: p.rows, reused }
}

/** A REST value as a row value: compound/relationship objects are not selected, so anything else is null. */
function restValue(v: unknown): RawValue {
  if (v === null || v === undefined) return null
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  return JSON.stringify(v)
}

export function restRow(record: RestRecord, fields: readonly string[]): Row {
  const row: Row = new Array<RawValue>(fields.length)
  for (let i = 0; i < fields.length; i++) row[i] = restValue(record[fields[i] as string])
  return row
}

export interface ReadRestOptions {
  readonly api: SalesforceApi
  readonly soql: string
  readonly fields: readonly string[]
  readonly all?: boolean
  readonly resume?: RestPosition
  readonly batchSize?: number
  readonly consumer: RowConsumer<RestPosition>
  /** Called with each page (server clock, totals). */
  readonly onPage?: (page: QueryPage) => void
}

/** Reads a REST query into the consumer, committing after each page. */
export async function readRest(o: ReadRestOptions): Promise<{ rows: number }> {
  let rows = o.resume?.rows ?? 0
  if (o.resume?.done) return { rows }
  let page = await fetchQueryPage(
    o.api,
    o.resume?.nextRecordsUrl
      ? { nextRecordsUrl: o.resume.nextRecordsUrl }
      : { soql: o.soql, all: o.all ?? true },
    o.batchSize !== undefined ? { batchSize: o.batchSize } : {},
  )
  for (;;) {
    o.onPage?.(page)
    try {
      await o.consumer.rows(page.records.map((r) => restRow(r, o.fields)))
      rows += page.records.length
      await o.consumer.commit({
        nextRecordsUrl: page.nextRecordsUrl,
        rows,
        done: page.nextRecordsUrl === undefined,
      })
    } catch (err) {
      await o.consumer.abort()
      throw err
    }
    if (page.nextRecordsUrl === undefined) return { rows }
    page = await fetchQueryPage(
      o.api,
      { nextRecordsUrl: page.nextRecordsUrl },
      o.batchSize !== undefined ? { batchSize: o.batchSize } : {},
    )
  }
}
