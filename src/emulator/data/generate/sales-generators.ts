/** Row generators for Account, Contact, Opportunity and Lead. */
import type { Row } from '../records/derived-fields.ts'
import { OPPORTUNITY_STAGES } from '../records/derived-fields.ts'
import {
  between,
  DAY_MS,
  isoDate,
  maybePick,
  type GeneratorContext,
  type RowGenerator,
} from './generator-context.ts'
import {
  companyName,
  email,
  FIRST_NAMES,
  LAST_NAMES,
  paragraph,
  phone,
  placesFor,
  street,
  website,
  type Place,
} from './value-pools.ts'
import type { Prng } from './prng.ts'

const placeCache = new WeakMap<Prng, readonly Place[]>()
function places(ctx: GeneratorContext): readonly Place[] {
  let list = placeCache.get(ctx.rng)
  if (!list) {
    list = placesFor(ctx.rng)
    placeCache.set(ctx.rng, list)
  }
  return list
}

const digits = (ctx: GeneratorContext, n: number): string => {
  let s = ''
  for (let i = 0; i < n; i++) s += String(ctx.rng.int(0, 9))
  return s
}

interface AddressKeys {
  readonly street: string
  readonly city: string
  readonly state: string
  readonly postal: string
  readonly country: string
  readonly lat: string
  readonly lon: string
  readonly accuracy: string
}
const addressKeys = new Map<string, AddressKeys>()

/** Fills an address's components (`prefix` + Street, City, ...), sometimes geocoded. */
export function fillAddress(ctx: GeneratorContext, row: Row, prefix: string): void {
  let k = addressKeys.get(prefix)
  if (!k) {
    k = {
      street: `${prefix}Street`,
      city: `${prefix}City`,
      state: `${prefix}State`,
      postal: `${prefix}PostalCode`,
      country: `${prefix}Country`,
      lat: `${prefix}Latitude`,
      lon: `${prefix}Longitude`,
      accuracy: `${prefix}GeocodeAccuracy`,
    }
    addressKeys.set(prefix, k)
  }
  const place = ctx.rng.pick(places(ctx))
  row[k.street] = street(ctx.rng)
  row[k.city] = place.city
  row[k.state] = place.state
  row[k.postal] = ctx.rng.chance(0.95) ? place.postal() : null
  row[k.country] = place.country
  if (ctx.rng.chance(0.5)) {
    // Rounded to 6 decimals so that the stored double prints as written.
    row[k.lat] = Math.round((place.lat + (ctx.rng.next() - 0.5) / 10) * 1e6) / 1e6
    row[k.lon] = Math.round((place.lon + (ctx.rng.next() - 0.5) / 10) * 1e6) / 1e6
    row[k.accuracy] = ctx.rng.pick(GEOCODE_PICKS)
  }
}

const GEOCODE_PICKS = ['Address', 'Street', 'Zip', 'City'] as const

function recentDate(ctx: GeneratorContext, p: number): string | null {
  return ctx.rng.chance(p) ? isoDate(between(ctx, ctx.createdMs, ctx.anchorMs)) : null
}

function recentDateTime(ctx: GeneratorContext, p: number): number | null {
  return ctx.rng.chance(p) ? between(ctx, ctx.createdMs, ctx.anchorMs) : null
}

