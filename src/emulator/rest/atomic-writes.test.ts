import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runAtomically } from './atomic-writes.ts'
import { DmlError, type OrgData, type RecordFields, type SObjectSchema } from '../data/org-data.ts'

/**
 * A record store with just the writes runAtomically uses, and no `transaction`: it exercises the
 * compensation path that stands in for record layers without transactions.
 */
function memoryData(): {
  data: OrgData
  rows: Map<string, RecordFields & { deleted?: boolean }>
  purged: string[]
} {
  const rows = new Map<string, RecordFields & { deleted?: boolean }>()
  const purged: string[] = []
  let n = 0
  const schema = {
    name: 'Thing',
    field: (name: string) =>
      name === 'Name' ? { name: 'Name', type: 'string', updateable: true } : undefined,
  } as unknown as SObjectSchema
  const data = {
    schema: () => schema,
    create(_s: string, fields: RecordFields) {
      if (fields.Name === 'bad') throw new DmlError('FIELD_CUSTOM_VALIDATION_EXCEPTION', 'bad name')
      const id = `id${++n}`
      rows.set(id, { ...fields })
      return id
    },
    retrieve(_s: string, id: string, fields?: readonly string[]) {
      const row = rows.get(id)
      if (!row || row.deleted) return undefined
      return Object.fromEntries((fields ?? Object.keys(row)).map((f) => [f, row[f] ?? null]))
    },
    update(_s: string, id: string, fields: RecordFields) {
      const row = rows.get(id)
      if (!row) throw new DmlError('ENTITY_IS_DELETED', 'entity is deleted')
      Object.assign(row, fields)
    },
    delete(_s: string, id: string) {
      const row = rows.get(id)
      if (row) row.deleted = true
    },
    undelete(_s: string, id: string) {
      const row = rows.get(id)
      if (row) delete row.deleted
    },
    purge(_s: string, id: string) {
      rows.delete(id)
      purged.push(id)
    },
    findByExternalId: () => [],
  } as unknown as OrgData
  return { data, rows, purged }
}

test('without a transaction, a failed batch is undone by compensation, newest first', () => {
  const { data, rows, purged } = memoryData()
  const keep = data.create('Thing', { Name: 'kept' }, { userId: 'u' })
  const result = runAtomically(
    data,
    { userId: 'u' },
    (w) => {
      const made = w.create('Thing', { Name: 'new' })
      w.update('Thing', keep, { Name: 'renamed' })
      w.delete('Thing', keep)
      let failed = false
      try {
        w.create('Thing', { Name: 'bad' })
      } catch {
        failed = true
      }
      return { made, failed }
    },
    (r) => r.failed,
  )
  assert.equal(result.failed, true)
  assert.deepEqual(purged, [result.made], 'the created record was removed')
  assert.equal(rows.get(keep)?.Name, 'kept', 'the update was reverted')
  assert.equal(rows.get(keep)?.deleted, undefined, 'the delete was reverted')
})

test('a batch that succeeds keeps its writes; an exception undoes them and propagates', () => {
  const { data, rows } = memoryData()
  const ok = runAtomically(
    data,
    { userId: 'u' },
    (w) => w.create('Thing', { Name: 'a' }),
    () => false,
  )
  assert.equal(rows.get(ok)?.Name, 'a')
  assert.throws(
    () =>
      runAtomically(
        data,
        { userId: 'u' },
        (w) => {
          w.create('Thing', { Name: 'b' })
          throw new Error('boom')
        },
        () => false,
      ),
    /boom/,
  )
  assert.deepEqual(
    [...rows.values()].map((r) => r.Name),
    ['a'],
  )
})

test('with a transaction, a failed batch is rolled back by throwing through it', () => {
  const { data, rows } = memoryData()
  let rolledBack = 0
  const transactional = Object.assign(Object.create(data) as OrgData, {
    transaction<T>(fn: () => T): T {
      const snapshot = new Map([...rows].map(([k, v]) => [k, { ...v }]))
      try {
        return fn()
      } catch (err) {
        rows.clear()
        for (const [k, v] of snapshot) rows.set(k, v)
        rolledBack++
        throw err
      }
    },
  })
  const result = runAtomically(
    transactional,
    { userId: 'u' },
    (w) => [w.create('Thing', { Name: 'x' }), w.create('Thing', { Name: 'y' })],
    () => true,
  )
  assert.equal(result.length, 2, 'the result survives the rollback')
  assert.equal(rolledBack, 1)
  assert.equal(rows.size, 0)
})
