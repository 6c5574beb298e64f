import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startRestTestOrg, type RestTestOrg } from './rest-test-support.ts'

let org: RestTestOrg
before(async () => {
  org = await startRestTestOrg({ seed: 'rest-rows', records: { Account: 10, Contact: 10, Invoice__c: 5 } })
})
after(async () => {
  await org?.close()
})

function errorOf(body: unknown): Record<string, unknown> {
  assert.ok(Array.isArray(body) && body.length === 1, JSON.stringify(body))
  return body[0] as Record<string, unknown>
}

test('create, retrieve, update, delete one record', async () => {
  const created = await org.api('POST', '/sobjects/Account', {
    body: { Name: 'Acme REST', Industry: 'Energy' },
  })
  assert.equal(created.status, 201)
  const { id, success, errors } = created.body as { id: string; success: boolean; errors: unknown[] }
  assert.match(id, /^001\w{15}$/)
  assert.equal(success, true)
  assert.deepEqual(errors, [])
  assert.deepEqual(Object.keys(created.body as object), ['id', 'success', 'errors'])
  assert.equal(created.headers.get('location'), `/services/data/v60.0/sobjects/Account/${id}`)

  const got = await org.api('GET', `/sobjects/Account/${id}`)
  assert.equal(got.status, 200)
  const record = got.body as Record<string, unknown>
  assert.deepEqual(record.attributes, { type: 'Account', url: `/services/data/v60.0/sobjects/Account/${id}` })
  assert.equal(Object.keys(record)[0], 'attributes')
  assert.equal(record.Id, id)
  assert.equal(record.Name, 'Acme REST')
  assert.match(String(record.CreatedDate), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/)
  assert.equal(record.CreatedById, '005' + record.CreatedById?.toString().slice(3), 'written by a user')

  const some = await org.api('GET', `/sobjects/Account/${id.slice(0, 15)}?fields=Name,industry`)
  assert.equal(some.status, 200)
  // Fields in the order asked for, Id appended (restforce sobject_select_success_response.json).
  assert.deepEqual(Object.keys(some.body as object), ['attributes', 'Name', 'Industry', 'Id'])

  const patched = await org.api('PATCH', `/sobjects/Account/${id}`, { body: { Name: 'Acme Renamed' } })
  assert.equal(patched.status, 204)
  assert.equal(patched.text, '')
  const after = await org.api('GET', `/sobjects/Account/${id}?fields=Name`)
  assert.equal((after.body as Record<string, unknown>).Name, 'Acme Renamed')

  const deleted = await org.api('DELETE', `/sobjects/Account/${id}`)
  assert.equal(deleted.status, 204)
  const gone = await org.api('GET', `/sobjects/Account/${id}`)
  assert.equal(gone.status, 404)
  assert.deepEqual(errorOf(gone.body), {
    errorCode: 'NOT_FOUND',
    message: 'The requested resource does not exist',
  })
  const again = await org.api('DELETE', `/sobjects/Account/${id}`)
  assert.ok(again.status === 404 || again.status === 400, `deleting twice: ${again.status}`)
  assert.equal(typeof errorOf(again.body).errorCode, 'string')
})

test('the session user is the writer', async () => {
  const created = await org.api('POST', '/sobjects/Contact', { body: { LastName: 'Writer' } })
  const { id } = created.body as { id: string }
  const got = await org.api('GET', `/sobjects/Contact/${id}?fields=CreatedById,LastModifiedById`)
  const record = got.body as Record<string, string>
  const integration = org.emu.org.userByUsername('integration@sfsync-emulator.example')
  assert.equal(record.CreatedById, integration?.id)
  assert.equal(record.LastModifiedById, integration?.id)
})

