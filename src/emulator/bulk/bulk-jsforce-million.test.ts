/**
 * A real client on a real-size result: jsforce's Bulk 2.0 query of 1,000,000 Account rows, read as it
 * streams, returns every row exactly once and equal to a REST queryAll of the same rows.
 *
 * jsforce's `bulk2.query()` resolves to a record stream that can be read two ways, and only one of them
 * survives a million rows, whatever the server:
 * - its `'record'` events stop at 999,999 rows and the stream never ends: jsforce pipes the parsed
 *   records into an internal PassThrough (highWaterMark 500,000 objects) that nobody reads, so once it
 *   holds 999,999 records its back-pressure stops the parser (jsforce 3.10, `Parsable.stream` in
 *   lib/record-stream.js; reproduced with no server at all by writing 1.5M CSV lines into a
 *   `Parsable`);
 * - its CSV data stream (`recordStream.stream('csv')`, the way jsforce documents for writing results
 *   to a file) carries every byte and ends. This test reads that, parsing as it arrives.
 * jsforce also follows a second result page by writing into a stream its first page already ended
 * (ERR_STREAM_WRITE_AFTER_END, jsforce issues #1546 and #1693), so it reads one page only; the
 * emulator's default page (2,000,000 rows, `bulk-settings.ts`) holds this whole result.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { parse } from 'csv-parse'
import { API_VERSION, startBulkEmulator, type BulkEmulator } from './bulk-test-emulator.ts'

const ROWS = 1_000_000
const DELETED = 25
const FIELDS = [
  'Id',
  'Name',
  'Description',
  'AnnualRevenue',
  'NumberOfEmployees',
  'Type',
  'IsDeleted',
  'CreatedDate',
  'SystemModstamp',
]
const DATETIMES = new Set(['CreatedDate', 'SystemModstamp'])
const SOQL = `SELECT ${FIELDS.join(', ')} FROM Account`
const V = `v${API_VERSION}`

let b: BulkEmulator

/** A REST record's value as Bulk CSV writes it. */
function csvOf(record: Record<string, unknown>, field: string): string {
  const value = record[field]
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return DATETIMES.has(field) ? value.replace(/\+0000$/, 'Z') : value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new Error(`unexpected value of ${field}: ${JSON.stringify(value)}`)
}

/** One row's values, joined with a separator no generated value contains. */
function key(values: readonly string[]): string {
  return values.join('\u0000')
}

before(async () => {
  b = await startBulkEmulator({ Account: ROWS })
  const some = await b.call(
    'GET',
    `/services/data/${V}/query?q=${encodeURIComponent(`SELECT Id FROM Account LIMIT ${DELETED}`)}`,
  )
  for (const rec of (some.json() as { records: Array<{ Id: string }> }).records) {
    const res = await b.call('DELETE', `/services/data/${V}/sobjects/Account/${rec.Id}`)
    assert.equal(res.status, 204, res.text)
  }
})
after(async () => b?.close())

test('jsforce bulk2.query of 1M rows, read as it streams: every row once, equal to a REST queryAll', async () => {
  // What the org holds, by REST queryAll (2,000-row pages through nextRecordsUrl).
  const expected = new Map<string, string>()
  let path: string | undefined = `/services/data/${V}/queryAll?q=${encodeURIComponent(SOQL)}`
  while (path) {
    const res = await b.call('GET', path)
    assert.equal(res.status, 200, res.text)
    const page = res.json() as { records: Array<Record<string, unknown>>; nextRecordsUrl?: string }
    for (const rec of page.records) expected.set(String(rec.Id), key(FIELDS.map((f) => csvOf(rec, f))))
    path = page.nextRecordsUrl
  }
  assert.equal(expected.size, ROWS)

  const records = await b.conn().bulk2.query(SOQL, { scanAll: true, pollTimeout: 600_000 })
  const seen = new Set<string>()
  let duplicates = 0
  let differing = 0
  let unknown = 0
  let deleted = 0
  const rows = records.stream('csv').pipe(parse({ columns: true }))
  for await (const row of rows as AsyncIterable<Record<string, string>>) {
    const id = row.Id ?? ''
    if (seen.has(id)) duplicates++
    seen.add(id)
    if (row.IsDeleted === 'true') deleted++
    const want = expected.get(id)
    if (want === undefined) unknown++
    else if (want !== key(FIELDS.map((f) => row[f] ?? ''))) differing++
  }
  assert.equal(seen.size, ROWS, 'every row arrives')
  assert.equal(duplicates, 0, 'no row twice')
  assert.equal(unknown, 0, 'no row the org does not hold')
  assert.equal(differing, 0, 'every value equals the REST queryAll')
  assert.equal(deleted, DELETED, 'queryAll includes the deleted rows')
})
