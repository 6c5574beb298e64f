/**
 * Fields the platform computes on every write: personname `Name`s, Opportunity stage consequences and
 * fiscal period, Case/Task closure, Task.AccountId, and the org's formula fields. Run by the record
 * layer after each insert or update (and by the generator), so stored values always agree with inputs.
 */
import type { SqlValue } from './value-codec.ts'

/** A record in storage form, keyed by canonical field API name. */
export type Row = Record<string, SqlValue>

/** What derivations may read: the write time and other records. */
export interface DeriveContext {
  readonly nowMs: number
  /** A stored field of another live record, or undefined when there is no such record. */
  lookup(sobject: string, id: string, field: string): SqlValue | undefined
  /** The object an id belongs to (by key prefix), if the org has it. */
  objectOf(id: string): string | undefined
}

interface Stage {
  readonly probability: number
  readonly forecastCategory: string
  readonly forecastCategoryName: string
  readonly closed: boolean
  readonly won: boolean
}

const open = (probability: number): Stage => ({
  probability,
  forecastCategory: 'Pipeline',
  forecastCategoryName: 'Pipeline',
  closed: false,
  won: false,
})

/** Standard sales process (Opportunity.StageName values of the recorded describe). */
export const OPPORTUNITY_STAGES: Readonly<Record<string, Stage>> = {
  Prospecting: open(10),
  Qualification: open(10),
  'Needs Analysis': open(20),
  'Value Proposition': open(50),
  'Id. Decision Makers': open(60),
  'Perception Analysis': open(70),
  'Proposal/Price Quote': open(75),
  'Negotiation/Review': open(90),
  'Closed Won': {
    probability: 100,
    forecastCategory: 'Closed',
    forecastCategoryName: 'Closed',
    closed: true,
    won: true,
  },
  'Closed Lost': {
    probability: 0,
    forecastCategory: 'Omitted',
    forecastCategoryName: 'Omitted',
    closed: true,
    won: false,
  },
}

function personName(row: Row): void {
  const parts = [row.FirstName, row.LastName].filter((p) => typeof p === 'string' && p !== '')
  row.Name = parts.join(' ')
}

function round(value: number, scale: number): number {
  const f = 10 ** scale
  return Math.sign(value) * (Math.round(Math.abs(value) * f) / f)
}

function opportunity(row: Row, changed: ReadonlySet<string>): void {
  const stage = typeof row.StageName === 'string' ? OPPORTUNITY_STAGES[row.StageName] : undefined
  if (stage) {
    row.IsClosed = stage.closed ? 1 : 0
    row.IsWon = stage.won ? 1 : 0
    row.ForecastCategory = stage.forecastCategory
    // A stage change resets Probability and ForecastCategoryName unless the same write sets them.
    if (changed.has('StageName')) {
      if (!changed.has('Probability')) row.Probability = stage.probability
      if (!changed.has('ForecastCategoryName')) row.ForecastCategoryName = stage.forecastCategoryName
    }
  }
  const amount = row.Amount
  const probability = row.Probability
  row.ExpectedRevenue =
    typeof amount === 'number' && typeof probability === 'number'
      ? round((amount * probability) / 100, 2)
      : null
  const close = typeof row.CloseDate === 'string' ? /^(\d{4})-(\d{2})/.exec(row.CloseDate) : null
  if (close) {
    // Fiscal year starting in January (Organization.FiscalYearStartMonth = 1).
    const quarter = Math.floor((Number(close[2]) - 1) / 3) + 1
    row.FiscalYear = Number(close[1])
    row.FiscalQuarter = quarter
    row.Fiscal = `${close[1]} ${quarter}`
  } else {
    row.FiscalYear = null
    row.FiscalQuarter = null
    row.Fiscal = null
  }
}

function caseRecord(row: Row, ctx: DeriveContext): void {
  const closed = row.Status === 'Closed'
  if (closed && row.IsClosed !== 1) row.ClosedDate = ctx.nowMs
  if (!closed) row.ClosedDate = null
  row.IsClosed = closed ? 1 : 0
  const contact = typeof row.ContactId === 'string' ? row.ContactId : null
  row.ContactPhone = contact ? (ctx.lookup('Contact', contact, 'Phone') ?? null) : null
  row.ContactMobile = contact ? (ctx.lookup('Contact', contact, 'MobilePhone') ?? null) : null
  row.ContactEmail = contact ? (ctx.lookup('Contact', contact, 'Email') ?? null) : null
}

function task(row: Row, ctx: DeriveContext): void {
  const closed = row.Status === 'Completed'
  if (closed && row.IsClosed !== 1) row.CompletedDateTime = ctx.nowMs
  if (!closed) row.CompletedDateTime = null
  row.IsClosed = closed ? 1 : 0
  row.IsHighPriority = row.Priority === 'High' ? 1 : 0
  row.TaskSubtype ??= 'Task'
  // Task.AccountId follows WhatId (the account itself, or the account of the related record), else the
  // contact's account.
  let account: SqlValue | undefined = null
  const what = typeof row.WhatId === 'string' ? row.WhatId : null
  const whatType = what ? ctx.objectOf(what) : undefined
  if (what && whatType === 'Account') account = what
  else if (what && (whatType === 'Opportunity' || whatType === 'Case'))
    account = ctx.lookup(whatType, what, 'AccountId')
  else if (what && whatType === 'Invoice__c') account = ctx.lookup('Invoice__c', what, 'Account__c')
  const who = typeof row.WhoId === 'string' ? row.WhoId : null
  if (!account && who && ctx.objectOf(who) === 'Contact') account = ctx.lookup('Contact', who, 'AccountId')
  row.AccountId = account ?? null
}

/** Total_With_Tax__c = Amount__c * (1 + BLANKVALUE(Tax_Rate__c, 0) / 100), currency scale 2. */
export function invoiceTotal(row: Row): number | null {
  const amount = row.Amount__c
  if (typeof amount !== 'number') return null
  const rate = typeof row.Tax_Rate__c === 'number' ? row.Tax_Rate__c : 0
  return round(amount * (1 + rate / 100), 2)
}

/**
 * Recomputes the derived fields of `row` (of `sobject`) in place. `changed` holds the canonical names
 * of the fields the write set explicitly.
 */
export function deriveFields(
  sobject: string,
  row: Row,
  ctx: DeriveContext,
  changed: ReadonlySet<string>,
): void {
  switch (sobject) {
    case 'Contact':
    case 'Lead':
      personName(row)
      break
    case 'User':
      personName(row)
      row.UserType ??= 'Standard'
      break
    case 'Opportunity':
      opportunity(row, changed)
      break
    case 'Case':
      caseRecord(row, ctx)
      break
    case 'Task':
      task(row, ctx)
      break
    case 'Invoice__c':
      row.Total_With_Tax__c = invoiceTotal(row)
      break
  }
}
