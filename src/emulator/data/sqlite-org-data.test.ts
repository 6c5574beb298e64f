import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatSfDateTime } from '../clock.ts'
import { isValidId } from '../ids.ts'
import { DmlError, type RecordChange } from './org-data.ts'
import { openTestOrg, TEST_EPOCH_MS, type TestOrg } from './test-support.ts'

const SMALL = { User: 2, Account: 5, Contact: 5, Lead: 2, Opportunity: 2, Case: 2, Invoice__c: 2, Task: 2 }

async function withOrg(fn: (o: TestOrg) => void | Promise<void>): Promise<void> {
  const o = await openTestOrg({ records: SMALL })
  try {
    await fn(o)
  } finally {
    o.data.close()
  }
}

function dmlError(statusCode: string, message?: string | RegExp, httpStatus = 400) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof DmlError, `a DmlError, got ${String(err)}`)
    assert.equal(err.statusCode, statusCode, err.message)
    if (typeof message === 'string') assert.equal(err.message, message)
    else if (message) assert.match(err.message, message)
    assert.equal(err.httpStatus, httpStatus)
    return true
  }
}

const firstId = (o: TestOrg, sobject: string): string =>
  String(o.data.database.prepare(`SELECT "Id" FROM "${sobject}" ORDER BY "_rowid" LIMIT 1`).get()?.Id)

test('create sets system fields, defaults and derived fields; retrieve returns REST JSON', () =>
  withOrg(({ data, userId, clock }) => {
    const now = clock.now()
    const id = data.create(
      'contact',
      { FirstName: 'Zoë', LastName: "O'Brien", Birthdate: '1990-02-28' },
      { userId },
    )
    assert.ok(isValidId(id) && id.length === 18 && id.startsWith('003'))
    const c = data.retrieve('Contact', id)
    assert.ok(c)
    assert.equal(c.Name, "Zoë O'Brien")
    assert.equal(c.CreatedDate, formatSfDateTime(now))
    assert.equal(c.LastModifiedDate, formatSfDateTime(now))
    assert.equal(c.SystemModstamp, formatSfDateTime(now))
    assert.equal(c.CreatedById, userId)
    assert.equal(c.OwnerId, userId)
    assert.equal(c.IsDeleted, false)
    assert.equal(c.Birthdate, '1990-02-28')
    assert.equal(c.MailingAddress, null, 'an empty address is null')
    assert.match(String(c.CreatedDate), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/)
    const lead = data.create('Lead', { LastName: 'Lee', Company: 'Acme, "Inc."' }, { userId })
    assert.equal(data.retrieve('Lead', lead, ['Status'])?.Status, 'Open - Not Contacted')
    const invoice = data.create('Invoice__c', { Amount__c: 100.005, Tax_Rate__c: 20 }, { userId })
    const inv = data.retrieve('Invoice__c', invoice, ['Name', 'Amount__c', 'Total_With_Tax__c', 'Status__c'])
    assert.deepEqual(inv, {
      Name: 'INV-000003',
      Amount__c: 100.01,
      Total_With_Tax__c: 120.01,
      Status__c: 'Draft',
      Id: invoice,
    })
  }))

test('retrieve: selected fields in the order asked, compound addresses assembled, Id appended', () =>
  withOrg(({ data, userId }) => {
    const id = data.create(
      'Account',
      { Name: 'Acme', BillingCity: 'Zürich', BillingCountry: 'Switzerland', BillingLatitude: 47.37 },
      { userId },
    )
    assert.deepEqual(data.retrieve('Account', id, ['billingaddress', 'Name']), {
      BillingAddress: {
        city: 'Zürich',
        country: 'Switzerland',
        geocodeAccuracy: null,
        latitude: 47.37,
        longitude: null,
        postalCode: null,
        state: null,
        street: null,
      },
      Name: 'Acme',
      Id: id,
    })
    const inv = data.create(
      'Invoice__c',
      { Delivery_Location__Latitude__s: 48.8584, Delivery_Location__Longitude__s: 2.2945 },
      { userId },
    )
    assert.deepEqual(data.retrieve('Invoice__c', inv, ['Delivery_Location__c']), {
      Delivery_Location__c: { latitude: 48.8584, longitude: 2.2945 },
      Id: inv,
    })
    const empty = data.create('Invoice__c', {}, { userId })
    assert.equal(data.retrieve('Invoice__c', empty)?.Delivery_Location__c, null)
    assert.throws(
      () => data.retrieve('Account', id, ['Nope__c']),
      dmlError('INVALID_FIELD', /No such column 'Nope__c' on entity 'Account'/),
    )
    assert.equal(data.retrieve('Account', id.slice(0, 15))?.Id, id, '15-character ids are accepted')
    assert.equal(data.retrieve('Account', 'not-an-id'), undefined)
  }))

