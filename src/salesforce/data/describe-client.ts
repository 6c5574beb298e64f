/**
 * describeGlobal and sObject describe (reference/salesforce-data-api.md §2.3, §2.4), with the
 * `If-Modified-Since` cache Salesforce offers on describe: a `304` with no body reuses the copy held,
 * which saves parsing a describe on every run of `--watch` (the call itself still counts).
 */
import type { SalesforceApi } from './salesforce-api.ts'
import { throwIfError } from './salesforce-api.ts'

/** An entry of describeGlobal's `sobjects`. */
export interface SObjectSummary {
  readonly name: string
  readonly queryable: boolean
  readonly replicateable: boolean
  readonly retrieveable?: boolean
  readonly custom?: boolean
  readonly customSetting?: boolean
  readonly deprecatedAndHidden?: boolean
}

/** The describe field attributes the sync engine reads. */
export interface FieldDescribe {
  readonly name: string
  readonly type: string
  readonly length?: number
  readonly precision?: number
  readonly scale?: number
  readonly digits?: number
  /** A formula (or roll-up) field: its value changes without SystemModstamp moving. */
  readonly calculated?: boolean
  /** Set on the components of a compound field (`BillingStreet` → `BillingAddress`). */
  readonly compoundFieldName?: string | null
  readonly filterable?: boolean
  readonly deprecatedAndHidden?: boolean
}

/** An sObject describe, reduced to what the engine reads. */
export interface SObjectDescribe {
  readonly name: string
  readonly queryable: boolean
  readonly replicateable: boolean
  readonly fields: readonly FieldDescribe[]
}

/** Describes held between runs, with the HTTP date to revalidate them from. */
export type DescribeCache = Map<string, { readonly at: string; readonly value: SObjectDescribe }>

/**
 * @example const d = new DescribeClient(sf); const all = await d.describeGlobal(); const acc = await d.describe('Account')
 */
export class DescribeClient {
  readonly #api: SalesforceApi
  readonly #cache: DescribeCache
  readonly #now: () => Date

  /** `cache` may outlive this client (one per `--watch` process), so that later runs revalidate. */
  constructor(api: SalesforceApi, options: { now?: () => Date; cache?: DescribeCache } = {}) {
    this.#api = api
    this.#now = options.now ?? (() => new Date())
    this.#cache = options.cache ?? (new Map() as DescribeCache)
  }

  /** Every sObject of the org (describeGlobal). */
  async describeGlobal(): Promise<SObjectSummary[]> {
    const body = await this.#api.json<{ sobjects: SObjectSummary[] }>('GET', this.#api.dataPath('sobjects'))
    return body.sobjects
  }

  /** One sObject's describe; a cached copy is revalidated with `If-Modified-Since`. */
  async describe(name: string): Promise<SObjectDescribe> {
    const path = this.#api.dataPath(`sobjects/${encodeURIComponent(name)}/describe`)
    const cached = this.#cache.get(name)
    // The HTTP date of *our* clock when we fetched, minus a minute of slack for clock skew: a
    // metadata change in that minute makes Salesforce answer 200 again, never a wrong 304.
    const at = new Date(this.#now().getTime() - 60_000).toUTCString()
    const res = await this.#api.request({
      method: 'GET',
      path,
      headers: { accept: 'application/json', ...(cached ? { 'if-modified-since': cached.at } : {}) },
    })
    if (res.status === 304 && cached) return cached.value
    throwIfError(res, 'GET', path)
    const value = res.json as SObjectDescribe
    this.#cache.set(name, { at, value })
    return value
  }
}
