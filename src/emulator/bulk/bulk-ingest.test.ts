import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { parse } from 'csv-parse/sync'
import jsforce from 'jsforce'
import { startBulkTestServer, type BulkTestServer } from './bulk-test-org.ts'

const V = 'v60.0'
let s: BulkTestServer
let conn: jsforce.Connection

async function call(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; text: string; json: () => unknown }> {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${s.token}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, text, json: () => JSON.parse(text) as unknown }
}

function errorOf(
  res: { status: number; json: () => unknown },
  status: number,
): { errorCode: string; message: string } {
  assert.equal(res.status, status)
  const body = res.json() as Array<{ errorCode: string; message: string }>
  assert.equal(body.length, 1)
  return body[0] as { errorCode: string; message: string }
}

/** Creates a job, uploads `csv`, closes it and waits until it has finished. */
async function runJob(job: Record<string, unknown>, csv: string): Promise<Record<string, unknown>> {
  const created = await call('POST', `/services/data/${V}/jobs/ingest`, job)
  assert.equal(created.status, 200, created.text)
  const id = String((created.json() as { id: string }).id)
  assert.equal(
    (await call('PUT', `/services/data/${V}/jobs/ingest/${id}/batches`, csv, 'text/csv')).status,
    201,
  )
  const closed = await call('PATCH', `/services/data/${V}/jobs/ingest/${id}`, { state: 'UploadComplete' })
  assert.equal((closed.json() as { state: string }).state, 'UploadComplete')
  for (let i = 0; i < 500; i++) {
    const info = (await call('GET', `/services/data/${V}/jobs/ingest/${id}`)).json() as Record<
      string,
      unknown
    >
    if (info.state !== 'UploadComplete' && info.state !== 'InProgress') return info
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('ingest job did not finish')
}

describe('Bulk API 2.0 ingest jobs', () => {
  before(async () => {
    s = await startBulkTestServer()
    conn = new jsforce.Connection({ instanceUrl: s.url, accessToken: s.token, version: '60.0' })
  })
  after(async () => s.close())

  test('jsforce loadAndWaitForResults: inserts, reports per-row successes and failures', async () => {
    const input = [
      { Name: 'Alpha, "A"', NumberOfEmployees: 10, Active__c: true, Ext__c: 'A' },
      { Name: 'Bravo\nline two ✓', NumberOfEmployees: 20, Active__c: false, Ext__c: 'B' },
      { Name: null, NumberOfEmployees: 30, Active__c: true, Ext__c: 'C' },
      { Name: 'Delta', NumberOfEmployees: 'many', Active__c: true, Ext__c: 'D' },
    ]
    const res = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input })
    assert.equal(res.successfulResults.length, 2)
    assert.equal(res.failedResults.length, 2)
    assert.equal(res.unprocessedRecords.length, 0)
    const successes = res.successfulResults as unknown as Array<Record<string, string>>
    for (const ok of successes) {
      assert.equal(ok.sf__Created, 'true')
      const stored = s.data.retrieve('Account', String(ok.sf__Id))
      assert.equal(stored?.Name, ok.Name)
    }
    const names = successes.map((r) => String(r.Name)).sort()
    assert.deepEqual(names, ['Alpha, "A"', 'Bravo\nline two ✓'])
    const errors = res.failedResults.map((r) => String(r.sf__Error)).sort()
    assert.match(
      errors[0] ?? '',
      /^INVALID_TYPE_ON_FIELD_IN_RECORD:NumberOfEmployees: value not of required type: many:NumberOfEmployees --$/,
    )
    assert.equal(errors[1], 'REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --')
  })

  test('upsert by external id, update by Id, #N/A nulls, empty cells unchanged, delete and hardDelete', async () => {
    const upsert = await runJob(
      { object: 'Account', operation: 'upsert', externalIdFieldName: 'Ext__c' },
      'Ext__c,Name,NumberOfEmployees\nA,Alpha 2,#N/A\nZ,Zulu,5\n',
    )
    assert.equal(upsert.state, 'JobComplete')
    assert.equal(upsert.numberRecordsProcessed, 2)
    assert.equal(upsert.numberRecordsFailed, 0)
    const id = String(upsert.id)
    const ok = parse<Record<string, string>>(
      (await call('GET', `/services/data/${V}/jobs/ingest/${id}/successfulResults`)).text,
      { columns: true },
    )
    assert.deepEqual(ok.map((r) => [r.Ext__c, r.sf__Created]).sort(), [
      ['A', 'false'],
      ['Z', 'true'],
    ])
    const alpha = s.data.findByExternalId('Account', 'Ext__c', 'A')[0] ?? ''
    assert.equal(s.data.retrieve('Account', alpha)?.Name, 'Alpha 2')
    assert.equal(s.data.retrieve('Account', alpha)?.NumberOfEmployees, null)

    const update = await runJob(
      { object: 'Account', operation: 'update' },
      `Id,Name,Active__c\n${alpha},,false\n`,
    )
    assert.equal(update.numberRecordsFailed, 0)
    assert.equal(
      s.data.retrieve('Account', alpha)?.Name,
      'Alpha 2',
      'an empty cell leaves the field as it was',
    )
    assert.equal(s.data.retrieve('Account', alpha)?.Active__c, false)

    const zulu = s.data.findByExternalId('Account', 'Ext__c', 'Z')[0] ?? ''
    const del = await runJob({ object: 'Account', operation: 'delete' }, `Id\n${alpha}\n001000000000000AAA\n`)
    assert.equal(del.numberRecordsProcessed, 2)
    assert.equal(del.numberRecordsFailed, 1)
    assert.equal(s.data.retrieve('Account', alpha), undefined)
    assert.equal(s.data.records.get('Account')?.get(alpha)?.deleted, true, 'soft delete keeps the record')
    const hard = await runJob({ object: 'Account', operation: 'hardDelete' }, `Id\n${zulu}\n`)
    assert.equal(hard.numberRecordsFailed, 0)
    assert.equal(s.data.records.get('Account')?.has(zulu), false, 'hardDelete purges')

    const failed = (await call('GET', `/services/data/${V}/jobs/ingest/${String(del.id)}/failedResults`)).text
    assert.equal(failed.split('\n')[0], '"sf__Id","sf__Error","Id"')
    assert.match(failed, /"001000000000000AAA","ENTITY_IS_DELETED:entity is deleted:--","001000000000000AAA"/)
  })

  test('lookups by the parent external id (Account.Ext__c)', async () => {
    s.data.create('Account', { Name: 'Parent', Ext__c: 'P1' }, {})
    const job = await runJob(
      { object: 'Contact', operation: 'insert' },
      'LastName,Account.Ext__c\nSmith,P1\nJones,NOPE\n',
    )
    assert.equal(job.numberRecordsFailed, 1)
    const ok = parse<Record<string, string>>(
      (await call('GET', `/services/data/${V}/jobs/ingest/${String(job.id)}/successfulResults`)).text,
      { columns: true },
    )
    const contact = s.data.retrieve('Contact', ok[0]?.sf__Id ?? '')
    assert.equal(contact?.AccountId, s.data.findByExternalId('Account', 'Ext__c', 'P1')[0])
  })

  test('job failures: unknown column, LF job given CRLF data', async () => {
    const unknown = await runJob({ object: 'Account', operation: 'insert' }, 'Name,Bogus__c\nX,1\n')
    assert.equal(unknown.state, 'Failed')
    assert.equal(unknown.errorMessage, 'InvalidBatch : Field name not found : Bogus__c')
    const rest = (
      await call('GET', `/services/data/${V}/jobs/ingest/${String(unknown.id)}/unprocessedrecords`)
    ).text
    assert.equal(rest, '"Name","Bogus__c"\n"X","1"\n')
    const crlf = await runJob({ object: 'Account', operation: 'insert' }, 'Name\r\nX\r\n')
    assert.equal(crlf.state, 'Failed')
    assert.match(String(crlf.errorMessage), /LineEnding is invalid on user data/)
  })

  test('refused requests: bad job options, second upload, wrong state, abort, delete', async () => {
    const post = (body: unknown) => call('POST', `/services/data/${V}/jobs/ingest`, body)
    assert.equal(errorOf(await post({ object: 'Account', operation: 'merge' }), 400).errorCode, 'INVALIDJOB')
    assert.equal(errorOf(await post({ object: 'Account', operation: 'upsert' }), 400).errorCode, 'INVALIDJOB')
    assert.equal(
      errorOf(await post({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Name' }), 400)
        .errorCode,
      'INVALIDJOB',
    )
    assert.equal(
      errorOf(await post({ object: 'Nope__c', operation: 'insert' }), 400).errorCode,
      'INVALIDENTITY',
    )
    assert.equal(
      errorOf(await post({ object: 'Attachment', operation: 'insert' }), 400).errorCode,
      'INVALIDENTITY',
    )

    const created = (await post({ object: 'Account', operation: 'insert' })).json() as Record<string, unknown>
    assert.equal(created.state, 'Open')
    assert.equal(created.contentUrl, `services/data/v60.0/jobs/ingest/${String(created.id)}/batches`)
    const id = String(created.id)
    const base = `/services/data/${V}/jobs/ingest/${id}`
    assert.equal(errorOf(await call('GET', `${base}/successfulResults`), 400).errorCode, 'INVALIDJOBSTATE')
    assert.equal(errorOf(await call('DELETE', base), 400).errorCode, 'INVALIDJOBSTATE')
    assert.equal(
      errorOf(await call('PUT', `${base}/batches`, 'Name\nA\n', 'application/xml'), 415).errorCode,
      'UNSUPPORTED_MEDIA_TYPE',
    )
    assert.equal((await call('PUT', `${base}/batches`, 'Name\nA\nB\n', 'text/csv')).status, 201)
    const again = errorOf(await call('PUT', `${base}/batches`, 'Name\nC\n', 'text/csv'), 400)
    assert.match(again.message, /^Found multiple contents for job: </)
    const aborted = (await call('PATCH', base, { state: 'Aborted' })).json() as { state: string }
    assert.equal(aborted.state, 'Aborted')
    assert.equal(
      errorOf(await call('PATCH', base, { state: 'UploadComplete' }), 400).errorCode,
      'INVALIDJOBSTATE',
    )
    let unprocessed = ''
    for (let i = 0; i < 100 && !unprocessed; i++) {
      const res = await call('GET', `${base}/unprocessedrecords`)
      if (res.status === 200) unprocessed = res.text
      else await new Promise((r) => setTimeout(r, 10))
    }
    assert.equal(unprocessed, '"Name"\n"A"\n"B"\n')
    assert.equal((await call('DELETE', base)).status, 204)
    assert.equal(errorOf(await call('GET', base), 404).errorCode, 'NOT_FOUND')

    const list = (await call('GET', `/services/data/${V}/jobs/ingest`)).json() as {
      done: boolean
      records: Array<{ jobType: string; id: string }>
    }
    assert.equal(list.done, true)
    assert.ok(list.records.length >= 5 && list.records.every((r) => r.jobType === 'V2Ingest'))
    assert.ok(!list.records.some((r) => r.id === id))
  })

  test('a revoked session gets 401 INVALID_SESSION_ID', async () => {
    const probe = await call('GET', `/services/data/${V}/jobs/ingest`)
    assert.equal(probe.status, 200)
    await s.revoke()
    assert.equal(
      errorOf(await call('GET', `/services/data/${V}/jobs/ingest`), 401).errorCode,
      'INVALID_SESSION_ID',
    )
  })
})
