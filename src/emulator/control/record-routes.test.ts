import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startRestTestOrg, type RestTestOrg } from '../rest/rest-test-support.ts'

let org: RestTestOrg
before(async () => {
  org = await startRestTestOrg({ seed: 'control-records', records: { Account: 5, Invoice__c: 3 } })
})
after(async () => {
  await org?.close()
})

const q = (soql: string) => `/queryAll?q=${encodeURIComponent(soql)}`

test('create, update, delete, undelete and purge without counting API calls', async () => {
  const used = org.emu.org.apiUsage.used()
  const created = await org.control('POST', '/__emulator/records/Account', { Name: 'Behind your back' })
  assert.equal(created.status, 201)
  const { id } = created.body as { id: string }
  assert.match(id, /^001\w{15}$/)
  assert.equal(
    (await org.control('PATCH', `/__emulator/records/Account/${id}`, { Name: 'Changed' })).status,
    204,
  )
  const read = await org.control('GET', `/__emulator/records/Account/${id}?fields=Name`)
  assert.equal((read.body as Record<string, unknown>).Name, 'Changed')
  assert.equal((await org.control('DELETE', `/__emulator/records/Account/${id}`)).status, 204)
  assert.equal((await org.control('GET', `/__emulator/records/Account/${id}`)).status, 404)
  assert.equal((await org.control('POST', `/__emulator/records/Account/${id}/undelete`)).status, 204)
  assert.equal((await org.control('GET', `/__emulator/records/Account/${id}`)).status, 200)
  assert.equal((await org.control('DELETE', `/__emulator/records/Account/${id}/purge`)).status, 204)
  assert.equal(org.emu.org.apiUsage.used(), used, 'control calls are not API calls')

  const all = await org.api('GET', q(`SELECT Id FROM Account WHERE Id = '${id}'`))
  assert.equal((all.body as { totalSize: number }).totalSize, 0, 'a purged record is gone for queryAll too')
})

test('writes are made as the admin, or as ?userId=', async () => {
  const admin = org.emu.org.adminUser
  const integration = org.emu.org.userByUsername('integration@sfsync-emulator.example')
  assert.ok(integration)
  const asAdmin = await org.control('POST', '/__emulator/records/Account', { Name: 'By admin' })
  const asOther = await org.control('POST', `/__emulator/records/Account?userId=${integration.id}`, {
    Name: 'By other',
  })
  const read = async (id: string) =>
    (await org.control('GET', `/__emulator/records/Account/${id}?fields=CreatedById`)).body as {
      CreatedById: string
    }
  assert.equal((await read((asAdmin.body as { id: string }).id)).CreatedById, admin.id)
  assert.equal((await read((asOther.body as { id: string }).id)).CreatedById, integration.id)
})

test('a formula value changes alone: SystemModstamp stays', async () => {
  const created = await org.control('POST', '/__emulator/records/Invoice__c', {
    Amount__c: 100,
    Tax_Rate__c: 10,
  })
  const { id } = created.body as { id: string }
  const before = (
    await org.control('GET', `/__emulator/records/Invoice__c/${id}?fields=Total_With_Tax__c,SystemModstamp`)
  ).body as { Total_With_Tax__c: number; SystemModstamp: string }
  assert.equal(before.Total_With_Tax__c, 110)
  await org.control('POST', '/__emulator/clock/advance', { seconds: 5 })
  const changed = await org.control('PATCH', `/__emulator/records/Invoice__c/${id}/formula`, {
    Total_With_Tax__c: 999,
  })
  assert.equal(changed.status, 204)
  const after = (
    await org.control('GET', `/__emulator/records/Invoice__c/${id}?fields=Total_With_Tax__c,SystemModstamp`)
  ).body as { Total_With_Tax__c: number; SystemModstamp: string }
  assert.equal(after.Total_With_Tax__c, 999)
  assert.equal(after.SystemModstamp, before.SystemModstamp)
  const notFormula = await org.control('PATCH', `/__emulator/records/Invoice__c/${id}/formula`, {
    Amount__c: 1,
  })
  assert.equal(notFormula.status, 400)
})

test('errors: unknown object, bad id, bad user, bad body, no control token', async () => {
  assert.equal((await org.control('POST', '/__emulator/records/Nope__c', { Name: 'x' })).status, 404)
  assert.equal(
    (await org.control('PATCH', '/__emulator/records/Account/003000000000000AAA', { Name: 'x' })).status,
    400,
  )
  assert.equal(
    (await org.control('POST', '/__emulator/records/Account?userId=nobody', { Name: 'x' })).status,
    400,
  )
  const badField = await org.control('POST', '/__emulator/records/Account', { Nope__c: 1 })
  assert.equal(badField.status, 400)
  assert.equal((badField.body as Array<{ errorCode: string }>)[0]?.errorCode, 'INVALID_FIELD')
  assert.equal((await org.control('POST', '/__emulator/records/Account', [1])).status, 400)
  const anonymous = await fetch(`${org.emu.info.instanceUrl}/__emulator/records/Account`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Name: 'x' }),
  })
  assert.equal(anonymous.status, 401)
})
