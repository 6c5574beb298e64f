/**
 * Random field values that a describe accepts: text within `length`, picklist values from
 * `picklistValues`, numbers within `precision`/`scale` (or `digits`), dates, datetimes, times, emails,
 * urls, phones, and lookups to records of objects the org has. Used by the live activity and to fill
 * an org loaded with `--schema`. Deterministic for a given Prng sequence.
 * @example const v = new FieldValues(pickId).value(field, prng, 42)
 */
import { formatSfDateTime } from '../clock.ts'
import type { DescribeField, JsonValue, RecordFields } from '../data/org-data.ts'
import type { Prng } from '../data/generate/prng.ts'

/** Returns the id of a random live record of one of `targets`, or undefined when there is none. */
export type PickReference = (targets: readonly string[], prng: Prng) => string | undefined

const WORDS = [
  'Acme',
  'Blue',
  'Cedar',
  'Delta',
  'Echo',
  'Falcon',
  'Granite',
  'Harbor',
  'Iris',
  'Juniper',
  'Kestrel',
  'Lumen',
  'Maple',
  'Nova',
  'Orbit',
  'Pioneer',
  'Quartz',
  'Ridge',
  'Summit',
  'Tidal',
  'Umbra',
  'Vertex',
  'Willow',
  'Zenith',
  'Ünïcode',
  'Straße',
  '東京',
]

const DAY_MS = 86_400_000

/** True when a create must give the field: not nillable, createable, not defaulted on create. */
export function isRequiredOnCreate(field: DescribeField): boolean {
  return field.nillable === false && field.createable === true && field.defaultedOnCreate !== true
}

/** Fields a random write may set: writable, not calculated, not compound, not Id. */
export function isWritable(field: DescribeField, mode: 'create' | 'update'): boolean {
  if (field.name === 'Id' || field.calculated === true || field.autoNumber === true) return false
  if (field.type === 'address' || field.type === 'location' || field.type === 'anyType') return false
  if (field.type === 'base64') return false
  return mode === 'create' ? field.createable === true : field.updateable === true
}

function activePicklist(field: DescribeField): string[] {
  const values = (field.picklistValues ?? []) as Array<{ value?: unknown; active?: unknown }>
  return values.filter((p) => p.active !== false && typeof p.value === 'string').map((p) => String(p.value))
}

function maxLength(field: DescribeField, fallback: number): number {
  return typeof field.length === 'number' && field.length > 0 ? field.length : fallback
}

function clip(text: string, max: number): string {
  const chars = [...text]
  return chars.length <= max ? text : chars.slice(0, max).join('')
}

export class FieldValues {
  readonly #pick: PickReference
  readonly #nowMs: () => number

  constructor(pick: PickReference, nowMs: () => number) {
    this.#pick = pick
    this.#nowMs = nowMs
  }

  /**
   * A value for `field`, or undefined when none can be made (a lookup to an object with no records, a
   * restricted picklist without values). `n` makes text unique (unique and external-id fields).
   */
  value(field: DescribeField, prng: Prng, n: number): JsonValue | undefined {
    switch (field.type) {
      case 'boolean':
        return prng.chance(0.5)
      case 'int':
        return prng.int(0, 10 ** Math.min(Number(field.digits) || 9, 6) - 1)
      case 'double':
      case 'currency':
      case 'percent': {
        const scale = Math.min(Number(field.scale) || 0, 4)
        const intDigits = Math.max(
          1,
          Math.min((Number(field.precision) || 18) - (Number(field.scale) || 0), 6),
        )
        const whole = prng.int(0, 10 ** intDigits - 1)
        const fraction = scale > 0 ? prng.int(0, 10 ** scale - 1) / 10 ** scale : 0
        return Number((whole + fraction).toFixed(scale))
      }
      case 'date':
        return new Date(this.#nowMs() - prng.int(-365, 3 * 365) * DAY_MS).toISOString().slice(0, 10)
      case 'datetime':
        return formatSfDateTime(this.#nowMs() - prng.int(-30 * DAY_MS, 365 * DAY_MS))
      case 'time': {
        const pad = (v: number) => String(v).padStart(2, '0')
        return `${pad(prng.int(0, 23))}:${pad(prng.int(0, 59))}:${pad(prng.int(0, 59))}.000Z`
      }
      case 'reference': {
        const targets = Array.isArray(field.referenceTo) ? (field.referenceTo as string[]) : []
        return this.#pick(targets, prng)
      }
      case 'picklist':
      case 'combobox': {
        const values = activePicklist(field)
        if (values.length > 0 && (field.type === 'picklist' || prng.chance(0.8))) return prng.pick(values)
        if (field.restrictedPicklist === true) return undefined
        return this.#text(field, prng, n, 40)
      }
      case 'multipicklist': {
        const values = activePicklist(field)
        if (values.length === 0)
          return field.restrictedPicklist === true ? undefined : this.#text(field, prng, n, 40)
        const chosen = new Set([prng.pick(values), prng.pick(values)])
        return values.filter((v) => chosen.has(v)).join(';')
      }
      case 'email':
        return clip(`user${n}.${prng.int(0, 9999)}@example.com`, maxLength(field, 80))
      case 'url':
        return clip(`https://www.example.com/${n}/${prng.int(0, 9999)}`, maxLength(field, 255))
      case 'phone':
        return clip(`+1 555 ${String(prng.int(0, 9_999_999)).padStart(7, '0')}`, maxLength(field, 40))
      default:
        // string, textarea, encryptedstring: unique per `n` so that unique fields stay unique.
        return this.#text(field, prng, n, 255)
    }
  }

  /** Values for a create: every required field, plus each other writable field with probability `fill`. */
  createValues(
    fields: readonly DescribeField[],
    prng: Prng,
    n: number,
    fill: number,
  ): RecordFields | undefined {
    const out: RecordFields = {}
    for (const f of fields) {
      if (!isWritable(f, 'create')) continue
      const required = isRequiredOnCreate(f)
      if (!required && !prng.chance(fill)) continue
      const v = this.value(f, prng, n)
      if (v === undefined) {
        // A required lookup to an object without records: this record cannot be made now.
        if (required) return undefined
        continue
      }
      out[f.name] = v
    }
    return out
  }

  #text(field: DescribeField, prng: Prng, n: number, fallback: number): string {
    const max = maxLength(field, fallback)
    const base = `${prng.pick(WORDS)} ${prng.pick(WORDS)} ${n}`
    // Unique and external-id text must differ per record even when clipped: the number goes first.
    const text = field.unique === true || field.externalId === true ? `${n} ${base}` : base
    return clip(text, max)
  }
}
