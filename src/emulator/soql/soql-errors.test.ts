import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SoqlError } from '../data/org-data.ts'
import { executeSoql } from './soql-engine.ts'
import { createTestOrg } from './soql-test-org.ts'

const org = createTestOrg()
org.insert('Account', { Name: 'Acme' })

function errorOf(soql: string): SoqlError {
  try {
    executeSoql(org.db, org, soql, { includeDeleted: false, nowMs: Date.UTC(2024, 1, 1) })
  } catch (e) {
    assert.ok(e instanceof SoqlError, `not a SoqlError: ${String(e)}`)
    return e
  }
  assert.fail(`no error for ${soql}`)
}

/** The message layout with the caret under `token` (its first occurrence at or after `from`). */
function layout(soql: string, token: string, message: string, from = 0): string {
  const at = soql.indexOf(token, from)
  assert.ok(at >= 0, `${token} not in ${soql}`)
  return `\n${soql}\n${' '.repeat(at)}^\nERROR at Row:1:Column:${at + 1}\n${message}`
}

test('INVALID_FIELD for an unknown column, verbatim from the reference', () => {
  const e = errorOf('SELECT Foo FROM Account')
  assert.equal(e.errorCode, 'INVALID_FIELD')
  assert.equal(
    e.message,
    "\nSELECT Foo FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
  )
})

test('INVALID_TYPE for an unknown sObject, verbatim from the reference', () => {
  const e = errorOf('SELECT Id FROM Accountz LIMIT 2')
  assert.equal(e.errorCode, 'INVALID_TYPE')
  assert.equal(
    e.message,
    "\nSELECT Id FROM Accountz LIMIT 2\n               ^\nERROR at Row:1:Column:16\nsObject type 'Accountz' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
  )
})

test('MALFORMED_QUERY with the caret at end of input or at the unexpected token', () => {
  const eof = errorOf('SELECT Id FROM Account WHERE')
  assert.equal(eof.errorCode, 'MALFORMED_QUERY')
  assert.equal(
    eof.message,
    "\nSELECT Id FROM Account WHERE\n                            ^\nERROR at Row:1:Column:29\nunexpected token: '<EOF>'",
  )
  const q = 'SELECT Id, FROM Account'
  assert.equal(errorOf(q).message, layout(q, 'FROM', "unexpected token: 'FROM'"))
  const mixed = "SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'"
  assert.equal(errorOf(mixed).message, layout(mixed, 'OR', "unexpected token: 'OR'"))
  const not = "SELECT Id FROM Account WHERE Name = 'a' AND NOT Name = 'b'"
  assert.equal(errorOf(not).message, layout(not, 'NOT', "unexpected token: 'NOT'"))
  const quotes = 'SELECT Id FROM Account WHERE Name = "x"'
  assert.equal(errorOf(quotes).message, layout(quotes, '"', `unexpected token: '"'`))
})

test('rows and columns count lines of a multi-line query; the offending line is echoed', () => {
  const e = errorOf('SELECT Id\nFROM Account\nWHERE  Foo = 1')
  assert.equal(
    e.message,
    "\nWHERE  Foo = 1\n       ^\nERROR at Row:3:Column:8\nNo such column 'Foo' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
  )
})

