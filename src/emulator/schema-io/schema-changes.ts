/**
 * Runtime schema changes, as an admin makes them in Setup while a sync runs: add a field, delete a
 * field, change a field's length, type or other attributes. Each change swaps the object's describe
 * (every layer sees it at once), moves the object's `lastModifiedMs` (describe `If-Modified-Since`),
 * and alters the SQLite table to match (ADD COLUMN; DROP COLUMN; a rebuilt column for a type change).
 * A query naming a deleted field then fails with INVALID_FIELD, as Salesforce's would.
 * @example new SchemaChanges(data, () => clock.now()).addField('Account', { name: 'Tier__c', type: 'string' })
 */
import type { DatabaseSync } from 'node:sqlite'
import { ApiError } from '../errors.ts'
import type { DescribeField, DescribeSObject, JsonValue } from '../data/org-data.ts'
import type { SqliteOrgData } from '../data/sqlite-org-data.ts'
import type { OrgSObjectSchema } from '../data/schema/sobject-schema.ts'
import { buildField, type FieldSpec, type FieldType } from '../data/schema/field-builder.ts'
import { toJson, toStorage, type SqlValue } from '../data/records/value-codec.ts'
import {
  columnDeclaration,
  quoteIdent,
  ROWID_COLUMN,
  storageClass,
  tableName,
} from '../data/storage-layout.ts'

/** Types a runtime change may give a field (compound address/location fields are refused). */
export const CHANGEABLE_TYPES: readonly FieldType[] = [
  'reference',
  'string',
  'textarea',
  'picklist',
  'multipicklist',
  'combobox',
  'email',
  'phone',
  'url',
  'boolean',
  'int',
  'double',
  'currency',
  'percent',
  'date',
  'datetime',
  'time',
]

/** Attributes recomputed from type and length unless the request gives them. */
const DERIVED = ['soapType', 'byteLength', 'length', 'precision', 'scale', 'digits', 'extraTypeInfo'] as const

function bad(message: string): ApiError {
  return new ApiError(400, 'INVALID_REQUEST', message)
}

function requireObject(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad(`${what} must be a JSON object`)
  return body as Record<string, unknown>
}

function checkType(type: unknown): FieldType {
  if (typeof type !== 'string' || !(CHANGEABLE_TYPES as readonly string[]).includes(type))
    throw bad(`type must be one of: ${CHANGEABLE_TYPES.join(', ')}`)
  return type as FieldType
}

function optionalNumber(
  body: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): number | undefined {
  const v = body[key]
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw bad(`${key} must be a whole number from ${min} to ${max}`)
  return v
}

