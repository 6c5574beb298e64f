import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startRestTestOrg, type RestTestOrg } from './rest-test-support.ts'

let org: RestTestOrg
before(async () => {
  org = await startRestTestOrg({ seed: 'rest-composite', records: { Account: 5, Contact: 5, Invoice__c: 3 } })
})
after(async () => {
  await org?.close()
})

interface SaveResult {
  id?: string
  success: boolean
  errors: Array<{ statusCode: string; message: string; fields: string[] }>
  created?: boolean
}

async function count(soql: string): Promise<number> {
  const res = await org.api('GET', `/query?q=${encodeURIComponent(soql)}`)
  return (res.body as { totalSize: number }).totalSize
}

test('collections: create, retrieve, update, delete arrays with SaveResults in order', async () => {
  const create = await org.api('POST', '/composite/sobjects', {
    body: {
      allOrNone: false,
      records: [
        { attributes: { type: 'Account' }, Name: 'Coll A' },
        { attributes: { type: 'Contact' }, FirstName: 'No LastName' },
        { attributes: { type: 'Contact' }, LastName: 'Coll C' },
        { Name: 'No type' },
      ],
    },
  })
  assert.equal(create.status, 200)
  const results = create.body as SaveResult[]
  assert.equal(results.length, 4)
  assert.equal(results[0]?.success, true)
  assert.match(results[0]?.id ?? '', /^001/)
  assert.deepEqual(results[0]?.errors, [])
  assert.equal(results[1]?.success, false)
  assert.equal(results[1]?.errors[0]?.statusCode, 'REQUIRED_FIELD_MISSING')
  assert.ok(Array.isArray(results[1]?.errors[0]?.fields))
  assert.equal(results[2]?.success, true)
  assert.match(results[2]?.id ?? '', /^003/)
  assert.equal(results[3]?.success, false)
  assert.equal(results[3]?.errors[0]?.statusCode, 'INVALID_TYPE')

  const accountId = results[0]?.id ?? ''
  const contactId = results[2]?.id ?? ''
  const got = await org.api(
    'GET',
    `/composite/sobjects/Account?ids=${accountId},001000000000000AAA&fields=Id,Name`,
  )
  assert.equal(got.status, 200)
  const records = got.body as Array<Record<string, unknown> | null>
  assert.equal(records[0]?.Name, 'Coll A')
  assert.equal(records[1], null)
  const posted = await org.api('POST', '/composite/sobjects/Account', {
    body: { ids: [accountId], fields: ['Name'] },
  })
  assert.equal((posted.body as Array<Record<string, unknown>>)[0]?.Name, 'Coll A')

  const update = await org.api('PATCH', '/composite/sobjects', {
    body: {
      records: [
        { attributes: { type: 'Account' }, id: accountId, Name: 'Coll A2' },
        { attributes: { type: 'Account' }, Name: 'no id' },
        { attributes: { type: 'Account' }, id: 'garbage', Name: 'bad id' },
      ],
    },
  })
  const u = update.body as SaveResult[]
  assert.deepEqual(u[0], { id: accountId, success: true, errors: [] })
  assert.equal(u[1]?.errors[0]?.statusCode, 'MISSING_ARGUMENT')
  assert.equal(u[2]?.errors[0]?.statusCode, 'MALFORMED_ID')

  const del = await org.api('DELETE', `/composite/sobjects?ids=${accountId},${contactId},zzz`)
  const d = del.body as SaveResult[]
  assert.deepEqual(d[0], { id: accountId, success: true, errors: [] })
  assert.deepEqual(d[1], { id: contactId, success: true, errors: [] })
  assert.equal(d[2]?.success, false)
  assert.equal(await count(`SELECT Id FROM Account WHERE Id = '${accountId}'`), 0)
})

