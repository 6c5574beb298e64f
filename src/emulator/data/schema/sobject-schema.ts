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

/** SObjectSchema plus what the record layer needs. @example schema.field('billingcity')?.name // 'BillingCity' */
export class OrgSObjectSchema implements SObjectSchema {
  readonly name: string
  readonly describe: DescribeSObject
  readonly lastModifiedMs: number
  /** Fields with a column, in describe order. */
  readonly storedFields: readonly DescribeField[]
  /** Address and location fields, with their components. */
  readonly compounds: readonly CompoundField[]
  readonly #byName: Map<string, DescribeField>

  constructor(describe: DescribeSObject, lastModifiedMs: number) {
    this.name = describe.name
    this.describe = describe
    this.lastModifiedMs = lastModifiedMs
    this.#byName = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]))
    this.storedFields = describe.fields.filter((f) => storageClass(f) !== 'compound')
    this.compounds = describe.fields
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
