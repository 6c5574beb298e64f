/**
 * Bulk API 2.0 query jobs (reference/salesforce-data-api.md §4.1–4.3): create (query or queryAll),
 * poll with backoff until the job ends, and read result pages as streams. A page goes from the HTTP
 * body through our CSV parser (sync/csv) in batches of about 50 rows, so an object's rows are never in
 * memory together. Each page is checked against its `Sforce-NumberOfRecords`; a page that breaks off
 * (connection reset, truncated body, malformed CSV) raises {@link BulkPageIncompleteError}, and the
 * caller fetches the same locator again (locators are stable while the job exists).
 *
 * Results are asked for without compression: on loopback gzip costs 5× the CPU of the transfer
 * (reference/perf-limits.md, "do not ask for gzip on loopback").
 */
import type { SalesforceApi } from './salesforce-api.ts'
import { throwIfError } from './salesforce-api.ts'
import { parseCsvStream, type CsvBatch } from '../../sync/csv/parse-csv-stream.ts'
import { BulkJobFailedError, BulkJobTimeoutError, BulkPageIncompleteError } from './bulk-errors.ts'
import { SalesforceApiError } from '../errors.ts'

/** Job info as returned by create and status calls. */
export interface BulkJobInfo {
  readonly id: string
  readonly operation: 'query' | 'queryAll'
  readonly object: string
  readonly state: 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted'
  readonly createdDate: string
  readonly numberRecordsProcessed?: number
  readonly errorMessage?: string
  readonly apiVersion?: number
}

/** How long and how often to poll a job. */
export interface BulkPollOptions {
  /** Give up (the job keeps running) after this long. Default 6 h: big jobs run long, unlike jsforce's 30 s. */
  readonly timeoutMs?: number
  /** First wait between polls (default 250 ms), grown by a quarter each poll up to {@link maxIntervalMs}. */
  readonly initialIntervalMs?: number
  /** Longest wait between polls (default 5 s). */
  readonly maxIntervalMs?: number
  readonly sleep?: (ms: number) => Promise<void>
  readonly now?: () => number
  /** Called after each poll (progress display). */
  readonly onPoll?: (job: BulkJobInfo) => void
}

/**
 * Polls grow by a quarter from 250 ms up to 5 s: a job of 10 s is seen done 0.6 s late in 12 polls, one
 * of 40 s 1.7 s late in 19 (growing by half: 2.3 s late in 9 and 15; doubling up to 10 s: up to 10 s
 * late, a tenth of a 1M-row load measured here). A poll is one API call; a load of millions of rows
 * costs a few dozen.
 */
export const BULK_POLL_DEFAULTS = {
  timeoutMs: 6 * 3_600_000,
  initialIntervalMs: 250,
  maxIntervalMs: 5_000,
} as const

/** One results page: its head, then its rows as a stream. */
export interface BulkResultsPage {
  /** `Sforce-NumberOfRecords`. */
  readonly numberOfRecords: number
  /** Locator of the next page; undefined after the last page (`Sforce-Locator: null`). */
  readonly nextLocator: string | undefined
  /**
   * The page's records in batches, the first `skip` records left out. Throws
   * {@link BulkPageIncompleteError} when the page breaks off or holds fewer or more records than announced.
   */
  batches(): AsyncGenerator<CsvBatch, void, undefined>
}

const RUNNING = new Set(['UploadComplete', 'InProgress'])

/**
 * @example
 * const bulk = new BulkQueryClient(sf)
 * const job = await bulk.createJob('SELECT Id, Name FROM Account', 'queryAll')
 * await bulk.waitForJob(job.id, 'Account')
 * let locator = ''
 * do { const page = await bulk.openPage(job.id, locator); for await (const b of page.batches()) write(b.rows); locator = page.nextLocator ?? '' } while (locator)
 */
export class BulkQueryClient {
  readonly #api: SalesforceApi

  constructor(api: SalesforceApi) {
    this.#api = api
  }

