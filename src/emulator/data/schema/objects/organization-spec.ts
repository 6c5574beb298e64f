/**
 * Organization: the one record describing the org itself (fields as in the recorded
 * `GET /sobjects/Organization/{id}` record). The sf CLI reads Name, InstanceName, IsSandbox,
 * TrialExpirationDate, NamespacePrefix and OrganizationType from it.
 */
import { addressFields, auditFields, idField, type FieldSpec } from '../field-builder.ts'
import type { ObjectSpec } from '../object-spec.ts'
import { LANGUAGES, LOCALES, TIME_ZONES } from './user-spec.ts'

const readOnly = { createable: false, updateable: false } as const
const access = (name: string, label: string, values: readonly string[]): FieldSpec => ({
  name,
  type: 'picklist',
  label,
  length: 40,
  picklist: values,
  restrictedPicklist: true,
  ...readOnly,
})
const flag = (name: string, label: string): FieldSpec => ({ name, type: 'boolean', label, ...readOnly })

const fields: FieldSpec[] = [
  idField('Organization'),
  {
    name: 'Name',
    type: 'string',
    label: 'Name',
    length: 80,
    nillable: false,
    nameField: true,
    createable: false,
  },
  { name: 'Division', type: 'string', label: 'Division', length: 80, createable: false },
  ...addressFields('', '').map((f) => ({ ...f, createable: false })),
  { name: 'Phone', type: 'phone', label: 'Phone', createable: false },
  { name: 'Fax', type: 'phone', label: 'Fax', createable: false },
  { name: 'PrimaryContact', type: 'string', label: 'Primary Contact', length: 80, createable: false },
  {
    name: 'DefaultLocaleSidKey',
    type: 'picklist',
    label: 'Locale',
    length: 40,
    picklist: LOCALES,
    restrictedPicklist: true,
    nillable: false,
    createable: false,
  },
  {
    name: 'TimeZoneSidKey',
    type: 'picklist',
    label: 'Time Zone',
    length: 40,
    picklist: TIME_ZONES,
    restrictedPicklist: true,
    nillable: false,
    createable: false,
  },
  {
    name: 'LanguageLocaleKey',
    type: 'picklist',
    label: 'Language',
    length: 40,
    picklist: LANGUAGES,
    restrictedPicklist: true,
    nillable: false,
    createable: false,
  },
  { name: 'ReceivesInfoEmails', type: 'boolean', label: 'Info Emails', createable: false },
  { name: 'ReceivesAdminInfoEmails', type: 'boolean', label: 'Info Emails Admin', createable: false },
  flag('PreferencesRequireOpportunityProducts', 'RequireOpportunityProducts'),
  { name: 'FiscalYearStartMonth', type: 'int', label: 'Fiscal Year Starts In', digits: 9, ...readOnly },
  flag('UsesStartDateAsFiscalYearName', 'Fiscal Year Name by Start'),
  access('DefaultAccountAccess', 'Default Account Access', [
    'None',
    'Read',
    'Edit',
    'ControlledByLeadOrContact',
  ]),
  access('DefaultContactAccess', 'Default Contact Access', ['None', 'Read', 'Edit', 'ControlledByParent']),
  access('DefaultOpportunityAccess', 'Default Opportunity Access', ['None', 'Read', 'Edit']),
  access('DefaultLeadAccess', 'Default Lead Access', ['None', 'Read', 'Edit', 'ReadEditTransfer']),
  access('DefaultCaseAccess', 'Default Case Access', ['None', 'Read', 'Edit', 'ReadEditTransfer']),
  access('DefaultCalendarAccess', 'Default Calendar Access', [
    'HideDetails',
    'HideDetailsInsert',
    'ShowDetails',
    'ShowDetailsInsert',
    'AllowEdits',
  ]),
  access('DefaultPricebookAccess', 'Default Price Book Access', ['None', 'Read', 'ReadSelect']),
  access('DefaultCampaignAccess', 'Default Campaign Access', ['None', 'Read', 'Edit', 'All']),
  ...auditFields().filter((f) => f.name === 'SystemModstamp'),
  { name: 'ComplianceBccEmail', type: 'email', label: 'Compliance BCC Email', createable: false },
  {
    name: 'UiSkin',
    type: 'picklist',
    label: 'UI Skin',
    length: 40,
    picklist: ['Theme1', 'Theme2', 'PortalDefault', 'Webstore', 'Theme3'],
    restrictedPicklist: true,
    ...readOnly,
  },
  { name: 'SignupCountryIsoCode', type: 'string', label: 'Signup Country', length: 2, ...readOnly },
  { name: 'TrialExpirationDate', type: 'datetime', label: 'Trial Expiration Date', ...readOnly },
  { name: 'NumKnowledgeService', type: 'int', label: 'Knowledge Licenses', digits: 9, ...readOnly },
  {
    name: 'OrganizationType',
    type: 'picklist',
    label: 'Edition',
    length: 40,
    picklist: [
      'Team Edition',
      'Professional Edition',
      'Enterprise Edition',
      'Developer Edition',
      'Personal Edition',
      'Unlimited Edition',
      'Base Edition',
    ],
    restrictedPicklist: true,
    ...readOnly,
  },
  { name: 'NamespacePrefix', type: 'string', label: 'Namespace Prefix', length: 15, ...readOnly },
  { name: 'InstanceName', type: 'string', label: 'Instance Name', length: 5, ...readOnly },
  flag('IsSandbox', 'Is Sandbox'),
  {
    name: 'WebToCaseDefaultOrigin',
    type: 'string',
    label: 'Web to Cases Default Origin',
    length: 40,
    ...readOnly,
  },
  { name: 'MonthlyPageViewsUsed', type: 'int', label: 'Monthly Page Views Used', digits: 9, ...readOnly },
  {
    name: 'MonthlyPageViewsEntitlement',
    type: 'int',
    label: 'Monthly Page Views Allowed',
    digits: 9,
    ...readOnly,
  },
  flag('IsReadOnly', 'Is Read Only'),
  ...auditFields().filter((f) => f.name !== 'SystemModstamp'),
]

/** The object as the describe builder takes it. */
export const ORGANIZATION_SPEC: ObjectSpec = {
  name: 'Organization',
  label: 'Organization',
  labelPlural: 'Organizations',
  keyPrefix: '00D',
  fields,
  recordTypes: false,
  ownable: false,
}
