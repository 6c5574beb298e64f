/**
 * The first checks of a write, in the order Salesforce reports them: unknown fields (INVALID_FIELD),
 * read-only fields (INVALID_FIELD_FOR_INSERT_UPDATE), then each value's type and limits (value-codec),
 * then required fields (REQUIRED_FIELD_MISSING). Lookups and uniqueness need the database (write-checks).
 */
import { normalizeId } from '../../ids.ts'
import { DmlError, type DescribeField, type RecordFields } from '../org-data.ts'
import type { OrgSObjectSchema } from '../schema/sobject-schema.ts'
import { storageClass } from '../storage-layout.ts'
import type { Row } from './derived-fields.ts'
import { toStorage, type SqlValue } from './value-codec.ts'

/** Which permission a write needs: createable or updateable. */
export type WriteMode = 'create' | 'update'

/**
 * Validates `fields` for a create or an update of `schema` and converts them to stored values, keyed
 * by canonical field name. `recordId` is the id being updated: an `Id` equal to it is ignored.
 */
export function parseWriteInput(
  schema: OrgSObjectSchema,
  fields: RecordFields,
  mode: WriteMode,
  recordId?: string,
): Map<string, SqlValue> {
  const unknown: string[] = []
  const readOnly: string[] = []
  const accepted: Array<[DescribeField, RecordFields[string]]> = []
  for (const [key, value] of Object.entries(fields)) {
    // Collections and composite bodies carry `attributes: {type}` next to the fields.
    if (key === 'attributes') continue
    const field = schema.field(key)
    if (!field) {
      unknown.push(key)
      continue
    }
    if (field.name === 'Id') {
      const same = typeof value === 'string' && recordId !== undefined && normalizeId(value) === recordId
      if (!same) readOnly.push(field.name)
      continue
    }
    const writable = mode === 'create' ? field.createable === true : field.updateable === true
    if (!writable) readOnly.push(field.name)
    else accepted.push([field, value])
  }
  if (unknown.length > 0) {
    // restforce write_error_response.json: "No such column 'foo' on sobject of type Bar".
    throw new DmlError('INVALID_FIELD', `No such column '${unknown[0]}' on sobject of type ${schema.name}`)
  }
  if (readOnly.length > 0) {
    // UNCONFIRMED wording beyond its first sentence (reference §2.8).
    throw new DmlError(
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly,
    )
  }
  const values = new Map<string, SqlValue>()
  for (const [field, value] of accepted) values.set(field.name, toStorage(field, value))
  return values
}

function picklistDefault(field: DescribeField): string | null {
  const entries = field.picklistValues as Array<{ value: string; defaultValue: boolean; active: boolean }>
  return entries.find((p) => p.defaultValue && p.active)?.value ?? null
}

/** A new row before the client's values: nulls, booleans at their defaults, defaulted picklists, owner. */
export function newRowDefaults(schema: OrgSObjectSchema, ownerId: string): Row {
  const row: Row = {}
  for (const f of schema.storedFields) {
    if (storageClass(f) === 'boolean') row[f.name] = f.defaultValue === true ? 1 : 0
    else if ((f.type === 'picklist' || f.type === 'multipicklist') && f.calculated !== true)
      row[f.name] = picklistDefault(f)
    else row[f.name] = null
  }
  if (schema.has('OwnerId')) row.OwnerId = ownerId
  return row
}

/** True for a field the client must give a value: createable, not nillable, nothing defaults it. */
export function isRequired(field: DescribeField): boolean {
  return (
    field.createable === true &&
    field.nillable !== true &&
    field.defaultedOnCreate !== true &&
    storageClass(field) !== 'boolean'
  )
}

/**
 * Throws REQUIRED_FIELD_MISSING listing, in describe order, every required field of `row` that is
 * empty; on update only the fields the write touched are checked.
 */
export function checkRequired(schema: OrgSObjectSchema, row: Row, touched?: ReadonlySet<string>): void {
  const missing = schema.storedFields
    .filter((f) => isRequired(f) && (touched === undefined || touched.has(f.name)))
    .filter((f) => row[f.name] === null || row[f.name] === undefined)
    .map((f) => f.name)
  if (missing.length > 0) {
    // "Required fields are missing: [LastName]" (reference §1.4; list separator UNCONFIRMED).
    throw new DmlError(
      'REQUIRED_FIELD_MISSING',
      `Required fields are missing: [${missing.join(', ')}]`,
      missing,
    )
  }
}
