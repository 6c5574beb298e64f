import assert from 'node:assert/strict'
import { test } from 'node:test'
import { executeSoql } from './soql-engine.ts'
import { createTestOrg, type TestOrg } from './soql-test-org.ts'

const NOW = Date.UTC(2024, 1, 1, 12) // Thursday 2024-02-01 12:00 UTC

function seed(): { org: TestOrg; user: string; boss: string; acme: string; beta: string; contact: string } {
  const org = createTestOrg()
  const boss = org.insert('User', { Name: 'Bea Boss', Email: 'b@x.test', IsActive: true })
  const user = org.insert('User', { Name: 'Ursula', Email: 'u@x.test', IsActive: true, ManagerId: boss })
  const acme = org.insert('Account', {
    Name: 'Acme',
    OwnerId: user,
    BillingCity: 'Paris',
    BillingCountry: 'France',
    BillingLatitude: 48.85,
    CreatedDate: '2013-05-20T20:49:32Z',
    NumberOfEmployees: 12,
    AnnualRevenue: 1500.5,
    IsPartner: true,
    LastActivityDate: '2024-01-15',
  })
  const beta = org.insert('Account', { Name: 'beta', OwnerId: boss, CreatedDate: '2024-02-01T10:00:00Z' })
  const contact = org.insert('Contact', {
    LastName: 'Smith',
    Name: 'Jo Smith',
    AccountId: acme,
    OwnerId: user,
  })
  return { org, user, boss, acme, beta, contact }
}

const run = (org: TestOrg, soql: string, includeDeleted = false) =>
  executeSoql(org.db, org, soql, { includeDeleted, nowMs: NOW })

test('records have attributes, fields in SELECT order with the describe casing, REST value formats', () => {
  const { org, acme, user } = seed()
  const cur = run(
    org,
    'select name, id, CREATEDDATE, numberofemployees, annualrevenue, ispartner, lastactivitydate, Fax from account where id = ' +
      `'${acme}'`,
  )
  assert.equal(cur.totalSize, 1)
  const [rec] = cur.fetch(0, 10, '60.0')
  assert.deepEqual(rec, {
    attributes: { type: 'Account', url: `/services/data/v60.0/sobjects/Account/${acme}` },
    Name: 'Acme',
    Id: acme,
    CreatedDate: '2013-05-20T20:49:32.000+0000',
    NumberOfEmployees: 12,
    AnnualRevenue: 1500.5,
    IsPartner: true,
    LastActivityDate: '2024-01-15',
    Fax: null,
  })
  assert.deepEqual(Object.keys(rec ?? {}), [
    'attributes',
    'Name',
    'Id',
    'CreatedDate',
    'NumberOfEmployees',
    'AnnualRevenue',
    'IsPartner',
    'LastActivityDate',
    'Fax',
  ])
  assert.notEqual(user, acme)
})

test('parent relationship paths of any depth become nested records, null for an empty lookup', () => {
  const { org, acme, user, boss, contact } = seed()
  const orphan = org.insert('Contact', { LastName: 'Orphan' })
  const cur = run(
    org,
    'SELECT Account.Owner.Manager.Name, LastName, Account.Name FROM Contact ORDER BY LastName DESC',
  )
  assert.deepEqual(cur.fetch(0, 10, 'v58.0'), [
    {
      attributes: { type: 'Contact', url: `/services/data/v58.0/sobjects/Contact/${contact}` },
      Account: {
        attributes: { type: 'Account', url: `/services/data/v58.0/sobjects/Account/${acme}` },
        Owner: {
          attributes: { type: 'User', url: `/services/data/v58.0/sobjects/User/${user}` },
          Manager: {
            attributes: { type: 'User', url: `/services/data/v58.0/sobjects/User/${boss}` },
            Name: 'Bea Boss',
          },
        },
        Name: 'Acme',
      },
      LastName: 'Smith',
    },
    {
      attributes: { type: 'Contact', url: `/services/data/v58.0/sobjects/Contact/${orphan}` },
      Account: null,
      LastName: 'Orphan',
    },
  ])
  assert.deepEqual(cur.columns, ['Account.Owner.Manager.Name', 'LastName', 'Account.Name'])
  assert.deepEqual(
    [...cur.rows(0, 10)],
    [
      ['Bea Boss', 'Smith', 'Acme'],
      [null, 'Orphan', null],
    ],
  )
})

