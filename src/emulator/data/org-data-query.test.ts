import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openTestOrg } from './test-support.ts'

test('query goes through the SOQL engine over the generated records (query and queryAll)', async () => {
  const { data, userId } = await openTestOrg({ records: { Account: 25, Contact: 40, Invoice__c: 30 } })
  try {
    const count = data.query('SELECT COUNT() FROM Account', { includeDeleted: false })
    assert.equal(count.totalSize, 25)

    const contacts = data.query(
      'SELECT Id, Name, Account.Name FROM Contact WHERE AccountId != null ORDER BY Id LIMIT 5',
      { includeDeleted: false },
    )
    const records = contacts.fetch(0, 5, '60.0')
    assert.equal(records.length, 5)
    for (const r of records) {
      const account = r.Account as { Name?: unknown } | null
      assert.equal(typeof account?.Name, 'string', 'the parent lookup resolves to a generated Account')
    }

    const invoices = data.query('SELECT Id, Account__r.Name, Total_With_Tax__c FROM Invoice__c LIMIT 3', {
      includeDeleted: false,
    })
    assert.equal(invoices.fetch(0, 3, '60.0').length, 3)
    const located = data
      .query(
        'SELECT Delivery_Location__c FROM Invoice__c WHERE Delivery_Location__Latitude__s != null LIMIT 1',
        { includeDeleted: false },
      )
      .fetch(0, 1, '60.0')
    const location = located[0]?.Delivery_Location__c as
      { latitude?: unknown; longitude?: unknown } | undefined
    assert.equal(typeof location?.latitude, 'number')
    assert.equal(typeof location?.longitude, 'number')

    const orgRows = data
      .query(
        'SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization',
        { includeDeleted: false },
      )
      .fetch(0, 1, '60.0')
    assert.equal(orgRows[0]?.OrganizationType, 'Developer Edition')

    const id = data.create('Account', { Name: 'To delete' }, { userId })
    data.delete('Account', id, { userId })
    const soql = `SELECT Id, IsDeleted FROM Account WHERE Id = '${id}'`
    assert.equal(data.query(soql, { includeDeleted: false }).totalSize, 0)
    const all = data.query(soql, { includeDeleted: true }).fetch(0, 1, '60.0')
    assert.equal(all[0]?.IsDeleted, true)
  } finally {
    data.close()
  }
})

test('a filter without ORDER BY answers in the natural (insertion) order, whatever order its index has', async () => {
  const { data, userId } = await openTestOrg({ records: { Account: 30 } })
  try {
    const all = data.query('SELECT Id FROM Account', { includeDeleted: true })
    const natural = all.fetch(0, 30, '60.0').map((r) => String(r.Id))
    // Touch records from last to first: their SystemModstamp order is now the reverse of the natural one.
    const touched = [natural[20], natural[5], natural[12], natural[0]] as string[]
    for (const id of touched) data.update('Account', id, { Name: 'touched' }, { userId })
    const cursor = data.query(`SELECT Id FROM Account WHERE Name = 'touched'`, {
      includeDeleted: true,
    })
    const ids = cursor.fetch(0, 10, '60.0').map((r) => String(r.Id))
    assert.deepEqual(
      ids,
      [...touched].sort((a, b) => natural.indexOf(a) - natural.indexOf(b)),
    )
    const since = data.query(`SELECT Id FROM Account WHERE SystemModstamp >= 2000-01-01T00:00:00Z`, {
      includeDeleted: true,
    })
    assert.deepEqual(
      since.fetch(0, 30, '60.0').map((r) => String(r.Id)),
      natural,
      'an indexed range: natural order too',
    )
  } finally {
    data.close()
  }
})
