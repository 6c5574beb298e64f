/**
 * What every part of a query's translation shares: the root object, the alias rule for paths, field
 * resolution with Salesforce's errors, and the WHERE context (semi-joins included).
 */
import type { SQLInputValue } from 'node:sqlite'
import type { SObjectSchema } from '../data/org-data.ts'
import { DELETED_MS_COLUMN, quoteIdent, tableName } from '../data/storage-layout.ts'
import type { FieldRef, ParsedQuery } from './soql-ast.ts'
import { soqlError, unsupportedType } from './soql-errors.ts'
import { JoinSet, type ResolvedField } from './soql-fields.ts'
import type { SchemaLookup } from './soql-engine.ts'
import { compileCondition, valueKind, type Operand, type WhereContext } from './soql-where.ts'

/** executeSoql's options: queryAll, and the emulated clock for relative date literals. */
export interface EngineOptions {
  readonly includeDeleted: boolean
  readonly nowMs: number
}

/** The root object of `query`; INVALID_TYPE when the org has none by that name. */
export function rootSchema(soql: string, schemas: SchemaLookup, query: ParsedQuery): SObjectSchema {
  const schema = schemas.schema(query.from)
  if (!schema || schema.describe.queryable === false) throw unsupportedType(soql, query.fromAt, query.from)
  return schema
}

/**
 * The path of `ref` without a leading object alias (`a.Name` with `FROM Account a`) or object name
 * (`Account.Name` with `FROM Account`, when Account has no relationship named so).
 */
export function stripPrefix(
  ref: FieldRef,
  query: ParsedQuery,
  schema: SObjectSchema,
): { path: readonly string[]; offsets: readonly number[] } {
  if (ref.path.length > 1) {
    const head = (ref.path[0] as string).toLowerCase()
    const isAlias = query.alias !== undefined && query.alias.toLowerCase() === head
    const isObject =
      head === schema.name.toLowerCase() &&
      !schema.describe.fields.some(
        (f) => typeof f.relationshipName === 'string' && f.relationshipName.toLowerCase() === head,
      )
    if (isAlias || isObject) return { path: ref.path.slice(1), offsets: ref.offsets.slice(1) }
  }
  return { path: ref.path, offsets: ref.offsets }
}

/** Resolves a field of `query` through `joins`. */
export function resolveField(
  joins: JoinSet,
  ref: FieldRef,
  query: ParsedQuery,
  schema: SObjectSchema,
): ResolvedField {
  const { path, offsets } = stripPrefix(ref, query, schema)
  return joins.resolve(ref, path, offsets)
}

/** An operand for WHERE/HAVING from a resolved field. */
export function operandOf(f: ResolvedField): Operand {
  return { sql: f.sql, kind: valueKind(f), name: f.field.name }
}

/** The filter part of a query: joins, the WHERE SQL (deleted rows excluded unless queryAll) and params. */
export interface Filter {
  readonly joins: JoinSet
  readonly where: string
  readonly params: SQLInputValue[]
}

/** Compiles the WHERE clause of `query` (alias `alias` for its root). */
export function compileFilter(
  soql: string,
  schemas: SchemaLookup,
  query: ParsedQuery,
  schema: SObjectSchema,
  options: EngineOptions,
  alias = 't0',
  allowSemiJoin = true,
): Filter {
  const joins = new JoinSet(soql, schemas, schema, alias)
  const params: SQLInputValue[] = []
  const ctx: WhereContext = {
    soql,
    nowMs: options.nowMs,
    params,
    field: (ref) => operandOf(resolveField(joins, ref, query, schema)),
    semiJoin: allowSemiJoin
      ? (sub, left) => semiJoinSelect(soql, schemas, schema, sub, left, options, params, alias)
      : undefined,
  }
  const parts: string[] = []
  if (!options.includeDeleted) {
    // With other conditions or an ORDER BY, `+` keeps SQLite from picking an index on _deletedMs (most
    // rows are live) over the index that serves the query; alone, that index covers the rowid scan.
    const plus = query.where || query.orderBy.length > 0 ? '+' : ''
    parts.push(`${plus}${alias}.${quoteIdent(DELETED_MS_COLUMN)} IS NULL`)
  }
  if (query.where) parts.push(compileCondition(query.where, ctx))
  return { joins, where: parts.length > 0 ? parts.join(' AND ') : '1', params }
}

/**
 * `SELECT s."AccountId" FROM "Contact" AS s ...` for `Id IN (SELECT AccountId FROM Contact ...)`.
 * The subquery sees live rows only (UNCONFIRMED for queryAll), never nulls (so that NOT IN works).
 */
function semiJoinSelect(
  soql: string,
  schemas: SchemaLookup,
  outer: SObjectSchema,
  sub: ParsedQuery,
  left: Operand,
  options: EngineOptions,
  params: SQLInputValue[],
  outerAlias: string,
): string {
  const schema = rootSchema(soql, schemas, sub)
  if (schema.name === outer.name)
    throw soqlError(
      'MALFORMED_QUERY',
      soql,
      sub.fromAt,
      'The inner and outer selects should not be on the same object type',
    )
  const item = sub.select[0]
  if (sub.select.length !== 1 || item?.kind !== 'field')
    throw soqlError(
      'MALFORMED_QUERY',
      soql,
      sub.selectAt,
      'semi join sub-selects must select exactly one field',
    )
  if (sub.groupBy.length > 0 || sub.orderBy.length > 0 || sub.limit || sub.offset)
    // UNCONFIRMED text: the emulator keeps semi-joins to SELECT/FROM/WHERE.
    throw soqlError(
      'MALFORMED_QUERY',
      soql,
      sub.selectAt,
      'semi join sub-selects support only SELECT, FROM and WHERE',
    )
  const alias = `${outerAlias}s`
  const filter = compileFilter(
    soql,
    schemas,
    sub,
    schema,
    { ...options, includeDeleted: false },
    alias,
    false,
  )
  const selected = resolveField(filter.joins, item.ref, sub, schema)
  if (selected.storage !== 'id' || left.kind !== 'id')
    // UNCONFIRMED text.
    throw soqlError(
      'INVALID_FIELD',
      soql,
      item.ref.at,
      'The selected field in a semi join sub-select must be an ID (primary key) or reference (foreign key) field',
    )
  params.push(...filter.params)
  return `SELECT ${selected.sql} FROM ${tableName(schema.name)} AS ${alias} ${filter.joins.joins} WHERE ${filter.where} AND ${selected.sql} IS NOT NULL`
}

/** ORDER BY keys of a row query as SQL (Salesforce's defaults: NULLS FIRST ascending, LAST descending). */
export function compileOrder(
  soql: string,
  query: ParsedQuery,
  schema: SObjectSchema,
  joins: JoinSet,
): string[] {
  return query.orderBy.map((item) => {
    if (item.target.kind !== 'field')
      throw soqlError('MALFORMED_QUERY', soql, item.target.at, `unexpected token: '${item.target.fn}'`)
    const f = resolveField(joins, item.target, query, schema)
    if (f.field.sortable === false || f.storage === 'compound')
      throw soqlError(
        'INVALID_FIELD',
        soql,
        item.target.at,
        `field '${f.field.name}' can not be sorted in a query call`,
      )
    const nullsFirst = item.nullsFirst ?? !item.descending
    return `${f.sql} ${item.descending ? 'DESC' : 'ASC'} NULLS ${nullsFirst ? 'FIRST' : 'LAST'}`
  })
}
