import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parse } from 'csv-parse/sync'
import { CsvRowEncoder, csvText, plainNumber, quoteCsv } from './bulk-csv.ts'

test('every value is quoted, inner quotes doubled, newlines and commas kept inside quotes', () => {
  const enc = new CsvRowEncoder(['other', 'other', 'other'], 'COMMA', 'LF')
  assert.equal(enc.header(['Id', 'Name', 'Account.Name']), '"Id","Name","Account.Name"\n')
  const line = enc.encode(['001', 'He said "hi", then\nleft', 'Zoë’s café ✓'])
  assert.equal(line, '"001","He said ""hi"", then\nleft","Zoë’s café ✓"\n')
  const rows: unknown = parse(line)
  assert.deepEqual((rows as string[][])[0], ['001', 'He said "hi", then\nleft', 'Zoë’s café ✓'])
})

test('nulls are empty quoted fields; booleans, numbers, dates and datetimes per Bulk', () => {
  const enc = new CsvRowEncoder(['other', 'other', 'other', 'other', 'datetime', 'other'], 'COMMA', 'LF')
  assert.equal(
    enc.encode([null, true, 1234.5, '2024-01-31', '2024-01-31T10:00:00.000+0000', false]),
    '"","true","1234.5","2024-01-31","2024-01-31T10:00:00.000Z","false"\n',
  )
})

test('a text column that merely looks like a datetime keeps its text', () => {
  assert.equal(csvText('2024-01-31T10:00:00.000+0000', 'other'), '2024-01-31T10:00:00.000+0000')
  assert.equal(csvText('2024-01-31T10:00:00.000+0000', 'unknown'), '2024-01-31T10:00:00.000Z')
})

test('numbers are plain decimals, never exponents', () => {
  assert.equal(plainNumber(1e21), '1000000000000000000000')
  assert.equal(plainNumber(25000000), '25000000')
  assert.equal(plainNumber(0.5), '0.5')
  assert.equal(plainNumber(1e-7), '0.0000001')
})

test('column delimiters and CRLF line endings', () => {
  const tab = new CsvRowEncoder(['other', 'other'], 'TAB', 'CRLF')
  assert.equal(tab.encode(['a\tb', 'c']), '"a\tb"\t"c"\r\n')
  for (const [name, ch] of [
    ['PIPE', '|'],
    ['SEMICOLON', ';'],
    ['CARET', '^'],
    ['BACKQUOTE', '`'],
  ] as const) {
    const enc = new CsvRowEncoder(['other', 'other'], name, 'LF')
    assert.equal(enc.encode(['x', 'y']), `"x"${ch}"y"\n`)
  }
  assert.equal(quoteCsv(''), '""')
})

test('a row larger than the write buffer, with quotes and multi-byte text, is encoded whole', () => {
  const enc = new CsvRowEncoder(['other', 'other', 'other'], 'COMMA', 'CRLF')
  const long = `${'Zoë’s "café" ✓ 日本 '.repeat(20_000)}end`
  const line = enc.encode(['001', long, null])
  assert.equal(line, `"001","${long.replaceAll('"', '""')}",""\r\n`)
  const rows: unknown = parse(line)
  assert.deepEqual((rows as string[][])[0], ['001', long, ''])
})
