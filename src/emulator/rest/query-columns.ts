/**
 * `GET /query?q=...&columns=true`: the column metadata the sf CLI reads before printing a query
 * (`sf data query` fails without `columnMetadata`, reference §2.5). Shapes follow plugin-data's
 * recorded exemplars: one entry per SELECT item, parent fields nested under their relationship in
 * `joinColumns`, subqueries as `aggregate: true` with their child columns, functions as `exprN`.
 * UNCONFIRMED: the top-level keys beside `columnMetadata`, and the apexType of number fields.
 */
import { parseQuery, type FieldType as SoqlField } from '@jetstreamapp/soql-parser-js'
import type { DescribeField, OrgData, SObjectSchema } from '../data/org-data.ts'

export interface ColumnMetadata {
  aggregate: boolean
  apexType: string | null
  booleanType: boolean
  columnName: string
  custom: boolean
  displayName: string
  foreignKeyName: string | null
  insertable: boolean
  joinColumns: ColumnMetadata[]
  numberType: boolean
  textType: boolean
  updatable: boolean
}

const NUMBER_TYPES = new Set(['int', 'double', 'currency', 'percent', 'long'])
const NON_TEXT_TYPES = new Set([
  'id',
  'reference',
  'boolean',
  'date',
  'datetime',
  'time',
  'address',
  'location',
  'base64',
])
const APEX_TYPES: Readonly<Record<string, string>> = {
  id: 'Id',
  reference: 'Id',
  boolean: 'Boolean',
  int: 'Integer',
  long: 'Long',
  double: 'Double',
  currency: 'Double',
  percent: 'Double',
  date: 'Date',
  datetime: 'Datetime',
  time: 'Time',
  base64: 'Blob',
  address: 'Address',
  location: 'Location',
}

function fieldColumn(field: DescribeField): ColumnMetadata {
  return {
    aggregate: false,
    apexType: APEX_TYPES[field.type] ?? 'String',
    booleanType: field.type === 'boolean',
    columnName: field.name,
    custom: field.custom === true,
    displayName: field.name,
    foreignKeyName: null,
    insertable: field.createable === true,
    joinColumns: [],
    numberType: NUMBER_TYPES.has(field.type),
    textType: !NUMBER_TYPES.has(field.type) && !NON_TEXT_TYPES.has(field.type),
    updatable: field.updateable === true,
  }
}

function container(columnName: string, foreignKeyName: string | null, aggregate: boolean): ColumnMetadata {
  return {
    aggregate,
    apexType: null,
    booleanType: false,
    columnName,
    custom: columnName.endsWith('__r'),
    displayName: columnName,
    foreignKeyName,
    insertable: false,
    joinColumns: [],
    numberType: false,
    textType: false,
    updatable: false,
  }
}

/** The lookup field whose relationshipName is `name`, and the object it points to. */
function parentOf(
  data: OrgData,
  schema: SObjectSchema,
  name: string,
): { lookup: DescribeField; parent: SObjectSchema } | undefined {
  const wanted = name.toLowerCase()
  const lookup = schema.describe.fields.find(
    (f) => typeof f.relationshipName === 'string' && f.relationshipName.toLowerCase() === wanted,
  )
  const targets = Array.isArray(lookup?.referenceTo) ? (lookup.referenceTo as unknown[]) : []
  for (const target of targets) {
    const parent = typeof target === 'string' ? data.schema(target) : undefined
    if (lookup && parent) return { lookup, parent }
  }
  return undefined
}

function childOf(data: OrgData, schema: SObjectSchema, name: string): SObjectSchema | undefined {
  const wanted = name.toLowerCase()
  const rels = Array.isArray(schema.describe.childRelationships)
    ? (schema.describe.childRelationships as Array<{ relationshipName?: unknown; childSObject?: unknown }>)
    : []
  const rel = rels.find(
    (r) => typeof r.relationshipName === 'string' && r.relationshipName.toLowerCase() === wanted,
  )
  return typeof rel?.childSObject === 'string' ? data.schema(rel.childSObject) : undefined
}

/** Adds `path` (relationships then a field) under `into`, merging columns that share a relationship. */
function addPath(
  data: OrgData,
  schema: SObjectSchema,
  path: readonly string[],
  into: ColumnMetadata[],
): void {
  const [head, ...rest] = path
  if (head === undefined) return
  if (rest.length === 0) {
    const field = schema.field(head)
    if (field) into.push(fieldColumn(field))
    return
  }
  const rel = parentOf(data, schema, head)
  if (!rel) return
  const name = String(rel.lookup.relationshipName)
  let column = into.find((c) => c.columnName === name && c.foreignKeyName !== null)
  if (!column) {
    column = container(name, rel.lookup.name, false)
    into.push(column)
  }
  addPath(data, rel.parent, rest, column.joinColumns)
}

function columnsOf(data: OrgData, schema: SObjectSchema, fields: readonly SoqlField[]): ColumnMetadata[] {
  const out: ColumnMetadata[] = []
  let expr = 0
  for (const item of fields) {
    if (item.type === 'Field') addPath(data, schema, [item.field], out)
    else if (item.type === 'FieldRelationship')
      addPath(data, schema, [...item.relationships, item.field], out)
    else if (item.type === 'FieldSubquery') {
      const relName = item.subquery.relationshipName
      const child = childOf(data, schema, relName)
      const column = container(relName, null, true)
      if (child) column.joinColumns = columnsOf(data, child, item.subquery.fields ?? [])
      out.push(column)
    } else if (item.type === 'FieldFunctionExpression') {
      const aggregate = item.isAggregateFn === true
      const name = item.alias ?? (aggregate ? `expr${expr++}` : (item.rawValue ?? item.functionName))
      const counts = item.functionName.toUpperCase().startsWith('COUNT')
      out.push({
        ...container(name, null, aggregate),
        custom: false,
        displayName: item.rawValue ?? item.functionName,
        numberType: counts || ['AVG', 'SUM'].includes(item.functionName.toUpperCase()),
      })
    }
  }
  return out
}

/** The `columns=true` body for a query that the SOQL engine already accepted. */
export function queryColumns(data: OrgData, soql: string): Record<string, unknown> {
  const parsed = parseQuery(soql)
  const schema = parsed.sObject ? data.schema(parsed.sObject) : undefined
  const columnMetadata = schema ? columnsOf(data, schema, parsed.fields ?? []) : []
  const grouped =
    (parsed.groupBy !== undefined && parsed.groupBy !== null) ||
    columnMetadata.some((c) => c.aggregate && c.joinColumns.length === 0)
  return {
    columnMetadata,
    entityName: schema?.name ?? parsed.sObject ?? null,
    groupBy: grouped,
    idSelected: columnMetadata.some((c) => c.columnName === 'Id'),
    keyPrefix: schema?.describe.keyPrefix ?? null,
  }
}