test('update stamps the write, recomputes derived and formula fields, accepts datetime input forms', () =>
  withOrg(({ data, userId, clock, org }) => {
    const id = data.create('Contact', { LastName: 'Hopper' }, { userId })
    clock.advance(1500)
    const other = org.users[1]?.id ?? userId
    data.update(
      'Contact',
      id.slice(0, 15),
      { FirstName: 'Grace', EmailBouncedDate: '2024-01-02T03:04:05.678+02:00' },
      { userId: other },
    )
    const c = data.retrieve('Contact', id)
    assert.equal(c?.Name, 'Grace Hopper')
    assert.equal(c?.LastModifiedDate, formatSfDateTime(TEST_EPOCH_MS + 1500))
    assert.equal(c?.SystemModstamp, formatSfDateTime(TEST_EPOCH_MS + 1500))
    assert.equal(c?.CreatedDate, formatSfDateTime(TEST_EPOCH_MS))
    assert.equal(c?.LastModifiedById, other)
    assert.equal(c?.CreatedById, userId)
    assert.equal(c?.EmailBouncedDate, '2024-01-02T01:04:05.678+0000')
    for (const [input, out] of [
      ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05.000+0000'],
      ['2024-01-02T03:04:05.1-05:30', '2024-01-02T08:34:05.100+0000'],
      ['2024-01-02T03:04:05.000+0000', '2024-01-02T03:04:05.000+0000'],
    ] as const) {
      data.update('Contact', id, { EmailBouncedDate: input }, { userId })
      assert.equal(data.retrieve('Contact', id, ['EmailBouncedDate'])?.EmailBouncedDate, out, input)
    }
    const inv = data.create('Invoice__c', { Amount__c: 10 }, { userId })
    data.update('Invoice__c', inv, { Tax_Rate__c: 7.25 }, { userId })
    assert.equal(data.retrieve('Invoice__c', inv, ['Total_With_Tax__c'])?.Total_With_Tax__c, 10.73)
    const opp = data.create(
      'Opportunity',
      { Name: 'Deal', StageName: 'Prospecting', CloseDate: '2026-05-14', Amount: 1000 },
      { userId },
    )
    data.update('Opportunity', opp, { StageName: 'Closed Won' }, { userId })
    assert.deepEqual(
      data.retrieve('Opportunity', opp, [
        'IsWon',
        'IsClosed',
        'Probability',
        'ExpectedRevenue',
        'FiscalQuarter',
        'Fiscal',
      ]),
      {
        IsWon: true,
        IsClosed: true,
        Probability: 100,
        ExpectedRevenue: 1000,
        FiscalQuarter: 2,
        Fiscal: '2026 2',
        Id: opp,
      },
    )
  }))

