/**
 * A Bulk query job's results on disk: the CSV rows in one file and, next to it, an index of each row's
 * byte offset (8 bytes a row), so that any page (`locator`, `maxRecords`) is served as one byte range
 * of the file, streamed, without ever holding the results in memory.
 */
import { createReadStream } from 'node:fs'
import { open, rm, type FileHandle } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { JsonValue } from '../data/org-data.ts'
import { ByteSink, type CsvRowEncoder } from './bulk-csv.ts'

/** Buffered bytes before each write to disk. */
const WRITE_CHUNK_BYTES = 1 << 20

/** Writes the rows of one result file; `finish()` returns the readable file. */
export class ResultsFileWriter {
  readonly #csvPath: string
  readonly #indexPath: string
  readonly #header: Buffer
  #csv: FileHandle | undefined
  #index: FileHandle | undefined
  /** Rows encoded since the last flush, and the byte offset in the file where each starts. */
  readonly #pending = new ByteSink(WRITE_CHUNK_BYTES + (WRITE_CHUNK_BYTES >> 2))
  #starts = new Float64Array(4096)
  #pendingRows = 0
  #bytesWritten = 0
  #rows = 0

  private constructor(csvPath: string, indexPath: string, header: Buffer) {
    this.#csvPath = csvPath
    this.#indexPath = indexPath
    this.#header = header
  }

  /** Opens the two files for writing. */
  static async create(basePath: string, header: string): Promise<ResultsFileWriter> {
    const writer = new ResultsFileWriter(`${basePath}.csv`, `${basePath}.idx`, Buffer.from(header, 'utf8'))
    writer.#csv = await open(writer.#csvPath, 'w')
    writer.#index = await open(writer.#indexPath, 'w')
    return writer
  }

  get rows(): number {
    return this.#rows
  }

  #startRow(): void {
    if (this.#pendingRows === this.#starts.length) {
      const grown = new Float64Array(this.#starts.length * 2)
      grown.set(this.#starts)
      this.#starts = grown
    }
    this.#starts[this.#pendingRows++] = this.#bytesWritten + this.#pending.length
    this.#rows++
  }

  /** Adds one encoded CSV line (with its line ending); call `flush()` when `shouldFlush` says so. */
  add(line: string): void {
    this.#startRow()
    this.#pending.append(line)
  }

  /** Adds one row, encoded straight into the write buffer. */
  addRow(row: readonly JsonValue[], encoder: CsvRowEncoder): void {
    this.#startRow()
    encoder.encodeInto(row, this.#pending)
  }

  /** True once enough bytes wait in memory to be worth one write. */
  get shouldFlush(): boolean {
    return this.#pending.length >= WRITE_CHUNK_BYTES
  }

  /** Writes the buffered lines to disk. */
  async flush(): Promise<void> {
    await this.#flush()
  }

  async #flush(): Promise<void> {
    const sink = this.#pending
    if (this.#pendingRows === 0) return
    const bytes = sink.length
    await this.#csv?.write(sink.buffer, 0, bytes)
    await this.#index?.write(Buffer.from(this.#starts.buffer, 0, this.#pendingRows * 8))
    this.#bytesWritten += bytes
    sink.length = 0
    this.#pendingRows = 0
  }

  /** Flushes and closes; the result can then serve pages. */
  async finish(): Promise<ResultsFile> {
    await this.#flush()
    await this.#csv?.close()
    await this.#index?.close()
    this.#csv = undefined
    this.#index = undefined
    return new ResultsFile(this.#csvPath, this.#indexPath, this.#header, this.#rows, this.#bytesWritten)
  }

  /** Closes and deletes whatever was written (an aborted or failed job). */
  async discard(): Promise<void> {
    await this.#csv?.close().catch(() => undefined)
    await this.#index?.close().catch(() => undefined)
    this.#csv = undefined
    this.#index = undefined
    await rm(this.#csvPath, { force: true })
    await rm(this.#indexPath, { force: true })
  }
}

/** One page of results: its rows and the bytes that hold them. */
export interface ResultsPage {
  readonly rows: number
  /** Byte length of the page, header included. */
  readonly contentLength: number
  /** The page's bytes, streamed from disk (the header first). */
  stream(): Readable
}

/** A finished result: header in memory, rows on disk, row offsets in the index file. */
export class ResultsFile {
  readonly csvPath: string
  readonly indexPath: string
  readonly header: Buffer
  readonly rowCount: number
  /** Bytes of the rows (without the header). */
  readonly byteLength: number

  constructor(csvPath: string, indexPath: string, header: Buffer, rowCount: number, byteLength: number) {
    this.csvPath = csvPath
    this.indexPath = indexPath
    this.header = header
    this.rowCount = rowCount
    this.byteLength = byteLength
  }

  /** The byte offset where row `row` starts (`rowCount` gives the end of the file). */
  async #offsets(first: number, end: number): Promise<[number, number]> {
    if (first >= this.rowCount) return [this.byteLength, this.byteLength]
    const fh = await open(this.indexPath, 'r')
    try {
      const buf = Buffer.alloc(8)
      await fh.read(buf, 0, 8, first * 8)
      const start = buf.readDoubleLE(0)
      if (end >= this.rowCount) return [start, this.byteLength]
      await fh.read(buf, 0, 8, end * 8)
      return [start, buf.readDoubleLE(0)]
    } finally {
      await fh.close()
    }
  }

  /** Rows `[first, first + max)`, clipped to the result. */
  async page(first: number, max: number): Promise<ResultsPage> {
    const end = Math.min(this.rowCount, first + max)
    const rows = Math.max(0, end - first)
    const [start, stop] = await this.#offsets(first, end)
    const header = this.header
    const csvPath = this.csvPath
    return {
      rows,
      contentLength: header.length + (stop - start),
      stream(): Readable {
        async function* bytes(): AsyncGenerator<Buffer> {
          yield header
          if (stop <= start) return
          // 1 MiB reads: few syscalls and few chunks through the HTTP stack.
          yield* createReadStream(csvPath, { start, end: stop - 1, highWaterMark: 1 << 20 })
        }
        return Readable.from(bytes(), { objectMode: false })
      },
    }
  }

  /** Deletes the files. */
  async remove(): Promise<void> {
    await rm(this.csvPath, { force: true })
    await rm(this.indexPath, { force: true })
  }
}
