/**
 * Aggregate queries: COUNT(field), COUNT_DISTINCT, SUM, AVG, MIN, MAX, with GROUP BY and HAVING.
 * Records are `{attributes: {type: 'AggregateResult'}, <group field>: v, expr0: n}`; unaliased
 * aggregates are named expr0, expr1, ... in SELECT order (reference/salesforce-data-api.md §2.5).
 * The groups are computed at execution and kept (Salesforce caps aggregate results at 2,000 rows).
 */
import type { DatabaseSync } from 'node:sqlite'
import type { JsonValue, QueryCursor, SObjectSchema } from '../data/org-data.ts'
import { tableName } from '../data/storage-layout.ts'
import { converterFor, type Converter } from './record-shape.ts'
import { ListCursor } from './row-cursor.ts'
import type { AggregateRef, FieldRef, ParsedQuery } from './soql-ast.ts'
import { notSupported, soqlError } from './soql-errors.ts'
import type { ResolvedField } from './soql-fields.ts'
import type { SchemaLookup } from './soql-engine.ts'
import { compileFilter, operandOf, resolveField, type EngineOptions } from './query-scope.ts'
import { compileCondition, valueKind, type Operand, type WhereContext } from './soql-where.ts'

/** True when `query` aggregates (an aggregate function in SELECT, or GROUP BY). */
export function isAggregateQuery(query: ParsedQuery): boolean {
  return query.groupBy.length > 0 || query.select.some((s) => s.kind === 'aggregate')
}

interface Column {
  readonly key: string
  readonly sql: string
  readonly conv: Converter
}

/** Runs an aggregate query; the groups are computed now and served from memory. */
export function executeAggregate(
  db: DatabaseSync,
  schemas: SchemaLookup,
  soql: string,
  query: ParsedQuery,
  schema: SObjectSchema,
  options: EngineOptions,
): QueryCursor {
  const filter = compileFilter(soql, schemas, query, schema, options)
  const resolve = (ref: FieldRef): ResolvedField => resolveField(filter.joins, ref, query, schema)
  const groups = new Map<string, ResolvedField>()
  for (const ref of query.groupBy) {
    const f = resolve(ref)
    if (f.field.groupable === false || f.storage === 'compound')
      throw soqlError(
        'INVALID_FIELD',
        soql,
        ref.at,
        `field '${f.field.name}' can not be grouped in a query call`,
      )
    groups.set(f.names.join('.').toLowerCase(), f)
  }
  const grouped = (ref: FieldRef): ResolvedField => {
    const f = resolve(ref)
    const g = groups.get(f.names.join('.').toLowerCase())
    if (!g)
      throw soqlError('MALFORMED_QUERY', soql, ref.at, `Field must be grouped or aggregated: ${f.field.name}`)
    return g
  }
  const aggregate = (ref: AggregateRef): { sql: string; conv: Converter; operand: Operand } =>
    aggregateSql(soql, ref, ref.arg ? resolve(ref.arg) : undefined)

  const columns: Column[] = []
  let expr = 0
  for (const item of query.select) {
    if (item.kind === 'fields')
      throw soqlError('MALFORMED_QUERY', soql, item.at, `unexpected token: 'FIELDS'`)
    if (item.kind === 'subquery') throw notSupported(soql, item.at, 'A child subquery in an aggregate query')
    if (item.kind === 'field') {
      const f = grouped(item.ref)
      columns.push({ key: item.alias ?? f.field.name, sql: f.sql, conv: converterFor(f.storage) })
    } else {
      if (!item.ref.arg && query.select.length === 1)
        throw notSupported(soql, item.ref.at, 'COUNT() with GROUP BY')
      if (!item.ref.arg)
        // UNCONFIRMED text: COUNT() only stands alone.
        throw soqlError(
          'MALFORMED_QUERY',
          soql,
          item.ref.at,
          'COUNT() must be the only element in the SELECT list',
        )
      const a = aggregate(item.ref)
      columns.push({ key: item.alias ?? `expr${expr++}`, sql: a.sql, conv: a.conv })
    }
  }
  const keys = new Set<string>()
  for (const c of columns) {
    if (keys.has(c.key.toLowerCase()))
      throw soqlError('MALFORMED_QUERY', soql, query.selectAt, `duplicate alias: ${c.key}`)
    keys.add(c.key.toLowerCase())
  }

  let having = ''
  if (query.having) {
    const ctx: WhereContext = {
      soql,
      nowMs: options.nowMs,
      params: filter.params,
      field: (ref) => operandOf(grouped(ref)),
      aggregate: (ref) => aggregate(ref).operand,
    }
    having = ` HAVING ${compileCondition(query.having, ctx)}`
  }
  const order = query.orderBy.map((item) => {
    const sql = item.target.kind === 'field' ? grouped(item.target).sql : aggregate(item.target).sql
    const nullsFirst = item.nullsFirst ?? !item.descending
    return `${sql} ${item.descending ? 'DESC' : 'ASC'} NULLS ${nullsFirst ? 'FIRST' : 'LAST'}`
  })
  const groupSql = [...groups.values()].map((g) => g.sql)
  const sql =
    `SELECT ${columns.map((c) => c.sql).join(', ')} FROM ${tableName(schema.name)} AS t0 ${filter.joins.joins} ` +
    `WHERE ${filter.where}${groupSql.length > 0 ? ` GROUP BY ${groupSql.join(', ')}` : ''}${having}` +
    `${order.length > 0 ? ` ORDER BY ${order.join(', ')}` : ''} LIMIT ? OFFSET ?`
  const stmt = db.prepare(sql)
  stmt.setReturnArrays(true)
  const rows = stmt.all(
    ...filter.params,
    query.limit?.value ?? -1,
    query.offset?.value ?? 0,
  ) as unknown as unknown[][]
  const records = rows.map((row) => {
    const rec: Record<string, JsonValue> = {}
    columns.forEach((c, i) => (rec[c.key] = c.conv(row[i])))
    return rec
  })
  return new ListCursor(
    records,
    columns.map((c) => c.key),
  )
}

