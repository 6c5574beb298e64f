/**
 * A small streaming CSV parser for Bulk API 2.0 query result pages.
 *
 * Why our own and not `csv-parse`: parsing is the first bottleneck of the initial load. Measured on this
 * machine on 30-column Account-like rows (reference/perf-limits.md, DESIGN.md): `csv-parse` reaches
 * 61k rows/s, a hand-written `indexOf` loop over ≤ 32 KiB decoded strings 285k rows/s (4.7×), which
 * lifts HTTP → SQLite from 33k to 60k rows/s and HTTP → PostgreSQL COPY from 38k to 117k rows/s.
 * `bench/csv-parse.ts` re-measures ours against `csv-parse` in the same process, and
 * `csv-parser.fuzz.test.ts` checks it against `csv-parse` as the oracle.
 *
 * Format (reference/salesforce-data-api.md §4.2, RFC 4180): a header row, then one record per line;
 * Salesforce quotes every value, doubles embedded quotes and keeps newlines inside quotes. The column
 * delimiter and the line ending are the job's `columnDelimiter` and `lineEnding`.
 *
 * How it stays simple: it emits complete records only. When a chunk ends inside a record (inside a
 * quoted field, between a quote pair, between `\r` and `\n`), the unfinished record's text is carried
 * over and parsed again, from its first character, together with the next chunk. Records are about
 * 660 bytes against 32 KiB chunks, so the re-scan costs a few percent.
 */

/** Bulk API 2.0 `columnDelimiter` values and the character each stands for. */
export const COLUMN_DELIMITERS = {
  COMMA: ',',
  TAB: '\t',
  PIPE: '|',
  SEMICOLON: ';',
  CARET: '^',
  BACKQUOTE: '`',
} as const

/** Bulk API 2.0 `columnDelimiter`. */
export type ColumnDelimiter = keyof typeof COLUMN_DELIMITERS

/** Bulk API 2.0 `lineEnding`. */
export type LineEnding = 'LF' | 'CRLF'

/** One parsed record: `null` for an empty field (see {@link CsvParserOptions.quotedEmpty}). */
export type CsvRow = (string | null)[]

/** Options of {@link CsvParser}. */
export interface CsvParserOptions {
  /** The job's `columnDelimiter`. Default `COMMA`. */
  readonly columnDelimiter?: ColumnDelimiter
  /** The job's `lineEnding`. Default `LF`. In `LF` mode a lone `\r` is data; in `CRLF` mode a lone `\n` is. */
  readonly lineEnding?: LineEnding
  /**
   * What a quoted empty field (`""`) means. Default `'null'`: Salesforce writes null as an empty field,
   * and whether it is quoted is UNCONFIRMED (reference §4.2: "parsers must accept both forms"; real
   * orgs do not store empty strings in text fields), so both forms are null. `'empty'` keeps `""` as
   * the empty string. An unquoted empty field is always null.
   */
  readonly quotedEmpty?: 'null' | 'empty'
  /**
   * Drop NUL characters. Default true: they have been seen in Bulk results and PostgreSQL text cannot
   * hold them (airbyte `filter_null_bytes`, tap-salesforce strip them too; reference §4.2).
   */
  readonly stripNul?: boolean
}

/** A malformed CSV page; `record` is the 1-based record number (the header is record 1). */
export class CsvFormatError extends Error {
  readonly record: number
  constructor(message: string, record: number) {
    super(`${message} (record ${record})`)
    this.name = 'CsvFormatError'
    this.record = record
  }
}

const QUOTE = 34

/**
 * Push-based parser: feed decoded text with {@link CsvParser.push}, call {@link CsvParser.end} at the end
 * of the page. The first record is the header ({@link CsvParser.header}); every later record must have
 * as many fields as the header.
 * @example
 * const p = new CsvParser({ columnDelimiter: 'COMMA', lineEnding: 'LF' })
 * const rows = [...p.push('"Id","Name"\n"001","Acme"\n'), ...p.end()] // [['001', 'Acme']]
 */
export class CsvParser {
  readonly #delim: string
  readonly #delimCode: number
  readonly #term: string
  readonly #emptyQuoted: string | null
  readonly #stripNul: boolean
  #carry = ''
  #header: string[] | undefined
  #width = -1
  #records = 0
  #ended = false

  constructor(options: CsvParserOptions = {}) {
    const delimiter = options.columnDelimiter ?? 'COMMA'
    const delim = COLUMN_DELIMITERS[delimiter] as string | undefined
    if (delim === undefined)
      throw new TypeError(
        `Unknown columnDelimiter ${JSON.stringify(delimiter)}: expected one of ${Object.keys(COLUMN_DELIMITERS).join(', ')}`,
      )
    const lineEnding = options.lineEnding ?? 'LF'
    if (lineEnding !== 'LF' && lineEnding !== 'CRLF')
      throw new TypeError(`Unknown lineEnding ${JSON.stringify(lineEnding)}: expected LF or CRLF`)
    this.#delim = delim
    this.#delimCode = delim.charCodeAt(0)
    this.#term = lineEnding === 'LF' ? '\n' : '\r\n'
    this.#emptyQuoted = options.quotedEmpty === 'empty' ? '' : null
    this.#stripNul = options.stripNul ?? true
  }

