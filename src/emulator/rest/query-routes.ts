/**
 * SOQL over REST: `GET /query?q=`, `GET /queryAll?q=` and query-more `GET /query/{locator}`
 * (reference/salesforce-data-api.md §2.5). Pages hold `Sforce-Query-Options: batchSize=N` records
 * (200..2000, default 2000); the body is exactly `{totalSize, done, nextRecordsUrl?, records}`.
 * jsforce rebuilds the next URL as `${baseUrl}/query/${nextRecordsUrl.split('/').pop()}`, so the
 * locator never contains a `/` and queryAll cursors continue under `/query/` too.
 */
import type { QueryCursor } from '../data/org-data.ts'
import { ApiError } from '../errors.ts'
import type { QueryLocators } from './query-locators.ts'
import { queryColumns } from './query-columns.ts'
import { queryParam, type RestCall, type RestResult, type RestRoute } from './rest-call.ts'

export const DEFAULT_BATCH_SIZE = 2000
export const MIN_BATCH_SIZE = 200
export const MAX_BATCH_SIZE = 2000

/** The page size asked for in `Sforce-Query-Options` (clamped to 200..2000), or undefined. */
export function requestedBatchSize(header: string | undefined): number | undefined {
  if (!header) return undefined
  const match = /(?:^|[,;\s])batchSize\s*=\s*(\d+)/i.exec(header)
  if (!match) return undefined
  // Salesforce treats the size as a hint within its bounds (SFDOC headers_queryoptions).
  return Math.min(MAX_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, Number(match[1])))
}

function invalidLocator(): ApiError {
  // Code from help article 000384958; the REST message is UNCONFIRMED (the SOAP fault says this).
  return new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator')
}

function page(
  call: RestCall,
  locators: QueryLocators,
  cursor: QueryCursor,
  offset: number,
  batchSize: number,
  locatorId: string | undefined,
): RestResult {
  const records = cursor.fetch(offset, batchSize, call.version)
  // Positions are those of the execution-time snapshot: a page shortened by rows purged since then is
  // not the end, and the next page starts where this one would have ended.
  const next = Math.min(offset + batchSize, cursor.recordCount)
  const done = next >= cursor.recordCount
  const body: Record<string, unknown> = { totalSize: cursor.totalSize, done }
  if (!done) {
    const id = locatorId ?? locators.open(cursor, call.session.userId, batchSize)
    body.nextRecordsUrl = `/services/data/v${call.version}/query/${id}-${next}`
  }
  body.records = records
  return { status: 200, body }
}

function runQuery(locators: QueryLocators, includeDeleted: boolean) {
  return (call: RestCall): RestResult => {
    const q = queryParam(call.query, 'q')
    if (q === undefined || q.trim() === '') {
      // UNCONFIRMED wording.
      throw new ApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified')
    }
    const cursor = call.ctx.data.query(q, { includeDeleted })
    // `columns=true` (sf data query): the engine has accepted the query; answer its column metadata.
    if (queryParam(call.query, 'columns') === 'true')
      return { status: 200, body: queryColumns(call.ctx.data, q) }
    const batchSize = requestedBatchSize(call.headers['sforce-query-options']) ?? DEFAULT_BATCH_SIZE
    return page(call, locators, cursor, 0, batchSize, undefined)
  }
}

function queryMore(locators: QueryLocators) {
  return (call: RestCall): RestResult => {
    const open = locators.resume(call.params.locator ?? '', call.session.userId)
    if (!open) throw invalidLocator()
    const batchSize = requestedBatchSize(call.headers['sforce-query-options']) ?? open.batchSize
    return page(call, locators, open.cursor, open.offset, batchSize, open.id)
  }
}

export function queryRoutes(locators: QueryLocators): RestRoute[] {
  return [
    { method: 'GET', path: 'query', handler: runQuery(locators, false) },
    { method: 'GET', path: 'queryAll', handler: runQuery(locators, true) },
    { method: 'GET', path: 'query/:locator', handler: queryMore(locators) },
    // Never handed out (nextRecordsUrl always says /query/), but accepted as Salesforce does.
    { method: 'GET', path: 'queryAll/:locator', handler: queryMore(locators) },
  ]
}