test('custom __r relationships, object alias prefixes and the object name as prefix', () => {
  const { org, acme } = seed()
  org.insert('Widget__c', { Name: 'W1', Account__c: acme })
  const cur = run(org, 'SELECT w.Name, w.Account__r.Name FROM Widget__c w')
  assert.deepEqual(cur.rows(0, 1), cur.rows(0, 1)) // iterables are fresh each call
  assert.deepEqual([...cur.rows(0, 1)], [['W1', 'Acme']])
  assert.deepEqual(
    [...run(org, 'SELECT Account.Name FROM Account ORDER BY Name').rows(0, 5)],
    [['Acme'], ['beta']],
  )
})

test('polymorphic What/Who resolve to the actual target type', () => {
  const { org, acme, contact } = seed()
  const widget = org.insert('Widget__c', { Name: 'W1' })
  org.insert('Task', { Subject: 'Call', WhatId: acme, WhoId: contact })
  org.insert('Task', { Subject: 'Mail', WhatId: widget })
  const cur = run(org, 'SELECT Subject, What.Name, What.Type, Who.Id FROM Task ORDER BY Subject')
  const recs = cur.fetch(0, 10, '60.0')
  assert.deepEqual(recs[0]?.What, {
    attributes: { type: 'Account', url: `/services/data/v60.0/sobjects/Account/${acme}` },
    Name: 'Acme',
    Type: 'Account',
  })
  assert.deepEqual(recs[0]?.Who, {
    attributes: { type: 'Contact', url: `/services/data/v60.0/sobjects/Contact/${contact}` },
    Id: contact,
  })
  assert.equal((recs[1]?.What as { Name: string }).Name, 'W1')
  assert.equal(recs[1]?.Who, null)
  assert.equal(run(org, "SELECT Id FROM Task WHERE What.Type = 'widget__c'").totalSize, 1)
  // Name-entity fields read each target's own field (typed), null where the target has none.
  const olga = org.insert('User', { Name: 'Olga', Email: 'o@x.test', IsActive: true })
  const task = org.insert('Task', { Subject: 'Zed', WhatId: acme, OwnerId: olga })
  const owned = run(org, "SELECT What.IsActive, Owner.Email, Owner.IsActive FROM Task WHERE Subject = 'Zed'")
  assert.deepEqual(owned.fetch(0, 1, '60.0')[0], {
    attributes: { type: 'Task', url: `/services/data/v60.0/sobjects/Task/${task}` },
    What: {
      attributes: { type: 'Account', url: `/services/data/v60.0/sobjects/Account/${acme}` },
      IsActive: null,
    },
    Owner: {
      attributes: { type: 'User', url: `/services/data/v60.0/sobjects/User/${olga}` },
      Email: 'o@x.test',
      IsActive: true,
    },
  })
  assert.equal(run(org, 'SELECT Id FROM Task WHERE Owner.IsActive = true').totalSize, 1)
})

test('time fields come back as stored and sort as text', () => {
  const { org } = seed()
  org.insert('Widget__c', { Name: 'late', Start__c: '22:12:30.999Z' })
  org.insert('Widget__c', { Name: 'early', Start__c: '08:00:00.000Z' })
  const cur = run(org, 'SELECT Name, Start__c FROM Widget__c ORDER BY Start__c')
  assert.deepEqual(
    [...cur.rows(0, 5)],
    [
      ['early', '08:00:00.000Z'],
      ['late', '22:12:30.999Z'],
    ],
  )
})

