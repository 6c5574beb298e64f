/**
 * What the sObject routes share: finding the object, telling record ids from external-id values,
 * checking field names, and building record URLs, each failing with Salesforce's error.
 */
import { ApiError, notFound } from '../errors.ts'
import { normalizeId } from '../ids.ts'
import type { OrgData, RecordFields, SObjectSchema, JsonValue } from '../data/org-data.ts'

/** The object named in the URL (case-insensitive), or 404 NOT_FOUND as for `/sobjects/Foo/describe`. */
export function requireSchema(data: OrgData, name: string): SObjectSchema {
  const schema = data.schema(name)
  if (!schema) throw notFound()
  return schema
}

/** `/services/data/vXX.X/sobjects/{Name}/{id}`. */
export function recordUrl(version: string, sobject: string, id: string): string {
  return `/services/data/v${version}/sobjects/${sobject}/${id}`
}

const ID_SHAPE = /^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$/

export function externalIdFieldNotFound(name: string): ApiError {
  return new ApiError(
    404,
    'NOT_FOUND',
    `Provided external ID field does not exist or is not accessible: ${name}`,
  )
}

export function malformedId(schema: SObjectSchema, value: string): ApiError {
  const label = typeof schema.describe.label === 'string' ? schema.describe.label : schema.name
  return new ApiError(400, 'MALFORMED_ID', `${label} ID: id value of incorrect type: ${value}`, ['Id'])
}

/**
 * The canonical 18-character id in `/sobjects/{X}/{segment}`. Salesforce reads a segment that is not
 * id-shaped as an external-id field name (restforce fixtures: `.../Whizbang/23foo` → 404 "Provided
 * external ID field does not exist or is not accessible: 23foo"); an id-shaped segment with a bad
 * checksum or another object's key prefix is MALFORMED_ID (UNCONFIRMED: which of the two a 15/18-
 * character non-id gets).
 */
export function resolveRecordId(schema: SObjectSchema, segment: string): string {
  if (!ID_SHAPE.test(segment)) throw externalIdFieldNotFound(segment)
  const id = normalizeId(segment)
  if (!id || (schema.describe.keyPrefix && !id.startsWith(schema.describe.keyPrefix)))
    throw malformedId(schema, segment)
  return id
}

/** An id given in a body or a query parameter (collections): canonical form, or undefined when malformed. */
export function parseRecordId(value: unknown): string | undefined {
  return typeof value === 'string' && ID_SHAPE.test(value) ? normalizeId(value) : undefined
}

/** The field usable as an upsert key, or 404 NOT_FOUND with Salesforce's message (restforce fixture). */
export function requireExternalIdField(schema: SObjectSchema, name: string): string {
  const field = schema.field(name)
  if (!field || (field.externalId !== true && field.idLookup !== true)) throw externalIdFieldNotFound(name)
  return field.name
}

export function noSuchColumnOnEntity(schema: SObjectSchema, name: string): ApiError {
  // Same wording as a SOQL INVALID_FIELD (reference §2.12), which `?fields=` lists also get.
  return new ApiError(
    400,
    'INVALID_FIELD',
    `No such column '${name}' on entity '${schema.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  )
}

/** A `fields=A,B` list, each checked against the describe; undefined when absent or empty. */
export function parseFieldList(schema: SObjectSchema, raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (names.length === 0) return undefined
  return names.map((name) => {
    const field = schema.field(name)
    if (!field) throw noSuchColumnOnEntity(schema, name)
    return field.name
  })
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function jsonTokenName(value: unknown): string {
  if (Array.isArray(value)) return 'START_ARRAY'
  if (value === null) return 'VALUE_NULL'
  if (typeof value === 'string') return 'VALUE_STRING'
  if (typeof value === 'number') return Number.isInteger(value) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT'
  if (typeof value === 'boolean') return value ? 'VALUE_TRUE' : 'VALUE_FALSE'
  return 'NOT_AVAILABLE'
}

/** The body of a single-record write must be a JSON object (Salesforce's deserialiser says why not). */
export function requireObjectBody(schema: SObjectSchema, body: unknown): Record<string, unknown> {
  if (body === undefined) {
    // UNCONFIRMED wording for an empty body.
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body is either invalid or incomplete.')
  }
  if (!isPlainObject(body)) {
    // UNCONFIRMED wording, modelled on Salesforce's Jackson deserialiser messages.
    throw new ApiError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${schema.name} from ${jsonTokenName(body)} value`,
    )
  }
  return body
}

export function noSuchColumnOnSObject(schema: SObjectSchema, name: string): ApiError {
  // Exact wording of restforce's write_error_response.json.
  return new ApiError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${schema.name}`)
}

/**
 * The fields of a write, `attributes` removed and every name checked: a field of the object, or a
 * relationship name (a parent given by external id, `"Account": {"Ext__c": "x"}`). Throws the first
 * unknown name as INVALID_FIELD.
 */
export function writableFields(schema: SObjectSchema, body: Record<string, unknown>): RecordFields {
  const out: RecordFields = {}
  for (const [key, value] of Object.entries(body)) {
    if (key === 'attributes') continue
    if (!schema.field(key) && !isRelationshipName(schema, key)) throw noSuchColumnOnSObject(schema, key)
    out[key] = value as JsonValue
  }
  return out
}

function isRelationshipName(schema: SObjectSchema, name: string): boolean {
  const wanted = name.toLowerCase()
  return schema.describe.fields.some(
    (f) => typeof f.relationshipName === 'string' && f.relationshipName.toLowerCase() === wanted,
  )
}

/** A record in REST JSON form: `attributes {type, url}` first, then its fields. */
export function withAttributes(
  schema: SObjectSchema,
  version: string,
  id: string,
  record: RecordFields,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: schema.name, url: recordUrl(version, schema.name, id) },
  }
  for (const [key, value] of Object.entries(record)) if (key !== 'attributes') out[key] = value
  return out
}