test('validation errors carry Salesforce status codes and messages', () =>
  withOrg((o) => {
    const { data, userId } = o
    const ctx = { userId }
    const account = firstId(o, 'Account')
    const contact = firstId(o, 'Contact')
    assert.throws(
      () => data.create('Contact', { FirstName: 'No' }, ctx),
      dmlError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]'),
    )
    assert.throws(
      () => data.create('Opportunity', { Name: 'x' }, ctx),
      dmlError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [StageName, CloseDate]'),
    )
    assert.throws(
      () => data.update('Contact', contact, { LastName: null }, ctx),
      dmlError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]'),
    )
    assert.throws(
      () => data.create('Account', { Name: 'x', CreatedDate: '2020-01-01T00:00:00Z' }, ctx),
      dmlError(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        'Unable to create/update fields: CreatedDate. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
      ),
    )
    assert.throws(
      () => data.update('Account', account, { BillingAddress: null }, ctx),
      dmlError('INVALID_FIELD_FOR_INSERT_UPDATE'),
    )
    assert.throws(
      () => data.create('Account', { Name: 'x', Foo: 1 }, ctx),
      dmlError('INVALID_FIELD', "No such column 'Foo' on sobject of type Account"),
    )
    assert.throws(
      () => data.create('Account', { Name: 'x'.repeat(256) }, ctx),
      dmlError('STRING_TOO_LONG', /^Account Name: data value too large: x+ \(max length=255\)$/),
    )
    assert.throws(
      () => data.create('Account', { Name: 'x', NumberOfEmployees: 'many' }, ctx),
      dmlError('INVALID_TYPE_ON_FIELD_IN_RECORD', 'Employees: value not of required type: many'),
    )
    assert.throws(
      () => data.create('Account', { Name: 'x', NumberOfEmployees: 1.5 }, ctx),
      dmlError('INVALID_TYPE_ON_FIELD_IN_RECORD'),
    )
    assert.throws(
      () => data.create('Contact', { LastName: 'x', Birthdate: '2020-02-30' }, ctx),
      dmlError('INVALID_TYPE_ON_FIELD_IN_RECORD'),
    )
    assert.throws(
      () => data.create('Contact', { LastName: 'x', AccountId: 'xyz' }, ctx),
      dmlError('MALFORMED_ID', 'Account ID: id value of incorrect type: xyz'),
    )
    assert.throws(
      () => data.update('Account', 'bogus', { Name: 'y' }, ctx),
      dmlError('MALFORMED_ID', 'Account ID: id value of incorrect type: bogus'),
    )
    assert.throws(
      () => data.create('Contact', { LastName: 'x', AccountId: contact }, ctx),
      dmlError('FIELD_INTEGRITY_EXCEPTION'),
    )
    const missing = account.slice(0, 5) + '9zzzzzzzzz'
    assert.throws(
      () => data.create('Contact', { LastName: 'x', AccountId: missing }, ctx),
      dmlError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id'),
    )
    assert.throws(
      () => data.update('Account', missing, { Name: 'y' }, ctx),
      dmlError('NOT_FOUND', 'The requested resource does not exist', 404),
    )
    assert.throws(
      () => data.create('Invoice__c', { Status__c: 'Bogus' }, ctx),
      dmlError(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        'Status: bad value for restricted picklist field: Bogus',
      ),
    )
    data.create('Invoice__c', { External_Id__c: 'ERP-X1' }, ctx)
    assert.throws(
      () => data.create('Invoice__c', { External_Id__c: 'erp-x1' }, ctx),
      dmlError(
        'DUPLICATE_VALUE',
        /^duplicate value found: External_Id__c duplicates value on record with id: a01/,
      ),
    )
    assert.throws(() => data.create('Widget__c', {}, ctx), dmlError('NOT_FOUND', undefined, 404))
    assert.throws(() => data.delete('User', userId, ctx), dmlError('INVALID_TYPE_FOR_OPERATION'))
    data.delete('Account', account, ctx)
    assert.throws(
      () => data.update('Account', account, { Name: 'y' }, ctx),
      dmlError('ENTITY_IS_DELETED', 'entity is deleted', 404),
    )
    assert.throws(
      () => data.create('Contact', { LastName: 'x', AccountId: account }, ctx),
      dmlError('ENTITY_IS_DELETED'),
    )
  }))

