/**
 * The API budget of a run (issue 5, reference §2.6 and §6). The org's daily allocation is read from
 * `Sforce-Limit-Info` on every answer (and `/limits` while paused). Two caps:
 * - per run: at most `runShare` (default 50%) of what remained when the run (or its last pause) began;
 * - org-wide: never past `orgShare` (default 90%) of the allocation, counting every client of the org.
 * At a cap the run pauses (a visible message) and polls `/limits` until the org has calls to spare
 * again, rather than failing: the 24-hour window is rolling, so calls come back by themselves.
 * Backoff on 429/503 is the transport's, not this.
 */
import type { ApiUsage } from '../salesforce/http-transport.ts'

export interface ApiBudgetOptions {
  /** Share of the remaining daily calls one run may use before pausing. Default 0.5. */
  readonly runShare?: number
  /** Share of the org's allocation never to exceed. Default 0.9. */
  readonly orgShare?: number
  /** Wait between `/limits` polls while paused. Default 60 s. */
  readonly pollMs?: number
  readonly sleep?: (ms: number) => Promise<void>
  /** Called when the run pauses and when it resumes. */
  readonly onPause?: (message: string) => void
  readonly onResume?: () => void
}

export const BUDGET_DEFAULTS = { runShare: 0.5, orgShare: 0.9, pollMs: 60_000 } as const

/** Where the run stands against its caps. */
export interface BudgetState {
  readonly usage: ApiUsage | undefined
  /** Calls made by this run. */
  readonly calls: number
  /** Calls this run may make before pausing (in the current window). */
  readonly runCap: number | undefined
}

/**
 * @example const budget = new ApiBudget({ readUsage: () => limits() }); await budget.beforeCall(); budget.observe(usage)
 */
export class ApiBudget {
  readonly #o: Required<Omit<ApiBudgetOptions, 'onPause' | 'onResume'>> &
    Pick<ApiBudgetOptions, 'onPause' | 'onResume'>
  /** Reads the current usage without going through the budget (`/limits`). */
  readonly #readUsage: () => Promise<ApiUsage>
  #usage: ApiUsage | undefined
  #calls = 0
  #windowCalls = 0
  #runCap: number | undefined
  #pauses = 0

  constructor(readUsage: () => Promise<ApiUsage>, options: ApiBudgetOptions = {}) {
    this.#readUsage = readUsage
    this.#o = {
      ...BUDGET_DEFAULTS,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      ...options,
    }
  }

  get state(): BudgetState {
    return { usage: this.#usage, calls: this.#calls, runCap: this.#runCap }
  }

  /** Times the run paused at a cap. */
  get pauses(): number {
    return this.#pauses
  }

  /** Records a `Sforce-Limit-Info` reading; the first one fixes the run cap. */
  observe(usage: ApiUsage): void {
    this.#usage = usage
    if (this.#runCap === undefined)
      this.#runCap = Math.floor(this.#o.runShare * Math.max(0, usage.limit - usage.used))
  }

  #overOrgCap(u: ApiUsage): boolean {
    return u.limit > 0 && u.used + 1 > this.#o.orgShare * u.limit
  }

  /** Why the next call must wait, or undefined when it may go. */
  #blocked(): string | undefined {
    const u = this.#usage
    if (!u) return undefined
    if (this.#overOrgCap(u))
      return `the org has used ${u.used} of its ${u.limit} daily API calls; sfsync stays under ${Math.round(this.#o.orgShare * 100)}%`
    if (this.#runCap !== undefined && this.#windowCalls >= this.#runCap)
      return `this run has used ${this.#windowCalls} API calls, its share (${Math.round(this.#o.runShare * 100)}%) of what remained of the daily allocation`
    return undefined
  }

  /** Waits, if a cap is reached, until the org has calls to spare; then counts the call. */
  async beforeCall(): Promise<void> {
    let why = this.#blocked()
    if (why !== undefined) {
      this.#pauses++
      const pausedAt = this.#usage
      this.#o.onPause?.(
        `API budget: ${why}. Paused; checking /limits every ${Math.round(this.#o.pollMs / 1000)} s.`,
      )
      while (why !== undefined) {
        await this.#o.sleep(this.#o.pollMs)
        const u = await this.#readUsage()
        this.#usage = u
        const recovered = !this.#overOrgCap(u) && (pausedAt === undefined || u.used < pausedAt.used)
        // A new window: the run may again use its share of what remains now.
        if (recovered) {
          this.#windowCalls = 0
          this.#runCap = Math.floor(this.#o.runShare * Math.max(0, u.limit - u.used))
          why = this.#blocked()
        }
      }
      this.#o.onResume?.()
    }
    this.#calls++
    this.#windowCalls++
  }
}