test('bad ids and names: 404 ext-id message, MALFORMED_ID, INVALID_FIELD', async () => {
  const notId = await org.api('GET', '/sobjects/Account/23foo')
  assert.equal(notId.status, 404)
  assert.deepEqual(errorOf(notId.body), {
    message: 'Provided external ID field does not exist or is not accessible: 23foo',
    errorCode: 'NOT_FOUND',
  })
  const wrongPrefix = await org.api('GET', '/sobjects/Account/003000000000000AAA')
  assert.equal(wrongPrefix.status, 400)
  assert.deepEqual(errorOf(wrongPrefix.body), {
    message: 'Account ID: id value of incorrect type: 003000000000000AAA',
    errorCode: 'MALFORMED_ID',
    fields: ['Id'],
  })
  const badChecksum = await org.api('PATCH', '/sobjects/Account/001000000000000ZZZ', { body: { Name: 'x' } })
  assert.equal(badChecksum.status, 400)
  assert.equal(errorOf(badChecksum.body).errorCode, 'MALFORMED_ID')
  const missing = await org.api('GET', '/sobjects/Account/0015e00000zzzzzAAA')
  assert.ok([404, 400].includes(missing.status))

  const unknownField = await org.api('POST', '/sobjects/Account', { body: { Name: 'x', Foo__c: 1 } })
  assert.equal(unknownField.status, 400)
  assert.deepEqual(errorOf(unknownField.body), {
    message: "No such column 'Foo__c' on sobject of type Account",
    errorCode: 'INVALID_FIELD',
  })
  const unknownSelect = await org.api('GET', `/sobjects/Account/${await anyId('Account')}?fields=Name,Nope`)
  assert.equal(unknownSelect.status, 400)
  assert.equal(errorOf(unknownSelect.body).errorCode, 'INVALID_FIELD')
  assert.match(String(errorOf(unknownSelect.body).message), /^No such column 'Nope' on entity 'Account'/)
  const required = await org.api('POST', '/sobjects/Contact', { body: { FirstName: 'No Last Name' } })
  assert.equal(required.status, 400)
  assert.equal(errorOf(required.body).errorCode, 'REQUIRED_FIELD_MISSING')
})

async function anyId(sobject: string): Promise<string> {
  const res = await org.api('GET', `/query?q=${encodeURIComponent(`SELECT Id FROM ${sobject} LIMIT 1`)}`)
  const records = (res.body as { records: Array<{ Id: string }> }).records
  assert.ok(records[0], `a ${sobject} exists`)
  return records[0].Id
}

test('upsert by external id: 201 created, 200 updated (v46+), 204 before v46, 404 bad field', async () => {
  const path = '/sobjects/Invoice__c/External_Id__c/EXT-REST-1'
  const created = await org.api('PATCH', path, { body: { Amount__c: 10 } })
  assert.equal(created.status, 201)
  const c = created.body as { id: string; success: boolean; errors: unknown[]; created: boolean }
  assert.deepEqual(c, { id: c.id, success: true, errors: [], created: true })
  assert.match(c.id, /^a01\w{15}$/)

  const updated = await org.api('PATCH', path, { body: { Amount__c: 20 } })
  assert.equal(updated.status, 200)
  assert.deepEqual(updated.body, { id: c.id, success: true, errors: [], created: false })

  const old = await org.api('PATCH', `/services/data/v45.0${path}`, { body: { Amount__c: 30 } })
  assert.equal(old.status, 204)
  const oldCreate = await org.api(
    'PATCH',
    '/services/data/v45.0/sobjects/Invoice__c/External_Id__c/EXT-REST-2',
    {
      body: { Amount__c: 1 },
    },
  )
  assert.equal(oldCreate.status, 201)
  assert.equal((oldCreate.body as Record<string, unknown>).created, undefined)

  const byExt = await org.api('GET', `${path}?fields=Amount__c,External_Id__c`)
  assert.equal(byExt.status, 200)
  assert.equal((byExt.body as Record<string, unknown>).Amount__c, 30)

  const badField = await org.api('PATCH', '/sobjects/Invoice__c/Namez/x', { body: {} })
  assert.equal(badField.status, 404)
  assert.deepEqual(errorOf(badField.body), {
    message: 'Provided external ID field does not exist or is not accessible: Namez',
    errorCode: 'NOT_FOUND',
  })
  const notExternal = await org.api('PATCH', '/sobjects/Invoice__c/Notes__c/x', { body: {} })
  assert.equal(notExternal.status, 404)
  const updateOnly = await org.api('PATCH', '/sobjects/Invoice__c/External_Id__c/NOPE?updateOnly=true', {
    body: { Amount__c: 1 },
  })
  assert.equal(updateOnly.status, 404)

  const del = await org.api('DELETE', path)
  assert.equal(del.status, 204)
  const missing = await org.api('GET', path)
  assert.equal(missing.status, 404)
})

test('an external id matching several records answers 300 with their URLs', async () => {
  const email = `dup-${Date.now()}@example.com`
  const ids: string[] = []
  for (const name of ['Dup One', 'Dup Two']) {
    const res = await org.api('POST', '/sobjects/Contact', { body: { LastName: name, Email: email } })
    assert.equal(res.status, 201)
    ids.push((res.body as { id: string }).id)
  }
  const res = await org.api('PATCH', `/sobjects/Contact/Email/${encodeURIComponent(email)}`, {
    body: { FirstName: 'X' },
  })
  assert.equal(res.status, 300)
  assert.deepEqual(
    [...(res.body as string[])].sort(),
    ids.map((id) => `/services/data/v60.0/sobjects/Contact/${id}`).sort(),
  )
  const get = await org.api('GET', `/sobjects/Contact/Email/${encodeURIComponent(email)}`)
  assert.equal(get.status, 300)
})