/** Account: company names, two addresses, picklists from the recorded describe, revenue, lookups. */
export const generateAccount: RowGenerator = (ctx, row) => {
  const { rng } = ctx
  const name = companyName(rng)
  row.Name = name
  row.Type = maybePick(ctx, 'Type', 0.7)
  row.ParentId = ctx.n > 10 && rng.chance(0.1) ? ctx.idOf('Account', rng.int(1, ctx.n - 1)) : null
  row.Primary_Contact__c = ctx.ref('Contact', 0.2)
  if (rng.chance(0.85)) fillAddress(ctx, row, 'Billing')
  if (rng.chance(0.4)) fillAddress(ctx, row, 'Shipping')
  row.Phone = rng.chance(0.8) ? phone(rng) : null
  row.Fax = rng.chance(0.2) ? phone(rng) : null
  row.AccountNumber = rng.chance(0.5) ? `CD${digits(ctx, 6)}` : null
  row.Website = rng.chance(0.6) ? website(rng, name) : null
  row.Sic = rng.chance(0.2) ? digits(ctx, 4) : null
  row.Industry = maybePick(ctx, 'Industry', 0.7)
  row.AnnualRevenue = rng.chance(0.5) ? rng.int(10, 500_000) * 1000 : null
  row.NumberOfEmployees = rng.chance(0.6) ? rng.int(1, 250_000) : null
  row.Ownership = maybePick(ctx, 'Ownership', 0.4)
  row.TickerSymbol = rng.chance(0.1)
    ? name
        .replace(/[^A-Za-z]/g, '')
        .slice(0, 4)
        .toUpperCase() || null
    : null
  row.Description = rng.chance(0.3) ? paragraph(rng) : null
  row.ns__Description__c = rng.chance(0.05) ? paragraph(rng) : null
  row.History__c = rng.chance(0.05) ? paragraph(rng) : null
  row.Rating = maybePick(ctx, 'Rating', 0.4)
  row.Site = rng.chance(0.1) ? rng.pick(['Headquarters', 'Branch', 'Warehouse', 'Zweigstelle']) : null
  row.AccountSource = maybePick(ctx, 'AccountSource', 0.5)
  row.CleanStatus = maybePick(ctx, 'CleanStatus', 0.1)
  row.DunsNumber = rng.chance(0.1) ? digits(ctx, 9) : null
  row.NaicsCode = rng.chance(0.1) ? digits(ctx, 6) : null
  row.YearStarted = rng.chance(0.3) ? String(rng.int(1850, 2024)) : null
  row.LastActivityDate = recentDate(ctx, 0.3)
  row.LastViewedDate = recentDateTime(ctx, 0.2)
  row.LastReferencedDate = row.LastViewedDate
}

/** Contact: personname parts, addresses, phones, emails, an Account most of the time. */
export const generateContact: RowGenerator = (ctx, row) => {
  const { rng } = ctx
  const first = rng.chance(0.92) ? rng.pick(FIRST_NAMES) : null
  const last = rng.pick(LAST_NAMES)
  row.AccountId = ctx.ref('Account', 0.9)
  row.FirstName = first
  row.LastName = last
  row.Salutation = maybePick(ctx, 'Salutation', 0.5)
  if (rng.chance(0.1)) fillAddress(ctx, row, 'Other')
  if (rng.chance(0.7)) fillAddress(ctx, row, 'Mailing')
  row.Phone = rng.chance(0.7) ? phone(rng) : null
  row.Fax = rng.chance(0.05) ? phone(rng) : null
  row.MobilePhone = rng.chance(0.5) ? phone(rng) : null
  row.HomePhone = rng.chance(0.1) ? phone(rng) : null
  row.OtherPhone = rng.chance(0.05) ? phone(rng) : null
  row.AssistantPhone = rng.chance(0.03) ? phone(rng) : null
  row.ReportsToId = ctx.n > 10 && rng.chance(0.1) ? ctx.idOf('Contact', rng.int(1, ctx.n - 1)) : null
  row.Email = rng.chance(0.85) ? email(rng, first ?? 'contact', last, ctx.n) : null
  row.Title = rng.chance(0.6)
    ? rng.pick(['CEO', 'CFO', 'VP, Sales', 'Head of "Growth"', 'Directrice financière', 'Engineer', 'Buyer'])
    : null
  row.Department = rng.chance(0.4) ? rng.pick(['Finance', 'Sales', 'R&D', 'Procurement', 'IT']) : null
  row.AssistantName = rng.chance(0.05) ? rng.pick(FIRST_NAMES) : null
  row.LeadSource = maybePick(ctx, 'LeadSource', 0.4)
  row.Birthdate = rng.chance(0.3)
    ? isoDate(Date.UTC(rng.int(1950, 2003), rng.int(0, 11), rng.int(1, 28)))
    : null
  row.Description = rng.chance(0.2) ? paragraph(rng) : null
  row.EmailBouncedDate = row.Email && rng.chance(0.02) ? between(ctx, ctx.createdMs, ctx.anchorMs) : null
  row.EmailBouncedReason = row.EmailBouncedDate ? '550 5.1.1 User unknown' : null
  row.CleanStatus = maybePick(ctx, 'CleanStatus', 0.05)
  row.LastActivityDate = recentDate(ctx, 0.3)
  row.LastViewedDate = recentDateTime(ctx, 0.2)
  row.LastReferencedDate = row.LastViewedDate
}

