/**
 * sObject Collections `/composite/sobjects` (reference/salesforce-data-api.md §2.9): create, update,
 * upsert and delete up to 200 records in one call, answering one SaveResult per record in order
 * (`{id, success, errors: [{statusCode, message, fields}]}`), and retrieve many by id. With
 * `allOrNone`, one failure rolls every write back and the others report ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
import { DmlError, type JsonValue, type SObjectSchema } from '../data/org-data.ts'
import { ApiError } from '../errors.ts'
import { majorOf } from './api-versions.ts'
import { runAtomically, type UndoableWriter } from './atomic-writes.ts'
import { queryParam, type RestCall, type RestResult, type RestRoute } from './rest-call.ts'
import {
  parseFieldList,
  parseRecordId,
  requireExternalIdField,
  requireSchema,
  withAttributes,
  writableFields,
} from './sobject-support.ts'

export const MAX_COLLECTION_RECORDS = 200

interface SaveError {
  statusCode: string
  message: string
  fields: string[]
}

interface SaveResult {
  id?: string
  success: boolean
  errors: SaveError[]
  created?: boolean
}

/** Per-record failure raised while preparing or writing one record. */
class RecordFailure extends Error {
  readonly error: SaveError
  constructor(statusCode: string, message: string, fields: string[] = []) {
    super(message)
    this.error = { statusCode, message, fields }
  }
}

/**
 * A record's failure as a SaveResult error. UNCONFIRMED: Salesforce may refuse a whole collection with a
 * top-level 400 for an unknown field name (it deserialises every record first); here it is that
 * record's INVALID_FIELD, which is what a client handling per-record results copes with either way.
 */
function toSaveError(err: unknown): SaveError | undefined {
  if (err instanceof RecordFailure) return err.error
  if (err instanceof DmlError)
    return { statusCode: err.statusCode, message: err.message, fields: [...err.fields] }
  if (err instanceof ApiError)
    return { statusCode: err.errorCode, message: err.message, fields: [...(err.fields ?? [])] }
  return undefined
}

const ROLLED_BACK: SaveError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
}

function tooMany(): ApiError {
  // UNCONFIRMED wording; the code is the one reference §2.9/§6 points to for the 200-record cap.
  return new ApiError(
    400,
    'EXCEEDED_ID_LIMIT',
    `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`,
  )
}

function requireBody(body: unknown): { allOrNone: boolean; records: unknown[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(
      400,
      'JSON_PARSER_ERROR',
      'The request body must be a JSON object with a records array',
    )
  }
  const { allOrNone, records } = body as { allOrNone?: unknown; records?: unknown }
  if (!Array.isArray(records)) {
    throw new ApiError(
      400,
      'JSON_PARSER_ERROR',
      'The request body must be a JSON object with a records array',
    )
  }
  if (allOrNone !== undefined && typeof allOrNone !== 'boolean') {
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'allOrNone must be true or false')
  }
  if (records.length > MAX_COLLECTION_RECORDS) throw tooMany()
  return { allOrNone: allOrNone === true, records }
}

function recordSchema(
  call: RestCall,
  record: unknown,
  fallbackType?: string,
): [SObjectSchema, Record<string, unknown>] {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new RecordFailure('JSON_PARSER_ERROR', 'Each record must be a JSON object')
  }
  const rec = record as Record<string, unknown>
  const attributes = rec.attributes as { type?: unknown } | undefined
  const type = typeof attributes?.type === 'string' ? attributes.type : fallbackType
  if (!type) throw new RecordFailure('INVALID_TYPE', 'Must send a concrete entity type.')
  const schema = call.ctx.data.schema(type)
  if (!schema) throw new RecordFailure('INVALID_TYPE', `sObject type '${type}' is not supported.`)
  return [schema, rec]
}

