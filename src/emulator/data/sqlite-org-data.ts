/**
 * The org's records in SQLite (storage-layout.ts), with Salesforce's write semantics: system fields on
 * every write, derived and formula fields recomputed, validation as DmlErrors, the recycle bin with
 * cascading deletes, purges remembered for `/deleted`, and change events after each commit.
 */
import { rmSync } from 'node:fs'
import type { DatabaseSync } from 'node:sqlite'
import { normalizeId } from '../ids.ts'
import type { EmulatorClock } from '../clock.ts'
import { executeSoql } from '../soql/soql-engine.ts'
import {
  DmlError,
  type DeletedResult,
  type JsonValue,
  type OrgData,
  type QueryCursor,
  type RecordChange,
  type RecordChangeListener,
  type RecordFields,
  type UpdatedResult,
  type UpsertResult,
  type WriteContext,
} from './org-data.ts'
import { deriveFields, type DeriveContext, type Row } from './records/derived-fields.ts'
import { formatAutoNumber } from './records/key-prefixes.ts'
import { recordJson, type StoredRow } from './records/record-json.ts'
import { deletedRecords, updatedIds } from './records/replication.ts'
import { toStorage } from './records/value-codec.ts'
import { WriteChecks } from './records/write-checks.ts'
import { checkRequired, newRowDefaults, parseWriteInput } from './records/write-input.ts'
import { RecordStore } from './records/record-store.ts'
import { RecycleBin, stampWrite } from './records/recycle-bin.ts'
import type { OrgSObjectSchema } from './schema/sobject-schema.ts'

/** What `SqliteOrgData` is built from (see openSqliteOrgData). */
export interface SqliteOrgDataOptions {
  readonly db: DatabaseSync
  readonly schemas: readonly OrgSObjectSchema[]
  readonly clock: EmulatorClock
  /** The next id / auto-number per object (1 + rows generated). */
  readonly nextNumbers: Readonly<Record<string, number>>
  /** The org's 2-character pod segment of ids. */
  readonly pod: string
  /** Folder removed on close (the temp folder the database lives in), if any. */
  readonly removeOnClose?: string
}

/** The OrgData of a running emulator. Create it through `openOrgData`. */
export class SqliteOrgData implements OrgData {
  readonly #db: DatabaseSync
  readonly #schemas: readonly OrgSObjectSchema[]
  readonly #byName = new Map<string, OrgSObjectSchema>()
  readonly #clock: EmulatorClock
  readonly #store: RecordStore
  readonly #checks: WriteChecks
  readonly #recycleBin: RecycleBin
  readonly #next = new Map<string, number>()
  readonly #listeners = new Set<RecordChangeListener>()
  readonly #pending: RecordChange[] = []
  readonly #removeOnClose: string | undefined
  #depth = 0
  #closed = false