  #jobPath(id = ''): string {
    return this.#api.dataPath(`jobs/query${id ? `/${encodeURIComponent(id)}` : ''}`)
  }

  /** Creates a query job (no ORDER BY: Bulk chunks the query itself). */
  async createJob(soql: string, operation: 'query' | 'queryAll' = 'queryAll'): Promise<BulkJobInfo> {
    return this.#api.json<BulkJobInfo>('POST', this.#jobPath(), {
      operation,
      query: soql,
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF',
    })
  }

  /** A job's state; undefined when the job no longer exists (deleted, or results expired). */
  async getJob(id: string): Promise<BulkJobInfo | undefined> {
    try {
      return await this.#api.json<BulkJobInfo>('GET', this.#jobPath(id))
    } catch (err) {
      if (err instanceof SalesforceApiError && (err.httpStatus === 404 || err.errorCode === 'NOT_FOUND'))
        return undefined
      throw err
    }
  }

  /** Aborts a running job (best effort: a job that already ended stays as it is). */
  async abortJob(id: string): Promise<void> {
    await this.#api.json('PATCH', this.#jobPath(id), { state: 'Aborted' })
  }

  /** Polls until the job completes; throws on Failed/Aborted and when `timeoutMs` runs out. */
  async waitForJob(id: string, object: string, options: BulkPollOptions = {}): Promise<BulkJobInfo> {
    const o = { ...BULK_POLL_DEFAULTS, ...options }
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
    const now = options.now ?? Date.now
    const started = now()
    let interval = o.initialIntervalMs
    for (;;) {
      const job = await this.getJob(id)
      if (!job)
        throw new BulkJobFailedError({
          jobId: id,
          object,
          state: 'gone',
          errorMessage: 'the job no longer exists',
        })
      options.onPoll?.(job)
      if (job.state === 'JobComplete') return job
      if (!RUNNING.has(job.state))
        throw new BulkJobFailedError({
          jobId: id,
          object,
          state: job.state,
          ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
        })
      const waited = now() - started
      if (waited >= o.timeoutMs)
        throw new BulkJobTimeoutError({ jobId: id, object, state: job.state, waitedMs: waited })
      await sleep(Math.min(interval, Math.max(1, o.timeoutMs - waited)))
      interval = Math.min(o.maxIntervalMs, interval * 1.25)
    }
  }

  /**
   * Opens the results page at `locator` ('' for the first page). `skip` leaves out that many leading
   * records (already committed before a resume); they are still counted against the page's total.
   */
  async openPage(
    jobId: string,
    locator: string,
    options: { maxRecords?: number; skip?: number } = {},
  ): Promise<BulkResultsPage> {
    const params = new URLSearchParams()
    if (locator) params.set('locator', locator)
    if (options.maxRecords !== undefined) params.set('maxRecords', String(options.maxRecords))
    const qs = params.toString()
    const path = `${this.#jobPath(jobId)}/results${qs ? `?${qs}` : ''}`
    const res = await this.#api.stream({
      method: 'GET',
      path,
      headers: { accept: 'text/csv', 'accept-encoding': 'identity' },
      label: 'GET bulk results',
    })
    if ('text' in res) {
      throwIfError(res, 'GET', path)
      throw new BulkPageIncompleteError({ jobId, locator, reason: `unexpected status ${res.status}` })
    }
    const announced = Number(res.headers.get('sforce-numberofrecords'))
    const next = res.headers.get('sforce-locator')
    const body = res.body
    if (!Number.isSafeInteger(announced) || announced < 0) {
      await body?.cancel().catch(() => undefined)
      throw new BulkPageIncompleteError({ jobId, locator, reason: 'no Sforce-NumberOfRecords header' })
    }
    const skip = options.skip ?? 0
    return {
      numberOfRecords: announced,
      // A missing header is treated as the end, as airbyte does; jsforce would loop forever.
      nextLocator: next === null || next === '' || next === 'null' ? undefined : next,
      batches: () => pageBatches(body, { jobId, locator, announced, skip }),
    }
  }
}

async function* pageBatches(
  body: ReadableStream<Uint8Array> | null,
  page: { jobId: string; locator: string; announced: number; skip: number },
): AsyncGenerator<CsvBatch, void, undefined> {
  const { jobId, locator, announced } = page
  let seen = 0
  let width = -1
  try {
    if (body)
      for await (const batch of parseCsvStream(body)) {
        if (width < 0) width = batch.header.length
        for (const row of batch.rows)
          if (row.length !== width)
            throw new BulkPageIncompleteError({
              jobId,
              locator,
              reason: `record ${seen + batch.rows.indexOf(row) + 1} has ${row.length} fields, the header ${width}`,
            })
        const before = seen
        seen += batch.rows.length
        if (seen > announced)
          throw new BulkPageIncompleteError({
            jobId,
            locator,
            reason: `more than the ${announced} records announced`,
          })
        if (seen <= page.skip) continue
        yield before >= page.skip
          ? batch
          : { header: batch.header, rows: batch.rows.slice(page.skip - before) }
      }
  } catch (err) {
    await body?.cancel().catch(() => undefined)
    if (err instanceof BulkPageIncompleteError) throw err
    throw new BulkPageIncompleteError({
      jobId,
      locator,
      reason: (err as Error).message || 'the body broke off',
      cause: err,
    })
  }
  if (seen !== announced)
    throw new BulkPageIncompleteError({
      jobId,
      locator,
      reason: `${seen} records received, ${announced} announced`,
    })
}
