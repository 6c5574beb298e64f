import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatDatetime } from './soql-dates.ts'
import { executeSoql } from './soql-engine.ts'
import { createTestOrg, type TestOrg } from './soql-test-org.ts'

const N = 12_345

function bigOrg(): TestOrg {
  const org = createTestOrg()
  org.db.exec('BEGIN')
  for (let i = 1; i <= N; i++)
    org.insert('Widget__c', {
      Name: `W${String(i).padStart(5, '0')}`,
      Count__c: i % 7,
      When__c: new Date(Date.UTC(2024, 0, 1) + i * 61_001).toISOString(),
    })
  org.db.exec('COMMIT')
  return org
}

const org = bigOrg()
const run = (soql: string, includeDeleted = false) =>
  executeSoql(org.db, org, soql, { includeDeleted, nowMs: Date.UTC(2024, 6, 1) })

test('pages of the natural order cover every row once, in insertion order', () => {
  const cur = run('SELECT Name FROM Widget__c')
  assert.equal(cur.totalSize, N)
  const seen: string[] = []
  for (let off = 0; off < N; off += 2000) {
    const page = cur.fetch(off, 2000, '60.0')
    assert.equal(page.length, Math.min(2000, N - off))
    for (const r of page) seen.push(r.Name as string)
  }
  assert.equal(seen.length, N)
  assert.equal(seen[0], 'W00001')
  assert.equal(seen[N - 1], `W${N}`)
  assert.deepEqual(cur.fetch(N, 2000, '60.0'), [])
  assert.deepEqual(
    cur.fetch(N - 2, 10, '60.0').map((r) => r.Name),
    ['W12344', 'W12345'],
  )
})

test('ordered and filtered results page in result order, across streaming batches', () => {
  const cur = run(
    'SELECT Name, Count__c FROM Widget__c WHERE Count__c != 3 ORDER BY Count__c DESC, Name DESC',
  )
  const expected: Array<[string, number]> = []
  for (let i = 1; i <= N; i++) if (i % 7 !== 3) expected.push([`W${String(i).padStart(5, '0')}`, i % 7])
  expected.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1))
  assert.equal(cur.totalSize, expected.length)
  assert.deepEqual([...cur.rows(0, N)], expected)
  assert.deepEqual(
    cur.fetch(4000, 3, '60.0').map((r) => [r.Name, r.Count__c]),
    expected.slice(4000, 4003),
  )
  assert.deepEqual([...cur.rows(5998, 4)], expected.slice(5998, 6002))
})

test('the matching rows are fixed at execution; later changes do not add rows, purged rows drop out', () => {
  const o = createTestOrg()
  const ids = ['A', 'B', 'C', 'D'].map((Name) => o.insert('Account', { Name }))
  const cur = executeSoql(o.db, o, "SELECT Name FROM Account WHERE Name != 'x' ORDER BY Name DESC", {
    includeDeleted: false,
    nowMs: 0,
  })
  o.insert('Account', { Name: 'E' })
  o.purge('Account', ids[1] as string)
  assert.equal(cur.totalSize, 4)
  assert.deepEqual(
    cur.fetch(0, 10, '60.0').map((r) => r.Name),
    ['D', 'C', 'A'],
  )
  assert.deepEqual([...cur.rows(0, 10)], [['D'], ['C'], ['A']])
})

test('COUNT() over many rows, LIMIT/OFFSET on large results', () => {
  assert.equal(run('SELECT COUNT() FROM Widget__c').totalSize, N)
  assert.equal(run('SELECT COUNT() FROM Widget__c WHERE Count__c = 0').totalSize, Math.floor(N / 7))
  const cur = run('SELECT Name FROM Widget__c ORDER BY Name DESC LIMIT 3 OFFSET 2000')
  assert.deepEqual([...cur.rows(0, 10)], [[`W${N - 2000}`], [`W${N - 2001}`], [`W${N - 2002}`]])
})

test('datetime values format like Date#toISOString with +0000', () => {
  for (const ms of [
    0,
    1,
    999,
    86_399_999,
    -1,
    -86_400_001,
    Date.UTC(2013, 4, 20, 20, 49, 32),
    253402300799999,
  ]) {
    assert.equal(formatDatetime(ms), new Date(ms).toISOString().replace('Z', '+0000'), String(ms))
  }
  const recs = run('SELECT When__c FROM Widget__c LIMIT 3').fetch(0, 3, '60.0')
  assert.deepEqual(
    recs.map((r) => r.When__c),
    [1, 2, 3].map((i) => new Date(Date.UTC(2024, 0, 1) + i * 61_001).toISOString().replace('Z', '+0000')),
  )
})

test('parent fields through an empty lookup are null, IsDeleted included', () => {
  const o = createTestOrg()
  const acme = o.insert('Account', { Name: 'Acme' })
  o.insert('Contact', { LastName: 'Has', AccountId: acme })
  o.insert('Contact', { LastName: 'None' })
  const q = (soql: string) =>
    [...executeSoql(o.db, o, soql, { includeDeleted: false, nowMs: 0 }).rows(0, 10)].map((r) => r[0])
  assert.deepEqual(q('SELECT LastName FROM Contact WHERE Account.IsDeleted = false'), ['Has'])
  assert.deepEqual(q('SELECT Account.IsDeleted FROM Contact ORDER BY LastName'), [false, null])
})
