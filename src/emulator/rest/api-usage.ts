/**
 * The org's API request allocation (`DailyApiRequests`): a rolling 24-hour count of API calls against a
 * configurable daily maximum, measured on the emulated clock so that advancing the clock frees calls as
 * Salesforce's rolling window does (reference/salesforce-data-api.md §2.6, §6). It also answers the rest
 * of `/limits`: other layers register their own limits (e.g. Bulk's `DailyBulkV2QueryJobs`) here.
 * @example const usage = new ApiUsage(() => clock.now()); if (usage.tryRecord()) reply.header('Sforce-Limit-Info', usage.header())
 */

/**
 * Developer Edition's allocation (reference §6 marks it UNCONFIRMED; the `/limits` example there shows
 * 15,000 too). Production orgs have 100,000 + per-licence adders: tests set it through the control API.
 */
export const DEFAULT_DAILY_API_REQUESTS = 15_000

const WINDOW_MS = 24 * 60 * 60 * 1000
/** Calls are kept per minute: the window slides minute by minute, which is all a client can observe. */
const BUCKET_MS = 60 * 1000

/** One `/limits` entry. */
export interface LimitEntry {
  readonly Max: number
  readonly Remaining: number
}

/**
 * Static `/limits` entries of a Developer Edition org (keys from reference §2.6; values UNCONFIRMED
 * beyond the ones the reference gives). Layers that really meter one of them register a provider.
 */
const STATIC_LIMITS: Readonly<Record<string, LimitEntry>> = {
  ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
  ConcurrentSyncReportRuns: { Max: 20, Remaining: 20 },
  DailyAsyncApexExecutions: { Max: 250_000, Remaining: 250_000 },
  DailyBulkApiBatches: { Max: 15_000, Remaining: 15_000 },
  DailyBulkV2QueryFileStorageMB: { Max: 976_562, Remaining: 976_562 },
  DailyBulkV2QueryJobs: { Max: 10_000, Remaining: 10_000 },
  DailyDurableStreamingApiEvents: { Max: 10_000, Remaining: 10_000 },
  DailyGenericStreamingApiEvents: { Max: 10_000, Remaining: 10_000 },
  DailyStreamingApiEvents: { Max: 10_000, Remaining: 10_000 },
  DailyWorkflowEmails: { Max: 390, Remaining: 390 },
  DataStorageMB: { Max: 5, Remaining: 5 },
  FileStorageMB: { Max: 20, Remaining: 20 },
  HourlyAsyncReportRuns: { Max: 1_200, Remaining: 1_200 },
  HourlySyncReportRuns: { Max: 500, Remaining: 500 },
  MassEmail: { Max: 10, Remaining: 10 },
  SingleEmail: { Max: 15, Remaining: 15 },
}

export class ApiUsage {
  readonly #now: () => number
  #max: number
  /** Minute index → calls made in that minute. */
  readonly #buckets = new Map<number, number>()
  readonly #providers = new Map<string, () => LimitEntry>()

  constructor(now: () => number, max = DEFAULT_DAILY_API_REQUESTS) {
    this.#now = now
    this.#max = ApiUsage.#checkMax(max)
  }

  static #checkMax(max: number): number {
    if (!Number.isSafeInteger(max) || max < 0)
      throw new RangeError('the daily maximum is a whole number >= 0')
    return max
  }

  /** The daily allocation (`DailyApiRequests.Max`). */
  get max(): number {
    return this.#max
  }

  /** Changes the daily allocation; calls already made stay counted. */
  setMax(max: number): void {
    this.#max = ApiUsage.#checkMax(max)
  }

  /** Calls made in the last 24 hours of emulated time. */
  used(): number {
    const oldest = Math.floor((this.#now() - WINDOW_MS) / BUCKET_MS)
    let total = 0
    for (const [bucket, count] of this.#buckets) {
      if (bucket <= oldest) this.#buckets.delete(bucket)
      else total += count
    }
    return total
  }

  /** Calls left before REQUEST_LIMIT_EXCEEDED (never negative). */
  remaining(): number {
    return Math.max(0, this.#max - this.used())
  }

  /** Counts `calls` calls now, whatever the allocation (control and internal use). */
  record(calls = 1): void {
    if (!Number.isSafeInteger(calls) || calls < 0) throw new RangeError('calls is a whole number >= 0')
    const bucket = Math.floor(this.#now() / BUCKET_MS)
    this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + calls)
  }

  /** Counts one call unless the allocation is spent; false means answer 403 REQUEST_LIMIT_EXCEEDED. */
  tryRecord(): boolean {
    if (this.used() >= this.#max) return false
    this.record(1)
    return true
  }

  /** Forgets every call made. */
  reset(): void {
    this.#buckets.clear()
  }

  /** The `Sforce-Limit-Info` value: exactly `api-usage=N/M`, no suffix (tap's anchored regex, reference §2.6). */
  header(): string {
    return `api-usage=${this.used()}/${this.#max}`
  }

  /** Lets another layer meter a `/limits` entry (its provider is called on every `/limits` request). */
  registerLimit(name: string, provider: () => LimitEntry): void {
    this.#providers.set(name, provider)
  }

  /** The `/limits` body: every entry, in name order, `DailyApiRequests` from this counter. */
  limits(): Record<string, LimitEntry> {
    const all = new Map<string, LimitEntry>(Object.entries(STATIC_LIMITS))
    all.set('DailyApiRequests', { Max: this.#max, Remaining: this.remaining() })
    for (const [name, provider] of this.#providers) all.set(name, provider())
    return Object.fromEntries([...all.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }
}
