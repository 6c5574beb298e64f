/** Case: an auto-numbered CaseNumber, Account/Contact lookups, web-to-case "Supplied" fields. */
import { auditFields, idField, IS_DELETED, ownerField, type FieldSpec } from '../field-builder.ts'
import type { ObjectSpec } from '../object-spec.ts'

/** Picklist values of the field of the same name. */
export const CASE_STATUSES = [
  { value: 'New', defaultValue: true },
  { value: 'Working' },
  { value: 'Escalated' },
  { value: 'Closed' },
] as const
/** Picklist values of the field of the same name. */
export const CASE_ORIGINS = ['Phone', 'Email', 'Web'] as const
/** Picklist values of the field of the same name. */
export const CASE_PRIORITIES = [{ value: 'High' }, { value: 'Medium', defaultValue: true }, { value: 'Low' }]
/** Picklist values of the field of the same name. */
export const CASE_TYPES = ['Mechanical', 'Electrical', 'Electronic', 'Structural', 'Other'] as const
/** Picklist values of the field of the same name. */
export const CASE_REASONS = [
  'Installation',
  'Equipment Complexity',
  'Performance',
  'Breakdown',
  'Equipment Design',
  'Feedback',
  'Other',
] as const

const fields: FieldSpec[] = [
  idField('Case'),
  IS_DELETED,
  {
    name: 'MasterRecordId',
    type: 'reference',
    label: 'Master Record ID',
    referenceTo: ['Case'],
    relationshipName: 'MasterRecord',
    createable: false,
  },
  {
    name: 'CaseNumber',
    type: 'string',
    label: 'Case Number',
    length: 30,
    autoNumber: true,
    createable: false,
    nillable: false,
    nameField: true,
    idLookup: true,
  },
  {
    name: 'ContactId',
    type: 'reference',
    label: 'Contact ID',
    referenceTo: ['Contact'],
    relationshipName: 'Contact',
  },
  {
    name: 'AccountId',
    type: 'reference',
    label: 'Account ID',
    referenceTo: ['Account'],
    relationshipName: 'Account',
  },
  {
    name: 'ParentId',
    type: 'reference',
    label: 'Parent Case ID',
    referenceTo: ['Case'],
    relationshipName: 'Parent',
  },
  { name: 'SuppliedName', type: 'string', label: 'Name', length: 80 },
  { name: 'SuppliedEmail', type: 'email', label: 'Email' },
  { name: 'SuppliedPhone', type: 'string', label: 'Phone', length: 40 },
  { name: 'SuppliedCompany', type: 'string', label: 'Company', length: 80 },
  { name: 'Type', type: 'picklist', label: 'Case Type', length: 40, picklist: CASE_TYPES },
  {
    name: 'Status',
    type: 'picklist',
    label: 'Status',
    length: 40,
    picklist: CASE_STATUSES,
    defaultedOnCreate: true,
  },
  { name: 'Reason', type: 'picklist', label: 'Case Reason', length: 40, picklist: CASE_REASONS },
  { name: 'Origin', type: 'picklist', label: 'Case Origin', length: 40, picklist: CASE_ORIGINS },
  { name: 'Subject', type: 'string', label: 'Subject', length: 255 },
  {
    name: 'Priority',
    type: 'picklist',
    label: 'Priority',
    length: 40,
    picklist: CASE_PRIORITIES,
    defaultedOnCreate: true,
  },
  { name: 'Description', type: 'textarea', label: 'Description', length: 32000 },
  { name: 'IsClosed', type: 'boolean', label: 'Closed', createable: false, updateable: false },
  { name: 'ClosedDate', type: 'datetime', label: 'Closed Date', createable: false },
  { name: 'IsEscalated', type: 'boolean', label: 'Escalated' },
  ownerField(['Group', 'User']),
  ...auditFields(),
  { name: 'ContactPhone', type: 'phone', label: 'Contact Phone', createable: false },
  { name: 'ContactMobile', type: 'phone', label: 'Contact Mobile', createable: false },
  { name: 'ContactEmail', type: 'email', label: 'Contact Email', createable: false },
  { name: 'LastViewedDate', type: 'datetime', label: 'Last Viewed Date', createable: false },
  { name: 'LastReferencedDate', type: 'datetime', label: 'Last Referenced Date', createable: false },
]

/** The object as the describe builder takes it. */
export const CASE_SPEC: ObjectSpec = {
  name: 'Case',
  label: 'Case',
  labelPlural: 'Cases',
  keyPrefix: '500',
  fields,
}
