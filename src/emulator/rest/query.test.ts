import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startRestTestOrg, type RestTestOrg } from './rest-test-support.ts'

const ACCOUNTS = 2_500
let org: RestTestOrg
before(async () => {
  org = await startRestTestOrg({ seed: 'rest-query', records: { Account: ACCOUNTS, Contact: 5 } })
})
after(async () => {
  await org?.close()
})

interface Page {
  totalSize: number
  done: boolean
  nextRecordsUrl?: string
  records: Array<Record<string, unknown>>
}

const q = (soql: string) => `?q=${encodeURIComponent(soql)}`

test('query pages by 2000 by default, nextRecordsUrl shaped /services/data/vXX.X/query/01g...-2000', async () => {
  const first = await org.api('GET', `/query${q('SELECT Id, Name FROM Account')}`)
  assert.equal(first.status, 200)
  const page1 = first.body as Page
  assert.deepEqual(Object.keys(page1), ['totalSize', 'done', 'nextRecordsUrl', 'records'])
  assert.equal(page1.totalSize, ACCOUNTS)
  assert.equal(page1.done, false)
  assert.equal(page1.records.length, 2000)
  assert.match(page1.nextRecordsUrl ?? '', /^\/services\/data\/v60\.0\/query\/01g[0-9A-Za-z]{15}-2000$/)
  const record = page1.records[0] ?? {}
  assert.equal((record.attributes as { type: string }).type, 'Account')
  assert.match(
    (record.attributes as { url: string }).url,
    /^\/services\/data\/v60\.0\/sobjects\/Account\/001\w{15}$/,
  )

  const second = await org.api('GET', page1.nextRecordsUrl ?? '')
  assert.equal(second.status, 200)
  const page2 = second.body as Page
  assert.deepEqual(Object.keys(page2), ['totalSize', 'done', 'records'])
  assert.equal(page2.done, true)
  assert.equal(page2.records.length, ACCOUNTS - 2000)
  const ids = new Set([...page1.records, ...page2.records].map((r) => r.Id))
  assert.equal(ids.size, ACCOUNTS, 'no record twice, none missing')
})

test('Sforce-Query-Options batchSize sets the page size (clamped to 200..2000); query-more keeps it', async () => {
  const headers = { 'Sforce-Query-Options': 'batchSize=500' }
  let res = await org.api('GET', `/query${q('SELECT Id FROM Account')}`, { headers })
  let page = res.body as Page
  assert.equal(page.records.length, 500)
  assert.match(page.nextRecordsUrl ?? '', /-500$/)
  let pages = 1
  let seen = page.records.length
  while (!page.done) {
    res = await org.api('GET', page.nextRecordsUrl ?? '')
    assert.equal(res.status, 200)
    page = res.body as Page
    seen += page.records.length
    pages++
  }
  assert.equal(seen, ACCOUNTS)
  assert.equal(pages, 5)
  const tiny = await org.api('GET', `/query${q('SELECT Id FROM Account')}`, {
    headers: { 'Sforce-Query-Options': 'batchSize=5' },
  })
  assert.equal((tiny.body as Page).records.length, 200)
})

test('a locator is the last path segment (jsforce rebuilds the URL from it) and expires after 15 idle minutes', async () => {
  const first = (await org.api('GET', `/query${q('SELECT Id FROM Account')}`)).body as Page
  const locator = (first.nextRecordsUrl ?? '').split('/').pop() ?? ''
  const rebuilt = await org.api('GET', `/services/data/v50.0/query/${locator}`)
  assert.equal(rebuilt.status, 200)
  assert.equal((rebuilt.body as Page).records.length, ACCOUNTS - 2000)

  const [id] = locator.split('-')
  for (const bad of ['01gnonsense-0', `${id}-999999`, `${id}-x`, 'nothing']) {
    const res = await org.api('GET', `/query/${bad}`)
    assert.equal(res.status, 400, bad)
    assert.deepEqual(res.body, [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }])
  }

  await org.control('POST', '/__emulator/clock/advance', { seconds: 15 * 60 + 1 })
  const expired = await org.api('GET', `/query/${locator}`, { token: await org.newToken() })
  assert.equal(expired.status, 400)
  assert.deepEqual(expired.body, [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }])
})

