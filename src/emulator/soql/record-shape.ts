/**
 * How the selected fields of a (non-aggregate) query become REST records and flat CSV rows. Built once
 * per query: the SQL column list, and per column a converter from the stored value to REST JSON, so
 * that a page of 2,000 records costs no per-row planning.
 */
import type { DescribeField, JsonValue } from '../data/org-data.ts'
import type { StorageClass } from '../data/storage-layout.ts'
import { formatDatetime } from './soql-dates.ts'
import type { ObjectNode, ResolvedField } from './soql-fields.ts'
import type { ChildPlan } from './child-subquery.ts'

/** Turns a stored value into its REST JSON value. */
export type Converter = (value: unknown) => JsonValue

const identity: Converter = (v) => (v === undefined ? null : (v as JsonValue))
const toBoolean: Converter = (v) => (v === null || v === undefined ? null : v === 1 || v === 1n)
const toDatetime: Converter = (v) => (v === null || v === undefined ? null : formatDatetime(Number(v)))

/** The converter from a stored value of `storage` to REST JSON. */
export function converterFor(storage: StorageClass): Converter {
  if (storage === 'boolean') return toBoolean
  if (storage === 'datetime') return toDatetime
  return identity
}

/** A compound field's JSON keys in REST order, and the suffix its component fields end with. */
const ADDRESS_PARTS: ReadonlyArray<readonly [string, string]> = [
  ['city', 'City'],
  ['country', 'Country'],
  ['geocodeAccuracy', 'GeocodeAccuracy'],
  ['latitude', 'Latitude'],
  ['longitude', 'Longitude'],
  ['postalCode', 'PostalCode'],
  ['state', 'State'],
  ['street', 'Street'],
]

/** The component fields of an address/location field, keyed as REST returns them. */
export function compoundParts(
  compound: DescribeField,
  fields: readonly DescribeField[],
): Array<{ key: string; field: DescribeField }> {
  const components = fields.filter((f) => f.compoundFieldName === compound.name)
  const keys = compound.type === 'address' ? ADDRESS_PARTS : ADDRESS_PARTS.filter(([k]) => k.startsWith('l'))
  const parts: Array<{ key: string; field: DescribeField }> = []
  for (const [key, suffix] of keys) {
    // Standard parts end in the suffix (BillingCity); custom geolocation parts in `__s` (Loc__Latitude__s).
    const field = components.find((f) => f.name.endsWith(suffix) || f.name.endsWith(`${suffix}__s`))
    if (field) parts.push({ key, field })
  }
  return parts
}

type Entry =
  | { readonly key: string; readonly kind: 'value'; readonly col: number; readonly conv: Converter }
  | { readonly key: string; readonly kind: 'node'; readonly node: ShapeNode }
  | { readonly key: string; readonly kind: 'child' }
  | {
      readonly key: string
      readonly kind: 'compound'
      readonly parts: ReadonlyArray<{ key: string; col: number; conv: Converter }>
    }

interface ShapeNode {
  readonly idCol: number
  readonly typeCol: number | undefined
  readonly type: string
  readonly entries: Entry[]
}

/** One flat (CSV) column: a value column, or a compound field assembled from several. */
type FlatColumn =
  | { readonly kind: 'value'; readonly col: number; readonly conv: Converter }
  | { readonly kind: 'child' }
  | {
      readonly kind: 'compound'
      readonly parts: ReadonlyArray<{ key: string; col: number; conv: Converter }>
    }

/** An item of the SELECT list: a field, or a child relationship subquery. */
export type SelectedEntry = SelectedField | { readonly child: ChildPlan }

/** A selected field with the compound parts resolved when it is an address or location. */
export interface SelectedField {
  readonly field: ResolvedField
  /** For compound fields: each JSON key with its resolved component. */
  readonly parts: ReadonlyArray<{ key: string; field: ResolvedField }> | undefined
}

/** The record and flat-row layout of one query's SELECT list, with its SQL columns. */
export class RecordShape {
  /** SQL expressions to select, in column order. */
  readonly sql: string[] = []
  /** Column names for CSV (`Account.Name`), in SELECT order. */
  readonly columns: string[] = []
  readonly #root: ShapeNode
  readonly #flat: FlatColumn[] = []
  readonly #nodes = new Map<string, ShapeNode>()

