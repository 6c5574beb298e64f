/**
 * Salesforce field type → column kind, independent of the dialect. The dialects turn a kind into a
 * column type (`sqlite/sqlite-dialect.ts`, `postgres/postgres-dialect.ts`). docs/type-mapping.md has
 * the same table for people; `type-mapping.test.ts` checks the two agree.
 */
import type { ColumnDef, ColumnKind, FieldSpec } from './destination.ts'

/** Column kind of each Salesforce describe `type`; `null`: no column (compound fields). */
export const SALESFORCE_TYPE_KINDS: Readonly<Record<string, ColumnKind | null>> = {
  id: 'id',
  reference: 'id',
  string: 'text',
  textarea: 'text',
  picklist: 'text',
  multipicklist: 'text',
  combobox: 'text',
  phone: 'text',
  email: 'text',
  url: 'text',
  encryptedstring: 'text',
  // In query results a base64 field is a URL path to the blob, not its content (reference §2.4, UNCONFIRMED).
  base64: 'text',
  // anyType (History OldValue/NewValue) holds strings, numbers, dates or booleans: text keeps them all.
  anyType: 'text',
  json: 'text',
  complexvalue: 'text',
  datacategorygroupreference: 'text',
  boolean: 'boolean',
  int: 'integer',
  long: 'bigint',
  double: 'decimal',
  currency: 'decimal',
  percent: 'decimal',
  date: 'date',
  datetime: 'datetime',
  time: 'time',
  // Compound fields are not columns: describe lists their components (BillingStreet, Loc__Latitude__s)
  // as fields of their own, and Bulk refuses to select the compound itself.
  address: null,
  location: null,
}

/** Types stored as unbounded text whatever their describe length (base64 reports tens of millions). */
const UNBOUNDED_TYPES: ReadonlySet<string> = new Set([
  'base64',
  'anyType',
  'json',
  'complexvalue',
  'datacategorygroupreference',
])

/** Text kinds: the column's length may grow. */
const TEXT_KINDS: ReadonlySet<ColumnKind> = new Set(['id', 'text'])

/** System columns every table gets after the fields. */
export const SYSTEM_COLUMNS: readonly ColumnDef[] = [
  {
    column: '_sfsync_synced_at',
    field: '',
    sfType: 'system',
    kind: 'datetime',
    length: 0,
    precision: 0,
    scale: 0,
  },
]

/** Candidates for the cursor column, best first (DESIGN.md "Incremental sync"); it gets an index. */
export const CURSOR_COLUMNS = ['systemmodstamp', 'lastmodifieddate', 'createddate'] as const

/** The column of a field, or undefined for compound fields. Unknown types become text. */
export function columnForField(field: FieldSpec): ColumnDef | undefined {
  const known = Object.hasOwn(SALESFORCE_TYPE_KINDS, field.type)
  const kind = known ? SALESFORCE_TYPE_KINDS[field.type] : 'text'
  if (kind === null || kind === undefined) return undefined
  const column = field.name.toLowerCase()
  if (kind === 'id')
    return { column, field: field.name, sfType: field.type, kind, length: 18, precision: 0, scale: 0 }
  if (kind === 'text') {
    const bounded =
      !UNBOUNDED_TYPES.has(field.type) && Number.isInteger(field.length) && (field.length ?? 0) > 0
    const length = bounded ? (field.length as number) : 0
    return { column, field: field.name, sfType: field.type, kind, length, precision: 0, scale: 0 }
  }
  if (kind === 'decimal') {
    // Number fields without a usable precision (some standard doubles report 0) stay IEEE doubles.
    const precision = field.precision ?? 0
    const scale = field.scale ?? 0
    if (precision <= 0 || precision > 1000 || scale < 0 || scale > precision)
      return {
        column,
        field: field.name,
        sfType: field.type,
        kind: 'double',
        length: 0,
        precision: 0,
        scale: 0,
      }
    return { column, field: field.name, sfType: field.type, kind, length: 0, precision, scale }
  }
  return { column, field: field.name, sfType: field.type, kind, length: 0, precision: 0, scale: 0 }
}