test('updated / deleted: ids and dates, and Salesforce date-range rules', async () => {
  const now = org.emu.org.clock.now()
  const start = new Date(now - 3600_000).toISOString()
  const created = await org.api('POST', '/sobjects/Account', { body: { Name: 'Replicated' } })
  const { id } = created.body as { id: string }
  await org.api('DELETE', `/sobjects/Account/${id}`)
  await org.control('POST', '/__emulator/clock/advance', { seconds: 120 })
  const end = new Date(org.emu.org.clock.now()).toISOString()
  const q = `?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`

  const updated = await org.api('GET', `/sobjects/Account/updated${q}`)
  assert.equal(updated.status, 200)
  const u = updated.body as { ids: string[]; latestDateCovered: string }
  assert.deepEqual(Object.keys(u), ['ids', 'latestDateCovered'])
  assert.match(u.latestDateCovered, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000\+0000$/)

  const deleted = await org.api('GET', `/sobjects/Account/deleted/${q}`)
  assert.equal(deleted.status, 200)
  const d = deleted.body as {
    deletedRecords: Array<{ id: string; deletedDate: string }>
    earliestDateAvailable: string
    latestDateCovered: string
  }
  assert.ok(d.deletedRecords.some((r) => r.id === id))
  assert.deepEqual(Object.keys(d), ['deletedRecords', 'earliestDateAvailable', 'latestDateCovered'])

  const backwards = await org.api(
    'GET',
    `/sobjects/Account/updated?start=${encodeURIComponent(end)}&end=${encodeURIComponent(start)}`,
  )
  assert.equal(backwards.status, 400)
  assert.equal(errorOf(backwards.body).errorCode, 'INVALID_REPLICATION_DATE')
  const old = new Date(now - 31 * 86_400_000).toISOString()
  const tooOld = await org.api(
    'GET',
    `/sobjects/Account/updated?start=${encodeURIComponent(old)}&end=${encodeURIComponent(end)}`,
  )
  assert.equal(tooOld.status, 400)
  assert.equal(errorOf(tooOld.body).errorCode, 'INVALID_REPLICATION_DATE')
  const old16 = new Date(now - 16 * 86_400_000).toISOString()
  const deletedTooOld = await org.api(
    'GET',
    `/sobjects/Account/deleted?start=${encodeURIComponent(old16)}&end=${encodeURIComponent(end)}`,
  )
  assert.equal(deletedTooOld.status, 400)
  const sameMinute = await org.api(
    'GET',
    `/sobjects/Account/updated?start=${encodeURIComponent(end)}&end=${encodeURIComponent(end)}`,
  )
  assert.equal(sameMinute.status, 400)
  const missing = await org.api('GET', '/sobjects/Account/updated?start=2026-01-01T00:00:00Z')
  assert.equal(missing.status, 400)
  const garbage = await org.api('GET', '/sobjects/Account/updated?start=yesterday&end=today')
  assert.equal(garbage.status, 400)
  assert.equal(errorOf(garbage.body).errorCode, 'INVALID_REPLICATION_DATE')
})

test('the Id field as a key: POST /sobjects/X/Id creates, PATCH /sobjects/X/Id/{id} updates', async () => {
  const created = await org.api('POST', '/sobjects/Account/Id', { body: { Name: 'Via Id key' } })
  assert.equal(created.status, 201)
  const { id } = created.body as { id: string }
  const updated = await org.api('PATCH', `/sobjects/Account/Id/${id}`, { body: { Name: 'Via Id key 2' } })
  assert.equal(updated.status, 200)
  assert.deepEqual(updated.body, { id, success: true, errors: [], created: false })
  const read = await org.api('GET', `/sobjects/Account/Id/${id}?fields=Name`)
  assert.equal((read.body as { Name: string }).Name, 'Via Id key 2')
  const onRecord = await org.api('POST', `/sobjects/Account/${id}`, { body: { Name: 'x' } })
  assert.equal(onRecord.status, 405)
  assert.equal(
    errorOf(onRecord.body).message,
    "HTTP Method 'POST' not allowed. Allowed are GET,HEAD,PATCH,DELETE",
  )
  const noField = await org.api('POST', '/sobjects/Account/Nope', { body: { Name: 'x' } })
  assert.equal(noField.status, 404)
})
