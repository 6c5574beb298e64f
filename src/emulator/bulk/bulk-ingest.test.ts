import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { parse } from 'csv-parse/sync'
import { API_VERSION, errorOf, startBulkEmulator, type BulkEmulator } from './bulk-test-emulator.ts'

const V = `v${API_VERSION}`
let b: BulkEmulator

/** Creates a job, uploads `csv`, closes it and waits until it has finished. */
async function runJob(job: Record<string, unknown>, csv: string): Promise<Record<string, unknown>> {
  const created = await b.call('POST', `/services/data/${V}/jobs/ingest`, job)
  assert.equal(created.status, 200, created.text)
  const id = String((created.json() as { id: string }).id)
  assert.equal((await b.call('PUT', `/services/data/${V}/jobs/ingest/${id}/batches`, csv)).status, 201)
  const closed = await b.call('PATCH', `/services/data/${V}/jobs/ingest/${id}`, { state: 'UploadComplete' })
  assert.equal((closed.json() as { state: string }).state, 'UploadComplete')
  for (let i = 0; i < 1000; i++) {
    const info = (await b.call('GET', `/services/data/${V}/jobs/ingest/${id}`)).json() as Record<
      string,
      unknown
    >
    if (info.state !== 'UploadComplete' && info.state !== 'InProgress') return info
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('ingest job did not finish')
}

async function resultRows(id: unknown, kind: string): Promise<Array<Record<string, string>>> {
  const res = await b.call('GET', `/services/data/${V}/jobs/ingest/${String(id)}/${kind}`)
  assert.equal(res.status, 200, res.text)
  assert.equal(res.headers.get('content-type'), 'text/csv')
  return parse<Record<string, string>>(res.text, { columns: true })
}

async function retrieve(sobject: string, id: string): Promise<Record<string, unknown> | undefined> {
  const res = await b.call('GET', `/services/data/${V}/sobjects/${sobject}/${id}`)
  return res.status === 200 ? (res.json() as Record<string, unknown>) : undefined
}

describe('Bulk API 2.0 ingest jobs (whole emulator)', () => {
  before(async () => {
    b = await startBulkEmulator({ Account: 20, Invoice__c: 5 })
  })
  after(async () => b?.close())

  test('jsforce loadAndWaitForResults inserts and reports per-row successes and failures', async () => {
    const input = [
      { Name: 'Bulk Alpha, "A"', NumberOfEmployees: 10, Description: 'two\nlines ✓' },
      { Name: 'Bulk Bravo', NumberOfEmployees: 20, Description: null },
      { Name: null, NumberOfEmployees: 30 },
      { Name: 'Bulk Delta', NumberOfEmployees: 'many' },
    ]
    const res = await b.conn().bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input })
    const ok = res.successfulResults as unknown as Array<Record<string, string>>
    const failed = res.failedResults as unknown as Array<Record<string, string>>
    assert.equal(ok.length, 2)
    assert.equal(failed.length, 2)
    assert.equal(res.unprocessedRecords.length, 0)
    for (const row of ok) {
      assert.equal(row.sf__Created, 'true')
      const stored = await retrieve('Account', row.sf__Id ?? '')
      assert.equal(stored?.Name, row.Name)
    }
    assert.deepEqual(ok.map((r) => r.Name).sort(), ['Bulk Alpha, "A"', 'Bulk Bravo'])
    const alpha = ok.find((r) => r.Name === 'Bulk Alpha, "A"')
    assert.equal((await retrieve('Account', alpha?.sf__Id ?? ''))?.Description, 'two\nlines ✓')
    const errors = failed.map((r) => r.sf__Error ?? '').sort()
    assert.equal(
      errors[0],
      'INVALID_TYPE_ON_FIELD_IN_RECORD:Employees: value not of required type: many:NumberOfEmployees --',
    )
    assert.match(errors[1] ?? '', /^REQUIRED_FIELD_MISSING:.*:Name --$/)
    assert.ok(failed.every((r) => r.sf__Id === ''))
  })

  test('upsert by external id, update by Id, #N/A nulls, empty cells unchanged', async () => {
    const upsert = await runJob(
      { object: 'Invoice__c', operation: 'upsert', externalIdFieldName: 'External_Id__c' },
      'External_Id__c,Amount__c,Notes__c\nX-1,10.5,first\nX-2,20,second\n',
    )
    assert.equal(upsert.state, 'JobComplete', String(upsert.errorMessage))
    assert.equal(upsert.numberRecordsProcessed, 2)
    assert.equal(upsert.numberRecordsFailed, 0)
    const again = await runJob(
      { object: 'Invoice__c', operation: 'upsert', externalIdFieldName: 'External_Id__c' },
      'External_Id__c,Amount__c,Notes__c\nX-1,11,#N/A\nX-3,30,third\n',
    )
    const rows = await resultRows(again.id, 'successfulResults')
    assert.deepEqual(rows.map((r) => [r.External_Id__c, r.sf__Created]).sort(), [
      ['X-1', 'false'],
      ['X-3', 'true'],
    ])
    const x1 = rows.find((r) => r.External_Id__c === 'X-1')?.sf__Id ?? ''
    const stored = await retrieve('Invoice__c', x1)
    assert.equal(stored?.Amount__c, 11)
    assert.equal(stored?.Notes__c, null, '#N/A sets null')

    const update = await runJob(
      { object: 'Invoice__c', operation: 'update' },
      `Id,Amount__c,Notes__c\n${x1},,kept?\n`,
    )
    assert.equal(update.numberRecordsFailed, 0)
    const after = await retrieve('Invoice__c', x1)
    assert.equal(after?.Amount__c, 11, 'an empty cell leaves the field unchanged')
    assert.equal(after?.Notes__c, 'kept?')
  })

  test('delete soft-deletes, hardDelete purges; a bad Id fails its row', async () => {
    const res = await b
      .conn()
      .sobject('Account')
      .create([{ Name: 'To delete' }, { Name: 'To purge' }])
    const [soft, hard] = res.map((r) => String(r.id))
    const del = await runJob({ object: 'Account', operation: 'delete' }, `Id\n${soft}\nnot-an-id\n`)
    assert.equal(del.numberRecordsProcessed, 2)
    assert.equal(del.numberRecordsFailed, 1)
    const failed = await resultRows(del.id, 'failedResults')
    assert.equal(failed[0]?.Id, 'not-an-id')
    assert.match(failed[0]?.sf__Error ?? '', /^MALFORMED_ID:/)
    assert.equal(await retrieve('Account', soft ?? ''), undefined)
    const all = `/services/data/${V}/queryAll?q=${encodeURIComponent(`SELECT Id, IsDeleted FROM Account WHERE Id IN ('${soft}','${hard}')`)}`
    const before = (await b.call('GET', all)).json() as { records: Array<{ Id: string; IsDeleted: boolean }> }
    assert.deepEqual(before.records.map((r) => r.IsDeleted).sort(), [false, true])

    const purge = await runJob({ object: 'Account', operation: 'hardDelete' }, `Id\n${hard}\n`)
    assert.equal(purge.numberRecordsFailed, 0)
    const afterPurge = (await b.call('GET', all)).json() as { records: Array<{ Id: string }> }
    assert.deepEqual(
      afterPurge.records.map((r) => r.Id),
      [soft],
    )
  })

  test('job failures: unknown column, LF job given CRLF data', async () => {
    const unknown = await runJob({ object: 'Account', operation: 'insert' }, 'Name,Bogus__c\nX,1\n')
    assert.equal(unknown.state, 'Failed')
    assert.equal(unknown.errorMessage, 'InvalidBatch : Field name not found : Bogus__c')
    const rest = await b.call(
      'GET',
      `/services/data/${V}/jobs/ingest/${String(unknown.id)}/unprocessedrecords`,
    )
    assert.equal(rest.text, '"Name","Bogus__c"\n"X","1"\n')
    const crlf = await runJob({ object: 'Account', operation: 'insert' }, 'Name\r\nX\r\n')
    assert.equal(crlf.state, 'Failed')
    assert.match(String(crlf.errorMessage), /LineEnding is invalid on user data/)
  })

  test('refused requests: bad options, second upload, wrong state, abort, delete, list', async () => {
    const post = (body: unknown) => b.call('POST', `/services/data/${V}/jobs/ingest`, body)
    assert.equal(errorOf(await post({ object: 'Account', operation: 'merge' })).errorCode, 'INVALIDJOB')
    assert.equal(errorOf(await post({ object: 'Account', operation: 'upsert' })).errorCode, 'INVALIDJOB')
    const notExt = errorOf(
      await post({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Name' }),
    )
    assert.equal(notExt.errorCode, 'INVALIDJOB')
    assert.equal(errorOf(await post({ object: 'Nope__c', operation: 'insert' })).errorCode, 'INVALIDENTITY')
    assert.equal(
      errorOf(await post({ object: 'Account', operation: 'insert', lineEnding: 'CR' })).errorCode,
      'INVALIDJOB',
    )

    const created = (await post({ object: 'Account', operation: 'insert' })).json() as Record<string, unknown>
    assert.equal(created.state, 'Open')
    assert.equal(created.contentUrl, `services/data/${V}/jobs/ingest/${String(created.id)}/batches`)
    const base = `/services/data/${V}/jobs/ingest/${String(created.id)}`
    assert.equal(errorOf(await b.call('GET', `${base}/successfulResults`)).errorCode, 'INVALIDJOBSTATE')
    assert.equal(errorOf(await b.call('DELETE', base)).errorCode, 'INVALIDJOBSTATE')
    const xml = await b.call('PUT', `${base}/batches`, 'Name\nA\n', { 'content-type': 'application/xml' })
    assert.equal(errorOf(xml).status, 415)
    assert.equal((await b.call('PUT', `${base}/batches`, 'Name\nA\nB\n')).status, 201)
    const second = errorOf(await b.call('PUT', `${base}/batches`, 'Name\nC\n'))
    assert.match(second.message, /^Found multiple contents for job: </)
    const aborted = (await b.call('PATCH', base, { state: 'Aborted' })).json() as { state: string }
    assert.equal(aborted.state, 'Aborted')
    assert.equal(
      errorOf(await b.call('PATCH', base, { state: 'UploadComplete' })).errorCode,
      'INVALIDJOBSTATE',
    )
    let unprocessed = ''
    for (let i = 0; i < 200 && !unprocessed; i++) {
      const res = await b.call('GET', `${base}/unprocessedrecords`)
      if (res.status === 200) unprocessed = res.text
      else await new Promise((r) => setTimeout(r, 10))
    }
    assert.equal(unprocessed, '"Name"\n"A"\n"B"\n')
    assert.equal(((await b.call('GET', base)).json() as { state: string }).state, 'Aborted')
    assert.equal((await b.call('DELETE', base)).status, 204)
    assert.equal(errorOf(await b.call('GET', base)).errorCode, 'NOT_FOUND')

    const list = (await b.call('GET', `/services/data/${V}/jobs/ingest`)).json() as {
      done: boolean
      records: Array<{ jobType: string; id: string }>
    }
    assert.equal(list.done, true)
    assert.ok(list.records.length >= 5 && list.records.every((r) => r.jobType === 'V2Ingest'))
    assert.ok(!list.records.some((r) => r.id === created.id))
    const usage = (await b.control('GET', '/__emulator/bulk/usage')).json() as { batchesToday: number }
    assert.ok(usage.batchesToday >= 5, 'each processed upload counts against DailyBulkApiBatches')
  })

  test('a revoked session gets 401 INVALID_SESSION_ID', async () => {
    assert.equal((await b.call('GET', `/services/data/${V}/jobs/ingest`)).status, 200)
    assert.equal((await b.control('POST', '/__emulator/sessions/revoke', {})).status, 200)
    const res = await b.call('GET', `/services/data/${V}/jobs/ingest`)
    assert.equal(errorOf(res).status, 401)
    assert.equal(errorOf(res).errorCode, 'INVALID_SESSION_ID')
  })
})
