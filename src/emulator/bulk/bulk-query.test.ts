import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { parse } from 'csv-parse/sync'
import jsforce from 'jsforce'
import { startBulkTestServer, type BulkTestServer } from './bulk-test-org.ts'

const V = 'v60.0'
let s: BulkTestServer

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${s.token}`,
      'accept-encoding': 'identity',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown }
}

async function control(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${s.url}/__emulator/bulk/settings`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${s.org.controlToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  assert.equal(res.status, 200, await res.text())
}

async function createJob(
  query: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const res = await call('POST', `/services/data/${V}/jobs/query`, { operation: 'query', query, ...extra })
  assert.equal(res.status, 200, res.text)
  return res.json() as Record<string, unknown>
}

async function waitComplete(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) {
    const info = (await call('GET', `/services/data/${V}/jobs/query/${id}`)).json() as Record<string, unknown>
    if (info.state !== 'UploadComplete' && info.state !== 'InProgress') return info
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('job did not finish')
}

function expectError(
  res: { status: number; json: () => unknown },
  status: number,
  errorCode: string,
): string {
  assert.equal(res.status, status)
  const body = res.json() as Array<{ errorCode: string; message: string }>
  assert.ok(Array.isArray(body) && body.length === 1, 'a one-element error array')
  assert.equal(body[0]?.errorCode, errorCode)
  return body[0]?.message ?? ''
}

const N = 3000

