/**
 * Resolves field paths (`Name`, `Owner.Name`, `Contact.Account.Owner.Name`, `What.Name`) against the
 * org's schemas into SQL expressions over LEFT JOINs of the storage layout (data/storage-layout.ts).
 */
import type { DescribeField, SObjectSchema } from '../data/org-data.ts'
import {
  DELETED_MS_COLUMN,
  quoteIdent,
  ROWID_COLUMN,
  storageClass,
  tableName,
} from '../data/storage-layout.ts'
import type { StorageClass } from '../data/storage-layout.ts'
import type { FieldRef } from './soql-ast.ts'
import { noSuchColumn, unknownRelationship } from './soql-errors.ts'
import type { SchemaLookup } from './soql-engine.ts'

/** An object reached by the query: the root (`t0`) or a parent through a relationship. */
export interface ObjectNode {
  readonly alias: string
  /** Lower-cased relationship chain ('' for the root, 'account.owner' for Account.Owner). */
  readonly key: string
  /** The relationship name as the describe spells it (the key in REST records). */
  readonly relationshipName: string
  readonly parent: ObjectNode | undefined
  /** The object, or undefined for a polymorphic relationship (several targets). */
  readonly schema: SObjectSchema | undefined
  /** Polymorphic relationships: one joined alias per target object present in the org. */
  readonly targets: ReadonlyArray<{ readonly schema: SObjectSchema; readonly alias: string }>
  /** SQL of the node's Id (NULL when the lookup is empty). */
  readonly idSql: string
  /** SQL of the node's object type, for polymorphic nodes. */
  readonly typeSql: string | undefined
}

/** A field resolved to SQL. */
export interface ResolvedField {
  readonly node: ObjectNode
  readonly field: DescribeField
  readonly storage: StorageClass
  /** SQL expression of the value. */
  readonly sql: string
  /** Names as the describe spells them: relationship names, then the field name. */
  readonly names: readonly string[]
}

/**
 * The fields a polymorphic relationship exposes: those of Salesforce's `Name` entity (SFDOC object
 * reference, "Name"); others get INVALID_FIELD "No such column 'X' on entity 'Name'". Each reads the
 * target object's field of that name (NULL on targets without it); `Name` reads the target's name
 * field (CaseNumber on Case) and `Type` the target's object name.
 * UNCONFIRMED: the list is from the documentation, not checked against an org.
 */
const NAME_ENTITY_FIELDS = [
  'Id',
  'Name',
  'Type',
  'Alias',
  'CommunityNickname',
  'Email',
  'FirstName',
  'IsActive',
  'LastName',
  'LastReferencedDate',
  'LastViewedDate',
  'NameOrAlias',
  'Phone',
  'ProfileId',
  'RecordTypeId',
  'Title',
  'UserRoleId',
  'Username',
]

/** The joins one query needs, created on first use of each relationship chain. */
export class JoinSet {
  readonly root: ObjectNode
  readonly #soql: string
  readonly #schemas: SchemaLookup
  readonly #nodes = new Map<string, ObjectNode>()
  readonly #joins: string[] = []
  #next = 1

  constructor(soql: string, schemas: SchemaLookup, root: SObjectSchema, rootAlias = 't0') {
    this.#soql = soql
    this.#schemas = schemas
    this.root = {
      alias: rootAlias,
      key: '',
      relationshipName: root.name,
      parent: undefined,
      schema: root,
      targets: [],
      idSql: `${rootAlias}.${quoteIdent('Id')}`,
      typeSql: undefined,
    }
    this.#nodes.set('', this.root)
  }

  /** `LEFT JOIN ...` clauses, in creation order. */
  get joins(): string {
    return this.#joins.join(' ')
  }

