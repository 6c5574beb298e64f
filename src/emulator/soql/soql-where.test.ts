import assert from 'node:assert/strict'
import { test } from 'node:test'
import { executeSoql } from './soql-engine.ts'
import { createTestOrg, type TestOrg } from './soql-test-org.ts'

// Thursday 2024-02-01 12:00 UTC: the week (Sunday start) began 2024-01-28.
const NOW = Date.UTC(2024, 1, 1, 12)

function org(): TestOrg {
  const o = createTestOrg()
  const acme = o.insert('Account', { Name: 'Acme' })
  const rows: Array<Record<string, unknown>> = [
    {
      Name: 'Red one',
      Code__c: "O'Brien",
      Colors__c: 'Red;Blue',
      Count__c: 1,
      Amount__c: 10.5,
      Flag__c: true,
      Due__c: '2024-02-01',
      When__c: '2024-02-01T11:59:59.999Z',
      Account__c: acme,
    },
    {
      Name: 'blue two',
      Code__c: 'a_b',
      Colors__c: 'Blue',
      Count__c: 2,
      Amount__c: -3,
      Flag__c: false,
      Due__c: '2024-01-31',
      When__c: '2024-01-31T23:00:00Z',
    },
    {
      Name: 'Green 3',
      Code__c: 'a%b',
      Colors__c: 'Green;Red;Yellow',
      Count__c: null,
      Amount__c: null,
      Flag__c: false,
      Due__c: '2024-01-28',
      When__c: '2024-01-27T23:59:59Z',
    },
    {
      Name: null,
      Code__c: 'back\\slash',
      Colors__c: null,
      Count__c: 4,
      Amount__c: 0,
      Flag__c: true,
      Due__c: null,
      When__c: null,
    },
    {
      Name: 'Ünïcode',
      Code__c: 'line\nbreak',
      Colors__c: 'Yellow',
      Count__c: 5,
      Amount__c: 100,
      Flag__c: false,
      Due__c: '2023-12-31',
      When__c: '2023-06-15T10:00:00Z',
    },
  ]
  for (const r of rows) o.insert('Widget__c', r)
  return o
}

const o = org()

function names(where: string): Array<string | null> {
  const cur = executeSoql(o.db, o, `SELECT Name FROM Widget__c WHERE ${where} ORDER BY Count__c NULLS LAST`, {
    includeDeleted: false,
    nowMs: NOW,
  })
  return [...cur.rows(0, 100)].map((r) => r[0] as string | null)
}

test('equality is case-insensitive for strings; != and NOT keep null values', () => {
  assert.deepEqual(names("Name = 'RED ONE'"), ['Red one'])
  assert.deepEqual(names("Name != 'red one'"), ['blue two', null, 'Ünïcode', 'Green 3'])
  assert.deepEqual(names("Name <> 'red one'"), ['blue two', null, 'Ünïcode', 'Green 3'])
  assert.deepEqual(names("NOT Name = 'red one'"), ['blue two', null, 'Ünïcode', 'Green 3'])
  assert.deepEqual(names('Name = null'), [null])
  assert.deepEqual(names('Name != null'), ['Red one', 'blue two', 'Ünïcode', 'Green 3'])
  assert.deepEqual(names("Name = ''"), [null])
})

test('case-insensitive beyond ASCII: =, !=, IN and LIKE with accented letters', () => {
  assert.deepEqual(names("Name = 'ÜNÏCODE'"), ['Ünïcode'])
  assert.deepEqual(names("Name != 'üNïcode'"), ['Red one', 'blue two', null, 'Green 3'])
  assert.deepEqual(names("Name IN ('ünïcode', 'RED ONE')"), ['Red one', 'Ünïcode'])
  assert.deepEqual(names("Name NOT IN ('ünïcode', 'RED ONE')"), ['blue two', null, 'Green 3'])
  assert.deepEqual(names("Name LIKE 'üN_c%'"), ['Ünïcode'])
  assert.deepEqual(names("NOT Name LIKE '%Ï%'"), ['Red one', 'blue two', null, 'Green 3'])
})

