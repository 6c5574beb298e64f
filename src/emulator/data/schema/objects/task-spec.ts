/** Task: polymorphic WhoId (Contact, Lead) and WhatId (Account, Opportunity, Case, Invoice__c). */
import { auditFields, idField, IS_DELETED, ownerField, type FieldSpec } from '../field-builder.ts'
import type { ObjectSpec } from '../object-spec.ts'

/** Picklist values of the field of the same name. */
export const TASK_STATUSES = [
  { value: 'Not Started', defaultValue: true },
  { value: 'In Progress' },
  { value: 'Completed' },
  { value: 'Waiting on someone else' },
  { value: 'Deferred' },
]
/** Picklist values of the field of the same name. */
export const TASK_PRIORITIES = [{ value: 'High' }, { value: 'Normal', defaultValue: true }, { value: 'Low' }]
/** Picklist values of the field of the same name. */
export const TASK_SUBJECTS = ['Call', 'Send Letter', 'Send Quote', 'Other'] as const
/** Picklist values of the field of the same name. */
export const TASK_SUBTYPES = ['Task', 'Email', 'ListEmail', 'Cadence', 'Call'] as const
/** Picklist values of the field of the same name. */
export const TASK_WHO = ['Contact', 'Lead'] as const
/** Picklist values of the field of the same name. */
export const TASK_WHAT = ['Account', 'Opportunity', 'Case', 'Invoice__c'] as const

const fields: FieldSpec[] = [
  idField('Activity'),
  {
    name: 'WhoId',
    type: 'reference',
    label: 'Name ID',
    referenceTo: TASK_WHO,
    relationshipName: 'Who',
  },
  {
    name: 'WhatId',
    type: 'reference',
    label: 'Related To ID',
    referenceTo: TASK_WHAT,
    relationshipName: 'What',
  },
  { name: 'Subject', type: 'combobox', label: 'Subject', length: 255, picklist: TASK_SUBJECTS },
  { name: 'ActivityDate', type: 'date', label: 'Due Date Only' },
  {
    name: 'Status',
    type: 'picklist',
    label: 'Status',
    length: 40,
    picklist: TASK_STATUSES,
    nillable: false,
    defaultedOnCreate: true,
  },
  {
    name: 'Priority',
    type: 'picklist',
    label: 'Priority',
    length: 40,
    picklist: TASK_PRIORITIES,
    nillable: false,
    defaultedOnCreate: true,
  },
  { name: 'IsHighPriority', type: 'boolean', label: 'High Priority', createable: false, updateable: false },
  ownerField(['User']),
  { name: 'Description', type: 'textarea', label: 'Comments', length: 32000 },
  IS_DELETED,
  {
    name: 'AccountId',
    type: 'reference',
    label: 'Account ID',
    referenceTo: ['Account'],
    relationshipName: 'Account',
    createable: false,
  },
  { name: 'IsClosed', type: 'boolean', label: 'Closed', createable: false, updateable: false },
  ...auditFields(),
  { name: 'IsArchived', type: 'boolean', label: 'Archived', createable: false, updateable: false },
  { name: 'CallDurationInSeconds', type: 'int', label: 'Call Duration', digits: 8 },
  {
    name: 'CallType',
    type: 'picklist',
    label: 'Call Type',
    length: 40,
    picklist: ['Internal', 'Inbound', 'Outbound'],
    restrictedPicklist: true,
  },
  { name: 'CompletedDateTime', type: 'datetime', label: 'Completed Date/Time', createable: false },
  {
    name: 'TaskSubtype',
    type: 'picklist',
    label: 'Task Subtype',
    length: 40,
    picklist: TASK_SUBTYPES,
    restrictedPicklist: true,
    updateable: false,
  },
]

/** The object as the describe builder takes it. */
export const TASK_SPEC: ObjectSpec = {
  name: 'Task',
  label: 'Task',
  labelPlural: 'Tasks',
  keyPrefix: '00T',
  fields,
  attributes: { mergeable: false, feedEnabled: false, searchable: true, undeletable: true },
}
