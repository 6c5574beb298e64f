/**
 * The SalesforceApi the engine hands to the data clients: the connection's client, plus the API
 * budget before every call, a call count per object (for the run summary), and the org's clock as
 * seen in answers (`Date` headers, Bulk job dates), which cursors are measured against.
 */
import type { HttpRequest, HttpResponse, StreamingHttpResponse } from '../salesforce/http-transport.ts'
import { parseLimitInfo } from '../salesforce/http-transport.ts'
import type { ClientRequest, SalesforceClient } from '../salesforce/salesforce-client.ts'
import type { SalesforceApi } from '../salesforce/data/salesforce-api.ts'
import { serverDateOf } from '../salesforce/data/salesforce-api.ts'
import { requestJson } from '../salesforce/salesforce-client.ts'
import type { ApiBudget } from './api-budget.ts'

/**
 * The org's clock: the local clock plus the largest offset observed. `Date` headers are whole seconds
 * rounded down, so the estimate errs early, which is the safe side for a cursor.
 */
export class OrgClock {
  #offset: number | undefined
  readonly #local: () => number

  constructor(local: () => number = Date.now) {
    this.#local = local
  }

  observe(serverMs: number | undefined): void {
    if (serverMs === undefined) return
    const offset = serverMs - this.#local()
    this.#offset = this.#offset === undefined ? offset : Math.max(this.#offset, offset)
  }

  now(): number {
    return this.#local() + (this.#offset ?? 0)
  }
}

export class MeteredApi implements SalesforceApi {
  readonly #client: SalesforceClient
  readonly #budget: ApiBudget
  readonly clock: OrgClock
  readonly #calls = new Map<string, number>()
  /** The object calls are counted against. */
  current = ''

  constructor(client: SalesforceClient, budget: ApiBudget, clock = new OrgClock()) {
    this.#client = client
    this.#budget = budget
    this.clock = clock
  }

  get apiVersion(): string {
    return this.#client.apiVersion
  }

  dataPath(rest?: string): string {
    return this.#client.dataPath(rest)
  }

  /** Calls counted against `object` (or '' for the run's own: describeGlobal, limits). */
  callsOf(object: string): number {
    return this.#calls.get(object) ?? 0
  }

  get totalCalls(): number {
    let n = 0
    for (const v of this.#calls.values()) n += v
    return n
  }

  async #before(): Promise<void> {
    await this.#budget.beforeCall()
    this.#calls.set(this.current, (this.#calls.get(this.current) ?? 0) + 1)
  }

  #after(headers: Headers): void {
    const usage = parseLimitInfo(headers.get('sforce-limit-info'))
    if (usage) this.#budget.observe(usage)
    this.clock.observe(serverDateOf(headers))
  }

  async request(req: ClientRequest): Promise<HttpResponse> {
    await this.#before()
    const res = await this.#client.request(req)
    this.#after(res.headers)
    return res
  }

  async stream(req: ClientRequest): Promise<StreamingHttpResponse | HttpResponse> {
    await this.#before()
    const res = await this.#client.stream(req)
    this.#after(res.headers)
    return res
  }

  async json<T = unknown>(method: HttpRequest['method'], path: string, body?: unknown): Promise<T> {
    return requestJson<T>((req) => this.request(req), method, path, body)
  }
}
