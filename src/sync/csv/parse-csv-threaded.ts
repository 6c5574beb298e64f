/**
 * {@link parseCsvStream} with the decoding and parsing on a worker thread, so that they overlap with
 * what the caller does with the rows (the database writes of a load) on a second core: the issue's
 * "parsing and writing can overlap on the machine's two cores". The caller's thread keeps the HTTP body
 * and cuts each packed batch into values. Same input, same batches, same errors as the in-thread parser
 * (`csv-parser.fuzz.test.ts` checks both against csv-parse).
 *
 * One worker serves every page of the process (pages are numbered), started on first use and kept
 * unreferenced while idle, so it never keeps the process alive. At most {@link MAX_IN_FLIGHT} chunks
 * are in the worker at a time: the HTTP body is read no faster than the rows are consumed.
 */
import { Worker } from 'node:worker_threads'
import { CsvFormatError, type CsvParserOptions, type CsvRow } from './csv-parser.ts'
import type { CsvBatch, CsvSource } from './parse-csv-stream.ts'
import type { FromParser, ToParser } from './csv-parse-thread.ts'

/** Chunks sent and not yet answered; enough to keep the worker busy while a batch is written. */
const MAX_IN_FLIGHT = 8

type Listener = (msg: FromParser) => void

let worker: Worker | undefined
let nextId = 1
let openPages = 0
const listeners = new Map<number, Listener>()

function parserWorker(): Worker {
  if (worker) return worker
  const w = new Worker(new URL('./csv-parse-thread.ts', import.meta.url))
  w.on('message', (msg: FromParser) => listeners.get(msg.id)?.(msg))
  const fail = (err: Error): void => {
    worker = undefined
    for (const [id, listener] of listeners)
      listener({ type: 'error', id, message: `the CSV parser thread stopped: ${err.message}` })
  }
  w.on('error', fail)
  w.on('exit', (code) => fail(new Error(`exit code ${code}`)))
  w.unref()
  worker = w
  return w
}

function send(w: Worker, msg: ToParser, transfer: ArrayBuffer[] = []): void {
  w.postMessage(msg, transfer)
}

/** Cuts a packed batch back into rows of `width` values. */
export function unpackRows(text: string, lengths: Int32Array, count: number): CsvRow[] {
  const rows: CsvRow[] = new Array<CsvRow>(count)
  const width = count === 0 ? 0 : lengths.length / count
  let off = 0
  let k = 0
  for (let r = 0; r < count; r++) {
    const row: CsvRow = new Array<string | null>(width)
    for (let i = 0; i < width; i++) {
      const len = lengths[k++] as number
      if (len < 0) row[i] = null
      else {
        row[i] = text.slice(off, off + len)
        off += len
      }
    }
    rows[r] = row
  }
  return rows
}

/** Same contract as {@link parseCsvStream}; the parsing runs on the shared worker thread. */
export async function* parseCsvStreamThreaded(
  source: CsvSource,
  options: CsvParserOptions = {},
): AsyncGenerator<CsvBatch, void, undefined> {
  const w = parserWorker()
  const id = nextId++
  const answers: FromParser[] = []
  let wake: (() => void) | undefined
  listeners.set(id, (msg) => {
    answers.push(msg)
    wake?.()
  })
  if (openPages++ === 0) w.ref()
  send(w, { type: 'open', id, options })
  const input =
    Symbol.asyncIterator in source
      ? source[Symbol.asyncIterator]()
      : (source as Iterable<Uint8Array | string>)[Symbol.iterator]()
  let inFlight = 0
  let ended = false
  let finished = false
  const encoder = new TextEncoder()
  try {
    while (!finished) {
      // Keep the worker supplied, but never more than MAX_IN_FLIGHT chunks ahead of the caller.
      while (!ended && inFlight < MAX_IN_FLIGHT && answers.length === 0) {
        const next = await input.next()
        if (next.done) {
          send(w, { type: 'end', id })
          ended = true
        } else {
          const chunk = next.value
          // A copy of its own, handed over: the body's buffers may be pooled and reused.
          const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : new Uint8Array(chunk)
          send(w, { type: 'chunk', id, bytes }, [bytes.buffer])
        }
        inFlight++
      }
      if (answers.length === 0)
        await new Promise<void>((resolve) => {
          wake = resolve
        })
      wake = undefined
      const msg = answers.shift()
      if (!msg) continue
      inFlight--
      if (msg.type === 'error') {
        if (msg.record !== undefined)
          throw new CsvFormatError(msg.message.replace(/ \(record \d+\)$/, ''), msg.record)
        throw new Error(msg.message)
      }
      finished = msg.final
      if (msg.count > 0)
        yield { header: msg.header ?? [], rows: unpackRows(msg.text, msg.lengths, msg.count) }
    }
  } finally {
    listeners.delete(id)
    if (!finished) send(w, { type: 'close', id })
    if (--openPages === 0) w.unref()
    if (!finished && !ended) await input.return?.()
  }
}