test('ordering comparisons, numbers, negative and decimal literals, booleans', () => {
  assert.deepEqual(names('Count__c > 1'), ['blue two', null, 'Ünïcode'])
  assert.deepEqual(names('Count__c <= 2'), ['Red one', 'blue two'])
  assert.deepEqual(names('Amount__c < 0'), ['blue two'])
  assert.deepEqual(names('Amount__c >= -3.0 AND Amount__c < 10.6'), ['Red one', 'blue two', null])
  assert.deepEqual(names('Flag__c = true'), ['Red one', null])
  assert.deepEqual(names('Flag__c != TRUE'), ['blue two', 'Ünïcode', 'Green 3'])
  assert.deepEqual(names("Name >= 'blue' AND Name < 'h'"), ['blue two', 'Green 3'])
})

test('IN and NOT IN, with null in the list', () => {
  assert.deepEqual(names("Name IN ('red one', 'GREEN 3')"), ['Red one', 'Green 3'])
  assert.deepEqual(names("Name NOT IN ('red one', 'GREEN 3')"), ['blue two', null, 'Ünïcode'])
  assert.deepEqual(names('Count__c IN (1, 5, null)'), ['Red one', 'Ünïcode', 'Green 3'])
  assert.deepEqual(names('Count__c NOT IN (1, 2)'), [null, 'Ünïcode', 'Green 3'])
})

test('LIKE: case-insensitive, % and _ wildcards, escaped \\% \\_ and quotes', () => {
  assert.deepEqual(names("Name LIKE 'red%'"), ['Red one'])
  assert.deepEqual(names("Name LIKE '%E%'"), ['Red one', 'blue two', 'Ünïcode', 'Green 3'])
  assert.deepEqual(names("Name LIKE '_reen _'"), ['Green 3'])
  assert.deepEqual(names("Code__c LIKE 'a\\_b'"), ['blue two'])
  assert.deepEqual(names("Code__c LIKE 'a_b'"), ['blue two', 'Green 3'])
  assert.deepEqual(names("Code__c LIKE 'a\\%b'"), ['Green 3'])
  assert.deepEqual(names("Code__c LIKE 'o\\'b%'"), ['Red one'])
  assert.deepEqual(names("NOT Name LIKE 'red%'"), ['blue two', null, 'Ünïcode', 'Green 3'])
})

test('string escapes in literals', () => {
  assert.deepEqual(names("Code__c = 'O\\'Brien'"), ['Red one'])
  assert.deepEqual(names("Code__c = 'back\\\\slash'"), [null])
  assert.deepEqual(names("Code__c = 'line\\nbreak'"), ['Ünïcode'])
  assert.deepEqual(names("Code__c = 'line\\u000abreak'"), ['Ünïcode'])
})

test('INCLUDES, EXCLUDES and = on multipicklists', () => {
  assert.deepEqual(names("Colors__c INCLUDES ('red')"), ['Red one', 'Green 3'])
  assert.deepEqual(names("Colors__c INCLUDES ('red;yellow', 'blue')"), ['Red one', 'blue two', 'Green 3'])
  assert.deepEqual(names("Colors__c EXCLUDES ('red')"), ['blue two', null, 'Ünïcode'])
  assert.deepEqual(names("Colors__c = 'blue;red'"), ['Red one'])
  assert.deepEqual(names("Colors__c IN ('Blue', 'Yellow')"), ['blue two', 'Ünïcode'])
})

test('AND, OR, NOT with parentheses', () => {
  assert.deepEqual(names("(Name = 'Red one' OR Name = 'blue two') AND Flag__c = false"), ['blue two'])
  assert.deepEqual(names("Name = 'Red one' OR (Name = 'blue two' AND Flag__c = true)"), ['Red one'])
  assert.deepEqual(names('NOT (Count__c = 1 OR Count__c = 2)'), [null, 'Ünïcode', 'Green 3'])
  assert.deepEqual(names("Flag__c = false AND (NOT Name LIKE 'b%')"), ['Ünïcode', 'Green 3'])
  assert.deepEqual(names('((Count__c = 4))'), [null])
})

test('date and datetime literals, with every datetime form', () => {
  assert.deepEqual(names('Due__c = 2024-02-01'), ['Red one'])
  assert.deepEqual(names('Due__c < 2024-01-31'), ['Ünïcode', 'Green 3'])
  assert.deepEqual(names('When__c >= 2024-02-01T11:59:59.999Z'), ['Red one'])
  assert.deepEqual(names('When__c > 2024-01-31T22:00:00Z AND When__c < 2024-02-01T00:00:00Z'), ['blue two'])
  assert.deepEqual(names('When__c = 2024-02-01T17:29:59.999+05:30'), ['Red one'])
  assert.deepEqual(names('When__c = 2024-01-31T15:00:00-08:00'), ['blue two'])
  assert.deepEqual(names('When__c = 2024-01-31T15:00:00.000-08:00'), ['blue two'])
})

