import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { buildOrgSchemas, withApiVersion } from './org-schemas.ts'
import { GLOBAL_ENTRY_KEYS } from './sobject-schema.ts'

interface Describe {
  readonly fields: Array<Record<string, unknown>>
  readonly [key: string]: unknown
}

/** The recorded describes, as copied unchanged from shared/fixtures/salesforce/describe/. */
function fixture(name: string): Describe {
  const url = new URL(`../describes/${name}.json`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as Describe
}

const schemas = buildOrgSchemas(Date.UTC(2026, 0, 1))
const byName = new Map(schemas.map((s) => [s.name, s]))

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

for (const name of ['Account', 'Contact', 'Opportunity']) {
  test(`${name}: the served describe has every attribute of the recorded one, with the same types`, () => {
    const recorded = fixture(name)
    const served = byName.get(name)?.describe as unknown as Describe
    assert.ok(served, `${name} is served`)
    for (const key of Object.keys(recorded)) {
      if (key === 'urls') continue // filled by the REST layer per API version
      assert.ok(key in served, `top-level attribute ${key}`)
      assert.equal(typeOf(served[key]), typeOf(recorded[key]), `type of ${key}`)
    }
    assert.deepEqual(
      served.fields.map((f) => f.name),
      recorded.fields.map((f) => f.name),
    )
    for (const [i, field] of recorded.fields.entries()) {
      const mine = served.fields[i] ?? {}
      assert.deepEqual(
        Object.keys(mine).sort(),
        Object.keys(field).sort(),
        `attributes of ${String(field.name)}`,
      )
      assert.equal(mine.type, field.type, `type of ${String(field.name)}`)
      for (const [k, v] of Object.entries(field))
        assert.equal(typeOf(mine[k]), typeOf(v), `${String(field.name)}.${k}`)
    }
  })
}

test('every field of every object carries the same attribute set as the recorded fields', () => {
  const expected = Object.keys(fixture('Account').fields[0] ?? {}).sort()
  assert.equal(expected.length, 57)
  for (const s of schemas) {
    for (const f of s.describe.fields)
      assert.deepEqual(Object.keys(f).sort(), expected, `${s.name}.${f.name}`)
  }
})

test('built objects carry the recorded Contact top-level attribute set', () => {
  const expected = Object.keys(fixture('Contact'))
    .filter((k) => k !== 'urls')
    .sort()
  for (const name of ['Lead', 'Case', 'User', 'Task', 'Organization', 'Invoice__c']) {
    const d = byName.get(name)?.describe
    assert.ok(d, name)
    assert.deepEqual(Object.keys(d).sort(), expected, name)
  }
})

test('key prefixes and standard system fields', () => {
  const prefixes = Object.fromEntries(schemas.map((s) => [s.name, s.describe.keyPrefix]))
  assert.deepEqual(prefixes, {
    Account: '001',
    Case: '500',
    Contact: '003',
    Invoice__c: 'a01',
    Lead: '00Q',
    Opportunity: '006',
    Organization: '00D',
    Task: '00T',
    User: '005',
  })
  for (const s of schemas) {
    for (const f of [
      'Id',
      'CreatedDate',
      'CreatedById',
      'LastModifiedDate',
      'LastModifiedById',
      'SystemModstamp',
    ]) {
      assert.ok(s.field(f), `${s.name}.${f}`)
    }
    const ownable = !['User', 'Organization'].includes(s.name)
    assert.equal(s.has('OwnerId'), ownable, `${s.name}.OwnerId`)
    assert.equal(s.has('IsDeleted'), ownable, `${s.name}.IsDeleted`)
  }
})

test('Task lookups are polymorphic; Invoice__c has its lookup, formula and external id', () => {
  const task = byName.get('Task')
  assert.deepEqual(task?.field('WhoId')?.referenceTo, ['Contact', 'Lead'])
  assert.deepEqual(task?.field('WhatId')?.referenceTo, ['Account', 'Opportunity', 'Case', 'Invoice__c'])
  assert.equal(task?.field('WhatId')?.polymorphicForeignKey, true)
  const invoice = byName.get('Invoice__c')
  const account = invoice?.field('account__c')
  assert.equal(account?.relationshipName, 'Account__r')
  assert.deepEqual(account?.referenceTo, ['Account'])
  const total = invoice?.field('Total_With_Tax__c')
  assert.equal(total?.calculated, true)
  assert.equal(total?.createable, false)
  assert.equal(typeof total?.calculatedFormula, 'string')
  const ext = invoice?.field('External_Id__c')
  assert.equal(ext?.externalId, true)
  assert.equal(ext?.unique, true)
  assert.equal(ext?.idLookup, true)
  assert.equal(invoice?.field('Amount__c')?.scale, 2)
  assert.equal(byName.get('Lead')?.compounds[0]?.field.name, 'Address')
})

test('child relationships name only objects and lookup fields the org has', () => {
  for (const s of schemas) {
    const rels = s.describe.childRelationships as Array<{
      childSObject: string
      field: string
      relationshipName: string | null
    }>
    for (const r of rels) {
      const child = byName.get(r.childSObject)
      assert.ok(child, `${s.name} → ${r.childSObject}`)
      const f = child.field(r.field)
      assert.equal(f?.type, 'reference', `${r.childSObject}.${r.field}`)
      assert.ok((f?.referenceTo as string[]).includes(s.name))
    }
  }
  const account = byName.get('Account')?.describe.childRelationships as Array<{
    relationshipName: string | null
  }>
  const names = account.map((r) => r.relationshipName)
  for (const n of ['Contacts', 'Opportunities', 'Cases', 'Tasks', 'Invoices__r', 'ChildAccounts'])
    assert.ok(names.includes(n), n)
})

test('describeGlobal entries carry every recorded key', () => {
  const recorded = JSON.parse(
    readFileSync(new URL('../describes/_describeGlobal.json', import.meta.url), 'utf8'),
  ) as { sobjects: Array<Record<string, unknown>> }
  const keys = Object.keys(recorded.sobjects[0] ?? {})
    .filter((k) => k !== 'urls')
    .sort()
  assert.deepEqual([...GLOBAL_ENTRY_KEYS].sort(), keys)
  for (const s of schemas) {
    const entry = s.globalEntry()
    assert.deepEqual(Object.keys(entry).sort(), keys)
    assert.equal(entry.name, s.name)
    assert.equal(entry.keyPrefix, s.describe.keyPrefix)
  }
})

test('record type layout urls carry a version placeholder that withApiVersion fills in', () => {
  for (const s of schemas) {
    const served = withApiVersion(s.describe, '60.0')
    for (const info of served.recordTypeInfos as Array<{ urls: Record<string, string> }>) {
      for (const url of Object.values(info.urls)) assert.match(url, /^\/services\/data\/v60\.0\/sobjects\//)
    }
  }
  const account = byName.get('Account')?.describe.recordTypeInfos as Array<{ urls: { layout: string } }>
  assert.ok(account.length > 0)
  assert.ok(account.every((r) => r.urls.layout.includes('/vXX.X/')))
})

test('cascading deletes are told by child relationships, as real describes do', () => {
  for (const s of schemas)
    for (const f of s.describe.fields) assert.equal(f.cascadeDelete, false, `${s.name}.${f.name}`)
  const cascading = (parent: string): string[] =>
    (
      byName.get(parent)?.describe.childRelationships as Array<{
        childSObject: string
        field: string
        cascadeDelete: boolean
      }>
    )
      .filter((r) => r.cascadeDelete)
      .map((r) => `${r.childSObject}.${r.field}`)
  assert.deepEqual(cascading('Account'), ['Contact.AccountId', 'Opportunity.AccountId', 'Task.WhatId'])
  assert.deepEqual(cascading('Lead'), ['Task.WhoId'])
  assert.deepEqual(cascading('Invoice__c'), ['Task.WhatId'])
})
