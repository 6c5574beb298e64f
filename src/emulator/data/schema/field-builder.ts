/**
 * Builds describe fields that carry every attribute a real describe field carries (the 57 keys of the
 * recorded v48.0 Account describe, reference/salesforce-data-api.md §2.4), with the defaults Salesforce
 * uses for each type, as read off the recorded Account, Contact and Opportunity describes.
 */
import type { DescribeField } from '../org-data.ts'

/** Field types the builder knows (describe `type` values). */
export type FieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'multipicklist'
  | 'combobox'
  | 'email'
  | 'phone'
  | 'url'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'time'
  | 'address'
  | 'location'

/** A picklist value, optionally the default. */
export interface PicklistEntry {
  readonly value: string
  readonly label?: string
  readonly defaultValue?: boolean
}

/** What differs from the type's defaults; everything else is filled in by `buildField`. */
export interface FieldSpec {
  readonly name: string
  readonly type: FieldType
  readonly label: string
  readonly length?: number
  readonly precision?: number
  readonly scale?: number
  readonly digits?: number
  readonly nillable?: boolean
  readonly createable?: boolean
  readonly updateable?: boolean
  readonly defaultedOnCreate?: boolean
  readonly defaultValue?: unknown
  readonly referenceTo?: readonly string[]
  readonly relationshipName?: string | null
  readonly picklist?: readonly (string | PicklistEntry)[]
  readonly restrictedPicklist?: boolean
  readonly compoundFieldName?: string | null
  readonly extraTypeInfo?: string | null
  readonly custom?: boolean
  /** Makes the field a formula: calculated, read-only. */
  readonly calculatedFormula?: string
  readonly externalId?: boolean
  readonly unique?: boolean
  readonly caseSensitive?: boolean
  readonly idLookup?: boolean
  readonly nameField?: boolean
  readonly autoNumber?: boolean
  readonly filterable?: boolean
  readonly sortable?: boolean
  readonly groupable?: boolean
  readonly aggregatable?: boolean
  readonly cascadeDelete?: boolean
  readonly restrictedDelete?: boolean
  readonly permissionable?: boolean
  readonly htmlFormatted?: boolean
}

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  picklist: 'xsd:string',
  multipicklist: 'xsd:string',
  combobox: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  time: 'xsd:time',
  address: 'urn:address',
  location: 'urn:location',
}

/** Default `length` per text type (characters), as the recorded describes show. */
const DEFAULT_LENGTH: Partial<Record<FieldType, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  textarea: 255,
  picklist: 255,
  multipicklist: 4099,
  combobox: 255,
  email: 80,
  phone: 40,
  url: 255,
}

function picklistValues(spec: FieldSpec): Array<Record<string, unknown>> {
  return (spec.picklist ?? []).map((entry) => {
    const e = typeof entry === 'string' ? { value: entry } : entry
    return {
      active: true,
      defaultValue: e.defaultValue ?? false,
      label: e.label ?? e.value,
      validFor: null,
      value: e.value,
    }
  })
}

