/**
 * Converts field values between REST JSON (what clients send and receive) and the storage layout
 * (storage-layout.ts), validating input the way Salesforce does: each refusal is a DmlError with
 * Salesforce's statusCode. Messages marked UNCONFIRMED are modelled on captured errors, not verified.
 */
import { formatSfDateTime } from '../../clock.ts'
import { normalizeId } from '../../ids.ts'
import { DmlError, type DescribeField, type JsonValue } from '../org-data.ts'
import { storageClass } from '../storage-layout.ts'

/** A value as stored in SQLite. */
export type SqlValue = string | number | null

function label(field: DescribeField): string {
  return typeof field.label === 'string' ? field.label : field.name
}

function typeError(field: DescribeField, value: unknown): DmlError {
  // UNCONFIRMED wording: "<Label>: value not of required type: <value>" as SOAP/Bulk report it.
  return new DmlError(
    'INVALID_TYPE_ON_FIELD_IN_RECORD',
    `${label(field)}: value not of required type: ${display(value)}`,
    [field.name],
  )
}

function display(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** `<Label>: id value of incorrect type: <value>` (reference/salesforce-data-api.md §2.12). */
export function malformedId(field: DescribeField, value: unknown, code = 'MALFORMED_ID'): DmlError {
  return new DmlError(code, `${label(field)}: id value of incorrect type: ${display(value)}`, [field.name])
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/
// REST input forms (reference §1.3): `yyyy-MM-ddTHH:mm:ss.SSS+HH:mm`, `...SSSZ`; seconds, millis and
// the offset colon are optional, and a bare date means midnight UTC.
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z?$/i
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d
}

/** Parses a REST datetime input to epoch ms, or undefined when it is not one. */
export function parseSfDateTime(text: string): number | undefined {
  const m = DATETIME_RE.exec(text.trim())
  if (!m) return undefined
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (!validDate(y, mo, d)) return undefined
  const h = Number(m[4] ?? 0)
  const mi = Number(m[5] ?? 0)
  const s = Number(m[6] ?? 0)
  if (h > 23 || mi > 59 || s > 59) return undefined
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0
  let offsetMin = 0
  const zone = m[8]
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0))
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000
}

function toNumber(field: DescribeField, value: JsonValue): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw typeError(field, value)
    return value
  }
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value)
  throw typeError(field, value)
}

function outOfRange(field: DescribeField, value: unknown): DmlError {
  // UNCONFIRMED wording.
  return new DmlError(
    'NUMBER_OUTSIDE_VALID_RANGE',
    `${label(field)}: value outside of valid range on numeric field: ${display(value)}`,
    [field.name],
  )
}

function checkText(field: DescribeField, text: string): string {
  const max = typeof field.length === 'number' ? field.length : 0
  if (max > 0 && [...text].length > max) {
    // UNCONFIRMED wording: "<Label>: data value too large: <value> (max length=<n>)".
    throw new DmlError(
      'STRING_TOO_LONG',
      `${label(field)}: data value too large: ${text} (max length=${max})`,
      [field.name],
    )
  }
  return text
}

function restrictedPicklistError(field: DescribeField, value: string): DmlError {
  // UNCONFIRMED wording: "<Label>: bad value for restricted picklist field: <value>".
  return new DmlError(
    'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    `${label(field)}: bad value for restricted picklist field: ${value}`,
    [field.name],
  )
}

function picklistValue(field: DescribeField, text: string): string {
  if (field.restrictedPicklist !== true) return text
  const values = (field.picklistValues as Array<{ value: string; active: boolean }>).filter((p) => p.active)
  const match = values.find((p) => p.value.toLowerCase() === text.toLowerCase())
  if (!match) throw restrictedPicklistError(field, text)
  return match.value
}

/**
 * Converts one REST JSON value to its stored form. Throws DmlError on a value of the wrong type,
 * too long, out of range or not allowed. Reference existence is checked by the caller.
 */
export function toStorage(field: DescribeField, value: JsonValue): SqlValue {
  const cls = storageClass(field)
  if (value === null || (value === '' && cls !== 'boolean')) return cls === 'boolean' ? 0 : null
  if (typeof value === 'object') throw typeError(field, value)
  switch (cls) {
    case 'boolean':
      if (typeof value === 'boolean') return value ? 1 : 0
      if (value === 'true' || value === 'false') return value === 'true' ? 1 : 0
      throw typeError(field, value)
    case 'id': {
      if (typeof value !== 'string') throw malformedId(field, value)
      const id = normalizeId(value)
      if (!id) throw malformedId(field, value)
      return id
    }
    case 'integer': {
      const n = toNumber(field, value)
      if (!Number.isInteger(n)) throw typeError(field, value)
      const digits = typeof field.digits === 'number' && field.digits > 0 ? field.digits : 9
      if (Math.abs(n) >= 10 ** digits) throw outOfRange(field, value)
      return n
    }
    case 'real': {
      const n = toNumber(field, value)
      const precision = Number(field.precision) || 18
      const scale = Number(field.scale) || 0
      // Salesforce rounds to the field's scale (half up) and refuses more integer digits than it has.
      const factor = 10 ** scale
      const rounded = Math.sign(n) * (Math.round(Math.abs(n) * factor) / factor)
      if (Math.abs(rounded) >= 10 ** Math.max(precision - scale, 1)) throw outOfRange(field, value)
      return Object.is(rounded, -0) ? 0 : rounded
    }
    case 'date': {
      if (typeof value !== 'string') throw typeError(field, value)
      const m = DATE_RE.exec(value.trim())
      if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw typeError(field, value)
      return value.trim()
    }
    case 'datetime': {
      if (typeof value !== 'string') throw typeError(field, value)
      const ms = parseSfDateTime(value)
      if (ms === undefined) throw typeError(field, value)
      return ms
    }
    case 'time': {
      if (typeof value !== 'string') throw typeError(field, value)
      const m = TIME_RE.exec(value.trim())
      if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59)
        throw typeError(field, value)
      const ms = (m[4] ?? '0').padEnd(3, '0')
      return `${m[1]}:${m[2]}:${m[3] ?? '00'}.${ms}Z`
    }
    case 'binary-text': {
      const text = String(value)
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw typeError(field, value)
      return text
    }
    case 'text': {
      const text = checkText(field, String(value))
      if (field.type === 'picklist') return picklistValue(field, text)
      if (field.type === 'multipicklist') {
        const parts = text
          .split(';')
          .map((p) => p.trim())
          .filter((p) => p !== '')
        const canonical = parts.map((p) => picklistValue(field, p))
        return [...new Set(canonical)].join(';')
      }
      if (field.type === 'email' && !EMAIL_RE.test(text)) {
        // UNCONFIRMED wording.
        throw new DmlError('INVALID_EMAIL_ADDRESS', `${label(field)}: invalid email address: ${text}`, [
          field.name,
        ])
      }
      return text
    }
    case 'compound':
      throw typeError(field, value)
  }
}

/** Converts one stored value to REST JSON. */
export function toJson(field: DescribeField, value: SqlValue | bigint | Uint8Array | undefined): JsonValue {
  if (value === null || value === undefined) return storageClass(field) === 'boolean' ? false : null
  switch (storageClass(field)) {
    case 'boolean':
      return Number(value) !== 0
    case 'integer':
    case 'real':
      return Number(value)
    case 'datetime':
      return formatSfDateTime(Number(value))
    default:
      return typeof value === 'string' ? value : String(value)
  }
}
