/** User: who can log in; not deletable (deactivated instead), so no IsDeleted. */
import { addressFields, auditFields, idField, personNameFields, type FieldSpec } from '../field-builder.ts'
import type { ObjectSpec } from '../object-spec.ts'

/** Picklist values of the field of the same name. */
export const TIME_ZONES = [
  'America/Los_Angeles',
  'America/New_York',
  'Europe/London',
  'Europe/Paris',
  'Asia/Tokyo',
] as const
/** Picklist values of the field of the same name. */
export const LOCALES = ['en_US', 'en_GB', 'fr_FR', 'de_DE', 'ja_JP'] as const
/** Picklist values of the field of the same name. */
export const LANGUAGES = ['en_US', 'fr', 'de', 'ja'] as const
/** Picklist values of the field of the same name. */
export const EMAIL_ENCODINGS = ['UTF-8', 'ISO-8859-1', 'Shift_JIS'] as const
/** Picklist values of the field of the same name. */
export const USER_TYPES = ['Standard', 'PowerPartner', 'CsnOnly', 'Guest'] as const

const required = { nillable: false } as const
const fields: FieldSpec[] = [
  idField('User'),
  {
    name: 'Username',
    type: 'string',
    label: 'Username',
    length: 80,
    ...required,
    unique: true,
    idLookup: true,
  },
  ...personNameFields(121).filter((f) => f.name !== 'Salutation'),
  { name: 'CompanyName', type: 'string', label: 'Company Name', length: 80 },
  { name: 'Division', type: 'string', label: 'Division', length: 80 },
  { name: 'Department', type: 'string', label: 'Department', length: 80 },
  { name: 'Title', type: 'string', label: 'Title', length: 80 },
  ...addressFields('', ''),
  { name: 'Email', type: 'email', label: 'Email', length: 128, ...required },
  { name: 'Phone', type: 'phone', label: 'Phone' },
  { name: 'MobilePhone', type: 'phone', label: 'Mobile' },
  { name: 'Alias', type: 'string', label: 'Alias', length: 8, ...required },
  { name: 'CommunityNickname', type: 'string', label: 'Nickname', length: 40, idLookup: true, unique: true },
  { name: 'IsActive', type: 'boolean', label: 'Active', createable: true, defaultValue: true },
  {
    name: 'TimeZoneSidKey',
    type: 'picklist',
    label: 'Time Zone',
    length: 40,
    picklist: TIME_ZONES,
    restrictedPicklist: true,
    ...required,
  },
  {
    name: 'UserRoleId',
    type: 'reference',
    label: 'Role ID',
    referenceTo: ['UserRole'],
    relationshipName: 'UserRole',
  },
  {
    name: 'LocaleSidKey',
    type: 'picklist',
    label: 'Locale',
    length: 40,
    picklist: LOCALES,
    restrictedPicklist: true,
    ...required,
  },
  {
    name: 'EmailEncodingKey',
    type: 'picklist',
    label: 'Email Encoding',
    length: 40,
    picklist: EMAIL_ENCODINGS,
    restrictedPicklist: true,
    ...required,
  },
  {
    name: 'ProfileId',
    type: 'reference',
    label: 'Profile ID',
    referenceTo: ['Profile'],
    relationshipName: 'Profile',
    ...required,
  },
  {
    name: 'UserType',
    type: 'picklist',
    label: 'User Type',
    length: 40,
    picklist: USER_TYPES,
    restrictedPicklist: true,
    createable: false,
    defaultedOnCreate: true,
  },
  {
    name: 'LanguageLocaleKey',
    type: 'picklist',
    label: 'Language',
    length: 40,
    picklist: LANGUAGES,
    restrictedPicklist: true,
    ...required,
  },
  { name: 'EmployeeNumber', type: 'string', label: 'Employee Number', length: 20 },
  {
    name: 'ManagerId',
    type: 'reference',
    label: 'Manager ID',
    referenceTo: ['User'],
    relationshipName: 'Manager',
  },
  {
    name: 'AccountId',
    type: 'reference',
    label: 'Account ID',
    referenceTo: ['Account'],
    relationshipName: 'Account',
    createable: false,
  },
  {
    name: 'ContactId',
    type: 'reference',
    label: 'Contact ID',
    referenceTo: ['Contact'],
    relationshipName: 'Contact',
    updateable: false,
  },
  { name: 'LastLoginDate', type: 'datetime', label: 'Last Login', createable: false },
  ...auditFields(),
  { name: 'FederationIdentifier', type: 'string', label: 'SAML Federation ID', length: 512, idLookup: true },
  { name: 'LastViewedDate', type: 'datetime', label: 'Last Viewed Date', createable: false },
  { name: 'LastReferencedDate', type: 'datetime', label: 'Last Referenced Date', createable: false },
]

/** The object as the describe builder takes it. */
export const USER_SPEC: ObjectSpec = {
  name: 'User',
  label: 'User',
  labelPlural: 'Users',
  keyPrefix: '005',
  fields,
  recordTypes: false,
  ownable: false,
}