/** A describe field with all 57 attributes, in the alphabetical order real describes use. */
export function buildField(spec: FieldSpec): DescribeField {
  const t = spec.type
  const calculated = spec.calculatedFormula !== undefined
  const isSystemId = t === 'id'
  const compound = t === 'address' || t === 'location'
  const longText = t === 'textarea' && (spec.length ?? 255) > 255
  const text = DEFAULT_LENGTH[t] !== undefined && t !== 'id' && t !== 'reference'
  const length = DEFAULT_LENGTH[t] === undefined ? 0 : (spec.length ?? DEFAULT_LENGTH[t] ?? 0)
  // Ids and references are ASCII; text is counted as 3 bytes a character (Name: 255 → 765).
  const byteLength = t === 'id' || t === 'reference' ? 18 : text ? length * 3 : 0
  const createable = !calculated && !isSystemId && !compound && (spec.createable ?? true)
  const updateable = !calculated && !isSystemId && !compound && (spec.updateable ?? createable)
  const nillable = t === 'boolean' || isSystemId ? false : (spec.nillable ?? true)
  const numeric = t === 'double' || t === 'currency' || t === 'percent'
  const defaultPrecision = numeric ? 18 : 0
  const custom = spec.custom ?? spec.name.endsWith('__c')
  const filterable = spec.filterable ?? !longText
  const sortable = spec.sortable ?? !(longText || t === 'multipicklist' || compound)
  const groupable =
    spec.groupable ??
    !(longText || numeric || t === 'datetime' || t === 'multipicklist' || compound || t === 'time')
  const aggregatable = spec.aggregatable ?? !(longText || t === 'boolean' || compound)
  const permissionable =
    spec.permissionable ?? (nillable && (createable || updateable || calculated) && !isSystemId)
  const defaultedOnCreate =
    spec.defaultedOnCreate ?? (t === 'boolean' || isSystemId || spec.autoNumber === true)
  const field: Record<string, unknown> = {
    aggregatable,
    aiPredictionField: false,
    autoNumber: spec.autoNumber ?? false,
    byteLength,
    calculated,
    calculatedFormula: spec.calculatedFormula ?? null,
    cascadeDelete: spec.cascadeDelete ?? false,
    caseSensitive: spec.caseSensitive ?? false,
    compoundFieldName: spec.compoundFieldName ?? null,
    controllerName: null,
    createable,
    custom,
    defaultValue: spec.defaultValue ?? (t === 'boolean' ? false : null),
    defaultValueFormula: null,
    defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: t === 'int' ? (spec.digits ?? 9) : 0,
    displayLocationInDecimal: t === 'location',
    encrypted: false,
    externalId: spec.externalId ?? false,
    extraTypeInfo:
      spec.extraTypeInfo !== undefined ? spec.extraTypeInfo : t === 'textarea' ? 'plaintextarea' : null,
    filterable: compound ? true : filterable,
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable,
    highScaleNumber: false,
    htmlFormatted: spec.htmlFormatted ?? false,
    idLookup: spec.idLookup ?? (isSystemId || spec.externalId === true),
    inlineHelpText: null,
    label: spec.label,
    length,
    mask: null,
    maskType: null,
    name: spec.name,
    nameField: spec.nameField ?? false,
    namePointing: (spec.referenceTo?.length ?? 0) > 1,
    nillable,
    permissionable,
    picklistValues: picklistValues(spec),
    polymorphicForeignKey: (spec.referenceTo?.length ?? 0) > 1,
    precision: numeric ? (spec.precision ?? defaultPrecision) : 0,
    queryByDistance: compound,
    referenceTargetField: null,
    referenceTo: [...(spec.referenceTo ?? [])],
    relationshipName: spec.relationshipName ?? null,
    relationshipOrder: null,
    restrictedDelete: spec.restrictedDelete ?? false,
    restrictedPicklist: spec.restrictedPicklist ?? false,
    scale: numeric ? (spec.scale ?? 0) : 0,
    searchPrefilterable: false,
    soapType: SOAP_TYPES[t],
    sortable,
    type: t,
    unique: spec.unique ?? false,
    updateable,
    writeRequiresMasterRead: false,
  }
  return field as unknown as DescribeField
}

/** The `Id` field of an object whose label is `label` ("Account ID"). */
export function idField(label: string): FieldSpec {
  return { name: 'Id', type: 'id', label: `${label} ID`, idLookup: true }
}

/** IsDeleted: read-only boolean, true while the record is in the recycle bin. */
export const IS_DELETED: FieldSpec = {
  name: 'IsDeleted',
  type: 'boolean',
  label: 'Deleted',
  createable: false,
}

/** OwnerId: a User (or, for queue-owned objects, a Group or a User). */
export function ownerField(targets: readonly string[] = ['User']): FieldSpec {
  return {
    name: 'OwnerId',
    type: 'reference',
    label: 'Owner ID',
    referenceTo: targets,
    relationshipName: 'Owner',
    nillable: false,
    defaultedOnCreate: true,
  }
}

