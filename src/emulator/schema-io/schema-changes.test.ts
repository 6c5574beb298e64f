/**
 * Runtime schema changes through the control API: add, change (length, type) and delete a field, each
 * seen by describe (with If-Modified-Since), by writes and by queries, as a sync that follows sees it.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startRestTestOrg, type HttpAnswer, type RestTestOrg } from '../rest/rest-test-support.ts'

let org: RestTestOrg
let accountId: string
before(async () => {
  org = await startRestTestOrg({ seed: 'schema-changes', records: { Account: 5, Case: 3 } })
  const q = await org.api(
    'GET',
    `/query?q=${encodeURIComponent('SELECT Id FROM Account ORDER BY Id LIMIT 1')}`,
  )
  accountId = (q.body as { records: Array<{ Id: string }> }).records[0]?.Id ?? ''
})
after(async () => {
  await org?.close()
})

const query = (soql: string): Promise<HttpAnswer> => org.api('GET', `/query?q=${encodeURIComponent(soql)}`)
const firstRecord = (a: HttpAnswer) => (a.body as { records: Array<Record<string, unknown>> }).records[0]
const fieldOf = (a: HttpAnswer, name: string) =>
  (a.body as { fields: Array<Record<string, unknown>> }).fields.find((f) => f.name === name)
const httpDate = (ms: number) => new Date(ms).toUTCString()

test('adding a field: describe moves past If-Modified-Since and shows it; writes and queries use it', async () => {
  const since = httpDate(org.emu.org.clock.now())
  assert.equal(
    (await org.api('GET', '/sobjects/Account/describe', { headers: { 'if-modified-since': since } })).status,
    304,
  )
  const added = await org.control('POST', '/__emulator/schema/Account/fields', {
    name: 'Tier__c',
    type: 'picklist',
    label: 'Tier',
    picklistValues: ['Gold', 'Silver'],
    restrictedPicklist: true,
  })
  assert.equal(added.status, 201)
  assert.equal((added.body as { soapType: string }).soapType, 'xsd:string')
  const describe = await org.api('GET', '/sobjects/Account/describe', {
    headers: { 'if-modified-since': since },
  })
  assert.equal(describe.status, 200, 'the describe changed since the client last saw it')
  const field = fieldOf(describe, 'Tier__c')
  assert.equal(field?.custom, true)
  assert.equal(field?.length, 255)
  assert.deepEqual(
    (field?.picklistValues as Array<{ value: string }>).map((p) => p.value),
    ['Gold', 'Silver'],
  )
  assert.equal(
    (await org.api('PATCH', `/sobjects/Account/${accountId}`, { body: { Tier__c: 'Gold' } })).status,
    204,
  )
  const refused = await org.api('PATCH', `/sobjects/Account/${accountId}`, { body: { Tier__c: 'Bronze' } })
  assert.equal(refused.status, 400)
  assert.equal(
    firstRecord(await query(`SELECT Tier__c FROM Account WHERE Id = '${accountId}'`))?.Tier__c,
    'Gold',
  )
})

test('changing a length cuts longer values and refuses longer writes', async () => {
  assert.equal(
    (
      await org.control('POST', '/__emulator/schema/Account/fields', {
        name: 'Code__c',
        type: 'string',
        length: 20,
      })
    ).status,
    201,
  )
  await org.api('PATCH', `/sobjects/Account/${accountId}`, { body: { Code__c: 'ABCDEFGHIJKLMNOP' } })
  const changed = await org.control('PATCH', '/__emulator/schema/Account/fields/Code__c', { length: 5 })
  assert.equal(changed.status, 200)
  assert.deepEqual(
    [(changed.body as { length: number }).length, (changed.body as { byteLength: number }).byteLength],
    [5, 15],
  )
  assert.equal(fieldOf(await org.api('GET', '/sobjects/Account/describe'), 'Code__c')?.length, 5)
  assert.equal(
    firstRecord(await query(`SELECT Code__c FROM Account WHERE Id = '${accountId}'`))?.Code__c,
    'ABCDE',
  )
  // The cut value is journaled (op schema, SystemModstamp unchanged): a replay still equals the org.
  const journal = await org.control('GET', '/__emulator/journal?after=0&limit=10000')
  const rewrites = (
    journal.body as { entries: Array<{ op: string; id: string; record: Record<string, unknown> }> }
  ).entries.filter((e) => e.op === 'schema')
  assert.deepEqual(
    rewrites.map((e) => [e.id, e.record.Code__c]),
    [[accountId, 'ABCDE']],
  )
  const tooLong = await org.api('PATCH', `/sobjects/Account/${accountId}`, { body: { Code__c: 'ABCDEF' } })
  assert.equal(tooLong.status, 400)
  assert.match(tooLong.text, /STRING_TOO_LONG/)
})

test('changing a type converts stored values (null where they do not fit) and the describe', async () => {
  await org.control('POST', '/__emulator/schema/Account/fields', {
    name: 'Score__c',
    type: 'string',
    length: 10,
  })
  const ids = (
    (await query('SELECT Id FROM Account ORDER BY Id LIMIT 2')).body as { records: Array<{ Id: string }> }
  ).records.map((r) => r.Id)
  await org.api('PATCH', `/sobjects/Account/${ids[0]}`, { body: { Score__c: '42.25' } })
  await org.api('PATCH', `/sobjects/Account/${ids[1]}`, { body: { Score__c: 'high' } })
  const changed = await org.control('PATCH', '/__emulator/schema/Account/fields/Score__c', {
    type: 'double',
    precision: 6,
    scale: 1,
  })
  assert.equal(changed.status, 200)
  const field = changed.body as Record<string, unknown>
  assert.deepEqual(
    [field.type, field.soapType, field.precision, field.scale, field.length],
    ['double', 'xsd:double', 6, 1, 0],
  )
  const rows = (
    await query(`SELECT Id, Score__c FROM Account WHERE Id IN ('${ids.join("','")}') ORDER BY Id`)
  ).body as { records: Array<{ Score__c: unknown }> }
  assert.deepEqual(
    rows.records.map((r) => r.Score__c),
    [42.3, null],
  )
  const sum = await query('SELECT SUM(Score__c) total FROM Account')
  assert.equal(firstRecord(sum)?.total, 42.3, 'the new type is numeric for SOQL too')
})

test('deleting a field: describe drops it and a query naming it is INVALID_FIELD', async () => {
  assert.equal((await org.control('DELETE', '/__emulator/schema/Account/fields/Tier__c')).status, 204)
  assert.equal(fieldOf(await org.api('GET', '/sobjects/Account/describe'), 'Tier__c'), undefined)
  const failed = await query('SELECT Id, Tier__c FROM Account')
  assert.equal(failed.status, 400)
  assert.equal((failed.body as Array<{ errorCode: string }>)[0]?.errorCode, 'INVALID_FIELD')
  const write = await org.api('PATCH', `/sobjects/Account/${accountId}`, { body: { Tier__c: 'Gold' } })
  assert.equal(write.status, 400)
  assert.equal((await query('SELECT Id, Name FROM Account')).status, 200, 'the other fields still work')
  const journal = await org.control('GET', `/__emulator/journal?after=0&limit=1`)
  const [entry] = (journal.body as { entries: Array<{ record: Record<string, unknown> }> }).entries
  assert.ok(entry && !('Tier__c' in entry.record), 'journal images follow the current describe')
})

test('a lookup added at runtime appears in the parent childRelationships; refusals explain themselves', async () => {
  const added = await org.control('POST', '/__emulator/schema/Account/fields', {
    name: 'Main_Case__c',
    type: 'reference',
    referenceTo: ['Case'],
    relationshipName: 'Main_Case__r',
  })
  assert.equal(added.status, 201)
  const caseDescribe = (await org.api('GET', '/sobjects/Case/describe')).body as {
    childRelationships: Array<{ childSObject: string; field: string; relationshipName: string | null }>
  }
  assert.ok(
    caseDescribe.childRelationships.some((r) => r.childSObject === 'Account' && r.field === 'Main_Case__c'),
  )
  const refusals: Array<[string, string, unknown, number, RegExp]> = [
    ['DELETE', '/Account/fields/Name', undefined, 400, /CANNOT_DELETE_STANDARD_FIELD/],
    ['DELETE', '/Account/fields/Nope__c', undefined, 404, /no field 'Nope__c'/],
    ['POST', '/Nope__c/fields', { name: 'X__c', type: 'string' }, 404, /no sObject 'Nope__c'/],
    ['POST', '/Account/fields', { name: 'Code__c', type: 'string' }, 400, /already has a field Code__c/],
    ['POST', '/Account/fields', { name: 'Odd__c', type: 'hologram' }, 400, /type must be one of/],
    ['POST', '/Account/fields', { name: 'Plain', type: 'string' }, 400, /ending in __c/],
    [
      'POST',
      '/Account/fields',
      { name: 'Ref__c', type: 'reference', referenceTo: ['Nope'] },
      400,
      /no sObject 'Nope'/,
    ],
    ['PATCH', '/Account/fields/Code__c', { name: 'Other__c' }, 400, /cannot be renamed/],
    ['PATCH', '/Account/fields/Code__c', { length: 0 }, 400, /length must be at least 1/],
  ]
  for (const [method, path, body, status, message] of refusals) {
    const answer = await org.control(method, `/__emulator/schema${path}`, body)
    assert.equal(answer.status, status, `${method} ${path}`)
    assert.match(answer.text, message)
  }
})
