/** Row generators for Case, Task, Invoice__c, User and the Organization record. */
import type { EmulatorOrg } from '../../org.ts'
import { between, DAY_MS, isoDate, maybePick, type RowGenerator } from './generator-context.ts'
import { email, FIRST_NAMES, LAST_NAMES, paragraph, phone, slug } from './value-pools.ts'
import { fillAddress } from './sales-generators.ts'

const SUBJECTS = [
  'Cannot log in',
  'Invoice shows the wrong amount, again',
  'Feature request: export to "CSV"',
  'Équipement en panne',
  'Lieferung verspätet',
  'Question about renewal',
  'パスワードをリセットできません',
] as const

/** Case: Contact/Account lookups, web-to-case Supplied* fields, subjects in several languages. */
export const generateCase: RowGenerator = (ctx, row) => {
  const { rng } = ctx
  row.ContactId = ctx.ref('Contact', 0.8)
  row.AccountId = ctx.ref('Account', 0.85)
  row.ParentId = ctx.n > 10 && rng.chance(0.05) ? ctx.idOf('Case', rng.int(1, ctx.n - 1)) : null
  row.Origin = maybePick(ctx, 'Origin', 0.9)
  if (row.Origin === 'Web') {
    const first = rng.pick(FIRST_NAMES)
    const last = rng.pick(LAST_NAMES)
    row.SuppliedName = `${first} ${last}`
    row.SuppliedEmail = email(rng, first, last, ctx.n)
    row.SuppliedPhone = rng.chance(0.5) ? phone(rng) : null
    row.SuppliedCompany = rng.chance(0.5) ? `${last} & Co` : null
  }
  row.Type = maybePick(ctx, 'Type', 0.6)
  row.Status = rng.pick(ctx.picklist('Status'))
  row.Reason = maybePick(ctx, 'Reason', 0.5)
  row.Subject = rng.chance(0.95) ? rng.pick(SUBJECTS) : null
  row.Priority = rng.pick(ctx.picklist('Priority'))
  row.Description = rng.chance(0.6) ? paragraph(rng) : null
  row.IsEscalated = row.Status === 'Escalated' || rng.chance(0.03) ? 1 : 0
  row.LastViewedDate = rng.chance(0.2) ? between(ctx, ctx.createdMs, ctx.anchorMs) : null
  row.LastReferencedDate = row.LastViewedDate
}

/** Task: WhoId (Contact or Lead) and WhatId (Account, Opportunity, Case, Invoice__c). */
export const generateTask: RowGenerator = (ctx, row) => {
  const { rng } = ctx
  const who = rng.next()
  row.WhoId = who < 0.7 ? ctx.ref('Contact') : who < 0.85 ? ctx.ref('Lead') : null
  const what = rng.next()
  // A task about a lead cannot also be about a record (Salesforce refuses WhatId with a Lead WhoId).
  const leadWho = row.WhoId !== null && who >= 0.7
  row.WhatId = leadWho
    ? null
    : what < 0.4
      ? ctx.ref('Account')
      : what < 0.65
        ? ctx.ref('Opportunity')
        : what < 0.8
          ? ctx.ref('Case')
          : what < 0.9
            ? ctx.ref('Invoice__c')
            : null
  const subject = rng.pick(ctx.picklist('Subject'))
  row.Subject = rng.chance(0.8) ? subject : `Follow-up: ${rng.pick(SUBJECTS)}`
  row.ActivityDate = rng.chance(0.8) ? isoDate(ctx.createdMs + rng.int(-5, 30) * DAY_MS) : null
  row.Status = rng.pick(ctx.picklist('Status'))
  row.Priority = rng.pick(ctx.picklist('Priority'))
  row.Description = rng.chance(0.3) ? paragraph(rng) : null
  if (subject === 'Call') {
    row.TaskSubtype = 'Call'
    row.CallType = rng.pick(ctx.picklist('CallType'))
    row.CallDurationInSeconds = rng.int(15, 3600)
  } else {
    row.TaskSubtype = subject === 'Send Letter' ? 'Task' : rng.chance(0.2) ? 'Email' : 'Task'
  }
}

const TAX_RATES = [0, 5.5, 7.25, 19, 20] as const