test('collections allOrNone: one failure rolls everything back; the others say ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
  const before = await count("SELECT Id FROM Account WHERE Name LIKE 'AON %'")
  const res = await org.api('POST', '/composite/sobjects', {
    body: {
      allOrNone: true,
      records: [
        { attributes: { type: 'Account' }, Name: 'AON 1' },
        { attributes: { type: 'Contact' }, FirstName: 'missing LastName' },
        { attributes: { type: 'Account' }, Name: 'AON 3' },
      ],
    },
  })
  assert.equal(res.status, 200)
  const r = res.body as SaveResult[]
  assert.deepEqual(r[0], {
    success: false,
    errors: [
      {
        statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
        message:
          'Record rolled back because not all records were valid and the request was using AllOrNone header',
        fields: [],
      },
    ],
  })
  assert.equal(r[1]?.errors[0]?.statusCode, 'REQUIRED_FIELD_MISSING')
  assert.equal(r[2]?.errors[0]?.statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK')
  assert.equal(await count("SELECT Id FROM Account WHERE Name LIKE 'AON %'"), before, 'nothing was kept')

  const ok = await org.api('POST', '/composite/sobjects', {
    body: { allOrNone: true, records: [{ attributes: { type: 'Account' }, Name: 'AON ok' }] },
  })
  assert.equal((ok.body as SaveResult[])[0]?.success, true)
})

test('collections refuse more than 200 records and malformed bodies', async () => {
  const records = Array.from({ length: 201 }, (_, i) => ({
    attributes: { type: 'Account' },
    Name: `Too many ${i}`,
  }))
  const res = await org.api('POST', '/composite/sobjects', { body: { records } })
  assert.equal(res.status, 400)
  assert.equal((res.body as Array<{ errorCode: string }>)[0]?.errorCode, 'EXCEEDED_ID_LIMIT')
  const ids = Array.from({ length: 201 }, () => '001000000000000AAA').join(',')
  assert.equal((await org.api('DELETE', `/composite/sobjects?ids=${ids}`)).status, 400)
  assert.equal((await org.api('POST', '/composite/sobjects', { body: { records: 'x' } })).status, 400)
  assert.equal((await org.api('PATCH', '/composite/sobjects', { body: [] })).status, 400)
})

test('collections upsert by external id answers created per record', async () => {
  const res = await org.api('PATCH', '/composite/sobjects/Invoice__c/External_Id__c', {
    body: {
      allOrNone: false,
      records: [
        { attributes: { type: 'Invoice__c' }, External_Id__c: 'COLL-1', Amount__c: 1 },
        { attributes: { type: 'Invoice__c' }, Amount__c: 2 },
      ],
    },
  })
  const r = res.body as SaveResult[]
  assert.equal(r[0]?.success, true)
  assert.equal(r[0]?.created, true)
  assert.equal(r[1]?.success, false)
  const again = await org.api('PATCH', '/composite/sobjects/Invoice__c/External_Id__c', {
    body: { records: [{ attributes: { type: 'Invoice__c' }, External_Id__c: 'COLL-1', Amount__c: 3 }] },
  })
  assert.deepEqual((again.body as SaveResult[])[0], {
    id: r[0]?.id,
    success: true,
    errors: [],
    created: false,
  })
})

test('composite: references between subrequests, one API call for all', async () => {
  const used = org.emu.org.apiUsage.used()
  const res = await org.api('POST', '/composite', {
    body: {
      allOrNone: false,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v60.0/sobjects/Account',
          referenceId: 'refAccount',
          body: { Name: 'Comp' },
        },
        {
          method: 'POST',
          url: '/services/data/v60.0/sobjects/Contact',
          referenceId: 'refContact',
          body: { LastName: 'Comp', AccountId: '@{refAccount.id}' },
        },
        {
          method: 'GET',
          url: "/services/data/v60.0/query?q=SELECT+Id,AccountId+FROM+Contact+WHERE+Id='@{refContact.id}'",
          referenceId: 'refQuery',
        },
        {
          method: 'GET',
          url: '/services/data/v60.0/sobjects/Account/@{refQuery.records[0].AccountId}',
          referenceId: 'refGet',
        },
        {
          method: 'DELETE',
          url: '/services/data/v60.0/sobjects/Account/001000000000000AAA',
          referenceId: 'refBad',
        },
        {
          method: 'GET',
          url: '/services/data/v60.0/sobjects/Contact/@{refBad.id}',
          referenceId: 'refDependent',
        },
      ],
    },
  })
  assert.equal(res.status, 200)
  assert.equal(org.emu.org.apiUsage.used(), used + 1)
  const sub = (res.body as { compositeResponse: Array<Record<string, unknown>> }).compositeResponse
  assert.deepEqual(
    sub.map((s) => s.referenceId),
    ['refAccount', 'refContact', 'refQuery', 'refGet', 'refBad', 'refDependent'],
  )
  assert.equal(sub[0]?.httpStatusCode, 201)
  const accountId = (sub[0]?.body as { id: string }).id
  assert.deepEqual(sub[0]?.httpHeaders, { Location: `/services/data/v60.0/sobjects/Account/${accountId}` })
  assert.equal(sub[1]?.httpStatusCode, 201)
  assert.equal(sub[2]?.httpStatusCode, 200)
  assert.equal((sub[3]?.body as { Id: string }).Id, accountId)
  assert.ok(Number(sub[4]?.httpStatusCode) >= 400)
  assert.equal(sub[5]?.httpStatusCode, 400)
  assert.equal((sub[5]?.body as Array<{ errorCode: string }>)[0]?.errorCode, 'PROCESSING_HALTED')
})

