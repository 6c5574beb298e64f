import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DmlError, type DescribeField, type OrgData, type SObjectSchema } from '../data/org-data.ts'
import { buildRecord, cellValue, errorCell, resolveColumns } from './ingest-row.ts'

// The emulator's generated schema has no external id on a parent of a lookup, so the `Rel.Ext__c`
// header form is checked here on two hand-written describes (only the two methods buildRecord uses).
function schema(name: string, fields: DescribeField[]): SObjectSchema {
  return {
    name,
    describe: { name, keyPrefix: null, fields },
    lastModifiedMs: 0,
    field: (n) => fields.find((f) => f.name.toLowerCase() === n.toLowerCase()),
  }
}
const parent = schema('Parent__c', [
  { name: 'Id', type: 'id' },
  { name: 'Code__c', type: 'string', externalId: true },
  { name: 'Label__c', type: 'string' },
])
const child = schema('Child__c', [
  { name: 'Id', type: 'id' },
  { name: 'Count__c', type: 'double', label: 'Count' },
  { name: 'Done__c', type: 'boolean', label: 'Done' },
  { name: 'Parent__c', type: 'reference', referenceTo: ['Parent__c'], relationshipName: 'Parent__r' },
])
const PARENT_ID = '001000000000001AAA'
const lookups = {
  schema: (n: string) => [parent, child].find((s) => s.name.toLowerCase() === n.toLowerCase()),
  findByExternalId: (_s: string, _f: string, value: unknown) =>
    value === 'P1' ? [PARENT_ID] : value === 'TWICE' ? ['a', 'b'] : [],
} as unknown as OrgData

test('Rel.ExternalId columns set the lookup; unknown, missing and duplicate parents are row errors', () => {
  const columns = resolveColumns(lookups, child, ['Parent__r.Code__c', 'Count__c', 'Done__c'])
  assert.ok(Array.isArray(columns))
  assert.deepEqual(buildRecord(lookups, child, columns, ['P1', '2.5', 'TRUE']).fields, {
    Parent__c: PARENT_ID,
    Count__c: 2.5,
    Done__c: true,
  })
  assert.deepEqual(buildRecord(lookups, child, columns, ['#N/A', '', '0']).fields, {
    Parent__c: null,
    Done__c: false,
  })
  assert.throws(
    () => buildRecord(lookups, child, columns, ['NOPE', '', '']),
    (err: unknown) => {
      assert.ok(err instanceof DmlError)
      assert.equal(
        errorCell(err),
        'INVALID_FIELD:Foreign key external ID: NOPE not found for field Code__c in entity Parent__c:Parent__c --',
      )
      return true
    },
  )
  assert.throws(() => buildRecord(lookups, child, columns, ['TWICE', '', '']), /More than one record/)
})

test('headers: a parent field that is not an external id, or an unknown field, is unknown', () => {
  assert.deepEqual(resolveColumns(lookups, child, ['Parent__r.Label__c']), { unknown: 'Parent__r.Label__c' })
  assert.deepEqual(resolveColumns(lookups, child, ['Count__c', 'Nope__c']), { unknown: 'Nope__c' })
})

test('cell values: booleans and numbers checked, #N/A is null, text kept as is', () => {
  const count = child.field('Count__c') as DescribeField
  assert.equal(cellValue(count, '-1e3'), -1000)
  assert.throws(() => cellValue(count, '12abc'), /Count: value not of required type: 12abc/)
  assert.throws(() => cellValue(child.field('Done__c') as DescribeField, 'yes'), DmlError)
  assert.equal(cellValue(count, '#N/A'), null)
  assert.equal(cellValue(parent.field('Label__c') as DescribeField, ' padded "text" '), ' padded "text" ')
  assert.equal(
    errorCell(new DmlError('UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access')),
    'UNABLE_TO_LOCK_ROW:unable to obtain exclusive access:--',
  )
})
