/**
 * The contestants of `bench/sync-load.ts`, each run in a worker process of its own (so that its peak
 * RSS is its own, and one cannot warm or starve another). Each loads every row of one Bulk API 2.0
 * queryAll of the object into a fresh table and returns its timings; the row count is read back from
 * the destination by the caller's check.
 * - raw: the practical limit. One job, pages of 50k rows by `locator`/`maxRecords` over undici
 *   (identity: no gzip on loopback), our CSV parser (src/sync/csv), the sinks of _load-sinks.ts.
 * - jsforce: the script a user would write: `conn.bulk2.query()` → record objects → the same sinks.
 * - jsforce-pages: the same user's workaround when `bulk2.query()` cannot hold a results page
 *   (jsforce job + pages of 50k rows through csv-parse `columns: true`, as jsforce parses them).
 * - sfsync: `runSync` of the sync engine (bench/_load-sfsync.ts).
 * jsforce and csv-parse are imported by the contestants that use them only: a worker's peak RSS is
 * its contestant's own (jsforce alone adds ~15 MB to a process).
 */
import { Readable } from 'node:stream'
import { request } from 'undici'
import { parseCsvStream } from '../src/sync/csv/parse-csv-stream.ts'
import type { FieldSpec } from '../src/store/destination.ts'
import { createTable, openSink, type SinkTarget } from './_load-sinks.ts'

export const API_VERSION = '62.0'
const RAW_PAGE_ROWS = 50_000
const RAW_POLL_MS = 250

/** What a worker is asked to do. */
export interface LoadTask {
  readonly contestant: Contestant
  readonly target: SinkTarget
  readonly instanceUrl: string
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly token: string
  readonly object: string
  readonly soql: string
  readonly specs: readonly FieldSpec[]
  /** A folder of the worker's own (sfsync's state store). */
  readonly scratch: string
}

/** What a contestant measured (ms since its own start). */
export interface LoadTiming {
  readonly ms: number
  /** When the first row reached the writer: what comes before is the Bulk job's wait. */
  readonly firstRowMs: number
  /** Rows in the destination after the load, read back from it. */
  readonly rows: number
  /** CSV bytes downloaded (raw only; the others read the same result). */
  readonly bytes?: number
  readonly note?: string
}

export type Contestant = 'raw' | 'jsforce' | 'jsforce-pages' | 'sfsync'
export const CONTESTANTS: readonly Contestant[] = ['raw', 'jsforce', 'jsforce-pages', 'sfsync']

const table = (object: string): string => object.toLowerCase()

async function rawLoad(task: LoadTask): Promise<LoadTiming> {
  await createTable(task.target, task.object, task.specs)
  const sink = await openSink(task.target, table(task.object), task.specs)
  const base = `${task.instanceUrl}/services/data/v${API_VERSION}/jobs/query`
  const auth = { authorization: `Bearer ${task.token}` }
  const t0 = performance.now()
  const created = await request(base, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'queryAll', query: task.soql }),
  })
  const job = (await created.body.json()) as { id?: string }
  if (created.statusCode !== 200 || !job.id) throw new Error(`job creation: ${created.statusCode}`)
  for (;;) {
    const res = await request(`${base}/${job.id}`, { headers: auth })
    const info = (await res.body.json()) as { state: string; errorMessage?: string }
    if (info.state === 'JobComplete') break
    if (info.state === 'Failed' || info.state === 'Aborted')
      throw new Error(`job ${info.state}: ${info.errorMessage ?? ''}`)
    await new Promise((r) => setTimeout(r, RAW_POLL_MS))
  }
  let firstRowMs = 0
  let bytes = 0
  let locator = ''
  do {
    const res = await request(
      `${base}/${job.id}/results?maxRecords=${RAW_PAGE_ROWS}${locator ? `&locator=${locator}` : ''}`,
      { headers: { ...auth, 'accept-encoding': 'identity' } },
    )
    if (res.statusCode !== 200) throw new Error(`results page: ${res.statusCode} ${await res.body.text()}`)
    const counted = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of res.body) {
        bytes += (chunk as Buffer).length
        yield chunk as Buffer
      }
    }
    for await (const { rows } of parseCsvStream(counted(), { columnDelimiter: 'COMMA', lineEnding: 'LF' })) {
      if (firstRowMs === 0) firstRowMs = performance.now() - t0
      for (const row of rows) if (sink.add(row)) await sink.flush()
    }
    const next = res.headers['sforce-locator']
    locator = typeof next === 'string' && next !== 'null' ? next : ''
  } while (locator)
  const rows = await sink.finish()
  return { ms: performance.now() - t0, firstRowMs, rows, bytes }
}

