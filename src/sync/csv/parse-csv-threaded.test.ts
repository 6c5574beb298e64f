import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CsvFormatError } from './csv-parser.ts'
import { parseCsvStream } from './parse-csv-stream.ts'
import { parseCsvStreamThreaded, unpackRows } from './parse-csv-threaded.ts'
import { packRows } from './csv-parse-thread.ts'

const enc = new TextEncoder()

async function* slowly(parts: readonly string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) {
    await new Promise((r) => setImmediate(r))
    yield enc.encode(p)
  }
}

test('packed rows come back as they went: nulls, empty strings, unicode', () => {
  const rows = [
    ['001', null, ''],
    ['Zoë’s café ✓ 日本 😀', 'a"b', null],
  ]
  const { text, lengths } = packRows(rows)
  assert.deepEqual(unpackRows(text, lengths, 2), rows)
})

test('a large page: the same rows as the in-thread parser, in order, with a byte-order mark', async () => {
  const lines = ['\uFEFF"Id","Name","Note"\n']
  for (let i = 0; i < 20_000; i++)
    lines.push(`"${i}","Name ${i} é","${i % 3 === 0 ? '' : 'line\nbreak ""q""'}"\n`)
  const text = lines.join('')
  // Uneven chunks, cut inside multi-byte characters too.
  const bytes = Buffer.from(text, 'utf8')
  const chunks: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += 7919) chunks.push(bytes.subarray(i, i + 7919))
  const inline: unknown[] = []
  for await (const b of parseCsvStream(chunks)) inline.push(...b.rows)
  const threaded: unknown[] = []
  let header: readonly string[] = []
  for await (const b of parseCsvStreamThreaded(chunks)) {
    header = b.header
    threaded.push(...b.rows)
  }
  assert.deepEqual(header, ['Id', 'Name', 'Note'])
  assert.equal(threaded.length, 20_000)
  assert.deepEqual(threaded, inline)
})

test('a broken page fails with the same CsvFormatError as in this thread', async () => {
  const broken = ['"Id","Name"\n"1","a"\n"2","unclosed\n']
  const inline = await (async () => {
    for await (const _ of parseCsvStream(slowly(broken))) void _
  })().catch((e: unknown) => e)
  const threaded = await (async () => {
    for await (const _ of parseCsvStreamThreaded(slowly(broken))) void _
  })().catch((e: unknown) => e)
  assert.ok(inline instanceof CsvFormatError)
  assert.ok(threaded instanceof CsvFormatError)
  assert.equal(threaded.message, inline.message)
  assert.equal(threaded.record, inline.record)
})

test('a reader that stops early cancels the source, and pages after it parse normally', async () => {
  let cancelled = false
  async function* endless(): AsyncGenerator<Uint8Array> {
    try {
      yield enc.encode('"Id"\n')
      for (let i = 0; ; i++) yield enc.encode(`"${i}"\n`)
    } finally {
      cancelled = true
    }
  }
  let seen = 0
  for await (const b of parseCsvStreamThreaded(endless())) {
    seen += b.rows.length
    if (seen >= 100) break
  }
  assert.ok(cancelled, 'the source was closed')
  const rows: unknown[] = []
  for await (const b of parseCsvStreamThreaded(slowly(['"Id"\n"x"\n', '"y"']))) rows.push(...b.rows)
  assert.deepEqual(rows, [['x'], ['y']])
})
