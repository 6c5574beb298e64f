/**
 * Child relationship subqueries: `SELECT Name, (SELECT LastName FROM Contacts) FROM Account`. The
 * relationship comes from the parent describe's `childRelationships`; the children of one page of
 * parents are read in one statement and appear in each parent as `{totalSize, done, records}`, or
 * null when there are none (reference/salesforce-data-api.md §2.5).
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { JsonValue, SObjectSchema } from '../data/org-data.ts'
import { quoteIdent, tableName } from '../data/storage-layout.ts'
import { RecordShape } from './record-shape.ts'
import { sobjectsBase } from './row-cursor.ts'
import type { ParsedQuery } from './soql-ast.ts'
import type { SchemaLookup } from './soql-engine.ts'
import { notSupported, soqlError } from './soql-errors.ts'
import { rowidSql } from './soql-fields.ts'
import { compileFilter, compileOrder, type EngineOptions } from './query-scope.ts'
import { selectList } from './select-list.ts'

/** A planned child subquery, ready to read the children of any set of parents. */
export interface ChildPlan {
  /** The relationship name as the describe spells it (the key in parent records). */
  readonly key: string
  /** The child results of each parent id that has children. */
  fetch(parentIds: readonly string[], apiVersion: string): Map<string, JsonValue>
}

interface ChildRelationship {
  readonly childSObject: string
  readonly field: string
  readonly relationshipName: string | null
}

/** Plans `sub` (a subquery of `parent`'s SELECT list). Throws SoqlError as Salesforce would. */
export function planChild(
  db: DatabaseSync,
  soql: string,
  schemas: SchemaLookup,
  parent: SObjectSchema,
  sub: ParsedQuery,
  options: EngineOptions,
): ChildPlan {
  const relationships = (parent.describe.childRelationships as ChildRelationship[] | undefined) ?? []
  const rel = relationships.find((r) => r.relationshipName?.toLowerCase() === sub.from.toLowerCase())
  const schema = rel ? schemas.schema(rel.childSObject) : undefined
  if (!rel || !schema)
    // UNCONFIRMED code (the text is the one orgs give).
    throw soqlError(
      'INVALID_TYPE',
      soql,
      sub.fromAt,
      `Didn't understand relationship '${sub.from}' in FROM part of query call. If you are attempting to use a ` +
        `custom relationship, be sure to append the '__r' after the custom relationship name. Please reference ` +
        `your WSDL or the describe call for the appropriate names.`,
    )
  if (sub.groupBy.length > 0 || sub.select.some((s) => s.kind === 'aggregate'))
    throw notSupported(soql, sub.selectAt, 'An aggregate child relationship subquery')
  if (sub.offset) throw notSupported(soql, sub.offset.at, 'OFFSET in a child relationship subquery')
  const filter = compileFilter(soql, schemas, sub, schema, options, 'c0', false)
  const shape = new RecordShape(filter.joins.root, selectList(soql, sub, schema, filter.joins, undefined))
  const order = [...compileOrder(soql, sub, schema, filter.joins), rowidSql('c0')]
  const fk = `c0.${quoteIdent(rel.field)}`
  const sql =
    `SELECT ${[...shape.sql, fk].join(', ')} FROM ${tableName(schema.name)} AS c0 ${filter.joins.joins} ` +
    `WHERE ${filter.where} AND ${fk} IN (SELECT value FROM json_each(?)) ORDER BY ${order.join(', ')}`
  let stmt: StatementSync | undefined
  const limit = sub.limit?.value ?? Infinity
  return {
    key: rel.relationshipName as string,
    fetch(parentIds, apiVersion) {
      const out = new Map<string, JsonValue>()
      if (parentIds.length === 0) return out
      if (!stmt) {
        stmt = db.prepare(sql)
        stmt.setReturnArrays(true)
      }
      const base = sobjectsBase(apiVersion)
      const groups = new Map<string, Array<Record<string, unknown>>>()
      for (const row of stmt.all(...filter.params, JSON.stringify(parentIds)) as unknown as unknown[][]) {
        const parentId = row[row.length - 1] as string
        let list = groups.get(parentId)
        if (!list) groups.set(parentId, (list = []))
        if (list.length < limit) list.push(shape.record(row, base))
      }
      for (const [id, records] of groups)
        out.set(id, { totalSize: records.length, done: true, records } as unknown as JsonValue)
      return out
    },
  }
}