/**
 * The columns of an object's table, in order: `id`, the fields (describe order, compound fields left
 * out), `isdeleted` when the describe lacks it (soft deletes need it), then the system columns.
 */
export function columnsForFields(fields: readonly FieldSpec[]): ColumnDef[] {
  const columns: ColumnDef[] = []
  const seen = new Set<string>()
  const idField = fields.find((f) => f.name.toLowerCase() === 'id')
  const ordered = idField ? [idField, ...fields.filter((f) => f !== idField)] : fields
  if (!idField) {
    columns.push({ column: 'id', field: 'Id', sfType: 'id', kind: 'id', length: 18, precision: 0, scale: 0 })
    seen.add('id')
  }
  for (const field of ordered) {
    const col = columnForField(field)
    if (!col || seen.has(col.column)) continue
    if (col.column.startsWith('_sfsync_'))
      throw new TypeError(`Field ${field.name} collides with sfsync's system columns (prefix _sfsync_)`)
    seen.add(col.column)
    columns.push(col)
  }
  if (!seen.has('isdeleted'))
    columns.push({
      column: 'isdeleted',
      field: 'IsDeleted',
      sfType: 'boolean',
      kind: 'boolean',
      length: 0,
      precision: 0,
      scale: 0,
    })
  return [...columns, ...SYSTEM_COLUMNS]
}

/** How a recorded column must change to hold a field's new definition. */
export type ColumnChange = 'none' | 'widen' | 'rebuild'

/**
 * Compares a recorded column with the column a field now needs. `widen`: every stored value fits the
 * new type unchanged (longer text, integer → bigint/decimal/double, decimal with more digits on both
 * sides of the point). `rebuild`: anything else; the column is replaced and its values fetched again.
 * A narrower definition (Salesforce shortened a field) keeps the wider column: `none`.
 */
export function compareColumn(recorded: ColumnDef, wanted: ColumnDef): ColumnChange {
  if (TEXT_KINDS.has(recorded.kind) && TEXT_KINDS.has(wanted.kind)) {
    if (recorded.length === 0) return 'none'
    if (wanted.length === 0 || wanted.length > recorded.length) return 'widen'
    return 'none'
  }
  if (recorded.kind === wanted.kind) {
    if (recorded.kind !== 'decimal') return 'none'
    const intDigits = (c: ColumnDef): number => c.precision - c.scale
    if (wanted.scale >= recorded.scale && intDigits(wanted) >= intDigits(recorded))
      return wanted.scale === recorded.scale && wanted.precision === recorded.precision ? 'none' : 'widen'
    // Fewer digits in the org: the stored values still fit the wider column.
    if (wanted.scale <= recorded.scale && intDigits(wanted) <= intDigits(recorded)) return 'none'
    return 'rebuild'
  }
  if (recorded.kind === 'integer' && (wanted.kind === 'bigint' || wanted.kind === 'double')) return 'widen'
  if (recorded.kind === 'integer' && wanted.kind === 'decimal' && wanted.precision - wanted.scale >= 10)
    return 'widen'
  if (recorded.kind === 'bigint' && wanted.kind === 'decimal' && wanted.precision - wanted.scale >= 19)
    return 'widen'
  return 'rebuild'
}

/** Short text of a column definition for the schema history, e.g. `decimal(18,2)`, `text(255)`. */
export function describeColumn(c: ColumnDef): string {
  if (c.kind === 'decimal') return `${c.sfType}:decimal(${c.precision},${c.scale})`
  if (TEXT_KINDS.has(c.kind)) return `${c.sfType}:${c.kind}(${c.length === 0 ? '*' : c.length})`
  return `${c.sfType}:${c.kind}`
}
