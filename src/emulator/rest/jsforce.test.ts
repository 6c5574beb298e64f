/**
 * Acceptance: the real, unpatched jsforce client against the real emulator over HTTP. If jsforce is
 * happy, the emulator speaks Salesforce's REST API the way the field's own library expects.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Connection } from 'jsforce'
import { startEmulator, type RunningEmulator } from '../emulator.ts'

const ACCOUNTS = 10_500
let emu: RunningEmulator
let conn: Connection

async function control(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${emu.info.instanceUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${emu.info.controlToken}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
}

async function connect(): Promise<Connection> {
  const c = new Connection({
    oauth2: {
      loginUrl: emu.info.instanceUrl,
      clientId: emu.info.consumerKey,
      clientSecret: emu.info.consumerSecret,
    },
  })
  await c.authorize({ grant_type: 'client_credentials' })
  return c
}

before(async () => {
  emu = await startEmulator({ seed: 'jsforce-acceptance', records: { Account: ACCOUNTS, Contact: 50 } })
  conn = await connect()
})
after(async () => {
  await emu?.close()
})

test('client-credentials authorize establishes a session on the instance', () => {
  assert.equal(conn.instanceUrl, emu.info.instanceUrl)
  assert.ok(conn.accessToken)
  assert.equal(conn.version, '50.0', "jsforce's default API version is served")
})

test('identity: the version root names an identity URL that answers for the run-as user', async () => {
  const root = await conn.request<{ identity: string; sobjects: string }>('/services/data/v50.0')
  assert.equal(root.sobjects, '/services/data/v50.0/sobjects')
  const identity = await conn.request<{ organization_id: string; username: string; user_id: string }>(
    root.identity,
  )
  assert.equal(identity.organization_id, emu.info.orgId)
  assert.equal(identity.username, 'integration@sfsync-emulator.example')
  const viaToken = await conn.identity()
  assert.equal(viaToken.user_id, identity.user_id, "the token's id URL and the version root's agree")
})

test('query with autoFetch pages through more than 10,000 rows (maxFetch) with the exact count', async () => {
  const fetched: unknown[] = []
  const result = await conn
    .query<{ Id: string; Name: string }>('SELECT Id, Name FROM Account')
    .on('record', (r: unknown) => fetched.push(r))
    .run({ autoFetch: true, maxFetch: 20_000 })
  assert.equal(result.totalSize, ACCOUNTS)
  assert.equal(result.records.length, ACCOUNTS)
  assert.equal(result.done, true)
  assert.equal(fetched.length, ACCOUNTS)
  assert.equal(new Set(result.records.map((r) => r.Id)).size, ACCOUNTS)
  const capped = await conn.query('SELECT Id FROM Account').run({ autoFetch: true, maxFetch: 4_100 })
  assert.equal(capped.records.length, 4_100)
  assert.equal(capped.totalSize, ACCOUNTS)
})

test('queryAll (scanAll) returns deleted rows that query does not', async () => {
  const created = await conn.sobject('Contact').create({ LastName: 'Deleted By jsforce' })
  assert.ok(created.success)
  await conn.sobject('Contact').destroy(created.id)
  const soql = `SELECT Id, IsDeleted FROM Contact WHERE Id = '${created.id}'`
  const live = await conn.query(soql)
  assert.equal(live.totalSize, 0)
  const all = await conn.query<{ Id: string; IsDeleted: boolean }>(soql, { scanAll: true })
  assert.equal(all.totalSize, 1)
  assert.equal(all.records[0]?.IsDeleted, true)
  const viaRun = await conn.query<{ IsDeleted: boolean }>(soql).run({ scanAll: true, autoFetch: true })
  assert.equal(viaRun.records[0]?.IsDeleted, true)
})

test('describe and describeGlobal', async () => {
  const global = await conn.describeGlobal()
  assert.equal(global.encoding, 'UTF-8')
  assert.equal(global.maxBatchSize, 200)
  const account = global.sobjects.find((s) => s.name === 'Account')
  assert.ok(account)
  assert.equal(account.urls.sobject, '/services/data/v50.0/sobjects/Account')
  const describe = await conn.sobject('Account').describe()
  assert.equal(describe.name, 'Account')
  assert.ok(describe.fields.some((f) => f.name === 'Name' && f.type === 'string'))
  assert.equal(describe.urls.describe, '/services/data/v50.0/sobjects/Account/describe')
  await assert.rejects(conn.describe('NoSuchThing__c'), (err: Error & { errorCode?: string }) => {
    assert.equal(err.errorCode, 'NOT_FOUND')
    return true
  })
})

test('CRUD on one record', async () => {
  const created = await conn.sobject('Account').create({ Name: 'jsforce CRUD' })
  assert.equal(created.success, true)
  assert.match(created.id, /^001\w{15}$/)
  const read = await conn.sobject('Account').retrieve(created.id)
  assert.equal(read.Name, 'jsforce CRUD')
  assert.equal(read.Id, created.id)
  const updated = await conn.sobject('Account').update({ Id: created.id, Name: 'jsforce CRUD 2' })
  assert.deepEqual(updated, { id: created.id, success: true, errors: [] })
  assert.equal((await conn.sobject('Account').retrieve(created.id)).Name, 'jsforce CRUD 2')
  const deleted = await conn.sobject('Account').destroy(created.id)
  assert.deepEqual(deleted, { id: created.id, success: true, errors: [] })
  await assert.rejects(
    conn.sobject('Account').retrieve(created.id),
    (err: Error & { errorCode?: string }) => {
      assert.equal(err.errorCode, 'NOT_FOUND')
      return true
    },
  )
  await assert.rejects(
    conn.sobject('Account').create({ Name: 'x', Bogus__c: 1 }),
    (err: Error & { errorCode?: string }) => {
      assert.equal(err.errorCode, 'INVALID_FIELD')
      assert.equal(err.message, "No such column 'Bogus__c' on sobject of type Account")
      return true
    },
  )
})

test('upsert creates, then updates', async () => {
  const first = await conn
    .sobject('Invoice__c')
    .upsert({ External_Id__c: 'JSF-1', Amount__c: 5 }, 'External_Id__c')
  assert.equal(first.success, true)
  assert.equal(first.created, true)
  const second = await conn
    .sobject('Invoice__c')
    .upsert({ External_Id__c: 'JSF-1', Amount__c: 6 }, 'External_Id__c')
  assert.equal(second.success, true)
  assert.equal(second.created, false)
  assert.equal(second.id, first.id)
  const rows = await conn.query<{ Amount__c: number }>(
    "SELECT Amount__c FROM Invoice__c WHERE External_Id__c = 'JSF-1'",
  )
  assert.equal(rows.records[0]?.Amount__c, 6)
  const many = await conn.sobject('Invoice__c').upsert(
    [
      { External_Id__c: 'JSF-1', Amount__c: 7 },
      { External_Id__c: 'JSF-2', Amount__c: 8 },
    ],
    'External_Id__c',
  )
  assert.deepEqual(
    many.map((r) => [r.success, r.created]),
    [
      [true, false],
      [true, true],
    ],
  )
})

test('sObject Collections: create, retrieve, update and destroy arrays', async () => {
  const created = await conn
    .sobject('Contact')
    .create([{ LastName: 'Coll One' }, { LastName: 'Coll Two' }, { FirstName: 'No LastName' }])
  assert.equal(created.length, 3)
  assert.equal(created[0]?.success, true)
  assert.equal(created[1]?.success, true)
  assert.equal(created[2]?.success, false)
  const ids = created.filter((r) => r.success).map((r) => r.id ?? '')
  const read = await conn.sobject('Contact').retrieve(ids, { fields: ['LastName'] })
  assert.deepEqual(
    read.map((r) => (r as { LastName?: string } | null)?.LastName),
    ['Coll One', 'Coll Two'],
  )
  const updated = await conn.sobject('Contact').update(ids.map((Id, i) => ({ Id, LastName: `Renamed ${i}` })))
  assert.ok(updated.every((r) => r.success))
  const destroyed = await conn.sobject('Contact').destroy(ids)
  assert.deepEqual(
    destroyed.map((r) => r.success),
    [true, true],
  )
  const left = await conn.query(`SELECT Id FROM Contact WHERE Id IN ('${ids.join("','")}')`)
  assert.equal(left.totalSize, 0)
  const rolledBack = await conn
    .sobject('Contact')
    .create([{ LastName: 'AllOrNone ok' }, { FirstName: 'bad' }], { allOrNone: true })
  assert.deepEqual(
    rolledBack.map((r) => r.success),
    [false, false],
  )
})

test('conn.limitInfo follows Sforce-Limit-Info and /limits agrees', async () => {
  await conn.query('SELECT Id FROM Account LIMIT 1')
  const info = conn.limitInfo.apiUsage
  assert.ok(info)
  assert.equal(info.limit, 15000)
  assert.ok(info.used > 0)
  const limits = (await conn.limits()) as unknown as Record<string, { Max: number; Remaining: number }>
  assert.equal(limits.DailyApiRequests?.Remaining, 15000 - (info.used + 1))
  assert.equal(conn.limitInfo.apiUsage?.used, info.used + 1)
})

test('updated and deleted through jsforce', async () => {
  const created = await conn.sobject('Account').create({ Name: 'Replicate me' })
  if (!created.success) throw new Error('create failed')
  await conn.sobject('Account').destroy(created.id)
  await control('POST', '/__emulator/clock/advance', { seconds: 60 })
  const end = new Date(emu.org.clock.now())
  const start = new Date(end.getTime() - 3600_000)
  const deleted = await conn.sobject('Account').deleted(start, end)
  assert.ok(deleted.deletedRecords.some((r) => r.id === created.id))
  const updated = await conn.sobject('Account').updated(start, end)
  assert.ok(Array.isArray(updated.ids))
})

test('an expired session is reported as INVALID_SESSION_ID', async () => {
  const fresh = await connect()
  // A connection holding only an access token: jsforce has nothing to refresh with, so the 401 surfaces.
  const tokenOnly = new Connection({ instanceUrl: fresh.instanceUrl, accessToken: fresh.accessToken ?? '' })
  await tokenOnly.query('SELECT Id FROM Account LIMIT 1')
  const advanced = await control('POST', '/__emulator/clock/advance', { seconds: 3 * 86_400 })
  assert.equal(advanced.status, 200)
  await assert.rejects(
    async () => {
      await tokenOnly.query('SELECT Id FROM Account LIMIT 1')
    },
    (err: Error & { errorCode?: string }) => {
      assert.equal(err.errorCode, 'INVALID_SESSION_ID')
      assert.equal(err.message, 'Session expired or invalid')
      return true
    },
  )
  // The OAuth2 connection recognises the same 401 as an expired session and tries to refresh it
  // (client credentials issue no refresh token, so jsforce gives up with its own message).
  await assert.rejects(async () => {
    await fresh.query('SELECT Id FROM Account LIMIT 1')
  }, /Unable to refresh session/)
})