/** CreatedDate … SystemModstamp: read-only, never null, set by the platform on every write. */
export function auditFields(): FieldSpec[] {
  const sys = { nillable: false, createable: false, defaultedOnCreate: true } as const
  return [
    { name: 'CreatedDate', type: 'datetime', label: 'Created Date', ...sys },
    {
      name: 'CreatedById',
      type: 'reference',
      label: 'Created By ID',
      referenceTo: ['User'],
      relationshipName: 'CreatedBy',
      ...sys,
    },
    { name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date', ...sys },
    {
      name: 'LastModifiedById',
      type: 'reference',
      label: 'Last Modified By ID',
      referenceTo: ['User'],
      relationshipName: 'LastModifiedBy',
      ...sys,
    },
    { name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp', ...sys },
  ]
}

/** The components and the compound field of an address (`Billing` → BillingStreet … BillingAddress). */
export function addressFields(prefix: string, labelPrefix: string): FieldSpec[] {
  const compound = `${prefix}Address`
  const lp = labelPrefix ? `${labelPrefix} ` : ''
  return [
    {
      name: `${prefix}Street`,
      type: 'textarea',
      label: `${lp}Street`,
      compoundFieldName: compound,
      length: 255,
    },
    { name: `${prefix}City`, type: 'string', label: `${lp}City`, compoundFieldName: compound, length: 40 },
    {
      name: `${prefix}State`,
      type: 'string',
      label: `${lp}State/Province`,
      compoundFieldName: compound,
      length: 80,
    },
    {
      name: `${prefix}PostalCode`,
      type: 'string',
      label: `${lp}Zip/Postal Code`,
      compoundFieldName: compound,
      length: 20,
    },
    {
      name: `${prefix}Country`,
      type: 'string',
      label: `${lp}Country`,
      compoundFieldName: compound,
      length: 80,
    },
    {
      name: `${prefix}Latitude`,
      type: 'double',
      label: `${lp}Latitude`,
      compoundFieldName: compound,
      precision: 18,
      scale: 15,
    },
    {
      name: `${prefix}Longitude`,
      type: 'double',
      label: `${lp}Longitude`,
      compoundFieldName: compound,
      precision: 18,
      scale: 15,
    },
    {
      name: `${prefix}GeocodeAccuracy`,
      type: 'picklist',
      label: `${lp}Geocode Accuracy`,
      compoundFieldName: compound,
      length: 40,
      picklist: GEOCODE_ACCURACY,
      restrictedPicklist: true,
    },
    { name: compound, type: 'address', label: `${lp}Address`.trim() },
  ]
}

/** `*GeocodeAccuracy` values of the recorded describes. */
export const GEOCODE_ACCURACY = [
  'Address',
  'NearAddress',
  'Block',
  'Street',
  'ExtendedZip',
  'Zip',
  'Neighborhood',
  'City',
  'County',
  'State',
  'Unknown',
] as const

/** Salutation values of the recorded Contact describe. */
export const SALUTATIONS = ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'] as const
/** LeadSource values of the recorded describes. */
export const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'] as const

/** FirstName / LastName / Salutation components and the read-only, derived `Name` (personname). */
export function personNameFields(nameLength = 121): FieldSpec[] {
  const part = { compoundFieldName: 'Name', extraTypeInfo: 'personname' } as const
  return [
    { name: 'LastName', type: 'string', label: 'Last Name', length: 80, nillable: false, ...part },
    { name: 'FirstName', type: 'string', label: 'First Name', length: 40, ...part },
    {
      name: 'Salutation',
      type: 'picklist',
      label: 'Salutation',
      length: 40,
      picklist: SALUTATIONS,
      ...part,
    },
    {
      name: 'Name',
      type: 'string',
      label: 'Full Name',
      length: nameLength,
      nillable: false,
      createable: false,
      nameField: true,
      extraTypeInfo: 'personname',
    },
  ]
}

/** LastActivityDate / LastViewedDate / LastReferencedDate: read-only, set by the platform. */
export function activityFields(): FieldSpec[] {
  return [
    { name: 'LastActivityDate', type: 'date', label: 'Last Activity', createable: false },
    { name: 'LastViewedDate', type: 'datetime', label: 'Last Viewed Date', createable: false },
    { name: 'LastReferencedDate', type: 'datetime', label: 'Last Referenced Date', createable: false },
  ]
}