const DEAL_KINDS = ['New Business', 'Renewal', 'Upgrade', 'Add-on Licenses', 'Services, Phase 2'] as const

/** Opportunity: a stage (its consequences derived), amount at scale 2, close date after creation. */
export const generateOpportunity: RowGenerator = (ctx, row) => {
  const { rng } = ctx
  const stages = Object.keys(OPPORTUNITY_STAGES)
  row.AccountId = ctx.ref('Account', 0.9)
  row.IsPrivate = rng.chance(0.05) ? 1 : 0
  row.Name = `${companyName(rng)} - ${rng.pick(DEAL_KINDS)}`
  row.Description = rng.chance(0.2) ? paragraph(rng) : null
  row.StageName = rng.pick(stages)
  row.Amount = rng.chance(0.85) ? rng.int(100, 2_000_000_00) / 100 : null
  row.TotalOpportunityQuantity = rng.chance(0.3) ? rng.int(1, 500) : null
  row.CloseDate = isoDate(ctx.createdMs + rng.int(0, 180) * DAY_MS)
  row.Type = maybePick(ctx, 'Type', 0.6)
  row.NextStep = rng.chance(0.3)
    ? rng.pick(['Send proposal', 'Demo on Tuesday', 'Legal review, then sign'])
    : null
  row.LeadSource = maybePick(ctx, 'LeadSource', 0.5)
  row.ContactId = ctx.ref('Contact', 0.3)
  row.LastStageChangeDate = rng.chance(0.6) ? between(ctx, ctx.createdMs, ctx.anchorMs) : null
  row.LastActivityDate = recentDate(ctx, 0.3)
  row.LastViewedDate = recentDateTime(ctx, 0.2)
  row.LastReferencedDate = row.LastViewedDate
}

/** Lead: status-driven conversion fields pointing at generated Accounts, Contacts, Opportunities. */
export const generateLead: RowGenerator = (ctx, row) => {
  const { rng } = ctx
  const first = rng.chance(0.9) ? rng.pick(FIRST_NAMES) : null
  const last = rng.pick(LAST_NAMES)
  const company = companyName(rng)
  row.FirstName = first
  row.LastName = last
  row.Salutation = maybePick(ctx, 'Salutation', 0.4)
  row.Title = rng.chance(0.5) ? rng.pick(['Owner', 'Office Manager', 'CTO', 'Gérant']) : null
  row.Company = company
  if (rng.chance(0.7)) fillAddress(ctx, row, '')
  row.Phone = rng.chance(0.7) ? phone(rng) : null
  row.MobilePhone = rng.chance(0.3) ? phone(rng) : null
  row.Email = rng.chance(0.8) ? email(rng, first ?? 'lead', last, ctx.n) : null
  row.Website = rng.chance(0.4) ? website(rng, company) : null
  row.Description = rng.chance(0.2) ? paragraph(rng) : null
  row.LeadSource = maybePick(ctx, 'LeadSource', 0.6)
  row.Status = rng.pick(ctx.picklist('Status'))
  row.Industry = maybePick(ctx, 'Industry', 0.5)
  row.Rating = maybePick(ctx, 'Rating', 0.4)
  row.AnnualRevenue = rng.chance(0.3) ? rng.int(10, 50_000) * 1000 : null
  row.NumberOfEmployees = rng.chance(0.4) ? rng.int(1, 5000) : null
  row.IsUnreadByOwner = rng.chance(0.2) ? 1 : 0
  if (row.Status === 'Closed - Converted') {
    row.IsConverted = 1
    row.ConvertedDate = isoDate(between(ctx, ctx.createdMs, ctx.anchorMs))
    row.ConvertedAccountId = ctx.ref('Account')
    row.ConvertedContactId = ctx.ref('Contact')
    row.ConvertedOpportunityId = ctx.ref('Opportunity', 0.7)
  }
  row.LastActivityDate = recentDate(ctx, 0.2)
}
