/**
 * Invoice__c: the org's custom object. A lookup to Account (Account__r), an auto-numbered Name, and
 * custom fields of varied types: currency with scale, percent, date, datetime, restricted picklist,
 * multipicklist, long text, a formula, a geolocation, and an external id for upserts.
 */
import {
  activityFields,
  auditFields,
  idField,
  IS_DELETED,
  ownerField,
  type FieldSpec,
} from '../field-builder.ts'
import type { ObjectSpec } from '../object-spec.ts'

/** Picklist values of the field of the same name. */
export const INVOICE_STATUSES = [
  { value: 'Draft', defaultValue: true },
  { value: 'Sent' },
  { value: 'Paid' },
  { value: 'Void' },
]
/** Picklist values of the field of the same name. */
export const INVOICE_TAGS = ['Priority', 'Recurring', 'Disputed', 'Export', 'Partner'] as const
/** The formula of Total_With_Tax__c; the record layer evaluates it (see derived-fields.ts). */
export const TOTAL_WITH_TAX_FORMULA = 'Amount__c * (1 + BLANKVALUE(Tax_Rate__c, 0) / 100)'

const fields: FieldSpec[] = [
  idField('Record'),
  ownerField(['User']),
  IS_DELETED,
  {
    name: 'Name',
    type: 'string',
    label: 'Invoice Number',
    length: 80,
    autoNumber: true,
    createable: false,
    nillable: false,
    nameField: true,
    idLookup: true,
  },
  ...auditFields(),
  ...activityFields(),
  {
    name: 'Account__c',
    type: 'reference',
    label: 'Account',
    referenceTo: ['Account'],
    relationshipName: 'Account__r',
  },
  { name: 'Amount__c', type: 'currency', label: 'Amount', precision: 16, scale: 2 },
  { name: 'Tax_Rate__c', type: 'percent', label: 'Tax Rate', precision: 5, scale: 2 },
  {
    name: 'Total_With_Tax__c',
    type: 'currency',
    label: 'Total With Tax',
    precision: 18,
    scale: 2,
    calculatedFormula: TOTAL_WITH_TAX_FORMULA,
  },
  { name: 'Due_Date__c', type: 'date', label: 'Due Date' },
  { name: 'Paid_At__c', type: 'datetime', label: 'Paid At' },
  {
    name: 'Status__c',
    type: 'picklist',
    label: 'Status',
    picklist: INVOICE_STATUSES,
    restrictedPicklist: true,
    defaultedOnCreate: true,
  },
  { name: 'Tags__c', type: 'multipicklist', label: 'Tags', length: 4099, picklist: INVOICE_TAGS },
  { name: 'Is_Recurring__c', type: 'boolean', label: 'Recurring' },
  { name: 'Line_Count__c', type: 'double', label: 'Line Count', precision: 4, scale: 0 },
  { name: 'Notes__c', type: 'textarea', label: 'Notes', length: 32768, extraTypeInfo: 'plaintextarea' },
  {
    name: 'External_Id__c',
    type: 'string',
    label: 'External Id',
    length: 64,
    externalId: true,
    unique: true,
  },
  { name: 'Billing_Email__c', type: 'email', label: 'Billing Email' },
  // A custom geolocation: the compound `location` field and its `__s` components.
  { name: 'Delivery_Location__c', type: 'location', label: 'Delivery Location', custom: true },
  {
    name: 'Delivery_Location__Latitude__s',
    type: 'double',
    label: 'Delivery Location (Latitude)',
    precision: 9,
    scale: 6,
    compoundFieldName: 'Delivery_Location__c',
    custom: true,
  },
  {
    name: 'Delivery_Location__Longitude__s',
    type: 'double',
    label: 'Delivery Location (Longitude)',
    precision: 9,
    scale: 6,
    compoundFieldName: 'Delivery_Location__c',
    custom: true,
  },
]

/** The object as the describe builder takes it. */
export const INVOICE_SPEC: ObjectSpec = {
  name: 'Invoice__c',
  label: 'Invoice',
  labelPlural: 'Invoices',
  keyPrefix: 'a01',
  fields,
  attributes: { triggerable: true, searchable: true, deepCloneable: false },
}
