/**
 * Bulk API 2.0 CSV, as Salesforce writes it (reference/salesforce-data-api.md §4.2): a header row of
 * field names, every value double-quoted (header included), embedded quotes doubled, newlines kept
 * inside quotes, booleans `true`/`false`, numbers as plain decimals, dates `YYYY-MM-DD`, datetimes
 * `2024-01-02T03:04:05.000Z`.
 */
import type { JsonValue } from '../data/org-data.ts'

/** Job option `columnDelimiter` → the character (reference §4.1; SFDOC datafiles_prepare_csv). */
export const COLUMN_DELIMITERS = {
  BACKQUOTE: '`',
  CARET: '^',
  COMMA: ',',
  PIPE: '|',
  SEMICOLON: ';',
  TAB: '\t',
} as const
export type ColumnDelimiter = keyof typeof COLUMN_DELIMITERS

/** Job option `lineEnding` → the characters that end each row. */
export const LINE_ENDINGS = { LF: '\n', CRLF: '\r\n' } as const
export type LineEnding = keyof typeof LINE_ENDINGS

export function isColumnDelimiter(value: unknown): value is ColumnDelimiter {
  return typeof value === 'string' && Object.hasOwn(COLUMN_DELIMITERS, value)
}

export function isLineEnding(value: unknown): value is LineEnding {
  return typeof value === 'string' && Object.hasOwn(LINE_ENDINGS, value)
}

/** How a column's values are written: datetimes change their zone suffix, everything else is as is. */
export type CsvColumnKind = 'datetime' | 'other' | 'unknown'

// REST JSON datetimes end in `+0000`; Bulk CSV writes `Z` (reference §4.2, UNCONFIRMED there: believed
// from client code, and the sync engine accepts both).
const REST_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/

/** Quotes one value: always, with inner quotes doubled. */
export function quoteCsv(text: string): string {
  return text.includes('"') ? `"${text.replaceAll('"', '""')}"` : `"${text}"`
}

/** A number as a plain decimal string, never in exponent form (UNCONFIRMED: Salesforce's exact digits). */
export function plainNumber(n: number): string {
  if (!Number.isFinite(n)) return ''
  const s = String(n)
  if (!s.includes('e')) return s
  return n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 })
}

/** The text of one value, before quoting. */
export function csvText(value: JsonValue, kind: CsvColumnKind): string {
  if (value === null) return ''
  switch (typeof value) {
    case 'string':
      if (kind !== 'other' && value.length === 28 && REST_DATETIME.test(value))
        return `${value.slice(0, 23)}Z`
      return value
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      return plainNumber(value)
    default:
      // Compound values never reach CSV (Bulk refuses them at job creation); keep the JSON if they do.
      return JSON.stringify(value)
  }
}

/** Encodes rows of one query result into CSV lines. */
export class CsvRowEncoder {
  /** 1 where a column's strings may be REST datetimes to rewrite with `Z`. */
  readonly #maybeDatetime: Uint8Array
  readonly #delimiter: string
  readonly #lineEnding: string

  constructor(kinds: readonly CsvColumnKind[], delimiter: ColumnDelimiter, lineEnding: LineEnding) {
    this.#maybeDatetime = Uint8Array.from(kinds, (k) => (k === 'other' ? 0 : 1))
    this.#delimiter = COLUMN_DELIMITERS[delimiter]
    this.#lineEnding = LINE_ENDINGS[lineEnding]
  }

  /** The header line for `columns`, every name quoted. */
  header(columns: readonly string[]): string {
    return columns.map(quoteCsv).join(this.#delimiter) + this.#lineEnding
  }

  /**
   * One row as a CSV line. Nulls are written as `""`: UNCONFIRMED whether Salesforce writes `""` or a
   * bare empty field (reference §4.2); every value is quoted, so `""` is the consistent reading, and
   * Salesforce text fields never hold an empty string, so nothing is lost. This is the hot loop of a
   * query job (a million rows of ~60 columns), hence the plain loop and the inlined cases.
   */
  encode(row: readonly JsonValue[]): string {
    const maybeDatetime = this.#maybeDatetime
    const delimiter = this.#delimiter
    let line = ''
    const n = row.length
    for (let i = 0; i < n; i++) {
      if (i > 0) line += delimiter
      const value = row[i]
      if (value === null || value === undefined) {
        line += '""'
      } else if (typeof value === 'string') {
        let text = value
        // 43 is '+': a cheap filter before the regex.
        if (
          value.length === 28 &&
          value.charCodeAt(23) === 43 &&
          maybeDatetime[i] === 1 &&
          REST_DATETIME.test(value)
        )
          text = `${value.slice(0, 23)}Z`
        line += text.indexOf('"') === -1 ? `"${text}"` : `"${text.replaceAll('"', '""')}"`
      } else if (typeof value === 'number') {
        line += `"${plainNumber(value)}"`
      } else if (typeof value === 'boolean') {
        line += value ? '"true"' : '"false"'
      } else {
        line += quoteCsv(csvText(value, 'other'))
      }
    }
    return line + this.#lineEnding
  }
}