test('relationship errors point at the failing segment', () => {
  const q = 'SELECT Id, Foo.Name FROM Account'
  const e = errorOf(q)
  assert.equal(e.errorCode, 'INVALID_FIELD')
  assert.equal(
    e.message,
    layout(
      q,
      'Foo',
      "Didn't understand relationship 'Foo' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
    ),
  )
  const q2 = 'SELECT Owner.Bar FROM Account'
  assert.match(errorOf(q2).message, /Column:14\nNo such column 'Bar' on entity 'User'\./)
  const q3 = 'SELECT What.Industry FROM Task'
  assert.match(errorOf(q3).message, /No such column 'Industry' on entity 'Name'\./)
  const q4 = 'SELECT What.Owner.Name FROM Task'
  assert.match(errorOf(q4).message, /Didn't understand relationship 'Owner'/)
})

test('typed comparisons refuse literals of the wrong type', () => {
  const cases: Array<[string, string, string, string]> = [
    [
      'SELECT Id FROM Account WHERE CreatedDate > 2024-01-31',
      '2024',
      'INVALID_FIELD',
      "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes",
    ],
    [
      "SELECT Id FROM Account WHERE CreatedDate > '2024-01-31T00:00:00Z'",
      "'",
      'INVALID_FIELD',
      "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes",
    ],
    [
      'SELECT Id FROM Account WHERE LastActivityDate = 2024-01-31T00:00:00Z',
      '2024',
      'INVALID_FIELD',
      "value of filter criterion for field 'LastActivityDate' must be of type date and should not be enclosed in quotes",
    ],
    [
      'SELECT Id FROM Account WHERE Name = 5',
      '5',
      'INVALID_FIELD',
      "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes",
    ],
    [
      "SELECT Id FROM Account WHERE NumberOfEmployees = '5'",
      "'5'",
      'INVALID_FIELD',
      "value of filter criterion for field 'NumberOfEmployees' must be of type integer and should not be enclosed in quotes",
    ],
    [
      "SELECT Id FROM Account WHERE IsPartner = 'true'",
      "'true'",
      'INVALID_FIELD',
      "value of filter criterion for field 'IsPartner' must be of type boolean and should not be enclosed in quotes",
    ],
    [
      "SELECT Id FROM Account WHERE Id = 'abc'",
      "'abc'",
      'INVALID_QUERY_FILTER_OPERATOR',
      'invalid ID field: abc',
    ],
    [
      "SELECT Id FROM Account WHERE Id LIKE '001%'",
      'Id LIKE',
      'INVALID_QUERY_FILTER_OPERATOR',
      'invalid operator on id field',
    ],
    [
      "SELECT Id FROM Widget__c WHERE Notes__c = 'x'",
      'Notes__c',
      'INVALID_FIELD',
      "field 'Notes__c' can not be filtered in query call",
    ],
    [
      'SELECT Id FROM Widget__c ORDER BY Notes__c',
      'Notes__c',
      'INVALID_FIELD',
      "field 'Notes__c' can not be sorted in a query call",
    ],
  ]
  for (const [soql, token, code, message] of cases) {
    const e = errorOf(soql)
    assert.equal(e.errorCode, code, soql)
    assert.equal(
      e.message,
      layout(soql, token, message, soql.indexOf('WHERE') > 0 ? soql.indexOf('WHERE') : 0),
      soql,
    )
  }
})

test('FIELDS(ALL) and FIELDS(CUSTOM) need LIMIT <= 200; FIELDS(STANDARD) does not', () => {
  for (const q of ['SELECT FIELDS(ALL) FROM Account', 'SELECT FIELDS(CUSTOM) FROM Account LIMIT 201']) {
    const e = errorOf(q)
    assert.equal(e.errorCode, 'MALFORMED_QUERY')
    assert.equal(e.message, layout(q, 'FIELDS', 'The SOQL FIELDS function must have a LIMIT of at most 200'))
  }
  const ok = executeSoql(org.db, org, 'SELECT FIELDS(STANDARD) FROM Account', {
    includeDeleted: false,
    nowMs: 0,
  })
  assert.equal(ok.totalSize, 1)
})

test('OFFSET above 2000, duplicate fields, aliases outside aggregates', () => {
  const off = 'SELECT Id FROM Account OFFSET 2001'
  const e = errorOf(off)
  assert.equal(e.errorCode, 'NUMBER_OUTSIDE_VALID_RANGE')
  assert.equal(e.message, layout(off, '2001', 'Maximum SOQL offset allowed is 2000'))
  const dup = 'SELECT Id, Name, id FROM Account'
  assert.equal(errorOf(dup).message, layout(dup, 'id ', 'duplicate field selected: Id'))
  const alias = 'SELECT Name n FROM Account'
  assert.equal(errorOf(alias).message, layout(alias, 'Name', 'Only aggregate expressions use field aliasing'))
  const group = 'SELECT Name, COUNT(Id) FROM Account'
  assert.equal(errorOf(group).message, layout(group, 'Name', 'Field must be grouped or aggregated: Name'))
})

test('an unknown child relationship is refused with the FROM-part wording', () => {
  const q = 'SELECT Id, (SELECT Id FROM Foos) FROM Account'
  const e = errorOf(q)
  assert.equal(e.errorCode, 'INVALID_TYPE')
  assert.equal(
    e.message,
    layout(
      q,
      'Foos',
      "Didn't understand relationship 'Foos' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
    ),
  )
})

test('valid SOQL the engine does not implement is refused, never answered', () => {
  const refused = [
    ['SELECT Id, (SELECT Id, (SELECT Id FROM Contacts) FROM ChildAccounts) FROM Account', '(SELECT Id FROM'],
    ['SELECT COUNT(Id), (SELECT Id FROM Contacts) FROM Account', '(SELECT'],
    ['SELECT TYPEOF What WHEN Account THEN Name END FROM Task', 'TYPEOF'],
    ['SELECT toLabel(Industry) FROM Account', 'toLabel'],
    ['SELECT Id FROM Account WHERE CALENDAR_YEAR(CreatedDate) = 2024', 'CALENDAR_YEAR'],
    ['SELECT Id FROM Account USING SCOPE mine', 'USING'],
    ['SELECT Id FROM Account WHERE Name = :name', ':name'],
    ['SELECT Name, COUNT(Id) FROM Account GROUP BY ROLLUP(Name)', 'ROLLUP'],
    ['SELECT Id FROM Account FOR UPDATE', 'FOR'],
    ["SELECT Id FROM Widget__c WHERE Start__c = '10:00:00.000Z'", 'Start__c'],
  ]
  for (const [q, token] of refused) {
    const e = errorOf(q as string)
    assert.equal(e.errorCode, 'MALFORMED_QUERY', q)
    assert.match(e.message, /is not supported by the sfsync emulator$/, q)
    assert.ok(e.message.startsWith(`\n${q}\n${' '.repeat((q as string).indexOf(token as string))}^\n`), q)
  }
  const same = 'SELECT Id FROM Account WHERE Id IN (SELECT ParentId FROM Account)'
  assert.equal(
    errorOf(same).message,
    layout(same, 'Account)', 'The inner and outer selects should not be on the same object type'),
  )
  const semi = "SELECT Id FROM Account WHERE Name = 'x' OR Id IN (SELECT AccountId FROM Contact)"
  assert.equal(
    errorOf(semi).message,
    layout(
      semi,
      'SELECT AccountId',
      'Semi join sub-selects are only allowed at the top level WHERE expressions and not in nested WHERE expressions.',
    ),
  )
})

test('mangled queries never crash: every failure is a SoqlError', () => {
  const base = [
    "SELECT Id, Name, Owner.Name FROM Account WHERE (Name LIKE 'a%' OR Name = 'b') AND CreatedDate > 2024-01-01T00:00:00Z ORDER BY Name DESC NULLS LAST LIMIT 10 OFFSET 5",
    'SELECT COUNT(Id) c, Owner.Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) GROUP BY Owner.Name HAVING COUNT(Id) > 1',
    "SELECT What.Name, Subject FROM Task WHERE What.Type IN ('Account') AND Subject != null",
  ]
  let seed = 7
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  let errors = 0
  for (let i = 0; i < 600; i++) {
    const q = base[i % base.length] as string
    const words = q.split(' ')
    const op = rnd(3)
    const at = rnd(words.length)
    if (op === 0) words.splice(at, 1)
    else if (op === 1) words.splice(at, 0, words[rnd(words.length)] as string)
    else words[at] = (words[at] as string).slice(0, rnd((words[at] as string).length + 1))
    try {
      executeSoql(org.db, org, words.join(' '), { includeDeleted: false, nowMs: 0 })
    } catch (e) {
      assert.ok(e instanceof SoqlError, `${words.join(' ')} threw ${String(e)}`)
      assert.match(e.message, /^\n.*\n *\^\nERROR at Row:1:Column:\d+\n/)
      errors++
    }
  }
  assert.ok(errors > 100)
})
