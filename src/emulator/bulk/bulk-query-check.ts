/**
 * What Bulk API 2.0 refuses at query-job creation, before the SOQL engine runs the query: objects the
 * Bulk API does not support, compound fields, child subqueries, aggregates and OFFSET
 * (reference/salesforce-data-api.md §4.2, §4.3, §4.6). Also works out the CSV kind of each column.
 */
import { parseQuery, type FieldType, type Query } from '@jetstreamapp/soql-parser-js'
import { ApiError } from '../errors.ts'
import type { DescribeField, OrgData, SObjectSchema } from '../data/org-data.ts'
import type { CsvColumnKind } from './bulk-csv.ts'

/** Objects the Bulk API refuses (reference §4.6: airbyte's and tap's deny-lists). */
export const BULK_UNSUPPORTED_OBJECTS: ReadonlySet<string> = new Set(
  [
    'AcceptedEventRelation',
    'AssetTokenEvent',
    'AttachedContentNote',
    'Attachment',
    'CaseStatus',
    'ContractStatus',
    'DeclinedEventRelation',
    'EventWhoRelation',
    'FieldSecurityClassification',
    'OrderStatus',
    'PartnerRole',
    'QuoteTemplateRichTextData',
    'RecentlyViewed',
    'ServiceAppointmentStatus',
    'SolutionStatus',
    'TaskPriority',
    'TaskStatus',
    'TaskWhoRelation',
    'UndecidedEventRelation',
    'WorkStepStatus',
    'ShiftStatus',
    'WorkOrderStatus',
    'WorkOrderLineItemStatus',
  ].map((name) => name.toLowerCase()),
)

/** Standard objects that support automatic PK chunking (reference §4.4); custom objects always do. */
const PK_CHUNKING_STANDARD = new Set(
  ['Account', 'Campaign', 'CampaignMember', 'Case', 'Contact', 'Lead', 'LoginHistory', 'Opportunity']
    .concat(['Task', 'User'])
    .map((name) => name.toLowerCase()),
)

/** `Entity 'X' is not supported by the Bulk API.` (reference §4.3; errorCode INVALIDENTITY UNCONFIRMED). */
export function entityNotSupported(object: string): ApiError {
  return new ApiError(400, 'INVALIDENTITY', `Entity '${object}' is not supported by the Bulk API.`)
}

const COMPOUND_TYPES = new Set(['address', 'location'])

/** The field a relationship name (`Account`, `Parent__r`) stands for, and the object it points to. */
function relationshipTarget(
  data: OrgData,
  schema: SObjectSchema,
  relationshipName: string,
): SObjectSchema | undefined {
  const wanted = relationshipName.toLowerCase()
  const field = schema.describe.fields.find(
    (f) => typeof f.relationshipName === 'string' && f.relationshipName.toLowerCase() === wanted,
  )
  const referenceTo = field?.referenceTo
  // Polymorphic lookups (Owner, What, Who) point to several objects; the first is the usual one.
  const target = Array.isArray(referenceTo) && typeof referenceTo[0] === 'string' ? referenceTo[0] : undefined
  return target ? data.schema(target) : undefined
}

/** Resolves a dotted path (`Account.Owner.Name`) from `schema` to its describe field, when possible. */
export function resolvePath(data: OrgData, schema: SObjectSchema, path: string): DescribeField | undefined {
  const parts = path.split('.')
  let current: SObjectSchema | undefined = schema
  for (let i = 0; i < parts.length - 1 && current; i++) {
    current = relationshipTarget(data, current, parts[i] ?? '')
  }
  return current?.field(parts[parts.length - 1] ?? '')
}

/** The CSV kind of each result column, from the describe (datetimes are written with `Z`). */
export function columnKinds(
  data: OrgData,
  schema: SObjectSchema,
  columns: readonly string[],
): CsvColumnKind[] {
  return columns.map((column) => {
    const field = resolvePath(data, schema, column)
    if (!field) return 'unknown'
    return field.type === 'datetime' ? 'datetime' : 'other'
  })
}

function fieldPath(field: FieldType): string | undefined {
  if (field.type === 'Field') return field.field
  if (field.type === 'FieldRelationship') return [...field.relationships, field.field].join('.')
  return undefined
}

/**
 * Parses `soql` only as far as Bulk needs: returns the parsed query, or undefined when the text does
 * not parse (the SOQL engine then produces Salesforce's MALFORMED_QUERY message).
 */
function tryParse(soql: string): Query | undefined {
  try {
    return parseQuery(soql)
  } catch {
    return undefined
  }
}

export interface BulkQueryTarget {
  readonly schema: SObjectSchema | undefined
  readonly pkChunkingSupported: boolean
}

/** Throws Salesforce's Bulk error when the query is one Bulk API 2.0 refuses. */
export function checkBulkQuery(data: OrgData, soql: string): BulkQueryTarget {
  const parsed = tryParse(soql)
  if (!parsed?.sObject) return { schema: undefined, pkChunkingSupported: false }
  const schema = data.schema(parsed.sObject)
  const objectName = schema?.name ?? parsed.sObject
  if (BULK_UNSUPPORTED_OBJECTS.has(objectName.toLowerCase())) throw entityNotSupported(objectName)
  if (!schema) return { schema: undefined, pkChunkingSupported: false }

  for (const field of parsed.fields ?? []) {
    if (field.type === 'FieldSubquery') {
      // Seen from Data Loader's Bulk v2 client (forcedotcom/dataloader); errorCode UNCONFIRMED.
      throw new ApiError(400, 'API_ERROR', 'Aggregate Relationships not supported in Bulk Query')
    }
    if (field.type === 'FieldFunctionExpression' && field.isAggregateFn) {
      // UNCONFIRMED text: Bulk does not run aggregate queries (reference §4.2).
      throw new ApiError(400, 'API_ERROR', 'Aggregate functions are not supported in Bulk Query')
    }
    const path = fieldPath(field)
    const described = path ? resolvePath(data, schema, path) : undefined
    if (described && COMPOUND_TYPES.has(described.type)) {
      // reference §4.3; errorCode API_ERROR as seen in a Bulk v2 client's test (UNCONFIRMED).
      throw new ApiError(400, 'API_ERROR', 'Selecting compound data not supported in Bulk Query')
    }
  }
  if (parsed.groupBy !== undefined) {
    throw new ApiError(400, 'API_ERROR', 'Aggregate functions are not supported in Bulk Query')
  }
  if (parsed.offset !== undefined) {
    // reference §3.5: OFFSET is not allowed in Bulk API SOQL. UNCONFIRMED text.
    throw new ApiError(400, 'API_ERROR', 'OFFSET clause is not supported in Bulk Query')
  }
  const custom = schema.name.endsWith('__c') || schema.describe.custom === true
  return { schema, pkChunkingSupported: custom || PK_CHUNKING_STANDARD.has(schema.name.toLowerCase()) }
}
