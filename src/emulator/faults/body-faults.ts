/**
 * The two faults that damage a response body after the route produced it: a connection dropped in
 * the middle of the body, and a CSV page cut short. Both work on whatever the route sends (a string,
 * a Buffer or a stream, such as a Bulk results page streamed from the store).
 */
import { Readable } from 'node:stream'
import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gzipSync,
  gunzipSync,
  inflateSync,
} from 'node:zlib'

/** A body as Fastify's onSend hook sees it. */
export type BodyPayload = string | Buffer | Readable

function isReadable(payload: unknown): payload is Readable {
  return typeof payload === 'object' && payload !== null && typeof (payload as Readable).pipe === 'function'
}

/** Reads a whole payload into memory (fault paths only: a truncated page is one page). */
export async function payloadBytes(payload: BodyPayload): Promise<Buffer> {
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8')
  if (Buffer.isBuffer(payload)) return payload
  const chunks: Buffer[] = []
  for await (const chunk of payload)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks)
}

/**
 * The bytes of a body up to the point where the connection drops. For a string or Buffer the cut is at
 * byte 1 + floor(position * (length - 1)), so some of the body is sent and some is not. For a stream
 * every chunk but the last passes, and the last is cut at floor(position * its length).
 */
async function* headOfBody(payload: BodyPayload, position: number): AsyncGenerator<Buffer> {
  if (!isReadable(payload)) {
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload
    if (bytes.length < 2) return
    yield bytes.subarray(0, 1 + Math.floor(position * (bytes.length - 1)))
    return
  }
  let held: Buffer | undefined
  for await (const chunk of payload) {
    if (held) yield held
    held = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
  }
  if (held) yield held.subarray(0, Math.floor(position * held.length))
}

/**
 * A stream that sends the head of `payload` and then calls `drop` (which closes the connection)
 * instead of ending. `drop` runs only once the consumer has taken the last chunk, so the head is
 * already written to the response when the connection goes.
 */
export function bodyThatDrops(payload: BodyPayload, position: number, drop: () => void): Readable {
  const head = headOfBody(payload, position)
  return new Readable({
    read() {
      const next = (): void => {
        head.next().then(
          (result) => {
            if (result.done) drop()
            else if (result.value.length === 0) next()
            else this.push(result.value)
          },
          (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
        )
      }
      next()
    },
  })
}

/** Byte offsets where CSV records start (after a line ending outside quotes), without the end. */
function recordStarts(csv: Buffer): number[] {
  const starts: number[] = []
  let inQuotes = false
  for (let i = 0; i < csv.length; i++) {
    const byte = csv[i]
    if (byte === 0x22) inQuotes = !inQuotes
    else if (byte === 0x0a && !inQuotes && i + 1 < csv.length) starts.push(i + 1)
  }
  return starts
}

/**
 * Cuts a CSV page (header row, then records) at a byte between the start of the first record and the
 * start of the last one, so that at least the last record is lost or left incomplete: a client that
 * compares complete records with `Sforce-NumberOfRecords` always notices. Undefined when the page has
 * no record to lose.
 */
export function truncateCsv(csv: Buffer, position: number): Buffer | undefined {
  const starts = recordStarts(csv)
  const first = starts[0]
  const last = starts.at(-1)
  if (first === undefined || last === undefined) return undefined
  return csv.subarray(0, first + Math.floor(position * (last - first + 1)))
}

const CODECS: Record<string, { decode: (b: Buffer) => Buffer; encode: (b: Buffer) => Buffer }> = {
  gzip: { decode: gunzipSync, encode: gzipSync },
  deflate: { decode: inflateSync, encode: deflateSync },
  br: { decode: brotliDecompressSync, encode: brotliCompressSync },
}

/**
 * Truncates an encoded (`gzip`, `deflate`, `br`) or plain CSV body, re-encoding it so that the client
 * decodes a short but valid body. Undefined when there is nothing to cut or the encoding is unknown.
 */
export function truncateEncodedCsv(
  body: Buffer,
  contentEncoding: string | undefined,
  position: number,
): Buffer | undefined {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase()
  if (encoding === 'identity' || encoding === '') return truncateCsv(body, position)
  const codec = CODECS[encoding]
  if (!codec) return undefined
  const cut = truncateCsv(codec.decode(body), position)
  return cut ? codec.encode(cut) : undefined
}
