/**
 * Values as they arrive (CSV strings, REST JSON values) → one normalized string per kind, which the
 * dialects then store (docs/type-mapping.md). Each function returns null for null and throws
 * {@link DestinationValueError} for a value that does not fit, naming the column and never the value.
 */
import { DestinationValueError } from './destination.ts'
import type { ColumnDef, RawValue } from './destination.ts'

const DATETIME_MS_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const DATETIME_MS_OFFSET0 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/
const DATETIME_ANY = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)$/
const DATE = /^\d{4}-\d\d-\d\d$/
const TIME = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z?$/
const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** A normalizer of one column: raw value → normalized string (or boolean for booleans), or null. */
export type Normalizer = (value: RawValue) => string | boolean | null

/**
 * A Salesforce datetime as ISO UTC with milliseconds, `2024-01-31T10:00:00.000Z`. Bulk CSV is believed
 * to write `...Z` and REST JSON writes `...+0000` (reference §1.3, §4.2, UNCONFIRMED for Bulk): both
 * take a fast path; anything else ISO-shaped goes through Date.
 */
export function normalizeDatetime(value: string, column: string): string {
  if (value.length === 24 && DATETIME_MS_Z.test(value)) return value
  if (value.length === 28 && DATETIME_MS_OFFSET0.test(value)) return `${value.slice(0, 23)}Z`
  if (DATETIME_ANY.test(value)) {
    // Date does not read `+0000` (no colon) everywhere: add the colon first.
    const iso = value.replace(' ', 'T').replace(/([+-]\d\d)(\d\d)$/, '$1:$2')
    const ms = Date.parse(iso)
    if (!Number.isNaN(ms)) return new Date(ms).toISOString()
  }
  throw new DestinationValueError(column, 'a datetime like 2024-01-31T10:00:00.000Z')
}

/** A time as `HH:mm:ss.SSSZ`, Salesforce's own format for time fields (reference §1.3). */
export function normalizeTime(value: string, column: string): string {
  const m = TIME.exec(value)
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59)
    throw new DestinationValueError(column, 'a time like 10:00:00.000Z')
  return `${m[1]}:${m[2]}:${m[3]}.${(m[4] ?? '').padEnd(3, '0').slice(0, 3)}Z`
}

/**
 * A decimal number in plain notation without needless zeros: `1234.50` → `1234.5`, `1e3` → `1000`.
 * This is the canonical form of decimals read back, the same on every dialect.
 */
export function canonicalDecimal(value: string | number): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) < 1e21) return value.toFixed(0)
    const s = String(value)
    return s.includes('e') ? canonicalDecimal(expandExponent(s)) : s
  }
  let s = value.trim()
  if (/[eE]/.test(s)) s = expandExponent(s)
  let sign = ''
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? '-' : ''
    s = s.slice(1)
  }
  let [int = '', frac = ''] = s.split('.')
  int = int.replace(/^0+(?=\d)/, '') || '0'
  frac = frac.replace(/0+$/, '')
  const out = frac ? `${int}.${frac}` : int
  return out === '0' ? '0' : sign + out
}

function expandExponent(s: string): string {
  const m = /^([+-]?)(\d*)\.?(\d*)[eE]([+-]?\d+)$/.exec(s)
  if (!m) return s
  const [, sign = '', int = '', frac = '', expText = '0'] = m
  const digits = int + frac
  const point = int.length + Number(expText)
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length)
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}

/** The normalizer of a column: validates and normalizes what arrives for it. */
export function normalizerFor(col: ColumnDef): Normalizer {
  const name = col.column
  switch (col.kind) {
    case 'boolean':
      return (v) => {
        if (v === null) return null
        if (v === true || v === 'true') return true
        if (v === false || v === 'false') return false
        throw new DestinationValueError(name, 'a boolean (true or false)')
      }
    case 'integer':
    case 'bigint':
      return (v) => {
        if (v === null) return null
        const s = typeof v === 'number' && Number.isInteger(v) ? String(v) : v
        if (typeof s === 'string' && INTEGER.test(s)) return s
        throw new DestinationValueError(name, 'an integer')
      }
    case 'decimal':
    case 'double':
      return (v) => {
        if (v === null) return null
        if (typeof v === 'number' && Number.isFinite(v)) return String(v)
        if (typeof v === 'string' && DECIMAL.test(v)) return v
        throw new DestinationValueError(name, 'a number')
      }
    case 'date':
      return (v) => {
        if (v === null) return null
        if (typeof v === 'string' && DATE.test(v)) return v
        throw new DestinationValueError(name, 'a date like 2024-01-31')
      }
    case 'datetime':
      return (v) => {
        if (v === null) return null
        if (typeof v !== 'string') throw new DestinationValueError(name, 'a datetime')
        return normalizeDatetime(v, name)
      }
    case 'time':
      return (v) => {
        if (v === null) return null
        if (typeof v !== 'string') throw new DestinationValueError(name, 'a time')
        return normalizeTime(v, name)
      }
    case 'id':
    case 'text':
      return (v) => (v === null ? null : typeof v === 'string' ? v : String(v))
  }
}