/** Invoice__c: amounts at scale 2, tax rates, multipicklist tags, external ids `ERP-0000001`. */
export const generateInvoice: RowGenerator = (ctx, row) => {
  const { rng } = ctx
  row.Account__c = ctx.ref('Account', 0.95)
  row.Amount__c = rng.chance(0.9) ? rng.int(500, 10_000_000) / 100 : null
  row.Tax_Rate__c = rng.chance(0.7) ? rng.pick(TAX_RATES) : null
  row.Due_Date__c = rng.chance(0.9) ? isoDate(ctx.createdMs + rng.pick([15, 30, 45, 60]) * DAY_MS) : null
  row.Status__c = rng.pick(ctx.picklist('Status__c'))
  row.Paid_At__c = row.Status__c === 'Paid' ? between(ctx, ctx.createdMs, ctx.anchorMs) : null
  if (rng.chance(0.4)) {
    const tags = ctx.picklist('Tags__c').filter(() => rng.chance(0.35))
    row.Tags__c = tags.length > 0 ? tags.join(';') : null
  }
  row.Is_Recurring__c = rng.chance(0.25) ? 1 : 0
  row.Line_Count__c = rng.chance(0.8) ? rng.int(1, 40) : null
  row.Notes__c = rng.chance(0.2) ? paragraph(rng) : null
  row.External_Id__c = rng.chance(0.8) ? `ERP-${String(ctx.n).padStart(7, '0')}` : null
  row.Billing_Email__c = rng.chance(0.5) ? `billing${ctx.n}@example.com` : null
  if (rng.chance(0.4)) {
    row.Delivery_Location__Latitude__s = rng.int(-90_000_000, 90_000_000) / 1e6
    row.Delivery_Location__Longitude__s = rng.int(-180_000_000, 180_000_000) / 1e6
  }
}

/** Users: the org's login users first (their ids, names and flags), then generated colleagues. */
export function userGenerator(org: EmulatorOrg): RowGenerator {
  return (ctx, row) => {
    const { rng } = ctx
    const known = org.users[ctx.n - 1]
    const first = known?.firstName ?? rng.pick(FIRST_NAMES)
    const last = known?.lastName ?? rng.pick(LAST_NAMES)
    row.Username = known?.username ?? `${slug(first)}.${slug(last)}.${ctx.n}@sfsync-emulator.example`
    row.FirstName = first
    row.LastName = last
    row.Email = known?.email ?? `${slug(first)}.${slug(last)}.${ctx.n}@example.com`
    row.Alias = `${slug(first).slice(0, 1)}${slug(last).slice(0, 4)}${ctx.n}`.slice(0, 8)
    row.CommunityNickname = `${slug(first)}${ctx.n}`
    row.IsActive = known ? (known.isActive ? 1 : 0) : rng.chance(0.8) ? 1 : 0
    row.TimeZoneSidKey = known ? 'America/Los_Angeles' : rng.pick(ctx.picklist('TimeZoneSidKey'))
    row.LocaleSidKey = known ? 'en_US' : rng.pick(ctx.picklist('LocaleSidKey'))
    row.EmailEncodingKey = 'UTF-8'
    row.LanguageLocaleKey = 'en_US'
    row.ProfileId = ctx.idOf('Profile', known ? 1 : 2)
    row.UserType = 'Standard'
    row.Title = known
      ? null
      : rng.pick(['Account Executive', 'Support Engineer', 'Sales Manager', 'Comptable'])
    row.Department = known ? null : rng.pick(['Sales', 'Support', 'Finance'])
    row.CompanyName = 'sfsync Emulator'
    row.Phone = rng.chance(0.5) ? phone(rng) : null
    row.ManagerId = ctx.n > 1 ? ctx.idOf('User', 1) : null
    row.LastLoginDate = row.IsActive === 1 ? between(ctx, ctx.anchorMs - 30 * DAY_MS, ctx.anchorMs) : null
    if (rng.chance(0.5)) fillAddress(ctx, row, '')
  }
}

/** The Organization record: what the sf CLI reads after login. */
export function organizationGenerator(org: EmulatorOrg): RowGenerator {
  return (_ctx, row) => {
    row.Name = 'sfsync Emulator'
    row.Country = 'US'
    row.PrimaryContact = `${org.adminUser.firstName} ${org.adminUser.lastName}`
    row.DefaultLocaleSidKey = 'en_US'
    row.TimeZoneSidKey = 'America/Los_Angeles'
    row.LanguageLocaleKey = 'en_US'
    row.ReceivesInfoEmails = 1
    row.ReceivesAdminInfoEmails = 1
    row.FiscalYearStartMonth = 1
    row.DefaultAccountAccess = 'Edit'
    row.DefaultContactAccess = 'ControlledByParent'
    row.DefaultOpportunityAccess = 'Edit'
    row.DefaultLeadAccess = 'ReadEditTransfer'
    row.DefaultCaseAccess = 'ReadEditTransfer'
    row.DefaultCalendarAccess = 'HideDetailsInsert'
    row.DefaultPricebookAccess = 'ReadSelect'
    row.DefaultCampaignAccess = 'All'
    row.UiSkin = 'Theme3'
    row.SignupCountryIsoCode = 'US'
    row.TrialExpirationDate = null
    row.NumKnowledgeService = 0
    row.OrganizationType = 'Developer Edition'
    row.NamespacePrefix = null
    row.InstanceName = 'EMU5E'
    row.IsSandbox = 0
    row.WebToCaseDefaultOrigin = 'Web'
    row.MonthlyPageViewsUsed = 0
    row.MonthlyPageViewsEntitlement = 0
    row.IsReadOnly = 0
  }
}