  constructor(options: SqliteOrgDataOptions) {
    this.#db = options.db
    this.#schemas = options.schemas
    this.#clock = options.clock
    this.#removeOnClose = options.removeOnClose
    for (const s of options.schemas) this.#byName.set(s.name.toLowerCase(), s)
    const byName = new Map(options.schemas.map((s) => [s.name, s]))
    this.#store = new RecordStore(options.db, byName, options.pod)
    this.#checks = new WriteChecks(options.db, byName)
    this.#recycleBin = new RecycleBin(this.#store, this.#checks, (op, schema, id, ms) =>
      this.#emit(op, schema, id, ms),
    )
    for (const [name, n] of Object.entries(options.nextNumbers)) this.#next.set(name, n)
  }

  schemas(): readonly OrgSObjectSchema[] {
    return this.#schemas
  }

  schema(name: string): OrgSObjectSchema | undefined {
    return this.#byName.get(name.toLowerCase())
  }

  /** The database, for the SOQL engine and tests (read it, do not write it). */
  get database(): DatabaseSync {
    return this.#db
  }

  query(soql: string, options: { includeDeleted: boolean }): QueryCursor {
    return executeSoql(this.#db, this, soql, {
      includeDeleted: options.includeDeleted,
      nowMs: this.#clock.now(),
    })
  }

  retrieve(sobject: string, id: string, fields?: readonly string[]): RecordFields | undefined {
    const schema = this.#require(sobject)
    const canonical = normalizeId(id)
    if (!canonical) return undefined
    const row = this.#store.byId(schema.name, canonical)
    if (!row || row._deletedMs !== null) return undefined
    return recordJson(schema, row, fields)
  }

  create(sobject: string, fields: RecordFields, ctx: WriteContext): string {
    const schema = this.#require(sobject)
    if (schema.describe.createable !== true) {
      // UNCONFIRMED statusCode and wording.
      throw new DmlError('INVALID_TYPE_FOR_OPERATION', 'entity type cannot be inserted')
    }
    const values = parseWriteInput(schema, fields, 'create')
    const row = newRowDefaults(schema, ctx.userId)
    for (const [name, value] of values) row[name] = value
    checkRequired(schema, row)
    this.#checkReferencesAndUniques(schema, row, values, null)
    const now = this.#clock.now()
    const n = this.#next.get(schema.name) ?? 1
    const id = this.#store.newId(schema, n)
    row.Id = id
    if (schema.has('IsDeleted')) row.IsDeleted = 0
    for (const f of schema.storedFields)
      if (f.autoNumber === true) row[f.name] = formatAutoNumber(schema.name, f.name, n)
    stampWrite(schema, row, now, ctx.userId, true)
    deriveFields(schema.name, row, this.#deriveContext(now), new Set(values.keys()))
    this.#atomic(() => {
      this.#store.insert(schema, row)
      this.#next.set(schema.name, n + 1)
      this.#emit('insert', schema, id, now)
    })
    return id
  }

  update(sobject: string, id: string, fields: RecordFields, ctx: WriteContext): void {
    const schema = this.#require(sobject)
    const row = this.#liveRow(schema, id)
    const values = parseWriteInput(schema, fields, 'update', String(row.Id))
    for (const [name, value] of values) row[name] = value
    checkRequired(schema, row, new Set(values.keys()))
    this.#checkReferencesAndUniques(schema, row, values, Number(row._rowid))
    const now = this.#clock.now()
    stampWrite(schema, row, now, ctx.userId, false)
    deriveFields(schema.name, row, this.#deriveContext(now), new Set(values.keys()))
    this.#atomic(() => {
      this.#store.update(schema, row)
      this.#emit('update', schema, String(row.Id), now)
    })
  }

  delete(sobject: string, id: string, ctx: WriteContext): void {
    const schema = this.#require(sobject)
    if (schema.describe.deletable !== true) {
      // UNCONFIRMED statusCode and wording.
      throw new DmlError('INVALID_TYPE_FOR_OPERATION', 'entity type cannot be deleted')
    }
    const row = this.#liveRow(schema, id)
    const now = this.#clock.now()
    this.#atomic(() => this.#recycleBin.delete(schema, row, now, ctx.userId))
  }

  undelete(sobject: string, id: string, ctx: WriteContext): void {
    const schema = this.#require(sobject)
    const row = this.#anyRow(schema, id)
    if (row._deletedMs === null) {
      // UNCONFIRMED wording.
      throw new DmlError('UNDELETE_FAILED', 'Entity is not in the recycle bin', [])
    }
    const now = this.#clock.now()
    this.#atomic(() => this.#recycleBin.undelete(schema, row, Number(row._deletedMs), now, ctx.userId))
  }

  purge(sobject: string, id: string): void {
    const schema = this.#require(sobject)
    const row = this.#anyRow(schema, id)
    const now = this.#clock.now()
    this.#atomic(() => this.#recycleBin.purge(schema, row, now))
  }

  findByExternalId(sobject: string, field: string, value: JsonValue): string[] {
    const schema = this.#require(sobject)
    const f = schema.field(field)
    if (!f || (f.name !== 'Id' && f.externalId !== true && f.idLookup !== true)) {
      // restforce upsert_error_response.json.
      throw new DmlError(
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${field}`,
        [],
        404,
      )
    }
    if (value === null || value === '') return []
    let stored
    try {
      stored = toStorage(f, value)
    } catch {
      return []
    }
    return this.#store.findLive(schema, f, stored)
  }

  upsert(
    sobject: string,
    field: string,
    value: JsonValue,
    fields: RecordFields,
    ctx: WriteContext,
  ): UpsertResult {
    const schema = this.#require(sobject)
    const key = schema.field(field)
    const matches = this.findByExternalId(sobject, field, value)
    if (matches.length > 1) {
      throw new DmlError(
        'MULTIPLE_CHOICES',
        `The value provided for foreign key reference ${key?.name ?? field} is not unique.`,
        [],
        300,
      )
    }
    // The key's value comes from the URL; a copy in the body is dropped (UNCONFIRMED: Salesforce may refuse it).
    const body: RecordFields = {}
    for (const [k, v] of Object.entries(fields)) if (k.toLowerCase() !== field.toLowerCase()) body[k] = v
    const [match] = matches
    if (match) {
      this.update(schema.name, match, body, ctx)
      return { id: match, created: false }
    }
    if (key && key.name !== 'Id' && value !== null) body[key.name] = value
    return { id: this.create(schema.name, body, ctx), created: true }
  }

  updated(sobject: string, startMs: number, endMs: number): UpdatedResult {
    return updatedIds(this.#db, this.#require(sobject), startMs, endMs, this.#clock.now())
  }

  deleted(sobject: string, startMs: number, endMs: number): DeletedResult {
    return deletedRecords(this.#db, this.#require(sobject), startMs, endMs, this.#clock.now())
  }

  count(sobject: string): number {
    return this.#store.countLive(this.#require(sobject).name)
  }

  transaction<T>(fn: () => T): T {
    return this.#atomic(fn)
  }

  setFormulaValues(sobject: string, id: string, values: RecordFields): void {
    const schema = this.#require(sobject)
    const row = this.#liveRow(schema, id)
    for (const [name, value] of Object.entries(values)) {
      const f = schema.field(name)
      if (!f || f.calculated !== true) {
        throw new DmlError('INVALID_FIELD', `${name} is not a formula field of ${schema.name}`, [name])
      }
      row[f.name] = toStorage(f, value)
    }
    this.#atomic(() => {
      this.#store.update(schema, row)
      this.#emit('formula', schema, String(row.Id), Number(row.SystemModstamp ?? row.LastModifiedDate ?? 0))
    })
  }

  onChange(listener: RecordChangeListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#db.close()
    if (this.#removeOnClose) rmSync(this.#removeOnClose, { recursive: true, force: true })
  }

  #require(sobject: string): OrgSObjectSchema {
    const schema = this.schema(sobject)
    if (!schema) throw new DmlError('NOT_FOUND', 'The requested resource does not exist', [], 404)
    return schema
  }

  /** The stored row of `id` (live or in the recycle bin); MALFORMED_ID / NOT_FOUND otherwise. */
  #anyRow(schema: OrgSObjectSchema, id: string): StoredRow {
    const canonical = normalizeId(id)
    // UNCONFIRMED: an id of another object is reported like a malformed one.
    if (!canonical || canonical.slice(0, 3) !== schema.describe.keyPrefix) {
      throw new DmlError(
        'MALFORMED_ID',
        `${String(schema.describe.label)} ID: id value of incorrect type: ${id}`,
        ['Id'],
      )
    }
    const row = this.#store.byId(schema.name, canonical)
    if (!row) throw new DmlError('NOT_FOUND', 'The requested resource does not exist', [], 404)
    return row
  }

  #liveRow(schema: OrgSObjectSchema, id: string): StoredRow {
    const row = this.#anyRow(schema, id)
    // Status 404 per org-data.ts; the wording is UNCONFIRMED (reference §2.12).
    if (row._deletedMs !== null) throw new DmlError('ENTITY_IS_DELETED', 'entity is deleted', [], 404)
    return row
  }

  #checkReferencesAndUniques(
    schema: OrgSObjectSchema,
    row: Row,
    values: ReadonlyMap<string, unknown>,
    selfRowid: number | null,
  ): void {
    for (const name of values.keys()) {
      const f = schema.field(name)
      if (!f) continue
      const value = row[f.name]
      if (f.type === 'reference' && typeof value === 'string') this.#checks.reference(schema, f, value)
      if (f.unique === true) this.#checks.unique(schema, f, value ?? null, selfRowid)
    }
  }

  #deriveContext(now: number): DeriveContext {
    return {
      nowMs: now,
      lookup: (sobject, id, field) => this.#store.liveField(sobject, id, field),
      objectOf: (id) => this.#checks.objectOf(id),
    }
  }

  #emit(op: RecordChange['op'], schema: OrgSObjectSchema, id: string, systemModstampMs: number): void {
    this.#pending.push({ op, sobject: schema.name, id, systemModstampMs })
  }

  /** Runs `fn` in a savepoint; change events are delivered once the outermost level commits. */
  #atomic<T>(fn: () => T): T {
    const name = `sp${this.#depth}`
    const mark = this.#pending.length
    this.#db.exec(`SAVEPOINT ${name}`)
    this.#depth++
    let result: T
    try {
      result = fn()
    } catch (err) {
      this.#depth--
      this.#db.exec(`ROLLBACK TO ${name}`)
      this.#db.exec(`RELEASE ${name}`)
      this.#pending.length = mark
      throw err
    }
    this.#depth--
    this.#db.exec(`RELEASE ${name}`)
    if (this.#depth === 0) this.#deliver()
    return result
  }

  #deliver(): void {
    const changes = this.#pending.splice(0)
    for (const change of changes) {
      for (const listener of this.#listeners) {
        try {
          listener(change)
        } catch (err) {
          process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'OrgDataListenerWarning')
        }
      }
    }
  }
}
