import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CsvParser, CsvFormatError } from './csv-parser.ts'
import type { CsvParserOptions, CsvRow } from './csv-parser.ts'
import { parseCsvStream } from './parse-csv-stream.ts'

function parseAll(text: string, options: CsvParserOptions = {}): CsvRow[] {
  const p = new CsvParser(options)
  return [...p.push(text), ...p.end()]
}

async function collect(
  chunks: (string | Uint8Array)[],
  options: CsvParserOptions = {},
): Promise<{ header: readonly string[] | undefined; rows: CsvRow[] }> {
  let header: readonly string[] | undefined
  const rows: CsvRow[] = []
  for await (const batch of parseCsvStream(chunks, options)) {
    header = batch.header
    rows.push(...batch.rows)
  }
  return { header, rows }
}

test('reads the header and quoted Bulk records, with doubled quotes and embedded newlines', () => {
  const p = new CsvParser()
  const rows = [
    ...p.push('"Id","Name","Description"\n"001","Acme ""Inc""","line1\nline2, still"\n'),
    ...p.end(),
  ]
  assert.deepEqual(p.header, ['Id', 'Name', 'Description'])
  assert.deepEqual(rows, [['001', 'Acme "Inc"', 'line1\nline2, still']])
})

test('an unquoted empty field is null; a quoted empty field is null by default and "" on request', () => {
  assert.deepEqual(parseAll('a,b,c\n,"",x\n'), [[null, null, 'x']])
  assert.deepEqual(parseAll('a,b,c\n,"",x\n', { quotedEmpty: 'empty' }), [[null, '', 'x']])
  assert.deepEqual(parseAll('a,b\n"x",\n'), [['x', null]])
})

test('every Bulk 2.0 columnDelimiter works', () => {
  const delimiters = { COMMA: ',', TAB: '\t', PIPE: '|', SEMICOLON: ';', CARET: '^', BACKQUOTE: '`' } as const
  for (const [name, d] of Object.entries(delimiters)) {
    const text = `"h1"${d}"h2"\n"a${d}b"${d}plain\n`
    assert.deepEqual(parseAll(text, { columnDelimiter: name as keyof typeof delimiters }), [
      [`a${d}b`, 'plain'],
    ])
  }
})

test('CRLF line endings: \\r\\n ends a record, a lone \\r or \\n inside an unquoted field is data', () => {
  const text = 'a,b\r\n"x\r\ny",p\rq\r\nr\ns,t\r\n'
  assert.deepEqual(parseAll(text, { lineEnding: 'CRLF' }), [
    ['x\r\ny', 'p\rq'],
    ['r\ns', 't'],
  ])
})

test('LF line endings: a \\r before \\n stays in an unquoted field, as csv-parse does', () => {
  assert.deepEqual(parseAll('a\nx\r\n'), [['x\r']])
})

test('a last record without a line ending is read at the end', () => {
  assert.deepEqual(parseAll('a,b\n"1","2"'), [['1', '2']])
  assert.deepEqual(parseAll('a,b\n1,'), [['1', null]])
})

test('chunk boundaries inside a doubled quote, after a closing quote and between \\r and \\n', () => {
  const text = '"a","b"\r\n"x""y","z"\r\n"p","q"\r\n'
  for (let cut = 0; cut <= text.length; cut++) {
    const p = new CsvParser({ lineEnding: 'CRLF' })
    const rows = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut)), ...p.end()]
    assert.deepEqual(
      rows,
      [
        ['x"y', 'z'],
        ['p', 'q'],
      ],
      `cut at ${cut}`,
    )
  }
})

test('records are emitted as soon as they are complete, not at the end', () => {
  const p = new CsvParser()
  assert.deepEqual(p.push('"a"\n"1"\n"2'), [['1']])
  assert.deepEqual(p.push('"\n'), [['2']])
  assert.deepEqual(p.end(), [])
  assert.equal(p.records, 3)
})

test('malformed pages fail with the record number', () => {
  assert.throws(
    () => parseAll('a,b\n"1","2"\n"3"\n'),
    (e: unknown) => {
      assert.ok(e instanceof CsvFormatError)
      assert.equal(e.record, 3)
      assert.match(e.message, /Record has 1 fields, the header has 2/)
      return true
    },
  )
  assert.throws(() => parseAll('a\n"unclosed\n'), /Unclosed quoted field at end of page \(record 2\)/)
  assert.throws(() => parseAll('a\n"x"y\n'), /Unexpected character "y" after a closing quote/)
  assert.throws(
    () => new CsvParser({ columnDelimiter: 'SPACE' as 'COMMA' }),
    /Unknown columnDelimiter "SPACE"/,
  )
})

test('NUL characters are dropped unless asked to keep them', () => {
  assert.deepEqual(parseAll('a\n"x\0y"\n'), [['xy']])
  assert.deepEqual(parseAll('a\n"x\0y"\n', { stripNul: false }), [['x\0y']])
})

test('parseCsvStream decodes UTF-8 split inside a character, drops a BOM and accepts strings', async () => {
  const bytes = Buffer.from('\uFEFF"Name"\n"Zoë ’ 😀"\n"日本"\n', 'utf8')
  const oneByteChunks = [...bytes].map((b) => Uint8Array.of(b))
  const result = await collect(oneByteChunks)
  assert.deepEqual(result.header, ['Name'])
  assert.deepEqual(result.rows, [['Zoë ’ 😀'], ['日本']])
  const fromStrings = await collect(['"Name"\n"Zo', 'ë"\n'])
  assert.deepEqual(fromStrings.rows, [['Zoë']])
})

test('parseCsvStream cuts a large string into pieces and keeps records whole', async () => {
  const long = 'x'.repeat(100_000)
  const text = `"a","b"\n"${long}","1"\n"short","2"\n`
  const batches: number[] = []
  const rows: CsvRow[] = []
  for await (const batch of parseCsvStream([text])) {
    batches.push(batch.rows.length)
    rows.push(...batch.rows)
  }
  assert.deepEqual(rows, [
    [long, '1'],
    ['short', '2'],
  ])
  assert.ok(batches.length >= 1)
})

test('a page with only a header yields no batch', async () => {
  assert.deepEqual((await collect(['"Id","Name"\n'])).rows, [])
})