test('composite allOrNone: a failure rolls back and the others say PROCESSING_HALTED', async () => {
  const res = await org.api('POST', '/composite', {
    body: {
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v60.0/sobjects/Account',
          referenceId: 'a',
          body: { Name: 'Halted One' },
        },
        {
          method: 'POST',
          url: '/services/data/v60.0/sobjects/Contact',
          referenceId: 'b',
          body: { FirstName: 'x' },
        },
        {
          method: 'POST',
          url: '/services/data/v60.0/sobjects/Account',
          referenceId: 'c',
          body: { Name: 'Halted Two' },
        },
      ],
    },
  })
  const sub = (res.body as { compositeResponse: Array<Record<string, unknown>> }).compositeResponse
  const halted = [
    {
      errorCode: 'PROCESSING_HALTED',
      message: 'The transaction was rolled back since another operation in the same transaction failed.',
    },
  ]
  assert.equal(sub[0]?.httpStatusCode, 400)
  assert.deepEqual(sub[0]?.body, halted)
  assert.equal((sub[1]?.body as Array<{ errorCode: string }>)[0]?.errorCode, 'REQUIRED_FIELD_MISSING')
  assert.deepEqual(sub[2]?.body, halted)
  assert.equal(await count("SELECT Id FROM Account WHERE Name LIKE 'Halted %'"), 0)
})

test('composite refuses structural errors before running anything', async () => {
  const item = (i: number) => ({ method: 'GET', url: '/services/data/v60.0/limits', referenceId: `r${i}` })
  const tooMany = await org.api('POST', '/composite', {
    body: { compositeRequest: Array.from({ length: 26 }, (_, i) => item(i)) },
  })
  assert.equal(tooMany.status, 400)
  const dup = await org.api('POST', '/composite', { body: { compositeRequest: [item(1), item(1)] } })
  assert.equal(dup.status, 400)
  const noRef = await org.api('POST', '/composite', {
    body: { compositeRequest: [{ method: 'GET', url: '/services/data/v60.0/limits' }] },
  })
  assert.equal(noRef.status, 400)
  const nested = await org.api('POST', '/composite', {
    body: {
      compositeRequest: [
        { method: 'POST', url: '/services/data/v60.0/composite', referenceId: 'n', body: {} },
      ],
    },
  })
  assert.equal(
    (nested.body as { compositeResponse: Array<{ httpStatusCode: number }> }).compositeResponse[0]
      ?.httpStatusCode,
    404,
  )
})

test('composite batch: independent subrequests, haltOnError gives 412 BATCH_PROCESSING_HALTED', async () => {
  const used = org.emu.org.apiUsage.used()
  const res = await org.api('POST', '/composite/batch', {
    body: {
      haltOnError: true,
      batchRequests: [
        { method: 'GET', url: 'v60.0/sobjects/Account/describe' },
        { method: 'GET', url: 'v60.0/sobjects/Nope/describe' },
        { method: 'GET', url: '/services/data/v60.0/limits' },
      ],
    },
  })
  assert.equal(res.status, 200)
  const body = res.body as { hasErrors: boolean; results: Array<{ statusCode: number; result: unknown }> }
  assert.equal(body.hasErrors, true)
  assert.equal(body.results[0]?.statusCode, 200)
  assert.equal((body.results[0]?.result as { name: string }).name, 'Account')
  assert.equal(body.results[1]?.statusCode, 404)
  assert.equal(body.results[2]?.statusCode, 412)
  assert.equal(
    (body.results[2]?.result as Array<{ errorCode: string }>)[0]?.errorCode,
    'BATCH_PROCESSING_HALTED',
  )
  // Each executed subrequest counts (SFDOC resources_composite_batch); the halted one did not run.
  assert.equal(org.emu.org.apiUsage.used(), used + 2)
  assert.equal(res.headers.get('sforce-limit-info'), `api-usage=${used + 2}/15000`)
})
