import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { parse } from 'csv-parse/sync'
import {
  API_VERSION,
  errorOf,
  startBulkEmulator,
  type BulkEmulator,
  type HttpResult,
} from './bulk-test-emulator.ts'

const V = `v${API_VERSION}`
const N = 3000
let b: BulkEmulator

const FIELDS = ['Id', 'Name', 'Description', 'AnnualRevenue', 'NumberOfEmployees', 'IsDeleted'].concat([
  'CreatedDate',
  'SystemModstamp',
  'Owner.Name',
  'Parent.Name',
])
const SOQL = `SELECT ${FIELDS.join(', ')} FROM Account`
const DATETIMES = new Set(['CreatedDate', 'SystemModstamp'])

async function createJob(
  query: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const res = await b.call('POST', `/services/data/${V}/jobs/query`, { operation: 'query', query, ...extra })
  assert.equal(res.status, 200, res.text)
  return res.json() as Record<string, unknown>
}

async function waitFinished(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 1000; i++) {
    const info = (await b.call('GET', `/services/data/${V}/jobs/query/${id}`)).json() as Record<
      string,
      unknown
    >
    if (info.state !== 'UploadComplete' && info.state !== 'InProgress') return info
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('job did not finish')
}

function expectError(res: HttpResult, status: number, errorCode: string): string {
  const err = errorOf(res)
  assert.equal(err.status, status, res.text)
  assert.equal(err.errorCode, errorCode, res.text)
  return err.message
}

/** Every record of a REST query or queryAll, following nextRecordsUrl. */
async function restRecords(
  resource: 'query' | 'queryAll',
  soql: string,
): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = []
  let path: string | undefined = `/services/data/${V}/${resource}?q=${encodeURIComponent(soql)}`
  while (path) {
    const res = await b.call('GET', path)
    assert.equal(res.status, 200, res.text)
    const page = res.json() as { records: Array<Record<string, unknown>>; nextRecordsUrl?: string }
    out.push(...page.records)
    path = page.nextRecordsUrl
  }
  return out
}

/** A REST record's value as Bulk CSV writes it. */
function csvOf(record: Record<string, unknown>, path: string): string {
  let value: unknown = record
  for (const part of path.split('.')) value = value === null ? null : (value as Record<string, unknown>)[part]
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return DATETIMES.has(path) ? value.replace(/\+0000$/, 'Z') : value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new Error(`unexpected value at ${path}: ${JSON.stringify(value)}`)
}

/** Runs a job and reads every page (`maxRecords` per page), asserting the page headers. */
async function allPages(
  id: string,
  maxRecords?: number,
): Promise<{ rows: Array<Record<string, string>>; pages: number }> {
  const rows: Array<Record<string, string>> = []
  let locator: string | null = null
  let pages = 0
  do {
    const params = new URLSearchParams()
    if (maxRecords) params.set('maxRecords', String(maxRecords))
    if (locator) params.set('locator', locator)
    const res = await b.call('GET', `/services/data/${V}/jobs/query/${id}/results?${params.toString()}`)
    assert.equal(res.status, 200, res.text)
    assert.equal(res.headers.get('content-type'), 'text/csv')
    const page = parse<Record<string, string>>(res.text, { columns: true })
    assert.equal(Number(res.headers.get('sforce-numberofrecords')), page.length)
    rows.push(...page)
    locator = res.headers.get('sforce-locator')
    assert.ok(locator !== null, 'Sforce-Locator is always sent')
    if (locator === 'null') locator = null
    pages++
  } while (locator)
  return { rows, pages }
}