  /** The header row, once it has been read. */
  get header(): readonly string[] | undefined {
    return this.#header
  }

  /** Number of records read so far, header included. */
  get records(): number {
    return this.#records
  }

  /** Parses `text` and returns the data records it completed (possibly none). */
  push(text: string): CsvRow[] {
    if (this.#ended) throw new Error('CsvParser.push() after end()')
    const out: CsvRow[] = []
    if (text.length === 0) return out
    if (this.#stripNul && text.indexOf('\0') !== -1) text = text.replaceAll('\0', '')
    const s = this.#carry.length === 0 ? text : this.#carry + text
    this.#carry = s.slice(this.#parse(s, false, out))
    return out
  }

  /** Ends the page: parses what is left (a last record without a line ending) and checks it is complete. */
  end(): CsvRow[] {
    if (this.#ended) return []
    this.#ended = true
    const out: CsvRow[] = []
    const s = this.#carry
    this.#carry = ''
    this.#parse(s, true, out)
    return out
  }

  /** Parses complete records of `s` into `out`; returns where the first incomplete record starts. */
  #parse(s: string, final: boolean, out: CsvRow[]): number {
    const len = s.length
    const delim = this.#delim
    const delimCode = this.#delimCode
    const term = this.#term
    const termLen = term.length
    const termCode = term.charCodeAt(0)
    let nextDelim = s.indexOf(delim)
    let nextTerm = s.indexOf(term)
    const emptyQuoted = this.#emptyQuoted
    const width = this.#width
    let rowStart = 0
    while (rowStart < len) {
      // Known width after the header: a preallocated array, filled by index.
      const row: CsvRow = width > 0 ? new Array<string | null>(width) : []
      let k = 0
      let pos = rowStart
      for (;;) {
        if (pos < len && s.charCodeAt(pos) === QUOTE) {
          // Quoted field: jump from quote to quote; a doubled quote is one literal quote.
          let start = pos + 1
          let value: string | undefined
          let closed = false
          for (;;) {
            const q = s.indexOf('"', start)
            if (q === -1) break
            if (q + 1 < len && s.charCodeAt(q + 1) === QUOTE) {
              value = value === undefined ? s.slice(start, q + 1) : value + s.slice(start, q + 1)
              start = q + 2
              continue
            }
            if (q + 1 >= len && !final) break // the next chunk may start with the second quote of a pair
            value = value === undefined ? s.slice(start, q) : value + s.slice(start, q)
            pos = q + 1
            closed = true
            break
          }
          if (!closed) {
            if (final) throw new CsvFormatError('Unclosed quoted field at end of page', this.#records + 1)
            return rowStart
          }
          row[k++] = value === '' ? emptyQuoted : (value as string)
          if (pos >= len) {
            if (!final) return rowStart
            break
          }
          const c = s.charCodeAt(pos)
          if (c === delimCode) {
            pos++
            continue
          }
          if (c === termCode) {
            if (termLen === 1) {
              pos++
              break
            }
            if (pos + 1 >= len) {
              if (!final) return rowStart
            } else if (s.charCodeAt(pos + 1) === 10) {
              pos += 2
              break
            }
          }
          throw new CsvFormatError(
            `Unexpected character ${JSON.stringify(s[pos])} after a closing quote`,
            this.#records + 1,
          )
        }
        // Unquoted field: it ends at the next delimiter or line ending. A quote inside it is kept as data.
        if (nextDelim !== -1 && nextDelim < pos) nextDelim = s.indexOf(delim, pos)
        if (nextTerm !== -1 && nextTerm < pos) nextTerm = s.indexOf(term, pos)
        if (nextDelim !== -1 && (nextTerm === -1 || nextDelim < nextTerm)) {
          row[k++] = nextDelim === pos ? null : s.slice(pos, nextDelim)
          pos = nextDelim + 1
          continue
        }
        if (nextTerm !== -1) {
          row[k++] = nextTerm === pos ? null : s.slice(pos, nextTerm)
          pos = nextTerm + termLen
          break
        }
        if (!final) return rowStart
        row[k++] = pos >= len ? null : s.slice(pos)
        pos = len
        break
      }
      // Every way out of the field loop other than `return` completes the record.
      if (k !== row.length) row.length = k // fewer fields than the header: #accept reports it
      this.#accept(row, out)
      rowStart = pos
    }
    return rowStart
  }

  #accept(row: CsvRow, out: CsvRow[]): void {
    this.#records++
    if (this.#header === undefined) {
      this.#header = row.map((f) => f ?? '')
      this.#width = row.length
      return
    }
    if (row.length !== this.#width)
      throw new CsvFormatError(
        `Record has ${row.length} fields, the header has ${this.#width}`,
        this.#records,
      )
    out.push(row)
  }
}
