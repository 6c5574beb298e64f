/**
 * The SELECT list of a row query: FIELDS() expanded, fields resolved, compound fields split into
 * their components, duplicates refused (`duplicate field selected: Id`).
 */
import type { SObjectSchema } from '../data/org-data.ts'
import type { ParsedQuery } from './soql-ast.ts'
import { notSupported, soqlError } from './soql-errors.ts'
import type { ChildPlan } from './child-subquery.ts'
import type { JoinSet, ResolvedField } from './soql-fields.ts'
import { compoundParts, type SelectedEntry, type SelectedField } from './record-shape.ts'
import { resolveField } from './query-scope.ts'

/** FIELDS(ALL) and FIELDS(CUSTOM) need a LIMIT of at most this (SFDOC soql_select_fields). */
const FIELDS_LIMIT = 200

/** The selected fields of a row query, resolved through `joins`, in SELECT order. */
export function selectList(
  soql: string,
  query: ParsedQuery,
  schema: SObjectSchema,
  joins: JoinSet,
  planChild: ((sub: ParsedQuery) => ChildPlan) | undefined,
): SelectedEntry[] {
  const out: SelectedEntry[] = []
  const seen = new Set<string>()
  const add = (field: ResolvedField, at: number | undefined): void => {
    const key = field.names.join('.').toLowerCase()
    if (seen.has(key)) {
      // FIELDS() may overlap explicit fields; only an explicit repeat is an error.
      if (at === undefined) return
      throw soqlError('MALFORMED_QUERY', soql, at, `duplicate field selected: ${field.names.join('.')}`)
    }
    seen.add(key)
    out.push({ field, parts: partsOf(field, joins) })
  }
  const children = new Set<string>()
  for (const item of query.select) {
    if (item.kind === 'subquery') {
      // UNCONFIRMED wording: Salesforce allows one level of child subqueries.
      if (!planChild) throw notSupported(soql, item.at, 'A child subquery inside a subquery')
      const child = planChild(item.query)
      if (children.has(child.key.toLowerCase()))
        throw soqlError('MALFORMED_QUERY', soql, item.at, `duplicate field selected: ${child.key}`)
      children.add(child.key.toLowerCase())
      out.push({ child })
      continue
    }
    if (item.kind === 'aggregate') throw new Error('aggregate in a row query') // routed to the aggregate planner before this
    if (item.kind === 'fields') {
      if (item.which !== 'STANDARD' && (!query.limit || query.limit.value > FIELDS_LIMIT))
        throw soqlError(
          'MALFORMED_QUERY',
          soql,
          item.at,
          'The SOQL FIELDS function must have a LIMIT of at most 200',
        )
      for (const f of schema.describe.fields) {
        const custom = f.custom === true
        if ((item.which === 'CUSTOM' && !custom) || (item.which === 'STANDARD' && custom)) continue
        add(joins.resolve({ kind: 'field', path: [f.name], offsets: [item.at], at: item.at }), undefined)
      }
      continue
    }
    if (item.alias !== undefined)
      throw soqlError('MALFORMED_QUERY', soql, item.ref.at, 'Only aggregate expressions use field aliasing')
    add(resolveField(joins, item.ref, query, schema), item.ref.at)
  }
  return out
}

function partsOf(field: ResolvedField, joins: JoinSet): SelectedField['parts'] {
  if (field.storage !== 'compound') return undefined
  const schema = field.node.schema
  if (!schema) return undefined
  return compoundParts(field.field, schema.describe.fields).map((p) => {
    // Resolving the component through the same chain reuses the compound's join.
    const path = [...relationshipPath(field), p.field.name]
    const offsets = path.map(() => 0)
    return { key: p.key, field: joins.resolve({ kind: 'field', path, offsets, at: 0 }) }
  })
}

/** The relationship names leading to `field`'s object (empty for the root). */
function relationshipPath(field: ResolvedField): string[] {
  const path: string[] = []
  for (let n = field.node; n.parent; n = n.parent) path.unshift(n.relationshipName)
  return path
}