test('compound address and location fields are assembled as REST objects', () => {
  const { org } = seed()
  org.insert('Widget__c', { Name: 'W1', Loc__Latitude__s: 1.5, Loc__Longitude__s: -2 })
  const recs = run(org, 'SELECT BillingAddress FROM Account ORDER BY Name').fetch(0, 5, '60.0')
  assert.deepEqual(recs[0]?.BillingAddress, {
    city: 'Paris',
    country: 'France',
    geocodeAccuracy: null,
    latitude: 48.85,
    longitude: null,
    postalCode: null,
    state: null,
    street: null,
  })
  assert.equal(recs[1]?.BillingAddress, null)
  assert.deepEqual(run(org, 'SELECT Loc__c FROM Widget__c').fetch(0, 1, '60.0')[0]?.Loc__c, {
    latitude: 1.5,
    longitude: -2,
  })
})

test('FIELDS(STANDARD), FIELDS(CUSTOM) and FIELDS(ALL) select from the describe', () => {
  const { org } = seed()
  org.insert('Widget__c', { Name: 'W1', Code__c: 'X' })
  const standard = run(org, 'SELECT FIELDS(STANDARD) FROM Widget__c')
  assert.deepEqual(standard.columns, ['Id', 'IsDeleted', 'Name', 'OwnerId'])
  const custom = run(org, 'SELECT Id, FIELDS(CUSTOM) FROM Widget__c LIMIT 200')
  assert.equal(custom.columns[0], 'Id')
  assert.ok(custom.columns.includes('Code__c') && custom.columns.includes('Loc__c'))
  assert.ok(!custom.columns.includes('Name'))
  const all = run(org, 'SELECT FIELDS(ALL) FROM Account LIMIT 1')
  assert.ok(all.columns.includes('BillingAddress') && all.columns.includes('History__c'))
  assert.equal(all.fetch(0, 1, '60.0').length, 1)
})

test('ORDER BY several keys, NULLS FIRST/LAST defaults, relationship keys, LIMIT and OFFSET', () => {
  const { org } = seed()
  org.insert('Account', { Name: 'alpha' })
  org.insert('Account', { Name: null, NumberOfEmployees: 3 })
  const names = (soql: string) => [...run(org, soql).rows(0, 100)].map((r) => r[0])
  assert.deepEqual(names('SELECT Name FROM Account ORDER BY Name'), [null, 'Acme', 'alpha', 'beta'])
  assert.deepEqual(names('SELECT Name FROM Account ORDER BY Name DESC'), ['beta', 'alpha', 'Acme', null])
  assert.deepEqual(names('SELECT Name FROM Account ORDER BY Name ASC NULLS LAST'), [
    'Acme',
    'alpha',
    'beta',
    null,
  ])
  assert.deepEqual(names('SELECT Name FROM Account ORDER BY Name DESC NULLS FIRST'), [
    null,
    'beta',
    'alpha',
    'Acme',
  ])
  assert.deepEqual(names('SELECT Name FROM Account ORDER BY Owner.Name DESC NULLS LAST, Name'), [
    'Acme',
    'beta',
    null,
    'alpha',
  ])
  assert.deepEqual(names('SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 1'), ['Acme', 'alpha'])
  assert.deepEqual(names('SELECT Name FROM Account ORDER BY Name OFFSET 3'), ['beta'])
})

