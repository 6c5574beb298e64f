import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { columnForField, columnsForFields, compareColumn, SALESFORCE_TYPE_KINDS } from './type-mapping.ts'
import { canonicalDecimal, normalizeDatetime, normalizeTime } from './value-conversion.ts'
import { postgresColumnType } from './postgres/postgres-driver.ts'
import { sqliteColumnType } from './sqlite/sqlite-driver.ts'
import type { ColumnDef, FieldSpec } from './destination.ts'

/** Rows of the "Field types" table of docs/type-mapping.md. */
function documentedTypes(): string[][] {
  const doc = readFileSync(new URL('../../docs/type-mapping.md', import.meta.url), 'utf8')
  const section = doc.slice(doc.indexOf('## Field types'), doc.indexOf('## Values on the way in'))
  return section
    .split('\n')
    .filter(
      (line) => line.startsWith('| ') && !line.startsWith('| Salesforce type') && !line.startsWith('| ---'),
    )
    .map((line) =>
      line
        .slice(2, -2)
        .split(' | ')
        .map((cell) => cell.trim()),
    )
}

test('docs/type-mapping.md and the code map every Salesforce type the same way', () => {
  const rows = documentedTypes()
  assert.deepEqual(rows.map((r) => r[0]).sort(), Object.keys(SALESFORCE_TYPE_KINDS).sort())
  for (const [type = '', kind = '', sqlite = '', postgres = ''] of rows) {
    const field: FieldSpec = { name: 'F', type, length: 255, precision: 18, scale: 2 }
    const col = columnForField(field)
    if (kind === '(none)') {
      assert.equal(col, undefined, `${type} is compound: no column`)
      continue
    }
    assert.ok(col, type)
    assert.equal(col.kind, kind, `kind of ${type}`)
    assert.equal(sqliteColumnType(col), sqlite.split(' ')[0], `SQLite type of ${type}`)
    const pgDoc = (postgres.split(/;|, /)[0] ?? '')
      .replace('length', '255')
      .replace('precision,scale', '18,2')
    const pgCol = col
    assert.equal(postgresColumnType(pgCol), pgDoc, `PostgreSQL type of ${type}`)
  }
})

test('columns: id first, compound fields out, isdeleted added when missing, system columns last', () => {
  const cols = columnsForFields([
    { name: 'Name', type: 'string', length: 80 },
    { name: 'Id', type: 'id' },
    { name: 'BillingAddress', type: 'address' },
    { name: 'BillingCity', type: 'string', length: 40 },
    { name: 'Ratio__c', type: 'double', precision: 0, scale: 0 },
  ])
  assert.deepEqual(
    cols.map((c) => [c.column, c.kind]),
    [
      ['id', 'id'],
      ['name', 'text'],
      ['billingcity', 'text'],
      ['ratio__c', 'double'],
      ['isdeleted', 'boolean'],
      ['_sfsync_synced_at', 'datetime'],
    ],
  )
  assert.throws(
    () =>
      columnsForFields([
        { name: 'Id', type: 'id' },
        { name: '_sfsync_x', type: 'string' },
      ]),
    /system columns/,
  )
  assert.equal(
    columnForField({ name: 'X', type: 'brandnewtype' })?.kind,
    'text',
    'unknown types are stored as text',
  )
})

test('compareColumn: widen what fits, keep wider columns, rebuild the rest', () => {
  const c = (kind: ColumnDef['kind'], length = 0, precision = 0, scale = 0): ColumnDef => ({
    column: 'c',
    field: 'C',
    sfType: 'x',
    kind,
    length,
    precision,
    scale,
  })
  assert.equal(compareColumn(c('text', 80), c('text', 255)), 'widen')
  assert.equal(compareColumn(c('text', 255), c('text', 80)), 'none')
  assert.equal(compareColumn(c('text', 80), c('text', 0)), 'widen')
  assert.equal(compareColumn(c('id', 18), c('text', 255)), 'widen')
  assert.equal(compareColumn(c('integer'), c('bigint')), 'widen')
  assert.equal(compareColumn(c('integer'), c('decimal', 0, 18, 2)), 'widen')
  assert.equal(compareColumn(c('integer'), c('decimal', 0, 5, 2)), 'rebuild')
  assert.equal(compareColumn(c('decimal', 0, 10, 2), c('decimal', 0, 16, 4)), 'widen')
  assert.equal(compareColumn(c('decimal', 0, 16, 4), c('decimal', 0, 10, 2)), 'none')
  assert.equal(compareColumn(c('decimal', 0, 10, 2), c('decimal', 0, 10, 4)), 'rebuild')
  assert.equal(compareColumn(c('decimal', 0, 18, 2), c('decimal', 0, 18, 2)), 'none')
  assert.equal(compareColumn(c('text', 20), c('date')), 'rebuild')
  assert.equal(compareColumn(c('datetime'), c('date')), 'rebuild')
  assert.equal(compareColumn(c('boolean'), c('boolean')), 'none')
})

test('datetimes: both Salesforce forms take the fast path; other offsets become UTC; junk is refused', () => {
  assert.equal(normalizeDatetime('2024-01-31T10:00:00.123Z', 'c'), '2024-01-31T10:00:00.123Z')
  assert.equal(normalizeDatetime('2024-01-31T10:00:00.123+0000', 'c'), '2024-01-31T10:00:00.123Z')
  assert.equal(normalizeDatetime('2024-01-31T10:00:00-0800', 'c'), '2024-01-31T18:00:00.000Z')
  assert.equal(normalizeDatetime('2024-01-31T10:00:00.5+01:00', 'c'), '2024-01-31T09:00:00.500Z')
  assert.throws(() => normalizeDatetime('2024-01-31', 'c'), /Column "c": the value is not a datetime/)
  assert.throws(() => normalizeDatetime('2024-13-45T10:00:00Z', 'c'), /not a datetime/)
  assert.equal(normalizeTime('22:12:30.999Z', 'c'), '22:12:30.999Z')
  assert.equal(normalizeTime('08:00:00', 'c'), '08:00:00.000Z')
  assert.throws(() => normalizeTime('24:00:00', 'c'), /not a time/)
})

test('canonicalDecimal drops needless zeros and exponents, keeps every digit of a string', () => {
  const cases: [string | number, string][] = [
    ['1234.50', '1234.5'],
    ['0.10', '0.1'],
    ['-0.500', '-0.5'],
    ['0.00', '0'],
    ['-0', '0'],
    ['007', '7'],
    ['+3.0', '3'],
    ['1e3', '1000'],
    ['1.5E-3', '0.0015'],
    ['1234567890123456.78', '1234567890123456.78'],
    [1e-7, '0.0000001'],
    [2.5, '2.5'],
    [1e21, '1000000000000000000000'],
    [-12, '-12'],
  ]
  for (const [input, expected] of cases) assert.equal(canonicalDecimal(input), expected, String(input))
})