  /** Child subqueries, with their column in flat rows; records get them under `plan.key`. */
  readonly children: Array<{ readonly plan: ChildPlan; readonly column: number }> = []

  constructor(root: ObjectNode, entries: readonly SelectedEntry[]) {
    this.#root = {
      idCol: this.#col(root.idSql),
      typeCol: undefined,
      type: root.relationshipName,
      entries: [],
    }
    this.#nodes.set('', this.#root)
    for (const entry of entries) {
      if ('child' in entry) {
        // A placeholder keeps the key in SELECT order; the cursor fills it per page.
        this.#root.entries.push({ key: entry.child.key, kind: 'child' })
        this.children.push({ plan: entry.child, column: this.columns.length })
        this.columns.push(entry.child.key)
        this.#flat.push({ kind: 'child' })
        continue
      }
      const { field, parts } = entry
      const node = this.#node(field.node)
      const key = field.names[field.names.length - 1] as string
      this.columns.push(field.names.join('.'))
      if (parts) {
        const cols = parts.map((p) => ({
          key: p.key,
          col: this.#col(p.field.sql),
          conv: converterFor(p.field.storage),
        }))
        node.entries.push({ key, kind: 'compound', parts: cols })
        this.#flat.push({ kind: 'compound', parts: cols })
      } else {
        const col = this.#col(field.sql)
        const conv = converterFor(field.storage)
        node.entries.push({ key, kind: 'value', col, conv })
        this.#flat.push({ kind: 'value', col, conv })
      }
    }
  }

  #col(sql: string): number {
    this.sql.push(sql)
    return this.sql.length - 1
  }

  #node(on: ObjectNode): ShapeNode {
    const known = this.#nodes.get(on.key)
    if (known) return known
    const parent = this.#node(on.parent as ObjectNode)
    const node: ShapeNode = {
      idCol: this.#col(on.idSql),
      typeCol: on.typeSql ? this.#col(on.typeSql) : undefined,
      type: on.schema?.name ?? '',
      entries: [],
    }
    parent.entries.push({ key: on.relationshipName, kind: 'node', node })
    this.#nodes.set(on.key, node)
    return node
  }

  /** The REST record of one SQL row (an array in `sql` order). */
  record(row: readonly unknown[], sobjectsBase: string): Record<string, unknown> {
    return buildNode(row, this.#root, sobjectsBase) as Record<string, unknown>
  }

  /** The Id of the root record of one SQL row. */
  rootId(row: readonly unknown[]): string {
    return row[this.#root.idCol] as string
  }

  /** The flat row (CSV) of one SQL row. */
  flat(row: readonly unknown[]): JsonValue[] {
    const out = new Array<JsonValue>(this.#flat.length)
    for (let i = 0; i < this.#flat.length; i++) {
      const c = this.#flat[i] as FlatColumn
      out[i] = c.kind === 'value' ? c.conv(row[c.col]) : c.kind === 'child' ? null : compound(row, c.parts)
    }
    return out
  }
}

function buildNode(row: readonly unknown[], node: ShapeNode, base: string): Record<string, unknown> | null {
  const id = row[node.idCol]
  if (id === null || id === undefined) return null
  const type = node.typeCol === undefined ? node.type : (row[node.typeCol] as string)
  const rec: Record<string, unknown> = { attributes: { type, url: `${base}${type}/${id as string}` } }
  for (const e of node.entries) {
    if (e.kind === 'value') rec[e.key] = e.conv(row[e.col])
    else if (e.kind === 'node') rec[e.key] = buildNode(row, e.node, base)
    else if (e.kind === 'child') rec[e.key] = null
    else rec[e.key] = compound(row, e.parts)
  }
  return rec
}

/** A compound value; null when every component is null, as REST returns an empty address. */
function compound(
  row: readonly unknown[],
  parts: ReadonlyArray<{ key: string; col: number; conv: Converter }>,
): JsonValue {
  const out: Record<string, JsonValue> = {}
  let any = false
  for (const p of parts) {
    const v = p.conv(row[p.col])
    if (v !== null) any = true
    out[p.key] = v
  }
  return any ? out : null
}
