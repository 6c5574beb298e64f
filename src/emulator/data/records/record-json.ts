/**
 * Turns a stored row into a record in REST JSON form: fields in describe order (or in the order asked
 * for), compound address/location fields assembled from their components.
 */
import { DmlError, type DescribeField, type JsonValue, type RecordFields } from '../org-data.ts'
import type { CompoundField, OrgSObjectSchema } from '../schema/sobject-schema.ts'
import { toJson, type SqlValue } from './value-codec.ts'

/** A row as read from SQLite (`_rowid` and `_deletedMs` included). */
export type StoredRow = Record<string, SqlValue>

/**
 * The JSON value of a compound field: an object keyed like Salesforce's (`city`, `country`,
 * `geocodeAccuracy`, `latitude`, `longitude`, `postalCode`, `state`, `street`), or null when every
 * component is empty (as REST returns an unset address).
 */
export function compoundValue(compound: CompoundField, row: StoredRow): JsonValue {
  const value: Record<string, JsonValue> = {}
  let any = false
  for (const part of compound.parts) {
    const v = toJson(part.field, row[part.field.name] ?? null)
    if (v !== null) any = true
    value[part.key] = v
  }
  return any ? value : null
}

function fieldValue(schema: OrgSObjectSchema, field: DescribeField, row: StoredRow): JsonValue {
  const compound = schema.compounds.find((c) => c.field.name === field.name)
  if (compound) return compoundValue(compound, row)
  return toJson(field, row[field.name] ?? null)
}

/**
 * The record's fields: all of them in describe order, or `fields` (API names, any case) in the order
 * given, with `Id` appended when not asked for. Throws INVALID_FIELD for a name the object lacks.
 */
export function recordJson(
  schema: OrgSObjectSchema,
  row: StoredRow,
  fields?: readonly string[],
): RecordFields {
  const out: RecordFields = {}
  if (!fields) {
    for (const f of schema.describe.fields) out[f.name] = fieldValue(schema, f, row)
    return out
  }
  for (const name of fields) {
    const f = schema.field(name)
    if (!f) {
      throw new DmlError(
        'INVALID_FIELD',
        `No such column '${name}' on entity '${schema.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      )
    }
    out[f.name] = fieldValue(schema, f, row)
  }
  // UNCONFIRMED: `GET /sobjects/X/{id}?fields=...` returns the Id too, after the fields asked for.
  if (!('Id' in out)) out.Id = toJson(schema.field('Id') as DescribeField, row.Id ?? null)
  return out
}
