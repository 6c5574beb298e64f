/**
 * REST query and queryAll with query-more paging (reference §2.5): `nextRecordsUrl` is followed
 * until `done`, page by page, so a caller writes each page before the next is fetched. The batch size
 * is asked for with `Sforce-Query-Options: batchSize=N` (200–2,000, a hint Salesforce may ignore).
 */
import type { SalesforceApi } from './salesforce-api.ts'
import { serverDateOf, throwIfError } from './salesforce-api.ts'

/** A record as REST returns it: `attributes` plus field values (compound fields as objects). */
export type RestRecord = Record<string, unknown>

/** One page of a query. */
export interface QueryPage {
  readonly totalSize: number
  readonly records: RestRecord[]
  /** Where the next page is; undefined on the last page. */
  readonly nextRecordsUrl: string | undefined
  /** The org's clock when it answered (from `Date`), in ms. */
  readonly serverDate: number | undefined
}

export interface QueryOptions {
  /** queryAll: deleted (recycle bin) and archived rows too. */
  readonly all?: boolean
  /** `Sforce-Query-Options: batchSize=N`; clamped to 200–2,000. */
  readonly batchSize?: number
}

/** Path of a query's first page. */
export function queryPath(api: SalesforceApi, soql: string, all = false): string {
  return api.dataPath(`${all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`)
}

/** Fetches one page: the first (`soql`) or a next one (`nextRecordsUrl`). */
export async function fetchQueryPage(
  api: SalesforceApi,
  from: { soql: string; all?: boolean } | { nextRecordsUrl: string },
  options: QueryOptions = {},
): Promise<QueryPage> {
  const path = 'soql' in from ? queryPath(api, from.soql, from.all ?? false) : from.nextRecordsUrl
  const batch = options.batchSize === undefined ? undefined : Math.min(2000, Math.max(200, options.batchSize))
  const res = await api.request({
    method: 'GET',
    path,
    headers: {
      accept: 'application/json',
      ...(batch !== undefined ? { 'sforce-query-options': `batchSize=${batch}` } : {}),
    },
    label: 'soql' in from ? `GET ${from.all ? 'queryAll' : 'query'}` : 'GET query-more',
  })
  throwIfError(res, 'GET', path)
  const body = res.json as {
    totalSize?: number
    done?: boolean
    records?: RestRecord[]
    nextRecordsUrl?: string
  }
  // `done` may be missing on an empty result (jsforce): treat as done.
  const done = body.done ?? true
  return {
    totalSize: body.totalSize ?? 0,
    records: body.records ?? [],
    nextRecordsUrl: done ? undefined : body.nextRecordsUrl,
    serverDate: serverDateOf(res.headers),
  }
}

/**
 * Every page of a query, first to last.
 * @example for await (const page of queryPages(sf, 'SELECT Id FROM Account', { all: true })) write(page.records)
 */
export async function* queryPages(
  api: SalesforceApi,
  soql: string,
  options: QueryOptions = {},
): AsyncGenerator<QueryPage, void, undefined> {
  let page = await fetchQueryPage(api, { soql, all: options.all ?? false }, options)
  yield page
  while (page.nextRecordsUrl !== undefined) {
    page = await fetchQueryPage(api, { nextRecordsUrl: page.nextRecordsUrl }, options)
    yield page
  }
}

/** `SELECT COUNT() FROM …`: the count is the response's `totalSize`. */
export async function countRecords(api: SalesforceApi, soql: string, all = false): Promise<number> {
  const page = await fetchQueryPage(api, { soql, all })
  return page.totalSize
}