test('queryAll returns deleted rows; its nextRecordsUrl still says /query/', async () => {
  const created = await org.api('POST', '/sobjects/Contact', { body: { LastName: 'Soon Deleted' } })
  const { id } = created.body as { id: string }
  await org.api('DELETE', `/sobjects/Contact/${id}`)
  const soql = `SELECT Id, IsDeleted FROM Contact WHERE Id = '${id}'`
  const live = (await org.api('GET', `/query${q(soql)}`)).body as Page
  assert.equal(live.totalSize, 0)
  assert.equal(live.done, true)
  assert.deepEqual(live.records, [])
  const all = (await org.api('GET', `/queryAll${q(soql)}`)).body as Page
  assert.equal(all.totalSize, 1)
  assert.equal(all.records[0]?.IsDeleted, true)
  const big = (await org.api('GET', `/queryAll${q('SELECT Id FROM Account')}`)).body as Page
  assert.match(big.nextRecordsUrl ?? '', /^\/services\/data\/v60\.0\/query\/01g/)
})

test('COUNT() answers totalSize with no records; bad SOQL is a 400 with Salesforce codes', async () => {
  const count = await org.api('GET', `/query${q('SELECT COUNT() FROM Account')}`)
  assert.equal(count.status, 200)
  assert.deepEqual(count.body, { totalSize: ACCOUNTS, done: true, records: [] })
  const plus = await org.api('GET', '/query?q=SELECT+Id+FROM+Account+LIMIT+3')
  assert.equal((plus.body as Page).records.length, 3)

  const cases: Array<[string, string]> = [
    ['SELECT Foo FROM Account', 'INVALID_FIELD'],
    ['SELECT Id FROM Accountz', 'INVALID_TYPE'],
    ['SELECT Id FROM Account WHERE', 'MALFORMED_QUERY'],
  ]
  for (const [soql, code] of cases) {
    const res = await org.api('GET', `/query${q(soql)}`)
    assert.equal(res.status, 400, soql)
    const [error] = res.body as Array<{ errorCode: string; message: string }>
    assert.equal(error?.errorCode, code, soql)
  }
  const none = await org.api('GET', '/query')
  assert.equal(none.status, 400)
  assert.equal((none.body as Array<{ errorCode: string }>)[0]?.errorCode, 'MALFORMED_QUERY')
})

test('columns=true answers the column metadata sf data query reads', async () => {
  const res = await org.api(
    'GET',
    `/query${q('SELECT Id, Name, Owner.Name, Owner.Email FROM Account LIMIT 1')}&columns=true`,
  )
  assert.equal(res.status, 200)
  const body = res.body as {
    columnMetadata: Array<Record<string, unknown>>
    entityName: string
    idSelected: boolean
  }
  assert.equal(body.entityName, 'Account')
  assert.equal(body.idSelected, true)
  assert.deepEqual(
    body.columnMetadata.map((c) => c.columnName),
    ['Id', 'Name', 'Owner'],
  )
  assert.deepEqual(body.columnMetadata[0], {
    aggregate: false,
    apexType: 'Id',
    booleanType: false,
    columnName: 'Id',
    custom: false,
    displayName: 'Id',
    foreignKeyName: null,
    insertable: false,
    joinColumns: [],
    numberType: false,
    textType: false,
    updatable: false,
  })
  assert.equal(body.columnMetadata[1]?.textType, true)
  const owner = body.columnMetadata[2] as {
    foreignKeyName: string
    joinColumns: Array<{ columnName: string }>
  }
  assert.equal(owner.foreignKeyName, 'OwnerId')
  assert.deepEqual(
    owner.joinColumns.map((c) => c.columnName),
    ['Name', 'Email'],
  )
  const agg = await org.api(
    'GET',
    `/query${q('SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry')}&columns=true`,
  )
  const aggBody = agg.body as { columnMetadata: Array<Record<string, unknown>>; groupBy: boolean }
  assert.equal(aggBody.groupBy, true)
  assert.deepEqual(aggBody.columnMetadata[1], {
    aggregate: true,
    apexType: null,
    booleanType: false,
    columnName: 'expr0',
    custom: false,
    displayName: 'COUNT(Id)',
    foreignKeyName: null,
    insertable: false,
    joinColumns: [],
    numberType: true,
    textType: false,
    updatable: false,
  })
  const bad = await org.api('GET', `/query${q('SELECT Nope FROM Account')}&columns=true`)
  assert.equal(bad.status, 400)
})