/**
 * Runs one write per record, collecting SaveResults; under allOrNone a single failure undoes all and
 * turns every success into ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
function saveAll(
  call: RestCall,
  allOrNone: boolean,
  records: readonly unknown[],
  write: (writer: UndoableWriter, record: unknown) => SaveResult,
): RestResult {
  const results = runAtomically(
    call.ctx.data,
    { userId: call.session.userId },
    (writer) =>
      records.map((record): SaveResult => {
        try {
          return write(writer, record)
        } catch (err) {
          const error = toSaveError(err)
          if (!error) throw err
          return { success: false, errors: [error] }
        }
      }),
    (all) => allOrNone && all.some((r) => !r.success),
  )
  if (allOrNone && results.some((r) => !r.success)) {
    // UNCONFIRMED whether rolled-back entries keep an id (reference §2.9): they do not here.
    return {
      status: 200,
      body: results.map((r) => (r.success ? { success: false, errors: [ROLLED_BACK] } : r)),
    }
  }
  return { status: 200, body: results }
}

function createMany(call: RestCall): RestResult {
  const { allOrNone, records } = requireBody(call.body)
  return saveAll(call, allOrNone, records, (writer, record) => {
    const [schema, rec] = recordSchema(call, record)
    const id = writer.create(schema.name, writableFields(schema, rec))
    return { id, success: true, errors: [] }
  })
}

function updateMany(call: RestCall): RestResult {
  const { allOrNone, records } = requireBody(call.body)
  return saveAll(call, allOrNone, records, (writer, record) => {
    const [schema, rec] = recordSchema(call, record)
    const rawId = rec.id ?? rec.Id
    if (rawId === undefined || rawId === null || rawId === '') {
      throw new RecordFailure('MISSING_ARGUMENT', 'Id not specified in an update call')
    }
    const id = parseRecordId(rawId)
    if (!id || (schema.describe.keyPrefix && !id.startsWith(schema.describe.keyPrefix))) {
      throw new RecordFailure(
        'MALFORMED_ID',
        `${schema.name} ID: id value of incorrect type: ${typeof rawId === 'string' ? rawId : JSON.stringify(rawId)}`,
        ['Id'],
      )
    }
    const fields = writableFields(schema, withoutKeys(rec, ['id', 'Id']))
    writer.update(schema.name, id, fields)
    return { id, success: true, errors: [] }
  })
}

function withoutKeys(rec: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(rec)) if (!keys.includes(k)) out[k] = v
  return out
}

function upsertMany(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const field = requireExternalIdField(schema, call.params.field ?? '')
  const { allOrNone, records } = requireBody(call.body)
  const withCreated = majorOf(call.version) >= 46
  return saveAll(call, allOrNone, records, (writer, record) => {
    const [recSchema, rec] = recordSchema(call, record, schema.name)
    if (recSchema.name !== schema.name) {
      throw new RecordFailure('INVALID_TYPE', `Record type ${recSchema.name} does not match ${schema.name}`)
    }
    const keyName = Object.keys(rec).find((k) => k.toLowerCase() === field.toLowerCase())
    const value = keyName === undefined ? undefined : rec[keyName]
    if (value === undefined || value === null || value === '') {
      throw new RecordFailure('MISSING_ARGUMENT', `${field} not specified`, [field])
    }
    const fields = writableFields(schema, withoutKeys(rec, keyName ? [keyName] : []))
    const matches = call.ctx.data.findByExternalId(schema.name, field, value as JsonValue)
    if (matches.length > 1) {
      throw new RecordFailure(
        'DUPLICATE_EXTERNAL_ID',
        `${field}: more than one record found for external id field: [${matches.join(', ')}]`,
        [field],
      )
    }
    const result = writer.upsert(schema.name, field, value as JsonValue, fields)
    return withCreated
      ? { id: result.id, success: true, errors: [], created: result.created }
      : { id: result.id, success: true, errors: [] }
  })
}

function deleteMany(call: RestCall): RestResult {
  const rawIds = (queryParam(call.query, 'ids') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (rawIds.length > MAX_COLLECTION_RECORDS) throw tooMany()
  const allOrNone = queryParam(call.query, 'allOrNone') === 'true'
  const byPrefix = new Map<string, SObjectSchema>()
  for (const schema of call.ctx.data.schemas())
    if (schema.describe.keyPrefix) byPrefix.set(schema.describe.keyPrefix, schema)
  return saveAll(call, allOrNone, rawIds, (writer, raw) => {
    const text = String(raw)
    const id = parseRecordId(text)
    const schema = id ? byPrefix.get(id.slice(0, 3)) : undefined
    if (!id || !schema) {
      // UNCONFIRMED wording for an id of no known object.
      return {
        id: text,
        success: false,
        errors: [{ statusCode: 'MALFORMED_ID', message: `malformed id ${text}`, fields: [] }],
      }
    }
    try {
      writer.delete(schema.name, id)
    } catch (err) {
      const error = toSaveError(err)
      if (!error) throw err
      return { id, success: false, errors: [error] }
    }
    return { id, success: true, errors: [] }
  })
}

function retrieveMany(call: RestCall, rawIds: unknown, rawFields: string | undefined): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const ids = Array.isArray(rawIds)
    ? rawIds.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
    : (typeof rawIds === 'string' ? rawIds : '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
  if (ids.length > 2000) throw tooMany()
  const fields = parseFieldList(schema, rawFields)
  const body = ids.map((raw) => {
    const id = parseRecordId(raw)
    if (!id || (schema.describe.keyPrefix && !id.startsWith(schema.describe.keyPrefix))) return null
    const record = call.ctx.data.retrieve(schema.name, id, fields)
    return record ? withAttributes(schema, call.version, id, record) : null
  })
  return { status: 200, body }
}

function retrieveManyGet(call: RestCall): RestResult {
  return retrieveMany(call, queryParam(call.query, 'ids'), queryParam(call.query, 'fields'))
}

function retrieveManyPost(call: RestCall): RestResult {
  const body = call.body as { ids?: unknown; fields?: unknown } | undefined
  if (typeof body !== 'object' || body === null || !Array.isArray(body.ids)) {
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object with an ids array')
  }
  const fields = Array.isArray(body.fields) ? body.fields.map(String).join(',') : undefined
  return retrieveMany(call, body.ids, fields)
}

export function collectionRoutes(): RestRoute[] {
  return [
    { method: 'POST', path: 'composite/sobjects', handler: createMany },
    { method: 'PATCH', path: 'composite/sobjects', handler: updateMany },
    { method: 'DELETE', path: 'composite/sobjects', handler: deleteMany },
    { method: 'GET', path: 'composite/sobjects/:sobject', handler: retrieveManyGet },
    { method: 'POST', path: 'composite/sobjects/:sobject', handler: retrieveManyPost },
    { method: 'PATCH', path: 'composite/sobjects/:sobject/:field', handler: upsertMany },
  ]
}