const NUMERIC = new Set(['integer', 'double'])

function aggregateSql(
  soql: string,
  ref: AggregateRef,
  arg: ResolvedField | undefined,
): { sql: string; conv: Converter; operand: Operand } {
  if (!arg) {
    const sql = 'COUNT(*)'
    return { sql, conv: (v) => v as JsonValue, operand: { sql, kind: 'integer', name: ref.text } }
  }
  const kind = valueKind(arg)
  const refuse = (): Error =>
    // UNCONFIRMED text.
    soqlError(
      'INVALID_FIELD',
      soql,
      ref.at,
      `field ${arg.field.name} does not support aggregate operator ${ref.fn}`,
    )
  if (kind === 'unfilterable' || kind === 'unsupported' || kind === 'multipicklist') throw refuse()
  switch (ref.fn) {
    case 'COUNT':
    case 'COUNT_DISTINCT': {
      const sql = ref.fn === 'COUNT' ? `COUNT(${arg.sql})` : `COUNT(DISTINCT ${arg.sql})`
      return { sql, conv: (v) => v as JsonValue, operand: { sql, kind: 'integer', name: ref.text } }
    }
    case 'SUM':
    case 'AVG': {
      if (!NUMERIC.has(kind)) throw refuse()
      const sql = `${ref.fn}(${arg.sql})`
      return { sql, conv: (v) => (v ?? null) as JsonValue, operand: { sql, kind: 'double', name: ref.text } }
    }
    default: {
      if (kind === 'boolean') throw refuse()
      const sql = `${ref.fn}(${arg.sql})`
      return { sql, conv: converterFor(arg.storage), operand: { sql, kind, name: ref.text } }
    }
  }
}
