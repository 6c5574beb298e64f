/**
 * Fuzz test of our CSV parser against `csv-parse` as the oracle: thousands of random pages (fields with
 * quotes, delimiters, CR, LF, CRLF, unicode, empty and null values; every delimiter and line ending)
 * cut into random chunks (bytes split inside UTF-8 characters, strings split anywhere). The seed is
 * fixed, so a failure names a case that can be replayed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parse } from 'csv-parse/sync'
import { CsvParser, COLUMN_DELIMITERS } from './csv-parser.ts'
import type { ColumnDelimiter, CsvRow, LineEnding } from './csv-parser.ts'
import { parseCsvStream } from './parse-csv-stream.ts'

const SEED = 0x5f0c2024
const CASES = 3000

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface FuzzCase {
  readonly delimiter: ColumnDelimiter
  readonly lineEnding: LineEnding
  readonly text: string
  readonly expected: CsvRow[]
}

const PIECES = [
  'a',
  'Z',
  '0',
  ' ',
  'é',
  '’',
  '😀',
  '日本',
  '"',
  '""',
  '\r',
  '\n',
  '\r\n',
  ',',
  '\t',
  '|',
  ';',
  '^',
  '`',
  'NA',
]

function randomCase(rand: () => number): FuzzCase {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T
  const delimiter = pick(Object.keys(COLUMN_DELIMITERS) as ColumnDelimiter[])
  const lineEnding: LineEnding = rand() < 0.5 ? 'LF' : 'CRLF'
  const d = COLUMN_DELIMITERS[delimiter]
  const term = lineEnding === 'LF' ? '\n' : '\r\n'
  const quoteAll = rand() < 0.5 // Salesforce quotes every value; other writers quote only when needed
  const width = 1 + Math.floor(rand() * 6)
  const count = Math.floor(rand() * 12)
  const header = Array.from({ length: width }, (_, i) => `F${i}`)
  const expected: CsvRow[] = []
  const lines = [header.map((h) => (quoteAll ? `"${h}"` : h)).join(d)]
  for (let r = 0; r < count; r++) {
    const row: CsvRow = []
    const cells: string[] = []
    for (let c = 0; c < width; c++) {
      const kind = rand()
      if (kind < 0.12) {
        row.push(null) // null: an empty field, quoted or not
        cells.push(quoteAll || rand() < 0.5 ? '""' : '')
        continue
      }
      let value = ''
      const n = 1 + Math.floor(rand() * 8)
      for (let k = 0; k < n; k++) value += pick(PIECES)
      row.push(value)
      const needsQuotes = /["\r\n]/.test(value) || value.includes(d)
      cells.push(quoteAll || needsQuotes ? `"${value.replaceAll('"', '""')}"` : value)
    }
    // A record whose only field is an unquoted null would be a blank line: quote it as Salesforce does.
    if (width === 1 && cells[0] === '') cells[0] = '""'
    expected.push(row)
    lines.push(cells.join(d))
  }
  const trailing = rand() < 0.85 ? term : ''
  return { delimiter, lineEnding, text: lines.join(term) + (lines.length > 0 ? trailing : ''), expected }
}

/** csv-parse configured like our parser; `cast` keeps unquoted empty fields apart (null). */
function oracle(c: FuzzCase, quotedEmpty: 'null' | 'empty'): CsvRow[] {
  const records = parse(c.text, {
    delimiter: COLUMN_DELIMITERS[c.delimiter],
    record_delimiter: c.lineEnding === 'LF' ? '\n' : '\r\n',
    cast: (value: string, context: { quoting: boolean }) =>
      value === '' && (!context.quoting || quotedEmpty === 'null') ? null : value,
  }) as CsvRow[]
  return records.slice(1)
}

function cutString(text: string, rand: () => number): string[] {
  const parts: string[] = []
  let i = 0
  while (i < text.length) {
    const n = 1 + Math.floor(rand() * Math.min(40, text.length - i))
    parts.push(text.slice(i, i + n))
    i += n
  }
  return parts
}

function cutBytes(text: string, rand: () => number): Uint8Array[] {
  const bytes = Buffer.from(text, 'utf8')
  const parts: Uint8Array[] = []
  let i = 0
  while (i < bytes.length) {
    const n = 1 + Math.floor(rand() * Math.min(60, bytes.length - i))
    parts.push(Uint8Array.from(bytes.subarray(i, i + n)))
    i += n
  }
  return parts
}

test(`fuzz: ${CASES} random pages agree with csv-parse, whole and in random chunks`, async () => {
  const rand = prng(SEED)
  let rowsChecked = 0
  for (let n = 0; n < CASES; n++) {
    const c = randomCase(rand)
    const label = `case ${n} (seed ${SEED}): ${JSON.stringify(c.text).slice(0, 200)}`
    const quotedEmpty = rand() < 0.5 ? 'null' : 'empty'
    const options = { columnDelimiter: c.delimiter, lineEnding: c.lineEnding, quotedEmpty } as const

    const expected = oracle(c, quotedEmpty)
    if (quotedEmpty === 'null')
      assert.deepEqual(expected, c.expected, `generator and oracle disagree, ${label}`)

    const whole = new CsvParser(options)
    assert.deepEqual([...whole.push(c.text), ...whole.end()], expected, `whole text, ${label}`)

    const strings = new CsvParser(options)
    const fromStrings: CsvRow[] = []
    for (const part of cutString(c.text, rand)) fromStrings.push(...strings.push(part))
    fromStrings.push(...strings.end())
    assert.deepEqual(fromStrings, expected, `string chunks, ${label}`)

    const fromBytes: CsvRow[] = []
    for await (const batch of parseCsvStream(cutBytes(c.text, rand), options)) fromBytes.push(...batch.rows)
    assert.deepEqual(fromBytes, expected, `byte chunks, ${label}`)
    rowsChecked += expected.length
  }
  assert.ok(rowsChecked > CASES, `only ${rowsChecked} records were generated`)
})
