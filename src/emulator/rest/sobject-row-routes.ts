/**
 * sObject rows: create, retrieve, update, delete by id, and retrieve / upsert / delete by external id
 * (reference/salesforce-data-api.md §2.8). Writes are made as the session's user.
 */
import type { SObjectSchema } from '../data/org-data.ts'
import { notFound } from '../errors.ts'
import { majorOf } from './api-versions.ts'
import { methodNotAllowed, queryParam, type RestCall, type RestResult, type RestRoute } from './rest-call.ts'
import {
  parseFieldList,
  recordUrl,
  requireExternalIdField,
  requireObjectBody,
  requireSchema,
  resolveRecordId,
  withAttributes,
  writableFields,
} from './sobject-support.ts'

/** Upsert answers carry `created`, and an update answers 200 with a body, from v46.0 on (reference §2.8, UNCONFIRMED cut-over). */
const UPSERT_BODY_SINCE = 46

function writer(call: RestCall) {
  return { userId: call.session.userId }
}

function created(call: RestCall, schema: SObjectSchema, id: string, withCreatedFlag: boolean): RestResult {
  return {
    status: 201,
    body: withCreatedFlag
      ? { id, success: true, errors: [], created: true }
      : { id, success: true, errors: [] },
    headers: { Location: recordUrl(call.version, schema.name, id) },
  }
}

function create(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const fields = writableFields(schema, requireObjectBody(schema, call.body))
  const id = call.ctx.data.create(schema.name, fields, writer(call))
  return created(call, schema, id, false)
}

function retrieveOne(call: RestCall, schema: SObjectSchema, id: string): RestResult {
  const fields = parseFieldList(schema, queryParam(call.query, 'fields'))
  const record = call.ctx.data.retrieve(schema.name, id, fields)
  if (!record) throw notFound()
  return { status: 200, body: withAttributes(schema, call.version, id, record) }
}

function retrieve(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  return retrieveOne(call, schema, resolveRecordId(schema, call.params.id ?? ''))
}

function update(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const id = resolveRecordId(schema, call.params.id ?? '')
  const fields = writableFields(schema, requireObjectBody(schema, call.body))
  // The URL names the record; an Id in the body that names the same record is redundant, not a change.
  for (const key of Object.keys(fields)) {
    if (key.toLowerCase() === 'id' && typeof fields[key] === 'string' && resolveSame(schema, fields[key], id))
      delete fields[key]
  }
  call.ctx.data.update(schema.name, id, fields, writer(call))
  return { status: 204 }
}

function resolveSame(schema: SObjectSchema, value: string, id: string): boolean {
  try {
    return resolveRecordId(schema, value) === id
  } catch {
    return false
  }
}

function destroy(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const id = resolveRecordId(schema, call.params.id ?? '')
  call.ctx.data.delete(schema.name, id, writer(call))
  return { status: 204 }
}

/** The live records matching an external id: exactly one, or 404 / 300 as Salesforce answers. */
function matchByExternalId(call: RestCall, schema: SObjectSchema, field: string, value: string): string {
  const ids = call.ctx.data.findByExternalId(schema.name, field, value)
  if (ids.length === 0) throw notFound()
  if (ids.length > 1) throw multipleChoices(call, schema, ids)
  return ids[0] ?? ''
}

class MultipleChoices extends Error {
  readonly result: RestResult
  constructor(result: RestResult) {
    super('multiple external id matches')
    this.result = result
  }
}

function multipleChoices(call: RestCall, schema: SObjectSchema, ids: readonly string[]): MultipleChoices {
  // 300 with the matching records' URLs (restforce upsert_multiple_error_response.json).
  return new MultipleChoices({ status: 300, body: ids.map((id) => recordUrl(call.version, schema.name, id)) })
}

function handleMultiple(fn: (call: RestCall) => RestResult): (call: RestCall) => RestResult {
  return (call) => {
    try {
      return fn(call)
    } catch (err) {
      if (err instanceof MultipleChoices) return err.result
      throw err
    }
  }
}

function retrieveByExternalId(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const field = requireExternalIdField(schema, call.params.field ?? '')
  const value = call.params.value ?? ''
  if (field === 'Id') return retrieveOne(call, schema, resolveRecordId(schema, value))
  return retrieveOne(call, schema, matchByExternalId(call, schema, field, value))
}

function deleteByExternalId(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const field = requireExternalIdField(schema, call.params.field ?? '')
  const value = call.params.value ?? ''
  const id = field === 'Id' ? resolveRecordId(schema, value) : matchByExternalId(call, schema, field, value)
  call.ctx.data.delete(schema.name, id, writer(call))
  return { status: 204 }
}

function upsert(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const field = requireExternalIdField(schema, call.params.field ?? '')
  const value = call.params.value ?? ''
  const fields = writableFields(schema, requireObjectBody(schema, call.body))
  const modern = majorOf(call.version) >= UPSERT_BODY_SINCE
  if (field === 'Id') {
    // Upsert on Id updates the record it names (SFDOC resources_sobject_upsert); there is nothing to create.
    const id = resolveRecordId(schema, value)
    call.ctx.data.update(schema.name, id, fields, writer(call))
    return updatedAnswer(id, modern)
  }
  // The key is in the URL; the same key in the body is redundant.
  for (const key of Object.keys(fields)) if (key.toLowerCase() === field.toLowerCase()) delete fields[key]
  const matches = call.ctx.data.findByExternalId(schema.name, field, value)
  if (matches.length > 1) throw multipleChoices(call, schema, matches)
  const updateOnly = queryParam(call.query, 'updateOnly') === 'true'
  if (updateOnly && matches.length === 0) throw notFound()
  const result = call.ctx.data.upsert(schema.name, field, value, fields, writer(call))
  if (result.created) return created(call, schema, result.id, modern)
  return updatedAnswer(result.id, modern)
}

function updatedAnswer(id: string, modern: boolean): RestResult {
  // Before v46.0 an upsert that updated answered 204 (restforce upsert_updated_success_response.json is empty).
  return modern ? { status: 200, body: { id, success: true, errors: [], created: false } } : { status: 204 }
}

/**
 * `POST /sobjects/{X}/{field}` creates a record, the key field given in the body (SFDOC
 * resources_sobject_upsert: POST with the Id field, v37+). POST on a record URL is not allowed.
 */
function createViaKeyField(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const segment = call.params.id ?? ''
  if (/^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$/.test(segment) && !schema.field(segment)) {
    throw methodNotAllowed('POST', ['GET', 'PATCH', 'DELETE'])
  }
  requireExternalIdField(schema, segment)
  return create(call)
}

export function sobjectRowRoutes(): RestRoute[] {
  return [
    { method: 'POST', path: 'sobjects/:sobject', handler: create },
    { method: 'GET', path: 'sobjects/:sobject/:id', handler: retrieve },
    { method: 'PATCH', path: 'sobjects/:sobject/:id', handler: update },
    { method: 'DELETE', path: 'sobjects/:sobject/:id', handler: destroy },
    { method: 'POST', path: 'sobjects/:sobject/:id', handler: createViaKeyField },
    { method: 'GET', path: 'sobjects/:sobject/:field/:value', handler: handleMultiple(retrieveByExternalId) },
    { method: 'PATCH', path: 'sobjects/:sobject/:field/:value', handler: handleMultiple(upsert) },
    {
      method: 'DELETE',
      path: 'sobjects/:sobject/:field/:value',
      handler: handleMultiple(deleteByExternalId),
    },
  ]
}
