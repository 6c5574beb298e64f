/** Lead: personname parts, a compound Address, required Company and Status, conversion fields. */
import {
  activityFields,
  addressFields,
  auditFields,
  idField,
  IS_DELETED,
  LEAD_SOURCES,
  ownerField,
  personNameFields,
  type FieldSpec,
} from '../field-builder.ts'
import type { ObjectSpec } from '../object-spec.ts'
import { ACCOUNT_INDUSTRIES } from './picklists.ts'

/** Picklist values of the field of the same name. */
export const LEAD_STATUSES = [
  { value: 'Open - Not Contacted', defaultValue: true },
  { value: 'Working - Contacted' },
  { value: 'Closed - Converted' },
  { value: 'Closed - Not Converted' },
] as const

const fields: FieldSpec[] = [
  idField('Lead'),
  IS_DELETED,
  {
    name: 'MasterRecordId',
    type: 'reference',
    label: 'Master Record ID',
    referenceTo: ['Lead'],
    relationshipName: 'MasterRecord',
    createable: false,
  },
  ...personNameFields(121),
  { name: 'Title', type: 'string', label: 'Title', length: 128 },
  { name: 'Company', type: 'string', label: 'Company', length: 255, nillable: false },
  ...addressFields('', ''),
  { name: 'Phone', type: 'phone', label: 'Phone' },
  { name: 'MobilePhone', type: 'phone', label: 'Mobile Phone' },
  { name: 'Fax', type: 'phone', label: 'Fax' },
  { name: 'Email', type: 'email', label: 'Email', idLookup: true },
  { name: 'Website', type: 'url', label: 'Website' },
  { name: 'PhotoUrl', type: 'url', label: 'Photo URL', createable: false, extraTypeInfo: 'imageurl' },
  { name: 'Description', type: 'textarea', label: 'Description', length: 32000 },
  { name: 'LeadSource', type: 'picklist', label: 'Lead Source', picklist: LEAD_SOURCES },
  {
    name: 'Status',
    type: 'picklist',
    label: 'Status',
    picklist: LEAD_STATUSES,
    nillable: false,
    defaultedOnCreate: true,
  },
  { name: 'Industry', type: 'picklist', label: 'Industry', length: 40, picklist: ACCOUNT_INDUSTRIES },
  { name: 'Rating', type: 'picklist', label: 'Rating', length: 40, picklist: ['Hot', 'Warm', 'Cold'] },
  { name: 'AnnualRevenue', type: 'currency', label: 'Annual Revenue', precision: 18, scale: 0 },
  { name: 'NumberOfEmployees', type: 'int', label: 'Employees', digits: 8 },
  ownerField(['Group', 'User']),
  { name: 'IsConverted', type: 'boolean', label: 'Converted', createable: true, updateable: false },
  { name: 'ConvertedDate', type: 'date', label: 'Converted Date', createable: false },
  {
    name: 'ConvertedAccountId',
    type: 'reference',
    label: 'Converted Account ID',
    referenceTo: ['Account'],
    relationshipName: 'ConvertedAccount',
    createable: false,
  },
  {
    name: 'ConvertedContactId',
    type: 'reference',
    label: 'Converted Contact ID',
    referenceTo: ['Contact'],
    relationshipName: 'ConvertedContact',
    createable: false,
  },
  {
    name: 'ConvertedOpportunityId',
    type: 'reference',
    label: 'Converted Opportunity ID',
    referenceTo: ['Opportunity'],
    relationshipName: 'ConvertedOpportunity',
    createable: false,
  },
  { name: 'IsUnreadByOwner', type: 'boolean', label: 'Unread By Owner', createable: true },
  ...auditFields(),
  ...activityFields(),
  { name: 'EmailBouncedReason', type: 'string', label: 'Email Bounced Reason' },
  { name: 'EmailBouncedDate', type: 'datetime', label: 'Email Bounced Date' },
]

/** The object as the describe builder takes it. */
export const LEAD_SPEC: ObjectSpec = {
  name: 'Lead',
  label: 'Lead',
  labelPlural: 'Leads',
  keyPrefix: '00Q',
  fields,
}