/**
 * The workaround a jsforce user writes once `bulk2.query()` fails on a big result (it reads each results
 * page whole into one string as well: ERR_STRING_TOO_LONG past 512M characters): jsforce creates and
 * polls the job (its 1 s interval), the pages of 50k rows come by `locator` through fetch and go
 * through csv-parse with `columns: true`, as jsforce's own record stream parses them.
 */
async function jsforcePagesLoad(task: LoadTask): Promise<LoadTiming> {
  await createTable(task.target, task.object, task.specs)
  const sink = await openSink(task.target, table(task.object), task.specs)
  const names = task.specs.map((f) => f.name)
  const { default: jsforce } = await import('jsforce')
  const { parse } = await import('csv-parse')
  const conn = new jsforce.Connection({
    instanceUrl: task.instanceUrl,
    accessToken: task.token,
    version: API_VERSION,
  })
  const base = `/services/data/v${API_VERSION}/jobs/query`
  const t0 = performance.now()
  const job = await conn.request<{ id: string }>({
    method: 'POST',
    url: base,
    body: JSON.stringify({ operation: 'queryAll', query: task.soql }),
    headers: { 'content-type': 'application/json' },
  })
  for (;;) {
    const info = await conn.request<{ state: string; errorMessage?: string }>(`${base}/${job.id}`)
    if (info.state === 'JobComplete') break
    if (info.state === 'Failed' || info.state === 'Aborted')
      throw new Error(`job ${info.state}: ${info.errorMessage ?? ''}`)
    await new Promise((r) => setTimeout(r, 1000))
  }
  let firstRowMs = 0
  let locator = ''
  do {
    const res = await fetch(
      `${task.instanceUrl}${base}/${job.id}/results?maxRecords=${RAW_PAGE_ROWS}${locator ? `&locator=${locator}` : ''}`,
      { headers: { authorization: `Bearer ${conn.accessToken ?? ''}` } },
    )
    if (res.status !== 200 || !res.body) throw new Error(`results page: ${res.status}`)
    const parser = Readable.fromWeb(res.body).pipe(parse({ columns: true }))
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      if (firstRowMs === 0) firstRowMs = performance.now() - t0
      const row = names.map((n) => {
        const v = record[n]
        return v === '' || v === undefined ? null : v
      })
      if (sink.add(row)) await sink.flush()
    }
    const next = res.headers.get('sforce-locator')
    locator = next && next !== 'null' ? next : ''
  } while (locator)
  const rows = await sink.finish()
  return { ms: performance.now() - t0, firstRowMs, rows }
}

async function jsforceLoad(task: LoadTask): Promise<LoadTiming> {
  await createTable(task.target, task.object, task.specs)
  const sink = await openSink(task.target, table(task.object), task.specs)
  const names = task.specs.map((f) => f.name)
  const { default: jsforce } = await import('jsforce')
  const conn = new jsforce.Connection({
    instanceUrl: task.instanceUrl,
    accessToken: task.token,
    version: API_VERSION,
  })
  const t0 = performance.now()
  // jsforce's defaults otherwise (1 s poll interval); the timeout raised so that a big job is waited for.
  const stream = await conn.bulk2.query(task.soql, { scanAll: true, pollTimeout: 3_600_000 })
  let firstRowMs = 0
  for await (const record of stream as AsyncIterable<Record<string, unknown>>) {
    if (firstRowMs === 0) firstRowMs = performance.now() - t0
    // jsforce gives every value as a string and a null as '': the script turns '' back into null.
    const row = names.map((n) => {
      const v = record[n]
      return typeof v === 'string' && v !== ''
        ? v
        : v === '' || v === undefined || v === null
          ? null
          : JSON.stringify(v)
    })
    if (sink.add(row)) await sink.flush()
  }
  const rows = await sink.finish()
  return { ms: performance.now() - t0, firstRowMs, rows }
}

/** Runs one contestant's load. */
export function runContestant(task: LoadTask): Promise<LoadTiming> {
  switch (task.contestant) {
    case 'raw':
      return rawLoad(task)
    case 'jsforce':
      return jsforceLoad(task)
    case 'jsforce-pages':
      return jsforcePagesLoad(task)
    case 'sfsync':
      // Imported when used: the engine is young, and a broken import must not take the others down.
      return import('./_load-sfsync.ts').then((m) => m.sfsyncLoad(task))
  }
}