describe('Bulk API 2.0 query jobs (whole emulator)', () => {
  before(async () => {
    b = await startBulkEmulator({ Account: N })
    const conn = b.conn()
    const edge = [
      { Name: 'Edge "quoted", with comma', Description: 'line one\nline two\r\nline three' },
      { Name: 'Edge unicode Zoë’s café ✓ 日本', Description: null },
      { Name: 'Edge NA', Description: 'NA' },
    ]
    for (const rec of edge) {
      const res = await conn.sobject('Account').create(rec)
      assert.ok(res.success)
    }
    const some = await restRecords('query', 'SELECT Id FROM Account LIMIT 10')
    for (const rec of some) await conn.sobject('Account').destroy(String(rec.Id))
  })
  after(async () => b?.close())

  test('jsforce bulk2.query streams every row once, equal to a REST query of the same rows', async () => {
    const stream = await b.conn().bulk2.query(SOQL)
    const rows: Array<Record<string, string>> = []
    await new Promise<void>((resolve, reject) =>
      stream
        .on('record', (r: Record<string, string>) => rows.push(r))
        .on('end', resolve)
        .on('error', reject),
    )
    const rest = await restRecords('query', SOQL)
    assert.equal(rows.length, rest.length)
    assert.equal(rows.length, N + 3 - 10)
    assert.equal(new Set(rows.map((r) => r.Id)).size, rows.length, 'no row twice')
    const byId = new Map(rest.map((r) => [String(r.Id), r]))
    for (const row of rows) {
      const rec = byId.get(row.Id ?? '')
      assert.ok(rec, `Bulk row ${row.Id} is in the REST result`)
      for (const field of FIELDS) assert.equal(row[field], csvOf(rec, field), `${field} of ${row.Id}`)
    }
  })

  test('queryAll with maxRecords pages: every row once, deleted rows included, equal to REST queryAll', async () => {
    const job = await createJob(SOQL, { operation: 'queryAll' })
    assert.match(String(job.id), /^750[0-9A-Za-z]{15}$/)
    assert.equal(job.state, 'UploadComplete')
    assert.equal(job.operation, 'queryAll')
    assert.equal(job.object, 'Account')
    assert.equal(job.apiVersion, 60)
    const info = await waitFinished(String(job.id))
    assert.equal(info.state, 'JobComplete')
    assert.equal(info.numberRecordsProcessed, N + 3)
    const { rows, pages } = await allPages(String(job.id), 700)
    assert.equal(pages, Math.ceil((N + 3) / 700))
    const rest = await restRecords('queryAll', SOQL)
    assert.deepEqual(rows.map((r) => r.Id).sort(), rest.map((r) => String(r.Id)).sort())
    assert.equal(rows.filter((r) => r.IsDeleted === 'true').length, 10)
    const byId = new Map(rest.map((r) => [String(r.Id), r]))
    for (const row of rows)
      for (const f of FIELDS) assert.equal(row[f], csvOf(byId.get(row.Id ?? '') ?? {}, f))
  })

  test('CSV bytes: every value quoted, quotes doubled, newlines kept, unicode, nulls as ""', async () => {
    const job = await createJob(
      "SELECT Name, Description, NumberOfEmployees FROM Account WHERE Name LIKE 'Edge%' ORDER BY Name",
    )
    await waitFinished(String(job.id))
    const res = await b.call('GET', `/services/data/${V}/jobs/query/${String(job.id)}/results`)
    assert.equal(
      res.text,
      '"Name","Description","NumberOfEmployees"\n' +
        '"Edge ""quoted"", with comma","line one\nline two\r\nline three",""\n' +
        '"Edge NA","NA",""\n' +
        '"Edge unicode Zoë’s café ✓ 日本","",""\n',
    )
    assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(res.text))
  })

  test('a locator serves the same page again, and with another maxRecords', async () => {
    const job = await createJob('SELECT Id FROM Account')
    await waitFinished(String(job.id))
    const base = `/services/data/${V}/jobs/query/${String(job.id)}/results`
    const first = await b.call('GET', `${base}?maxRecords=100`)
    const locator = first.headers.get('sforce-locator') ?? ''
    assert.notEqual(locator, 'null')
    const again = await b.call('GET', `${base}?maxRecords=100&locator=${locator}`)
    const twice = await b.call('GET', `${base}?maxRecords=100&locator=${locator}`)
    assert.equal(again.text, twice.text)
    const wider = await b.call('GET', `${base}?maxRecords=250&locator=${locator}`)
    const ids = (t: string): string[] => parse<{ Id: string }>(t, { columns: true }).map((r) => r.Id)
    assert.deepEqual(ids(wider.text).slice(0, 100), ids(again.text))
    assert.equal(ids(wider.text).length, 250)
    assert.equal(new Set([...ids(first.text), ...ids(again.text)]).size, 200)
  })

  test('gzip on request; TAB + CRLF; an empty result is the header alone', async () => {
    const job = await createJob('SELECT Id, Name FROM Account', {
      columnDelimiter: 'TAB',
      lineEnding: 'CRLF',
    })
    assert.equal(job.columnDelimiter, 'TAB')
    assert.equal(job.lineEnding, 'CRLF')
    await waitFinished(String(job.id))
    const url = `/services/data/${V}/jobs/query/${String(job.id)}/results?maxRecords=3`
    const plain = await b.call('GET', url)
    assert.ok(plain.text.startsWith('"Id"\t"Name"\r\n"001'), plain.text.slice(0, 40))
    assert.equal(plain.text.split('\r\n').length, 5)
    const zipped = await fetch(`${b.url}${url}`, {
      headers: { authorization: `Bearer ${b.token}`, 'accept-encoding': 'gzip' },
    })
    assert.equal(zipped.headers.get('content-encoding'), 'gzip')
    assert.equal(await zipped.text(), plain.text)

    const none = await createJob("SELECT Id FROM Account WHERE Name = 'no such account'")
    await waitFinished(String(none.id))
    const empty = await b.call('GET', `/services/data/${V}/jobs/query/${String(none.id)}/results`)
    assert.equal(empty.text, '"Id"\n')
    assert.equal(empty.headers.get('sforce-numberofrecords'), '0')
    assert.equal(empty.headers.get('sforce-locator'), 'null')
  })

  test('refused queries: compound field, subquery, aggregate, OFFSET, bad SOQL, unknown field and object', async () => {
    const post = (query: string) =>
      b.call('POST', `/services/data/${V}/jobs/query`, { operation: 'query', query })
    assert.equal(
      expectError(await post('SELECT Id, BillingAddress FROM Account'), 400, 'API_ERROR'),
      'Selecting compound data not supported in Bulk Query',
    )
    assert.equal(
      expectError(await post('SELECT Id, Account.ShippingAddress FROM Contact'), 400, 'API_ERROR'),
      'Selecting compound data not supported in Bulk Query',
    )
    assert.equal(
      expectError(await post('SELECT Id, (SELECT Id FROM Contacts) FROM Account'), 400, 'API_ERROR'),
      'Aggregate Relationships not supported in Bulk Query',
    )
    expectError(await post('SELECT COUNT(Id) FROM Account'), 400, 'API_ERROR')
    expectError(await post('SELECT Id FROM Account LIMIT 5 OFFSET 10'), 400, 'API_ERROR')
    expectError(await post('SELECT Id FROM Account WHERE'), 400, 'MALFORMED_QUERY')
    expectError(await post('SELECT Nope__c FROM Account'), 400, 'INVALID_FIELD')
    expectError(await post('SELECT Id FROM Nope__c'), 400, 'INVALID_TYPE')
  })

  test('bad job options are refused with a message naming the option', async () => {
    const post = (body: unknown) => b.call('POST', `/services/data/${V}/jobs/query`, body)
    const q = { operation: 'query', query: 'SELECT Id FROM Account' }
    assert.match(expectError(await post({ ...q, operation: 'select' }), 400, 'INVALIDJOB'), /operation/)
    assert.match(expectError(await post({ operation: 'query' }), 400, 'INVALIDJOB'), /query is required/)
    assert.match(
      expectError(await post({ ...q, columnDelimiter: 'COLON' }), 400, 'INVALIDJOB'),
      /columnDelimiter/,
    )
    assert.match(expectError(await post({ ...q, lineEnding: 'CR' }), 400, 'INVALIDJOB'), /lineEnding/)
    assert.match(expectError(await post({ ...q, contentType: 'JSON' }), 400, 'INVALIDJOB'), /contentType/)
    expectError(await b.call('POST', `/services/data/v46.0/jobs/query`, q), 404, 'NOT_FOUND')
  })

  test('session errors: 401 INVALID_SESSION_ID without or with a bad token', async () => {
    const res = await fetch(`${b.url}/services/data/${V}/jobs/query`)
    assert.equal(res.status, 401)
    assert.match(await res.text(), /INVALID_SESSION_ID/)
    const bad = await b.call('GET', `/services/data/${V}/jobs/query`, undefined, {
      authorization: 'Bearer nope',
    })
    expectError(bad, 401, 'INVALID_SESSION_ID')
  })

  test('unfinished results: 412 JOB_NOT_COMPLETE; abort; delete; then 404', async () => {
    assert.equal(
      (await b.control('PATCH', '/__emulator/bulk/settings', { maxConcurrentJobs: 0 })).status,
      200,
    )
    try {
      const id = String((await createJob('SELECT Id FROM Account')).id)
      const path = `/services/data/${V}/jobs/query/${id}`
      assert.equal(((await b.call('GET', path)).json() as { state: string }).state, 'UploadComplete')
      assert.match(
        expectError(await b.call('GET', `${path}/results`), 412, 'JOB_NOT_COMPLETE'),
        /Current status: UPLOAD_COMPLETE$/,
      )
      const aborted = await b.call('PATCH', path, { state: 'Aborted' })
      assert.equal((aborted.json() as { state: string }).state, 'Aborted')
      assert.match(expectError(await b.call('GET', `${path}/results`), 412, 'JOB_NOT_COMPLETE'), /ABORTED$/)
      expectError(await b.call('PATCH', path, { state: 'Aborted' }), 400, 'INVALIDJOBSTATE')
      expectError(await b.call('PATCH', path, { state: 'Open' }), 400, 'INVALIDJOBSTATE')
      assert.equal((await b.call('DELETE', path)).status, 204)
      expectError(await b.call('GET', path), 404, 'NOT_FOUND')
      expectError(
        await b.call('GET', `/services/data/${V}/jobs/query/7505e000000000zAAA/results`),
        404,
        'NOT_FOUND',
      )
    } finally {
      await b.control('PATCH', '/__emulator/bulk/settings', { maxConcurrentJobs: 2 })
    }
  })

  test('results: another API version 409, bad maxRecords or locator 400', async () => {
    const id = String((await createJob('SELECT Id FROM Account')).id)
    await waitFinished(id)
    const path = `/services/data/${V}/jobs/query/${id}/results`
    expectError(await b.call('GET', `/services/data/v59.0/jobs/query/${id}/results`), 409, 'INVALIDJOB')
    expectError(await b.call('GET', `${path}?maxRecords=0`), 400, 'INVALIDPARAMETER')
    expectError(await b.call('GET', `${path}?maxRecords=ten`), 400, 'INVALIDPARAMETER')
    expectError(await b.call('GET', `${path}?locator=$$`), 400, 'INVALIDLOCATOR')
  })

  test('list; Sforce-Limit-Info; the daily query-job limit and /limits', async () => {
    const listed = await b.call('GET', `/services/data/${V}/jobs/query`)
    assert.match(listed.headers.get('sforce-limit-info') ?? '', /^api-usage=\d+\/\d+$/)
    const list = listed.json() as {
      done: boolean
      records: Array<{ jobType: string }>
      nextRecordsUrl: unknown
    }
    assert.equal(list.done, true)
    assert.equal(list.nextRecordsUrl, null)
    assert.ok(list.records.length >= 3 && list.records.every((r) => r.jobType === 'V2Query'))
    const ingestOnly = (await b.call('GET', `/services/data/${V}/jobs/query?jobType=V2Ingest`)).json()
    assert.deepEqual((ingestOnly as { records: unknown[] }).records, [])

    const limits = (await b.call('GET', `/services/data/${V}/limits`)).json() as Record<
      string,
      { Max: number; Remaining: number }
    >
    const used = (await b.control('GET', '/__emulator/bulk/usage')).json() as { queryJobsToday: number }
    assert.equal(limits.DailyBulkV2QueryJobs?.Remaining, 10_000 - used.queryJobsToday)
    await b.control('PATCH', '/__emulator/bulk/settings', { dailyQueryJobLimit: used.queryJobsToday })
    try {
      const refused = await b.call('POST', `/services/data/${V}/jobs/query`, {
        operation: 'query',
        query: 'SELECT Id FROM Account',
      })
      assert.equal(
        expectError(refused, 400, 'LIMIT_EXCEEDED'),
        `Max bulk v2 query jobs (${used.queryJobsToday}) per 24 hrs has been reached`,
      )
      await b.control('POST', '/__emulator/clock/advance', { ms: 24 * 3600 * 1000 + 60_000 })
      await b.renewToken()
      await createJob('SELECT Id FROM Account')
    } finally {
      await b.control('PATCH', '/__emulator/bulk/settings', { dailyQueryJobLimit: 10_000 })
    }
  })

  test('each Bulk call counts against DailyApiRequests; a spent allocation is 403 REQUEST_LIMIT_EXCEEDED', async () => {
    const before = (await b.control('GET', '/__emulator/api-usage')).json() as { used: number; max: number }
    const listed = await b.call('GET', `/services/data/${V}/jobs/query`)
    assert.equal(listed.headers.get('sforce-limit-info'), `api-usage=${before.used + 1}/${before.max}`)
    await b.control('PATCH', '/__emulator/api-usage', { used: before.max })
    try {
      const refused = await b.call('GET', `/services/data/${V}/jobs/query`)
      assert.equal(expectError(refused, 403, 'REQUEST_LIMIT_EXCEEDED'), 'TotalRequests Limit exceeded.')
    } finally {
      await b.control('DELETE', '/__emulator/api-usage')
    }
  })

  test('finished jobs and their results are gone after 7 days of emulated time', async () => {
    const id = String((await createJob('SELECT Id FROM Account')).id)
    await waitFinished(id)
    const path = `/services/data/${V}/jobs/query/${id}`
    await b.control('POST', '/__emulator/clock/advance', { ms: 6 * 24 * 3600 * 1000 })
    await b.renewToken()
    assert.equal((await b.call('GET', `${path}/results?maxRecords=1`)).status, 200)
    await b.control('POST', '/__emulator/clock/advance', { ms: 24 * 3600 * 1000 })
    await b.renewToken()
    expectError(await b.call('GET', `${path}/results`), 404, 'NOT_FOUND')
    expectError(await b.call('GET', path), 404, 'NOT_FOUND')
  })
})