/** The builder's spec from a (partial) field describe. */
function specOf(body: Record<string, unknown>, type: FieldType, name: string): FieldSpec {
  const picklist = Array.isArray(body.picklistValues)
    ? (body.picklistValues as unknown[]).map((p) => {
        if (typeof p === 'string') return p
        const v = (p as { value?: unknown } | null)?.value
        if (typeof v !== 'string') throw bad('picklistValues are strings or {"value": "..."}')
        return {
          value: v,
          ...(typeof (p as { label?: unknown }).label === 'string'
            ? { label: String((p as { label: string }).label) }
            : {}),
        }
      })
    : undefined
  const referenceTo = body.referenceTo
  if (
    referenceTo !== undefined &&
    (!Array.isArray(referenceTo) || referenceTo.some((r) => typeof r !== 'string'))
  )
    throw bad('referenceTo must be an array of sObject names')
  const length = optionalNumber(body, 'length', 0, 131_072)
  const precision = optionalNumber(body, 'precision', 0, 18)
  const scale = optionalNumber(body, 'scale', 0, 17)
  const digits = optionalNumber(body, 'digits', 0, 18)
  const text = ['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'combobox']
  if (length === 0 && text.includes(type)) throw bad(`length must be at least 1 for a ${type} field`)
  return {
    name,
    type,
    label: typeof body.label === 'string' ? body.label : name.replace(/__c$/, '').replace(/_/g, ' '),
    ...(length !== undefined ? { length } : {}),
    ...(precision !== undefined ? { precision } : {}),
    ...(scale !== undefined ? { scale } : {}),
    ...(digits !== undefined ? { digits } : {}),
    ...(typeof body.nillable === 'boolean' ? { nillable: body.nillable } : {}),
    ...(typeof body.externalId === 'boolean' ? { externalId: body.externalId } : {}),
    ...(typeof body.unique === 'boolean' ? { unique: body.unique } : {}),
    ...(typeof body.restrictedPicklist === 'boolean' ? { restrictedPicklist: body.restrictedPicklist } : {}),
    ...(referenceTo !== undefined ? { referenceTo: referenceTo as string[] } : {}),
    ...(typeof body.relationshipName === 'string' ? { relationshipName: body.relationshipName } : {}),
    ...(picklist ? { picklist } : {}),
  }
}

/** Called with the ids of records whose stored values a schema change rewrote. */
export type ValuesChanged = (sobject: string, ids: readonly string[]) => void

export class SchemaChanges {
  readonly #data: SqliteOrgData
  readonly #db: DatabaseSync
  readonly #now: () => number

  readonly #onValuesChanged: ValuesChanged

  /**
   * `onValuesChanged` hears of records whose stored values a change of length or type rewrote
   * (without a new SystemModstamp, as in Salesforce), so that the journal can record their new image.
   */
  constructor(data: SqliteOrgData, now: () => number, onValuesChanged: ValuesChanged = () => {}) {
    this.#data = data
    this.#db = data.database
    this.#now = now
    this.#onValuesChanged = onValuesChanged
  }

  /**
   * The time a change is stamped with: the next whole second, so that a describe fetched earlier in
   * the same second (If-Modified-Since has one-second precision) is seen as stale.
   */
  #stamp(): number {
    return Math.floor(this.#now() / 1000) * 1000 + 1000
  }

  #schema(sobject: string): OrgSObjectSchema {
    const schema = this.#data.schema(sobject)
    if (!schema) throw new ApiError(404, 'NOT_FOUND', `The org has no sObject '${sobject}'`)
    return schema
  }

  #field(schema: OrgSObjectSchema, name: string): DescribeField {
    const field = schema.field(name)
    if (!field) throw new ApiError(404, 'NOT_FOUND', `${schema.name} has no field '${name}'`)
    return field
  }

  /** Adds a field (a partial describe: `name` and `type` required); returns the full field describe. */
  addField(sobject: string, body: unknown): DescribeField {
    const schema = this.#schema(sobject)
    const input = requireObject(body, 'The field')
    const name = input.name
    // Fields an admin adds are custom: their API name ends in __c (40 characters before it at most).
    if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,39}__c$/.test(name))
      throw bad(
        'name must be a custom field API name: letters, digits, underscores, ending in __c (e.g. Tier__c)',
      )
    if (schema.has(name))
      throw new ApiError(400, 'DUPLICATE_DEVELOPER_NAME', `${schema.name} already has a field ${name}`)
    const type = checkType(input.type)
    if (type === 'reference') this.#checkTargets(input.referenceTo)
    const built = buildField(specOf(input, type, name)) as unknown as Record<string, unknown>
    // Attributes the request gives verbatim win (a whole describe field may be posted).
    // Picklist values given as plain strings were expanded by the builder.
    const shorthand =
      Array.isArray(input.picklistValues) && input.picklistValues.some((p) => typeof p === 'string')
    for (const [k, v] of Object.entries(input)) {
      if (k === 'name' || k === 'type' || (k === 'picklistValues' && shorthand)) continue
      if (k in built) built[k] = v
    }
    const field = built as unknown as DescribeField
    const decl = columnDeclaration(field)
    if (decl) this.#db.exec(`ALTER TABLE ${tableName(schema.name)} ADD COLUMN ${decl}`)
    if (decl && (type === 'reference' || field.externalId === true || field.unique === true))
      this.#db.exec(
        `CREATE INDEX ${quoteIdent(`${schema.name}_${name}_idx`)} ON ${tableName(schema.name)} (${quoteIdent(name)})`,
      )
    const stamp = this.#stamp()
    this.#replace(schema, [...schema.describe.fields, field], stamp)
    if (type === 'reference') this.#relink(schema, stamp)
    return field
  }

  /** Deletes a custom field (standard fields cannot be deleted, as in Salesforce). */
  deleteField(sobject: string, name: string): void {
    const schema = this.#schema(sobject)
    const field = this.#field(schema, name)
    if (field.custom !== true)
      throw new ApiError(
        400,
        'CANNOT_DELETE_STANDARD_FIELD',
        `${schema.name}.${field.name} is a standard field and cannot be deleted`,
      )
    if (storageClass(field) === 'compound' || typeof field.compoundFieldName === 'string')
      throw bad(`${schema.name}.${field.name} is (part of) a compound field; delete it in Setup instead`)
    this.#dropIndexes(schema.name, field.name)
    this.#db.exec(`ALTER TABLE ${tableName(schema.name)} DROP COLUMN ${quoteIdent(field.name)}`)
    const stamp = this.#stamp()
    this.#replace(
      schema,
      schema.describe.fields.filter((f) => f !== field),
      stamp,
    )
    if (field.type === 'reference') this.#relink(schema, stamp)
  }

  /**
   * Changes attributes of a field (`length`, `type`, `precision`, `scale`, `label`, `picklistValues`,
   * ...). Stored values follow: text longer than a new length is cut (UNCONFIRMED: Salesforce asks
   * the admin to confirm the truncation), values the new type cannot hold become null.
   */
  changeField(sobject: string, name: string, body: unknown): DescribeField {
    const schema = this.#schema(sobject)
    const old = this.#field(schema, name)
    const patch = requireObject(body, 'The change')
    if (Object.keys(patch).length === 0) throw bad('Give at least one attribute to change')
    if ('name' in patch && patch.name !== old.name) throw bad('A field cannot be renamed')
    if (old.name === 'Id' || storageClass(old) === 'compound' || typeof old.compoundFieldName === 'string')
      throw bad(`${schema.name}.${old.name} cannot be changed`)
    const type = checkType(patch.type ?? old.type)
    if (type === 'reference') this.#checkTargets(patch.referenceTo ?? old.referenceTo)
    const merged: Record<string, unknown> = { ...old, ...patch, type }
    // A new type starts from its own defaults for what the request does not give (int → string: 255).
    if (type !== old.type) for (const key of DERIVED) if (!(key in patch)) delete merged[key]
    const built = buildField(specOf(merged, type, old.name)) as unknown as Record<string, unknown>
    for (const key of DERIVED) if (!(key in patch)) merged[key] = built[key]
    // New picklist values (strings or entries) come out of the builder in describe form.
    if ('picklistValues' in patch) merged.picklistValues = built.picklistValues
    else if (type !== old.type) merged.picklistValues = built.picklistValues
    const field = merged as unknown as DescribeField
    const rewritten = this.#convertColumn(schema, old, field)
    const stamp = this.#stamp()
    this.#replace(
      schema,
      schema.describe.fields.map((f) => (f === old ? field : f)),
      stamp,
    )
    if (rewritten.length > 0) this.#onValuesChanged(schema.name, rewritten)
    if (type === 'reference' || old.type === 'reference') this.#relink(schema, stamp)
    return field
  }

  #checkTargets(referenceTo: unknown): void {
    if (!Array.isArray(referenceTo) || referenceTo.length === 0)
      throw bad('A reference field needs referenceTo: ["SObject", ...]')
    for (const t of referenceTo)
      if (typeof t !== 'string' || !this.#data.schema(t))
        throw bad(`referenceTo: the org has no sObject '${String(t)}'`)
  }

  #replace(schema: OrgSObjectSchema, fields: readonly DescribeField[], stamp: number): void {
    const describe = { ...schema.describe, fields } as DescribeSObject
    schema.replaceDescribe(describe, stamp)
  }

  /** Rebuilds `childRelationships` of every object from the lookups that now exist (kept ones first). */
  #relink(changed: OrgSObjectSchema, stamp: number): void {
    type Rel = Record<string, unknown> & { childSObject: string; field: string }
    for (const parent of this.#data.schemas()) {
      const current = (parent.describe.childRelationships ?? []) as Rel[]
      const kept = current.filter(
        (r) =>
          r.childSObject !== changed.name ||
          (changed.field(r.field)?.referenceTo as string[] | undefined)?.includes(parent.name),
      )
      const have = new Set(kept.map((r) => `${r.childSObject}.${r.field}`))
      const added: Rel[] = changed.describe.fields
        .filter(
          (f) =>
            f.type === 'reference' &&
            (f.referenceTo as string[]).includes(parent.name) &&
            !have.has(`${changed.name}.${f.name}`),
        )
        .map((f) => ({
          cascadeDelete: false,
          childSObject: changed.name,
          deprecatedAndHidden: false,
          field: f.name,
          junctionIdListNames: [],
          junctionReferenceTo: [],
          relationshipName: (f.relationshipName as string | null) ?? null,
          restrictedDelete: false,
        }))
      if (added.length === 0 && kept.length === current.length) continue
      const childRelationships = [...kept, ...added]
      parent.replaceDescribe({ ...parent.describe, childRelationships }, stamp)
    }
  }

  #dropIndexes(sobject: string, column: string): string[] {
    const dropped: string[] = []
    for (const idx of this.#db.prepare(`PRAGMA index_list(${tableName(sobject)})`).all()) {
      const indexName = String(idx.name)
      const cols = this.#db.prepare(`PRAGMA index_info(${quoteIdent(indexName)})`).all()
      if (cols.some((c) => String(c.name) === column)) {
        this.#db.exec(`DROP INDEX ${quoteIdent(indexName)}`)
        dropped.push(indexName)
      }
    }
    return dropped
  }

  /** Moves every stored value of `old` to what `next` can hold, rebuilding the column when its storage differs. */
  #convertColumn(schema: OrgSObjectSchema, old: DescribeField, next: DescribeField): string[] {
    const table = tableName(schema.name)
    const col = quoteIdent(old.name)
    const rebuild = columnDeclaration(old) !== columnDeclaration(next)
    const rows = this.#db
      .prepare(`SELECT ${quoteIdent(ROWID_COLUMN)} AS r, "Id" AS id, ${col} AS v FROM ${table}`)
      .all()
    const converted = rows.map((row) => [row.r, convertValue(old, next, row.v as SqlValue)] as const)
    const rewritten = rows.filter((row, i) => converted[i]?.[1] !== row.v).map((row) => String(row.id))
    this.#db.exec('SAVEPOINT schema_change')
    try {
      let target = col
      let indexed: string[] = []
      if (rebuild) {
        const temp = `${old.name}__sfsync_tmp`
        target = quoteIdent(temp)
        this.#db.exec(`ALTER TABLE ${table} ADD COLUMN ${columnDeclaration({ ...next, name: temp }) ?? ''}`)
        indexed = this.#dropIndexes(schema.name, old.name)
      }
      const update = this.#db.prepare(
        `UPDATE ${table} SET ${target} = ? WHERE ${quoteIdent(ROWID_COLUMN)} = ?`,
      )
      for (const [r, v] of converted) update.run(v, r as number)
      if (rebuild) {
        this.#db.exec(`ALTER TABLE ${table} DROP COLUMN ${col}`)
        this.#db.exec(`ALTER TABLE ${table} RENAME COLUMN ${target} TO ${col}`)
        for (const name of indexed) this.#db.exec(`CREATE INDEX ${quoteIdent(name)} ON ${table} (${col})`)
      }
      this.#db.exec('RELEASE schema_change')
    } catch (err) {
      this.#db.exec('ROLLBACK TO schema_change')
      this.#db.exec('RELEASE schema_change')
      throw err
    }
    return rewritten
  }
}

/** A stored value of `old` as `next` stores it; null (false for booleans) when it does not fit. */
export function convertValue(old: DescribeField, next: DescribeField, stored: SqlValue): SqlValue {
  const empty: SqlValue = storageClass(next) === 'boolean' ? 0 : null
  if (stored === null || stored === undefined) return empty
  let json: JsonValue = toJson(old, stored)
  if (json === null) return empty
  const nextClass = storageClass(next)
  if (nextClass === 'text' && typeof json !== 'string')
    json = typeof json === 'object' ? JSON.stringify(json) : String(json)
  if (nextClass === 'text' && typeof json === 'string' && typeof next.length === 'number' && next.length > 0)
    json = [...json].slice(0, next.length).join('')
  if ((nextClass === 'integer' || nextClass === 'real') && typeof json === 'string') {
    const n = Number(json)
    json = Number.isFinite(n) && json.trim() !== '' ? (nextClass === 'integer' ? Math.trunc(n) : n) : null
  }
  if (nextClass === 'integer' && typeof json === 'number') json = Math.trunc(json)
  if (json === null) return empty
  try {
    return toStorage(next, json)
  } catch {
    return empty
  }
}