test('recycle bin: delete cascades to children, undelete restores them, purge removes for good', () =>
  withOrg(({ data, userId, clock }) => {
    const ctx = { userId }
    const account = data.create('Account', { Name: 'Parent' }, ctx)
    const contact = data.create('Contact', { LastName: 'Child', AccountId: account }, ctx)
    const invoice = data.create('Invoice__c', { Account__c: account }, ctx)
    const before = data.count('Contact')
    clock.advance(60_000)
    data.delete('Account', account, ctx)
    assert.equal(data.retrieve('Account', account), undefined)
    assert.equal(data.retrieve('Contact', contact), undefined, 'Contact.AccountId cascades deletes')
    assert.ok(data.retrieve('Invoice__c', invoice), 'a plain lookup does not cascade')
    assert.equal(data.count('Contact'), before - 1)
    const row = data.database
      .prepare(`SELECT "IsDeleted", "_deletedMs", "SystemModstamp" FROM "Account" WHERE "Id" = ?`)
      .get(account)
    assert.deepEqual(
      { ...row },
      { IsDeleted: 1, _deletedMs: TEST_EPOCH_MS + 60_000, SystemModstamp: TEST_EPOCH_MS + 60_000 },
    )
    assert.throws(() => data.delete('Account', account, ctx), dmlError('ENTITY_IS_DELETED', undefined, 404))
    clock.advance(1000)
    data.undelete('Account', account, ctx)
    assert.equal(data.retrieve('Account', account)?.IsDeleted, false)
    assert.ok(data.retrieve('Contact', contact), 'children deleted with the parent come back')
    assert.throws(() => data.undelete('Account', account, ctx), dmlError('UNDELETE_FAILED'))
    data.delete('Account', account, ctx)
    data.purge('Account', account)
    assert.equal(data.database.prepare(`SELECT 1 FROM "Account" WHERE "Id" = ?`).get(account), undefined)
    assert.equal(data.database.prepare(`SELECT 1 FROM "Contact" WHERE "Id" = ?`).get(contact), undefined)
    assert.throws(() => data.undelete('Account', account, ctx), dmlError('NOT_FOUND', undefined, 404))
    assert.throws(() => data.purge('Account', account), dmlError('NOT_FOUND', undefined, 404))
  }))

test('upsert and findByExternalId', () =>
  withOrg(({ data, userId }) => {
    const ctx = { userId }
    const created = data.upsert('Invoice__c', 'External_Id__c', 'ERP-1', { Amount__c: 5 }, ctx)
    assert.equal(created.created, true)
    assert.equal(data.retrieve('Invoice__c', created.id, ['External_Id__c'])?.External_Id__c, 'ERP-1')
    const updated = data.upsert(
      'invoice__c',
      'external_id__c',
      'erp-1',
      { Amount__c: 6, External_Id__c: 'ignored' },
      ctx,
    )
    assert.deepEqual(updated, { id: created.id, created: false })
    assert.equal(data.retrieve('Invoice__c', created.id, ['Amount__c'])?.Amount__c, 6)
    assert.deepEqual(data.findByExternalId('Invoice__c', 'External_Id__c', 'ERP-1'), [created.id])
    assert.deepEqual(data.findByExternalId('Invoice__c', 'External_Id__c', 'none'), [])
    assert.throws(
      () => data.findByExternalId('Invoice__c', 'Notes__c', 'x'),
      dmlError('NOT_FOUND', 'Provided external ID field does not exist or is not accessible: Notes__c', 404),
    )
    data.create('Contact', { LastName: 'A', Email: 'same@example.com' }, ctx)
    data.create('Contact', { LastName: 'B', Email: 'same@example.com' }, ctx)
    assert.throws(
      () => data.upsert('Contact', 'Email', 'same@example.com', { Title: 'x' }, ctx),
      dmlError('MULTIPLE_CHOICES', undefined, 300),
    )
  }))