describe('Bulk API 2.0 query jobs', () => {
  before(async () => {
    s = await startBulkTestServer()
    for (let i = 0; i < N; i++) {
      s.data.create(
        'Account',
        {
          Name: i % 7 === 0 ? `Quote "${i}", comma\nnewline ✓` : `Account ${i}`,
          NumberOfEmployees: i % 5 === 0 ? null : i,
          Active__c: i % 2 === 0,
          SLA__c: '2024-02-29',
        },
        {},
      )
    }
    const ids = [...(s.data.records.get('Account')?.keys() ?? [])]
    for (const id of ids.slice(0, 10)) s.data.delete('Account', id)
  })
  after(async () => s.close())

  test('jsforce bulk2.query streams every row once, equal to the records (query skips deleted)', async () => {
    const conn = new jsforce.Connection({ instanceUrl: s.url, accessToken: s.token, version: '60.0' })
    const stream = await conn.bulk2.query(
      'SELECT Id, Name, NumberOfEmployees, Active__c, SLA__c, CreatedDate FROM Account',
    )
    const rows: Array<Record<string, string>> = []
    await new Promise<void>((resolve, reject) =>
      stream
        .on('record', (r: Record<string, string>) => rows.push(r))
        .on('end', resolve)
        .on('error', reject),
    )
    const live = [...(s.data.records.get('Account')?.values() ?? [])].filter((r) => !r.deleted)
    assert.equal(rows.length, live.length)
    assert.equal(new Set(rows.map((r) => r.Id)).size, rows.length)
    const byId = new Map(live.map((r) => [r.fields.Id as string, r.fields]))
    for (const row of rows) {
      const rec = byId.get(row.Id ?? '')
      assert.ok(rec, `row ${row.Id} is a live record`)
      assert.equal(row.Name, rec.Name)
      assert.equal(
        row.NumberOfEmployees,
        rec.NumberOfEmployees === null ? '' : JSON.stringify(rec.NumberOfEmployees),
      )
      assert.equal(row.Active__c, JSON.stringify(rec.Active__c))
      assert.equal(row.SLA__c, '2024-02-29')
      assert.equal(row.CreatedDate, (rec.CreatedDate as string).replace('+0000', 'Z'))
    }
  })

  test('queryAll includes deleted rows; pages by maxRecords and locator return each row once', async () => {
    const job = await createJob('SELECT Id, IsDeleted FROM Account', { operation: 'queryAll' })
    assert.match(String(job.id), /^750[0-9A-Za-z]{15}$/)
    assert.equal(job.state, 'UploadComplete')
    assert.equal(job.object, 'Account')
    assert.equal(job.contentType, 'CSV')
    const info = await waitComplete(String(job.id))
    assert.equal(info.state, 'JobComplete')
    assert.equal(info.numberRecordsProcessed, N)
    assert.equal(info.jobType, 'V2Query')
    const seen = new Set<string>()
    let deleted = 0
    let locator: string | null = null
    let pages = 0
    do {
      const q: string = locator ? `?maxRecords=700&locator=${locator}` : '?maxRecords=700'
      const res = await call('GET', `/services/data/${V}/jobs/query/${String(job.id)}/results${q}`)
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), 'text/csv')
      const rows = parse<Record<string, string>>(res.text, { columns: true })
      assert.equal(Number(res.headers.get('sforce-numberofrecords')), rows.length)
      for (const r of rows) {
        assert.ok(!seen.has(r.Id ?? ''), 'no row twice')
        seen.add(r.Id ?? '')
        if (r.IsDeleted === 'true') deleted++
      }
      locator = res.headers.get('sforce-locator')
      assert.ok(locator !== null, 'Sforce-Locator is always sent')
      if (locator === 'null') locator = null
      pages++
    } while (locator)
    assert.equal(seen.size, N)
    assert.equal(deleted, 10)
    assert.equal(pages, Math.ceil(N / 700))
  })

  test('a locator serves the same page again, with a different maxRecords too', async () => {
    const job = await createJob('SELECT Id FROM Account')
    await waitComplete(String(job.id))
    const base = `/services/data/${V}/jobs/query/${String(job.id)}/results`
    const first = await call('GET', `${base}?maxRecords=100`)
    const locator = first.headers.get('sforce-locator') ?? ''
    assert.equal(locator, Buffer.from('100').toString('base64url'))
    const again = await call('GET', `${base}?maxRecords=100&locator=${locator}`)
    const twice = await call('GET', `${base}?maxRecords=100&locator=${locator}`)
    assert.equal(again.text, twice.text)
    const wider = await call('GET', `${base}?maxRecords=250&locator=${locator}`)
    const ids = (t: string): string[] => parse<{ Id: string }>(t, { columns: true }).map((r) => r.Id)
    assert.deepEqual(ids(wider.text).slice(0, 100), ids(again.text))
    assert.equal(ids(wider.text).length, 250)
  })

  test('gzip on request; CSV options TAB + CRLF; relationship columns dotted', async () => {
    const job = await createJob('SELECT Id, Name, Parent.Name FROM Account', {
      columnDelimiter: 'TAB',
      lineEnding: 'CRLF',
    })
    assert.equal(job.columnDelimiter, 'TAB')
    await waitComplete(String(job.id))
    const url = `/services/data/${V}/jobs/query/${String(job.id)}/results?maxRecords=3`
    const plain = await call('GET', url)
    assert.ok(plain.text.startsWith('"Id"\t"Name"\t"Parent.Name"\r\n'), plain.text.slice(0, 40))
    const zipped = await fetch(`${s.url}${url}`, {
      headers: { authorization: `Bearer ${s.token}`, 'accept-encoding': 'gzip' },
    })
    assert.equal(zipped.headers.get('content-encoding'), 'gzip')
    assert.equal(await zipped.text(), plain.text)
  })

  test('refused queries: compound field, unsupported object, subquery, aggregate, OFFSET, bad SOQL', async () => {
    const post = (query: string) =>
      call('POST', `/services/data/${V}/jobs/query`, { operation: 'query', query })
    assert.equal(
      expectError(await post('SELECT Id, BillingAddress FROM Account'), 400, 'API_ERROR'),
      'Selecting compound data not supported in Bulk Query',
    )
    assert.equal(
      expectError(await post('SELECT Id FROM Attachment'), 400, 'INVALIDENTITY'),
      "Entity 'Attachment' is not supported by the Bulk API.",
    )
    expectError(await post('SELECT Id, (SELECT Id FROM Contacts) FROM Account'), 400, 'API_ERROR')
    expectError(await post('SELECT COUNT(Id) FROM Account'), 400, 'API_ERROR')
    expectError(await post('SELECT Id FROM Account LIMIT 5 OFFSET 10'), 400, 'API_ERROR')
    expectError(await post('SELECT FROM WHERE'), 400, 'MALFORMED_QUERY')
    expectError(await post('SELECT Nope__c FROM Account'), 400, 'INVALID_FIELD')
  })

  test('bad job options are refused with a message naming the option', async () => {
    const post = (body: unknown) => call('POST', `/services/data/${V}/jobs/query`, body)
    assert.match(
      expectError(await post({ operation: 'select', query: 'SELECT Id FROM Account' }), 400, 'INVALIDJOB'),
      /operation/,
    )
    assert.match(expectError(await post({ operation: 'query' }), 400, 'INVALIDJOB'), /query/)
    const q = { operation: 'query', query: 'SELECT Id FROM Account' }
    assert.match(
      expectError(await post({ ...q, columnDelimiter: 'COLON' }), 400, 'INVALIDJOB'),
      /columnDelimiter/,
    )
    assert.match(expectError(await post({ ...q, lineEnding: 'CR' }), 400, 'INVALIDJOB'), /lineEnding/)
    assert.match(expectError(await post({ ...q, contentType: 'JSON' }), 400, 'INVALIDJOB'), /contentType/)
    expectError(await call('POST', `/services/data/v40.0/jobs/query`, q), 404, 'NOT_FOUND')
  })

  test('session errors: 401 INVALID_SESSION_ID without or with a bad token', async () => {
    const res = await fetch(`${s.url}/services/data/${V}/jobs/query`)
    assert.equal(res.status, 401)
    assert.match(await res.text(), /INVALID_SESSION_ID/)
    const bad = await call('GET', `/services/data/${V}/jobs/query`, undefined, {
      authorization: 'Bearer nope',
    })
    expectError(bad, 401, 'INVALID_SESSION_ID')
  })

  test('results before completion: 412 JOB_NOT_COMPLETE; abort; delete; 404 after', async () => {
    await control({ maxConcurrentJobs: 0 })
    try {
      const job = await createJob('SELECT Id FROM Account')
      const id = String(job.id)
      const early = await call('GET', `/services/data/${V}/jobs/query/${id}/results`)
      assert.match(expectError(early, 412, 'JOB_NOT_COMPLETE'), /Current status: UPLOAD_COMPLETE$/)
      const aborted = await call('PATCH', `/services/data/${V}/jobs/query/${id}`, { state: 'Aborted' })
      assert.equal((aborted.json() as { state: string }).state, 'Aborted')
      const late = await call('GET', `/services/data/${V}/jobs/query/${id}/results`)
      assert.match(expectError(late, 412, 'JOB_NOT_COMPLETE'), /Current status: ABORTED$/)
      expectError(
        await call('PATCH', `/services/data/${V}/jobs/query/${id}`, { state: 'Aborted' }),
        400,
        'INVALIDJOBSTATE',
      )
      expectError(
        await call('PATCH', `/services/data/${V}/jobs/query/${id}`, { state: 'Open' }),
        400,
        'INVALIDJOBSTATE',
      )
      assert.equal((await call('DELETE', `/services/data/${V}/jobs/query/${id}`)).status, 204)
      expectError(await call('GET', `/services/data/${V}/jobs/query/${id}`), 404, 'NOT_FOUND')
      expectError(
        await call('GET', `/services/data/${V}/jobs/query/750000000000000AAA/results`),
        404,
        'NOT_FOUND',
      )
    } finally {
      await control({ maxConcurrentJobs: 2 })
    }
  })

  test('results: other API version 409, bad maxRecords and locator 400', async () => {
    const job = await createJob('SELECT Id FROM Account')
    const id = String(job.id)
    await waitComplete(id)
    expectError(await call('GET', `/services/data/v59.0/jobs/query/${id}/results`), 409, 'INVALIDJOB')
    expectError(
      await call('GET', `/services/data/${V}/jobs/query/${id}/results?maxRecords=0`),
      400,
      'INVALIDPARAMETER',
    )
    expectError(
      await call('GET', `/services/data/${V}/jobs/query/${id}/results?maxRecords=x`),
      400,
      'INVALIDPARAMETER',
    )
    expectError(
      await call('GET', `/services/data/${V}/jobs/query/${id}/results?locator=$$`),
      400,
      'INVALIDLOCATOR',
    )
  })

  test('list: done, records, nextRecordsUrl; daily job limit; /limits entry', async () => {
    const list = (await call('GET', `/services/data/${V}/jobs/query`)).json() as {
      done: boolean
      records: Array<{ jobType: string }>
      nextRecordsUrl: unknown
    }
    assert.equal(list.done, true)
    assert.equal(list.nextRecordsUrl, null)
    assert.ok(list.records.length >= 3)
    assert.ok(list.records.every((r) => r.jobType === 'V2Query'))
    const onlyIngest = (await call('GET', `/services/data/${V}/jobs/query?jobType=V2Ingest`)).json() as {
      records: unknown[]
    }
    assert.equal(onlyIngest.records.length, 0)
    const used = s.org.apiUsage.limits().DailyBulkV2QueryJobs
    assert.ok(used && used.Remaining === used.Max - list.records.length - 1, JSON.stringify(used))
    await control({ dailyQueryJobLimit: list.records.length + 1 })
    try {
      const refused = await call('POST', `/services/data/${V}/jobs/query`, {
        operation: 'query',
        query: 'SELECT Id FROM Account',
      })
      assert.equal(
        expectError(refused, 400, 'LIMIT_EXCEEDED'),
        `Max bulk v2 query jobs (${list.records.length + 1}) per 24 hrs has been reached`,
      )
      s.org.clock.advance(24 * 3600 * 1000 + 1)
      await s.renewToken()
      await createJob('SELECT Id FROM Account')
    } finally {
      await control({ dailyQueryJobLimit: 10000 })
    }
  })

  test('finished jobs and their results are gone after 7 days of emulated time', async () => {
    const job = await createJob('SELECT Id FROM Account')
    const id = String(job.id)
    await waitComplete(id)
    s.org.clock.advance(6 * 24 * 3600 * 1000)
    await s.renewToken()
    assert.equal((await call('GET', `/services/data/${V}/jobs/query/${id}/results?maxRecords=1`)).status, 200)
    s.org.clock.advance(24 * 3600 * 1000 + 1)
    await s.renewToken()
    expectError(await call('GET', `/services/data/${V}/jobs/query/${id}/results`), 404, 'NOT_FOUND')
    expectError(await call('GET', `/services/data/${V}/jobs/query/${id}`), 404, 'NOT_FOUND')
  })
})
