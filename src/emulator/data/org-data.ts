/**
 * The contract between the emulator's record layer (data/, soql/) and its HTTP layers (rest/, bulk/,
 * control/). Field names are API names and are matched case-insensitively, as Salesforce does; values
 * go in and out in REST JSON form (datetimes `2013-05-20T20:49:32.000+0000`, dates `2010-01-01`,
 * numbers, booleans, null; compound address/location fields as objects).
 */

/** One field of a describe, exactly as the describe JSON carries it (every attribute present). */
export interface DescribeField {
  readonly name: string
  readonly type: string
  readonly [attribute: string]: unknown
}

/** The describe of one sObject as served (minus `urls`, which the REST layer fills per API version). */
export interface DescribeSObject {
  readonly name: string
  readonly keyPrefix: string | null
  readonly fields: readonly DescribeField[]
  readonly [attribute: string]: unknown
}

export interface SObjectSchema {
  readonly name: string
  readonly describe: DescribeSObject
  /** Emulated time (ms) of the last schema change, for `If-Modified-Since` on describe. */
  readonly lastModifiedMs: number
  /** Case-insensitive lookup of a field by API name. */
  field(name: string): DescribeField | undefined
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type RecordFields = Record<string, JsonValue>

/** Who performs a write: sets CreatedById / LastModifiedById. */
export interface WriteContext {
  readonly userId: string
}

/**
 * A DML failure in SaveResult form: `{statusCode, message, fields}` (reference/salesforce-data-api.md
 * §1.4). The REST layer turns it into `[{"errorCode","message","fields"}]` for single-record calls.
 */
export class DmlError extends Error {
  readonly statusCode: string
  readonly fields: readonly string[]
  /** HTTP status for single-record REST calls (400 mostly; 404 for ENTITY_IS_DELETED / NOT_FOUND). */
  readonly httpStatus: number
  constructor(statusCode: string, message: string, fields: readonly string[] = [], httpStatus = 400) {
    super(message)
    this.name = 'DmlError'
    this.statusCode = statusCode
    this.fields = fields
    this.httpStatus = httpStatus
  }
}

/**
 * A SOQL failure: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, ... with Salesforce's message layout
 * (the query echoed with a caret under the offending token, then `ERROR at Row:1:Column:N`).
 */
export class SoqlError extends Error {
  readonly errorCode: string
  constructor(errorCode: string, message: string) {
    super(message)
    this.name = 'SoqlError'
    this.errorCode = errorCode
  }
}

/** A prepared query whose matching rows are fixed at execution time, fetched page by page. */
export interface QueryCursor {
  /** Number of rows (for COUNT() queries: the count). */
  readonly totalSize: number
  /**
   * Number of records `fetch` pages over: equal to totalSize, except 0 for COUNT() queries. A page may
   * come back shorter than asked when rows were purged after execution; positions stay those of the
   * execution-time snapshot.
   */
  readonly recordCount: number
  /**
   * Records `[offset, offset + count)` in REST JSON shape: each with `attributes {type, url}`, parent
   * relationships as nested objects (or null), fields in the SELECT order. `url` is relative to the API
   * version given. Empty for COUNT() queries.
   */
  fetch(offset: number, count: number, apiVersion: string): Array<Record<string, unknown>>
  /** Column names in SELECT order (relationship fields dotted, e.g. `Account.Name`), for CSV output. */
  readonly columns: readonly string[]
  /** Rows as flat arrays in `columns` order (values as REST JSON scalars), for Bulk CSV output. */
  rows(offset: number, count: number): Iterable<readonly JsonValue[]>
}

export interface UpdatedResult {
  readonly ids: string[]
  readonly latestDateCovered: string
}

export interface DeletedResult {
  readonly deletedRecords: Array<{ id: string; deletedDate: string }>
  readonly earliestDateAvailable: string
  readonly latestDateCovered: string
}

export interface UpsertResult {
  readonly id: string
  readonly created: boolean
}

export interface OrgData {
  /** Every sObject, in describeGlobal order. */
  schemas(): readonly SObjectSchema[]
  /** Case-insensitive lookup; undefined when the org has no such object. */
  schema(name: string): SObjectSchema | undefined
  /**
   * Parses and runs `soql`. `includeDeleted` is queryAll. Throws SoqlError on any query Salesforce
   * would refuse; never returns a silently wrong answer for a construct it does not support.
   */
  query(soql: string, options: { includeDeleted: boolean }): QueryCursor
  /** Creates a record and returns its 18-character id. Throws DmlError. */
  create(sobject: string, fields: RecordFields, ctx: WriteContext): string
  /** One record with the given fields (all fields when omitted), or undefined (also when deleted). */
  retrieve(sobject: string, id: string, fields?: readonly string[]): RecordFields | undefined
  /** Throws DmlError (ENTITY_IS_DELETED, INVALID_CROSS_REFERENCE_KEY, INVALID_FIELD_FOR_INSERT_UPDATE, ...). */
  update(sobject: string, id: string, fields: RecordFields, ctx: WriteContext): void
  /** Moves the record to the recycle bin (IsDeleted = true). */
  delete(sobject: string, id: string, ctx: WriteContext): void
  /** Restores a record from the recycle bin. */
  undelete(sobject: string, id: string, ctx: WriteContext): void
  /** Removes a record for good (from the recycle bin or not): queryAll no longer sees it. */
  purge(sobject: string, id: string): void
  /** Ids of live records whose `field` equals `value` (the upsert key). */
  findByExternalId(sobject: string, field: string, value: JsonValue): string[]
  /** Creates or updates by external id; 0 matches create, 1 updates, more throws DmlError MULTIPLE_CHOICES. */
  upsert(
    sobject: string,
    field: string,
    value: JsonValue,
    fields: RecordFields,
    ctx: WriteContext,
  ): UpsertResult
  /** `/sobjects/{X}/updated`: ids changed within [startMs, endMs). */
  updated(sobject: string, startMs: number, endMs: number): UpdatedResult
  /** `/sobjects/{X}/deleted`: records deleted within [startMs, endMs). */
  deleted(sobject: string, startMs: number, endMs: number): DeletedResult
  /** Number of live (not deleted) records of an object. */
  count(sobject: string): number
  /**
   * Runs `fn` (synchronous writes only) atomically: when it throws, every write it made is undone and
   * the error rethrown. Used by allOrNone collections and composite requests. Optional: without it the
   * REST layer undoes writes by compensation (delete what it created, restore what it changed).
   */
  transaction?<T>(fn: () => T): T
  /**
   * Sets formula (calculated) fields of a live record without touching SystemModstamp or
   * LastModifiedDate, as Salesforce's formula values change without a write (reference §2.4). Reports
   * a `formula` change. Throws DmlError INVALID_FIELD for a field that is not a formula, NOT_FOUND /
   * ENTITY_IS_DELETED for a missing / deleted record. The next ordinary write recomputes the formula.
   * Optional so that test fakes need not implement it; the SQLite record layer does.
   */
  setFormulaValues?(sobject: string, id: string, values: RecordFields): void
  /**
   * Calls `listener` after each committed write, once per record touched (cascaded deletes included),
   * in commit order; inside `transaction` only once the outermost transaction commits (never for a
   * rolled-back write). Returns a function that unsubscribes. A listener that throws does not undo
   * the write: its error is reported as a process warning. Optional like `setFormulaValues`.
   */
  onChange?(listener: RecordChangeListener): () => void
  /** Releases files and handles. */
  close(): void
}

/** One committed change to one record, as `OrgData.onChange` reports it. */
export interface RecordChange {
  readonly op: 'insert' | 'update' | 'delete' | 'undelete' | 'purge' | 'formula'
  readonly sobject: string
  /** 18-character id. */
  readonly id: string
  /**
   * The record's SystemModstamp after the change (ms); for `purge`, the emulated time of the purge; for
   * `formula`, the unchanged SystemModstamp.
   */
  readonly systemModstampMs: number
}

export type RecordChangeListener = (change: RecordChange) => void
