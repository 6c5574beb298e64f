/**
 * The worker thread of {@link parseCsvStreamThreaded}: decodes and parses CSV pages sent as byte chunks
 * and answers each chunk with the records it completed, packed as one string of every value and one
 * array of lengths (-1 for null), which cross the thread boundary as two copies instead of one object
 * per value. Several pages can be open at once, each under its own id.
 */
import { parentPort } from 'node:worker_threads'
import { CsvFormatError, CsvParser, type CsvParserOptions, type CsvRow } from './csv-parser.ts'
import { MAX_DECODE_CHARS } from './parse-csv-stream.ts'

/** What the main thread sends. */
export type ToParser =
  | { readonly type: 'open'; readonly id: number; readonly options: CsvParserOptions }
  | { readonly type: 'chunk'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly type: 'end'; readonly id: number }
  | { readonly type: 'close'; readonly id: number }

/** What the worker answers: one message per chunk, and one for the end. */
export type FromParser =
  | {
      readonly type: 'rows'
      readonly id: number
      readonly header: readonly string[] | undefined
      readonly count: number
      readonly text: string
      readonly lengths: Int32Array
      readonly final: boolean
    }
  | {
      readonly type: 'error'
      readonly id: number
      readonly message: string
      /** Set for a {@link CsvFormatError}. */
      readonly record?: number
    }

interface Page {
  readonly parser: CsvParser
  readonly decoder: InstanceType<typeof TextDecoder>
  first: boolean
}

/** Packs rows for the trip to the main thread. */
export function packRows(rows: readonly CsvRow[]): { text: string; lengths: Int32Array } {
  let n = 0
  for (const r of rows) n += r.length
  const lengths = new Int32Array(n)
  const parts: string[] = []
  let k = 0
  for (const r of rows)
    for (const v of r) {
      if (v === null) lengths[k++] = -1
      else {
        lengths[k++] = v.length
        parts.push(v)
      }
    }
  return { text: parts.join(''), lengths }
}

if (parentPort) {
  const port = parentPort
  const pages = new Map<number, Page>()
  const feed = (page: Page, text: string, out: CsvRow[]): void => {
    if (page.first && text.length > 0) {
      page.first = false
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    for (const row of page.parser.push(text)) out.push(row)
  }
  const reply = (id: number, page: Page, rows: CsvRow[], final: boolean): void => {
    const { text, lengths } = packRows(rows)
    const msg: FromParser = {
      type: 'rows',
      id,
      header: page.parser.header,
      count: rows.length,
      text,
      lengths,
      final,
    }
    port.postMessage(msg, [lengths.buffer as ArrayBuffer])
  }
  port.on('message', (msg: ToParser) => {
    if (msg.type === 'open') {
      pages.set(msg.id, {
        parser: new CsvParser(msg.options),
        decoder: new TextDecoder('utf-8'),
        first: true,
      })
      return
    }
    const page = pages.get(msg.id)
    if (!page) return // closed by the main thread: what was still on its way is dropped
    if (msg.type === 'close') {
      pages.delete(msg.id)
      return
    }
    try {
      const rows: CsvRow[] = []
      if (msg.type === 'chunk') {
        const bytes = msg.bytes
        // UTF-8 never decodes to more UTF-16 units than bytes, so byte pieces bound the string length.
        for (let i = 0; i < bytes.length; i += MAX_DECODE_CHARS)
          feed(page, page.decoder.decode(bytes.subarray(i, i + MAX_DECODE_CHARS), { stream: true }), rows)
        reply(msg.id, page, rows, false)
      } else {
        feed(page, page.decoder.decode(), rows)
        for (const row of page.parser.end()) rows.push(row)
        pages.delete(msg.id)
        reply(msg.id, page, rows, true)
      }
    } catch (err) {
      pages.delete(msg.id)
      const answer: FromParser =
        err instanceof CsvFormatError
          ? { type: 'error', id: msg.id, message: err.message, record: err.record }
          : { type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) }
      port.postMessage(answer)
    }
  })
}
