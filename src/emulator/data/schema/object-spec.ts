/**
 * The top-level part of a describe built for an object the fixtures do not cover: the same attribute
 * set as the recorded Contact describe (the newer, larger set), with values taken from the recorded
 * describeGlobal entry when the object is listed there, then from the spec.
 */
import type { DescribeSObject } from '../org-data.ts'
import { buildField, type FieldSpec } from './field-builder.ts'

/** An object built by hand: names, key prefix, fields. */
export interface ObjectSpec {
  readonly name: string
  readonly label: string
  readonly labelPlural: string
  readonly keyPrefix: string
  readonly fields: readonly FieldSpec[]
  /** Top-level attributes that differ from a standard, fully-featured object's. */
  readonly attributes?: Readonly<Record<string, unknown>>
  /** False for objects without record types (User, Organization). */
  readonly recordTypes?: boolean
  /** False for objects without owner-based list scopes. */
  readonly ownable?: boolean
}

/** Stands for the API version in urls stored inside describes; see `withApiVersion`. */
export const API_VERSION_PLACEHOLDER = 'vXX.X'

/** The master record type every record-type-capable object has (its id is the same in every org). */
export const MASTER_RECORD_TYPE_ID = '012000000000000AAA'

/**
 * Builds the describe of `spec`. `base` is a recorded describe whose top-level attribute set is
 * copied; `globalEntry` the object's describeGlobal entry, if recorded.
 */
export function buildObjectDescribe(
  spec: ObjectSpec,
  base: DescribeSObject,
  globalEntry: Readonly<Record<string, unknown>> | undefined,
): DescribeSObject {
  const custom = spec.name.endsWith('__c')
  const top: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(base)) {
    if (key === 'fields' || key === 'urls') continue
    top[key] = value
  }
  Object.assign(top, {
    custom,
    keyPrefix: spec.keyPrefix,
    label: spec.label,
    labelPlural: spec.labelPlural,
    name: spec.name,
    actionOverrides: [],
    childRelationships: [],
    namedLayoutInfos: [],
    recordTypeInfos:
      spec.recordTypes === false
        ? []
        : [
            {
              active: true,
              available: true,
              defaultRecordTypeMapping: true,
              developerName: 'Master',
              master: true,
              name: 'Master',
              recordTypeId: MASTER_RECORD_TYPE_ID,
              urls: {
                layout: `/services/data/${API_VERSION_PLACEHOLDER}/sobjects/${spec.name}/describe/layouts/${MASTER_RECORD_TYPE_ID}`,
              },
            },
          ],
    supportedScopes:
      spec.ownable === false
        ? [{ label: `All ${spec.labelPlural.toLowerCase()}`, name: 'everything' }]
        : [
            { label: `All ${spec.labelPlural.toLowerCase()}`, name: 'everything' },
            { label: `My ${spec.labelPlural.toLowerCase()}`, name: 'mine' },
          ],
  })
  if (custom) Object.assign(top, { mergeable: false, feedEnabled: false, mruEnabled: true })
  if (globalEntry) {
    for (const [key, value] of Object.entries(globalEntry)) if (key !== 'urls' && key in top) top[key] = value
  }
  // The recording lists Lead with a null keyPrefix; the org's own prefixes win.
  Object.assign(top, { keyPrefix: spec.keyPrefix }, spec.attributes ?? {})
  top.fields = spec.fields.map(buildField)
  // Real describes list keys alphabetically.
  const sorted: Record<string, unknown> = {}
  for (const key of Object.keys(top).sort()) sorted[key] = top[key]
  return sorted as unknown as DescribeSObject
}