test('relative date literals as ranges on date and datetime fields (UTC)', () => {
  assert.deepEqual(names('Due__c = TODAY'), ['Red one'])
  assert.deepEqual(names('When__c = TODAY'), ['Red one'])
  assert.deepEqual(names('When__c = YESTERDAY'), ['blue two'])
  assert.deepEqual(names('Due__c = TOMORROW'), [])
  assert.deepEqual(names('When__c < TODAY'), ['blue two', 'Ünïcode', 'Green 3'])
  assert.deepEqual(names('When__c > YESTERDAY'), ['Red one'])
  assert.deepEqual(names('When__c <= YESTERDAY'), ['blue two', 'Ünïcode', 'Green 3'])
  assert.deepEqual(names('Due__c >= YESTERDAY'), ['Red one', 'blue two'])
  assert.deepEqual(names('Due__c = LAST_N_DAYS:4'), ['Red one', 'blue two', 'Green 3'])
  assert.deepEqual(names('When__c = LAST_N_DAYS:4'), ['Red one', 'blue two'])
  assert.deepEqual(names('Due__c = N_DAYS_AGO:4'), ['Green 3'])
  assert.deepEqual(names('Due__c = NEXT_N_DAYS:3'), [])
  assert.deepEqual(names('Due__c = THIS_WEEK'), ['Red one', 'blue two', 'Green 3'])
  assert.deepEqual(names('When__c = LAST_WEEK'), ['Green 3'])
  assert.deepEqual(names('Due__c = THIS_MONTH'), ['Red one'])
  assert.deepEqual(names('Due__c = LAST_MONTH'), ['blue two', 'Green 3'])
  assert.deepEqual(names('Due__c = THIS_YEAR'), ['Red one', 'blue two', 'Green 3'])
  assert.deepEqual(names('Due__c = LAST_YEAR'), ['Ünïcode'])
  assert.deepEqual(names('When__c = LAST_YEAR'), ['Ünïcode'])
  assert.deepEqual(names('When__c != TODAY'), ['blue two', null, 'Ünïcode', 'Green 3'])
  assert.deepEqual(names('Due__c IN (TODAY, LAST_YEAR)'), ['Red one', 'Ünïcode'])
})

test('id literals: 15 and 18 characters are the same record', () => {
  const [row] = [
    ...executeSoql(o.db, o, 'SELECT Id FROM Account', { includeDeleted: false, nowMs: NOW }).rows(0, 1),
  ]
  const id18 = row?.[0] as string
  const id15 = id18.slice(0, 15)
  assert.deepEqual(names(`Account__c = '${id15}'`), ['Red one'])
  assert.deepEqual(names(`Account__c = '${id18.slice(0, 15)}${id18.slice(15).toLowerCase()}'`), ['Red one'])
  assert.deepEqual(names(`Account__r.Id IN ('${id18}')`), ['Red one'])
  assert.deepEqual(names(`Account__c != '${id15}'`), ['blue two', null, 'Ünïcode', 'Green 3'])
  assert.deepEqual(names(`Account__r.Name = 'acme'`), ['Red one'])
})

test('semi-joins and anti-joins', () => {
  const q = (soql: string) =>
    [...executeSoql(o.db, o, soql, { includeDeleted: false, nowMs: NOW }).rows(0, 10)].map((r) => r[0])
  assert.deepEqual(
    q('SELECT Name FROM Account WHERE Id IN (SELECT Account__c FROM Widget__c WHERE Flag__c = true)'),
    ['Acme'],
  )
  assert.deepEqual(q('SELECT Name FROM Account WHERE Id NOT IN (SELECT Account__c FROM Widget__c)'), [])
  assert.deepEqual(
    q(
      "SELECT Name FROM Widget__c WHERE Account__c NOT IN (SELECT Id FROM Account WHERE Name = 'x') ORDER BY Name",
    ),
    [null, 'blue two', 'Green 3', 'Red one', 'Ünïcode'],
  )
})