test('COUNT() gives totalSize and no records; COUNT(Id) and other aggregates give AggregateResult rows', () => {
  const { org } = seed()
  const count = run(org, 'SELECT COUNT() FROM Account')
  assert.equal(count.totalSize, 2)
  assert.deepEqual(count.fetch(0, 10, '60.0'), [])
  assert.equal(run(org, 'SELECT COUNT() FROM Account LIMIT 1').totalSize, 1)
  const agg = run(org, 'SELECT COUNT(Id), MAX(CreatedDate), SUM(NumberOfEmployees) total FROM Account')
  assert.deepEqual(agg.fetch(0, 10, '60.0'), [
    { attributes: { type: 'AggregateResult' }, expr0: 2, expr1: '2024-02-01T10:00:00.000+0000', total: 12 },
  ])
  const grouped = run(
    org,
    'SELECT Owner.Name, COUNT(Id) n FROM Account GROUP BY Owner.Name HAVING COUNT(Id) > 0 ORDER BY Owner.Name',
  )
  assert.deepEqual(grouped.fetch(0, 10, '60.0'), [
    { attributes: { type: 'AggregateResult' }, Name: 'Bea Boss', n: 1 },
    { attributes: { type: 'AggregateResult' }, Name: 'Ursula', n: 1 },
  ])
  assert.deepEqual(grouped.columns, ['Name', 'n'])
  assert.equal(run(org, 'SELECT Name FROM Account GROUP BY Name HAVING COUNT(Id) > 1').totalSize, 0)
  assert.deepEqual(run(org, 'SELECT COUNT_DISTINCT(OwnerId) FROM Account').fetch(0, 1, '60.0')[0]?.expr0, 2)
})

test('queryAll includes recycle-bin rows with IsDeleted true; query does not; purged rows never appear', () => {
  const { org, beta, acme } = seed()
  org.softDelete('Account', beta)
  assert.deepEqual([...run(org, 'SELECT Name, IsDeleted FROM Account').rows(0, 10)], [['Acme', false]])
  assert.deepEqual(
    [...run(org, 'SELECT Name, IsDeleted FROM Account ORDER BY Name', true).rows(0, 10)],
    [
      ['Acme', false],
      ['beta', true],
    ],
  )
  assert.equal(run(org, 'SELECT COUNT() FROM Account WHERE IsDeleted = true', true).totalSize, 1)
  org.purge('Account', acme)
  assert.deepEqual([...run(org, 'SELECT Name FROM Account', true).rows(0, 10)], [['beta']])
})

test('child relationship subqueries nest {totalSize, done, records} per parent, null when none', () => {
  const { org, acme, contact, user } = seed()
  const jones = org.insert('Contact', { LastName: 'Jones', AccountId: acme, OwnerId: user })
  const gone = org.insert('Contact', { LastName: 'Gone', AccountId: acme })
  org.softDelete('Contact', gone)
  const soql =
    'SELECT Name, (SELECT LastName, Owner.Name FROM Contacts ORDER BY LastName DESC), Id FROM Account ORDER BY Name'
  const cur = run(org, soql)
  const url = (type: string, id: string) => `/services/data/v60.0/sobjects/${type}/${id}`
  const owner = { attributes: { type: 'User', url: url('User', user) }, Name: 'Ursula' }
  const recs = cur.fetch(0, 10, '60.0')
  assert.deepEqual(Object.keys(recs[0] ?? {}), ['attributes', 'Name', 'Contacts', 'Id'])
  assert.deepEqual(recs[0]?.Contacts, {
    totalSize: 2,
    done: true,
    records: [
      { attributes: { type: 'Contact', url: url('Contact', contact) }, LastName: 'Smith', Owner: owner },
      { attributes: { type: 'Contact', url: url('Contact', jones) }, LastName: 'Jones', Owner: owner },
    ],
  })
  assert.equal(recs[1]?.Contacts, null)
  assert.deepEqual(cur.columns, ['Name', 'Contacts', 'Id'])
  assert.equal([...cur.rows(0, 1)][0]?.[1] !== null, true)
  const all = run(
    org,
    "SELECT (SELECT LastName FROM Contacts WHERE LastName != 'Smith' LIMIT 5) FROM Account",
    true,
  )
  const names = (all.fetch(0, 1, '60.0')[0]?.Contacts as { records: Array<{ LastName: string }> }).records
  assert.deepEqual(names.map((r) => r.LastName).sort(), ['Gone', 'Jones'])
  const limited = run(org, "SELECT (SELECT Id FROM Contacts LIMIT 1) FROM Account WHERE Name = 'Acme'")
  assert.equal((limited.fetch(0, 1, '60.0')[0]?.Contacts as { totalSize: number }).totalSize, 1)
})
