/**
 * Turns one uploaded CSV row into a record for the record layer, with Bulk's rules
 * (reference/salesforce-data-api.md §4.5): an empty cell leaves the field unchanged, `#N/A` sets it to
 * null, `Rel.ExtId__c` columns set a lookup by the parent's external id, and text becomes the field's
 * type (booleans, numbers).
 */
import {
  DmlError,
  type DescribeField,
  type JsonValue,
  type OrgData,
  type RecordFields,
  type SObjectSchema,
} from '../data/org-data.ts'
import { normalizeId } from '../ids.ts'

/** One header column, resolved against the describe once per job. */
export type IngestColumn =
  | { readonly kind: 'id'; readonly name: string }
  | { readonly kind: 'field'; readonly name: string; readonly field: DescribeField }
  | {
      readonly kind: 'reference'
      readonly name: string
      /** The lookup field set on the record (`AccountId`). */
      readonly field: DescribeField
      /** The parent object and its external-id field (`Account`, `Ext__c`). */
      readonly parent: SObjectSchema
      readonly parentField: DescribeField
    }

/**
 * Resolves the header against the object's describe; returns the name of the first unknown column
 * instead when there is one (the job then fails, as Salesforce's does).
 */
export function resolveColumns(
  data: OrgData,
  schema: SObjectSchema,
  header: readonly string[],
): IngestColumn[] | { unknown: string } {
  const columns: IngestColumn[] = []
  for (const name of header) {
    if (name.toLowerCase() === 'id') {
      columns.push({ kind: 'id', name })
      continue
    }
    const dot = name.indexOf('.')
    if (dot < 0) {
      const field = schema.field(name)
      if (!field) return { unknown: name }
      columns.push({ kind: 'field', name, field })
      continue
    }
    // `Account.Ext__c`: relationship name, then the parent's external id field. Polymorphic lookups
    // (`Owner:User.Ext__c`) are not emulated.
    const relationship = name.slice(0, dot).toLowerCase()
    const field = schema.describe.fields.find(
      (f) => typeof f.relationshipName === 'string' && f.relationshipName.toLowerCase() === relationship,
    )
    const referenceTo: unknown = field?.referenceTo
    const target: unknown = Array.isArray(referenceTo) ? (referenceTo as unknown[])[0] : undefined
    const parent = typeof target === 'string' ? data.schema(target) : undefined
    const parentField = parent?.field(name.slice(dot + 1))
    // The parent is found by a field that identifies it: an external id or an idLookup field such as
    // Name (UNCONFIRMED whether Salesforce accepts idLookup fields that are not external ids here).
    const identifies = parentField && (parentField.externalId === true || parentField.idLookup === true)
    if (!field || !parent || !parentField || !identifies) return { unknown: name }
    columns.push({ kind: 'reference', name, field, parent, parentField })
  }
  return columns
}

const NUMERIC = new Set(['int', 'double', 'currency', 'percent'])

function typeError(field: DescribeField, raw: string): DmlError {
  const label = typeof field.label === 'string' ? field.label : field.name
  // UNCONFIRMED text, modelled on Bulk 1.0's result rows.
  return new DmlError('INVALID_TYPE_ON_FIELD_IN_RECORD', `${label}: value not of required type: ${raw}`, [
    field.name,
  ])
}

/** A cell's text as the value the record layer takes for `field`. */
export function cellValue(field: DescribeField, raw: string): JsonValue {
  if (raw === '#N/A') return null
  if (field.type === 'boolean') {
    const lower = raw.toLowerCase()
    if (lower === 'true' || lower === '1') return true
    if (lower === 'false' || lower === '0') return false
    throw typeError(field, raw)
  }
  if (NUMERIC.has(field.type)) {
    const n = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(n)) throw typeError(field, raw)
    return n
  }
  return raw
}

/** A row as the record to write, plus its Id cell (update, upsert by Id, delete). */
export interface IngestRecord {
  readonly id: string | undefined
  readonly fields: RecordFields
}

/** Builds the record of one row. Throws DmlError for a bad cell. */
export function buildRecord(
  data: OrgData,
  schema: SObjectSchema,
  columns: readonly IngestColumn[],
  row: readonly string[],
): IngestRecord {
  let id: string | undefined
  const fields: RecordFields = {}
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]
    const raw = row[i] ?? ''
    if (!column || raw === '') continue
    if (column.kind === 'id') {
      const normalized = normalizeId(raw)
      if (!normalized) {
        // reference §2.12 (MALFORMED_ID message shape).
        throw new DmlError('MALFORMED_ID', `${schema.name} ID: id value of incorrect type: ${raw}`, ['Id'])
      }
      id = normalized
    } else if (column.kind === 'field') {
      fields[column.field.name] = cellValue(column.field, raw)
    } else if (raw === '#N/A') {
      fields[column.field.name] = null
    } else {
      const matches = data.findByExternalId(column.parent.name, column.parentField.name, raw)
      if (matches.length !== 1) {
        // UNCONFIRMED text (Bulk 1.0 wording for a foreign key by external id).
        throw new DmlError(
          matches.length === 0 ? 'INVALID_FIELD' : 'DUPLICATE_EXTERNAL_ID',
          matches.length === 0
            ? `Foreign key external ID: ${raw} not found for field ${column.parentField.name} in entity ${column.parent.name}`
            : `More than one record found for external id field ${column.parentField.name} with value ${raw}`,
          [column.field.name],
        )
      }
      fields[column.field.name] = matches[0] ?? null
    }
  }
  return { id, fields }
}

/**
 * A failed row's `sf__Error`: `STATUS_CODE:message:fields --` (UNCONFIRMED layout: Bulk 1.0's, e.g.
 * `REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --`).
 */
export function errorCell(err: DmlError): string {
  return `${err.statusCode}:${err.message}:${err.fields.length > 0 ? `${err.fields.join(',')} ` : ''}--`
}
