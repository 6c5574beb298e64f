/**
 * One object's schema as the record layer uses it: the served describe plus the lookups the layer
 * needs on every write (fields by lower-cased name, stored columns, compound fields and their parts).
 */
import type { DescribeField, DescribeSObject, SObjectSchema } from '../org-data.ts'
import { storageClass } from '../storage-layout.ts'

/** Keys of a describeGlobal entry (recorded `_describeGlobal.json`), `urls` excepted. */
export const GLOBAL_ENTRY_KEYS = [
  'activateable',
  'associateEntityType',
  'associateParentEntity',
  'createable',
  'custom',
  'customSetting',
  'deepCloneable',
  'deletable',
  'deprecatedAndHidden',
  'feedEnabled',
  'hasSubtypes',
  'isInterface',
  'isSubtype',
  'keyPrefix',
  'label',
  'labelPlural',
  'layoutable',
  'mergeable',
  'mruEnabled',
  'name',
  'queryable',
  'replicateable',
  'retrieveable',
  'searchable',
  'triggerable',
  'undeletable',
  'updateable',
] as const

/** A part of a compound field: the key in the JSON object and the component field. */
export interface CompoundPart {
  readonly key: string
  readonly field: DescribeField
}

/** A compound field and its parts. */
export interface CompoundField {
  readonly field: DescribeField
  readonly parts: readonly CompoundPart[]
}

const ADDRESS_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['city', 'City'],
  ['country', 'Country'],
  ['geocodeAccuracy', 'GeocodeAccuracy'],
  ['latitude', 'Latitude'],
  ['longitude', 'Longitude'],
  ['postalCode', 'PostalCode'],
  ['state', 'State'],
  ['street', 'Street'],
]

/**
 * SObjectSchema plus what the record layer needs. @example schema.field('billingcity')?.name // 'BillingCity'
 *
 * Every holder (record layer, SOQL engine, REST) shares one instance per object, so a runtime schema
 * change (schema-io/, `replaceDescribe`) is seen by all of them at once.
 */
export class OrgSObjectSchema implements SObjectSchema {
  readonly name: string
  #describe!: DescribeSObject
  #lastModifiedMs = 0
  #storedFields: readonly DescribeField[] = []
  #compounds: readonly CompoundField[] = []
  #byName = new Map<string, DescribeField>()

  constructor(describe: DescribeSObject, lastModifiedMs: number) {
    this.name = describe.name
    this.replaceDescribe(describe, lastModifiedMs)
  }

  get describe(): DescribeSObject {
    return this.#describe
  }

  get lastModifiedMs(): number {
    return this.#lastModifiedMs
  }

  /** Fields with a column, in describe order. */
  get storedFields(): readonly DescribeField[] {
    return this.#storedFields
  }

  /** Address and location fields, with their components. */
  get compounds(): readonly CompoundField[] {
    return this.#compounds
  }

  /**
   * Swaps in a changed describe of the same object (runtime schema changes, schema-io/): the caller
   * alters the table to match before any write. The name cannot change.
   */
  replaceDescribe(describe: DescribeSObject, lastModifiedMs: number): void {
    if (describe.name !== this.name) throw new Error(`cannot rename ${this.name} to ${describe.name}`)
    this.#describe = describe
    this.#lastModifiedMs = lastModifiedMs
    this.#byName = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]))
    this.#storedFields = describe.fields.filter((f) => storageClass(f) !== 'compound')
    this.#compounds = describe.fields
      .filter((f) => storageClass(f) === 'compound')
      .map((f) => ({ field: f, parts: compoundParts(f, describe.fields) }))
  }

  field(name: string): DescribeField | undefined {
    return this.#byName.get(name.toLowerCase())
  }

  /** True when the object has the field (case-insensitive). */
  has(name: string): boolean {
    return this.#byName.has(name.toLowerCase())
  }

  /** The describeGlobal entry of the object, without `urls`. */
  globalEntry(): Record<string, unknown> {
    const entry: Record<string, unknown> = {}
    const top = this.describe as unknown as Record<string, unknown>
    for (const key of GLOBAL_ENTRY_KEYS) entry[key] = top[key] ?? null
    return entry
  }
}

function compoundParts(compound: DescribeField, fields: readonly DescribeField[]): CompoundPart[] {
  const components = fields.filter((f) => f.compoundFieldName === compound.name)
  const keys: ReadonlyArray<readonly [string, string]> =
    compound.type === 'address'
      ? ADDRESS_KEYS
      : [
          ['latitude', 'Latitude'],
          ['longitude', 'Longitude'],
        ]
  const parts: CompoundPart[] = []
  for (const [key, suffix] of keys) {
    // Standard parts end in the suffix (BillingCity); custom geolocation parts in `__s` (Loc__Latitude__s).
    const field = components.find((f) => f.name.endsWith(suffix) || f.name.endsWith(`${suffix}__s`))
    if (field) parts.push({ key, field })
  }
  return parts
}
