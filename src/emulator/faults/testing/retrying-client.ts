/**
 * A small, well-behaved Salesforce client for the fault tests: what a sync tool should do when the
 * emulator injects faults. It backs off and retries 429, 500 and 503 and dropped connections,
 * logs in again on 401 INVALID_SESSION_ID, stops at once on 403 REQUEST_LIMIT_EXCEEDED (the daily
 * allowance: waiting does not help, reference §6), and re-fetches a CSV page whose complete records
 * do not add up to `Sforce-NumberOfRecords`. Test support only; the product's client lives in
 * src/salesforce/ and shares no code with the emulator.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { parse } from 'csv-parse/sync'
import { request, type Dispatcher } from 'undici'

/** What the client did, one entry per attempt (tests assert on it). */
export interface ClientEvent {
  readonly path: string
  readonly outcome: 'ok' | 'retry' | 'reauth' | 'refetch' | 'fail'
  readonly status?: number
  readonly reason?: string
}

/** A failure the client will not retry. */
export class ClientGaveUp extends Error {
  readonly status: number | undefined
  readonly errorCode: string | undefined
  constructor(message: string, status?: number, errorCode?: string) {
    super(message)
    this.name = 'ClientGaveUp'
    this.status = status
    this.errorCode = errorCode
  }
}

export interface RetryingClientOptions {
  readonly baseUrl: string
  /** Gets a fresh access token (the client calls it first and after INVALID_SESSION_ID). */
  readonly login: () => Promise<string>
  readonly maxAttempts?: number
  /** First backoff; doubles per retry. Kept small: tests should not wait. */
  readonly baseDelayMs?: number
  readonly dispatcher?: Dispatcher
}

interface Attempt {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: Buffer
}

function errorCodeOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown
    const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined
    const code = (first as { errorCode?: unknown } | undefined)?.errorCode
    return typeof code === 'string' ? code : undefined
  } catch {
    return undefined
  }
}

/** Complete CSV records after the header, or undefined when the page does not parse. */
function countCsvRecords(body: Buffer): string[][] | undefined {
  try {
    const rows: string[][] = parse(body, { relax_column_count: false })
    return rows.slice(1)
  } catch {
    return undefined
  }
}

/** @example const client = new RetryingClient({ baseUrl, login }); await client.getJson('/services/data/v62.0/query?q=...') */
export class RetryingClient {
  readonly events: ClientEvent[] = []
  readonly #options: Required<Omit<RetryingClientOptions, 'dispatcher'>> & { dispatcher?: Dispatcher }
  #token: string | undefined

  constructor(options: RetryingClientOptions) {
    this.#options = { maxAttempts: 6, baseDelayMs: 5, ...options }
  }

  /** GETs JSON, retrying as described above. */
  async getJson(path: string): Promise<unknown> {
    const attempt = await this.#withRetries(path, () => true)
    return JSON.parse(attempt.body.toString('utf8')) as unknown
  }

  /** GETs one CSV page and checks it against `Sforce-NumberOfRecords`; returns its records. */
  async getCsvPage(path: string): Promise<{ records: string[][]; locator: string | undefined }> {
    let records: string[][] | undefined
    const attempt = await this.#withRetries(path, (a) => {
      const expected = Number(a.headers['sforce-numberofrecords'])
      records = countCsvRecords(a.body)
      return records !== undefined && records.length === expected
    })
    const locator = attempt.headers['sforce-locator']
    return { records: records ?? [], locator: typeof locator === 'string' ? locator : undefined }
  }

  async #withRetries(path: string, complete: (attempt: Attempt) => boolean): Promise<Attempt> {
    const { maxAttempts, baseDelayMs } = this.#options
    for (let n = 1; n <= maxAttempts; n++) {
      const backoff = (): Promise<void> => sleep(baseDelayMs * 2 ** (n - 1))
      this.#token ??= await this.#options.login()
      let attempt: Attempt
      try {
        attempt = await this.#get(path, this.#token)
      } catch (err) {
        this.events.push({ path, outcome: 'retry', reason: err instanceof Error ? err.message : String(err) })
        await backoff()
        continue
      }
      const code = errorCodeOf(attempt.body)
      if (attempt.status === 200) {
        if (complete(attempt)) {
          this.events.push({ path, outcome: 'ok', status: 200 })
          return attempt
        }
        this.events.push({ path, outcome: 'refetch', status: 200, reason: 'incomplete body' })
        continue
      }
      if (attempt.status === 401 && code === 'INVALID_SESSION_ID') {
        this.events.push({ path, outcome: 'reauth', status: 401 })
        this.#token = undefined
        continue
      }
      if (attempt.status === 429 || attempt.status === 500 || attempt.status === 503) {
        this.events.push({
          path,
          outcome: 'retry',
          status: attempt.status,
          ...(code ? { reason: code } : {}),
        })
        await backoff()
        continue
      }
      this.events.push({ path, outcome: 'fail', status: attempt.status, ...(code ? { reason: code } : {}) })
      throw new ClientGaveUp(
        `GET ${path} answered ${attempt.status} ${code ?? ''}`.trim(),
        attempt.status,
        code,
      )
    }
    throw new ClientGaveUp(`GET ${path} failed ${maxAttempts} times`)
  }

  async #get(path: string, token: string): Promise<Attempt> {
    const res = await request(`${this.#options.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      ...(this.#options.dispatcher ? { dispatcher: this.#options.dispatcher } : {}),
    })
    const body = Buffer.from(await res.body.arrayBuffer())
    return { status: res.statusCode, headers: res.headers, body }
  }
}