test('updated and deleted: windows by minute, latestDateCovered, purged records still reported', () =>
  withOrg(({ data, userId, clock }) => {
    const ctx = { userId }
    const minute = 60_000
    const t0 = Math.floor(clock.now() / minute) * minute
    const a = data.create('Account', { Name: 'A' }, ctx)
    const b = data.create('Account', { Name: 'B' }, ctx)
    clock.advance(5 * minute)
    data.update('Account', a, { Name: 'A2' }, ctx)
    data.delete('Account', b, ctx)
    const tDel = clock.now()
    clock.advance(2 * minute)
    data.purge('Account', b)
    clock.advance(3 * minute)
    const now = clock.now()
    const early = data.updated('Account', t0, t0 + 2 * minute)
    assert.deepEqual(early.ids, [])
    assert.equal(early.latestDateCovered, formatSfDateTime(t0 + 2 * minute))
    const late = data.updated('Account', t0, now + 3_600_000)
    assert.deepEqual(late.ids, [a], 'the deleted record is reported by /deleted only')
    assert.equal(late.latestDateCovered, formatSfDateTime(Math.floor(now / minute) * minute))
    const deleted = data.deleted('Account', t0, now)
    assert.deepEqual(deleted.deletedRecords, [{ id: b, deletedDate: formatSfDateTime(tDel) }])
    assert.equal(
      deleted.earliestDateAvailable,
      formatSfDateTime(Math.floor((now - 15 * 86_400_000) / minute) * minute),
    )
    assert.deepEqual(data.deleted('Account', t0, t0 + 5 * minute).deletedRecords, [])
  }))

test('a formula-only change leaves SystemModstamp alone; onChange reports every committed write', () =>
  withOrg(({ data, userId, clock }) => {
    const ctx = { userId }
    const changes: RecordChange[] = []
    const stop = data.onChange((c) => changes.push(c))
    const inv = data.create('Invoice__c', { Amount__c: 10 }, ctx)
    const stamp = data.retrieve('Invoice__c', inv, ['SystemModstamp'])?.SystemModstamp
    clock.advance(10_000)
    data.setFormulaValues('Invoice__c', inv, { Total_With_Tax__c: 99.5 })
    const after = data.retrieve('Invoice__c', inv, [
      'SystemModstamp',
      'LastModifiedDate',
      'Total_With_Tax__c',
    ])
    assert.equal(after?.Total_With_Tax__c, 99.5)
    assert.equal(after?.SystemModstamp, stamp)
    assert.equal(after?.LastModifiedDate, stamp)
    assert.throws(() => data.setFormulaValues('Invoice__c', inv, { Amount__c: 1 }), dmlError('INVALID_FIELD'))
    data.update('Invoice__c', inv, { Amount__c: 20 }, ctx)
    assert.equal(
      data.retrieve('Invoice__c', inv, ['Total_With_Tax__c'])?.Total_With_Tax__c,
      20,
      'a write recomputes it',
    )
    data.delete('Invoice__c', inv, ctx)
    data.undelete('Invoice__c', inv, ctx)
    data.purge('Invoice__c', inv)
    assert.throws(() => data.create('Contact', {}, ctx), DmlError)
    assert.deepEqual(
      changes.map((c) => [c.op, c.sobject, c.id]),
      ['insert', 'formula', 'update', 'delete', 'undelete', 'purge'].map((op) => [op, 'Invoice__c', inv]),
    )
    assert.equal(changes[1]?.systemModstampMs, TEST_EPOCH_MS)
    assert.equal(changes[2]?.systemModstampMs, TEST_EPOCH_MS + 10_000)
    stop()
    data.create('Invoice__c', {}, ctx)
    assert.equal(changes.length, 6, 'unsubscribed')
  }))

test('transaction: a failure rolls every write back and reports nothing', () =>
  withOrg(({ data, userId }) => {
    const ctx = { userId }
    const changes: RecordChange[] = []
    data.onChange((c) => changes.push(c))
    const before = data.count('Account')
    assert.throws(
      () =>
        data.transaction(() => {
          data.create('Account', { Name: 'one' }, ctx)
          data.create('Account', {}, ctx)
        }),
      dmlError('REQUIRED_FIELD_MISSING'),
    )
    assert.equal(data.count('Account'), before)
    assert.equal(changes.length, 0)
    const ids = data.transaction(() => [
      data.create('Account', { Name: 'a' }, ctx),
      data.create('Account', { Name: 'b' }, ctx),
    ])
    assert.equal(data.count('Account'), before + 2)
    assert.deepEqual(
      changes.map((c) => c.id),
      ids,
    )
  }))