  /** Resolves `ref`; `ref.path` has already lost any object alias prefix. Throws INVALID_FIELD. */
  resolve(
    ref: FieldRef,
    path: readonly string[] = ref.path,
    offsets: readonly number[] = ref.offsets,
  ): ResolvedField {
    let node = this.root
    const names: string[] = []
    for (let i = 0; i < path.length - 1; i++) {
      node = this.#relationship(node, path[i] as string, offsets[i] as number)
      names.push(node.relationshipName)
    }
    const last = path[path.length - 1] as string
    const lastAt = offsets[path.length - 1] as number
    if (!node.schema) {
      const canonical = NAME_ENTITY_FIELDS.find((f) => f.toLowerCase() === last.toLowerCase())
      if (!canonical) throw noSuchColumn(this.#soql, lastAt, last, 'Name')
      names.push(canonical)
      return polymorphicField(node, canonical, names)
    }
    const field = node.schema.field(last)
    if (!field) throw noSuchColumn(this.#soql, lastAt, last, node.schema.name)
    names.push(field.name)
    return { node, field, storage: storageClass(field), sql: columnSql(node, field), names }
  }

  #relationship(from: ObjectNode, name: string, at: number): ObjectNode {
    const key = from.key ? `${from.key}.${name.toLowerCase()}` : name.toLowerCase()
    const known = this.#nodes.get(key)
    if (known) return known
    const field = from.schema ? referenceField(from.schema, name) : undefined
    if (!field) throw unknownRelationship(this.#soql, at, name)
    const targetNames = (field.referenceTo as string[] | undefined) ?? []
    const targets = targetNames
      .map((t) => this.#schemas.schema(t))
      .filter((s): s is SObjectSchema => s !== undefined)
    if (targets.length === 0) throw unknownRelationship(this.#soql, at, name)
    const fk = `${from.alias}.${quoteIdent(field.name)}`
    const relationshipName = field.relationshipName as string
    let node: ObjectNode
    if (targetNames.length === 1) {
      const alias = `${this.root.alias}j${this.#next++}`
      this.#joins.push(
        `LEFT JOIN ${tableName(targets[0]!.name)} AS ${alias} ON ${alias}.${quoteIdent('Id')} = ${fk}`,
      )
      node = {
        alias,
        key,
        relationshipName,
        parent: from,
        schema: targets[0],
        targets: [],
        idSql: `${alias}.${quoteIdent('Id')}`,
        typeSql: undefined,
      }
    } else {
      const joined = targets.map((schema) => {
        const alias = `${this.root.alias}j${this.#next++}`
        this.#joins.push(
          `LEFT JOIN ${tableName(schema.name)} AS ${alias} ON ${alias}.${quoteIdent('Id')} = ${fk}`,
        )
        return { schema, alias }
      })
      const ids = joined.map((t) => `${t.alias}.${quoteIdent('Id')}`)
      node = {
        alias: '',
        key,
        relationshipName,
        parent: from,
        schema: undefined,
        targets: joined,
        idSql: ids.length === 1 ? (ids[0] as string) : `COALESCE(${ids.join(', ')})`,
        typeSql: `CASE ${joined.map((t) => `WHEN ${t.alias}.${quoteIdent('Id')} IS NOT NULL THEN '${t.schema.name}'`).join(' ')} END`,
      }
    }
    this.#nodes.set(key, node)
    return node
  }
}

/** The reference field whose relationshipName is `name` (custom `__r` names included). */
function referenceField(schema: SObjectSchema, name: string): DescribeField | undefined {
  const lower = name.toLowerCase()
  for (const f of schema.describe.fields) {
    if (f.type !== 'reference' || typeof f.relationshipName !== 'string') continue
    if (f.relationshipName.toLowerCase() === lower) return f
  }
  return undefined
}

/**
 * The SQL of a stored field. IsDeleted comes from the recycle-bin column, the layout's truth (NULL
 * through an empty lookup, like every other parent field).
 */
function columnSql(node: ObjectNode, field: DescribeField): string {
  const alias = node.alias
  if (field.name === 'IsDeleted' && field.type === 'boolean') {
    const deleted = `${alias}.${quoteIdent(DELETED_MS_COLUMN)} IS NOT NULL`
    return node.parent ? `(CASE WHEN ${node.idSql} IS NULL THEN NULL ELSE ${deleted} END)` : `(${deleted})`
  }
  return `${alias}.${quoteIdent(field.name)}`
}

function polymorphicField(node: ObjectNode, name: string, names: string[]): ResolvedField {
  const flags = { filterable: true, sortable: true, groupable: true }
  if (name === 'Id')
    return { node, field: { name, type: 'id', ...flags }, storage: 'id', sql: node.idSql, names }
  const text = (sql: string): ResolvedField => ({
    node,
    field: { name, type: 'string', ...flags },
    storage: 'text',
    sql: `(${sql}) COLLATE NOCASE`,
    names,
  })
  if (name === 'Type') return text(node.typeSql as string)
  let found: DescribeField | undefined
  const parts = node.targets.map((t) => {
    const field =
      name === 'Name'
        ? (t.schema.describe.fields.find((f) => f.nameField === true) ?? t.schema.field('Name'))
        : t.schema.field(name)
    if (!field || storageClass(field) === 'compound') return 'NULL'
    found ??= field
    return `${t.alias}.${quoteIdent(field.name)}`
  })
  const sql = parts.length === 1 ? (parts[0] as string) : `COALESCE(${parts.join(', ')})`
  const storage = found ? storageClass(found) : 'text'
  if (storage === 'text' || name === 'Name') return text(sql)
  return { node, field: { ...(found as DescribeField), name, ...flags }, storage, sql, names }
}

/** The SQL of a root row's rowid. */
export function rowidSql(alias: string): string {
  return `${alias}.${quoteIdent(ROWID_COLUMN)}`
}
