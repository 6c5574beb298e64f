/**
 * The one HTTP layer between sfsync and an org: timeouts, retries with jittered exponential backoff on
 * 429, 503 and other 5xx answers and on connection resets, `Retry-After`, and `Sforce-Limit-Info`
 * parsing. It knows nothing of tokens: `SalesforceClient` adds authentication on top, and the OAuth
 * flows use it bare. Every I/O edge (fetch, sleep, randomness, logger) is injected (STYLE.md §6.4).
 */
import type { Logger } from 'pino'
import { OrgUnreachableError } from './errors.ts'

/** API usage from `Sforce-Limit-Info: api-usage=N/M` (reference/salesforce-data-api.md). */
export interface ApiUsage {
  readonly used: number
  readonly limit: number
}

/** Parses `api-usage=18/15000` (possibly among other comma-separated items); undefined when absent. */
export function parseLimitInfo(header: string | null | undefined): ApiUsage | undefined {
  if (!header) return undefined
  // Anchored: `per-app-api-usage=…` also contains "api-usage=".
  const match = /(?:^|[\s,])api-usage=(\d+)\/(\d+)/.exec(header)
  if (!match?.[1] || !match[2]) return undefined
  return { used: Number(match[1]), limit: Number(match[2]) }
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'HEAD'
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | URLSearchParams | Uint8Array
  /**
   * True when sending the request twice is harmless. Non-idempotent requests are retried only on
   * answers that mean "not processed" (429, 503) and on refused connections.
   * Default: true for GET/HEAD/PUT/DELETE, false otherwise.
   */
  readonly idempotent?: boolean
  /** Label for logs (never the URL's query, which may carry data). */
  readonly label?: string
  readonly signal?: AbortSignal
}

export interface HttpResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly json: unknown
}

export interface HttpTransportOptions {
  readonly fetch: typeof fetch
  readonly log: Logger
  /** Retries after the first attempt (default 4). */
  readonly maxRetries?: number
  /** Per-attempt timeout (default 120 s). */
  readonly timeoutMs?: number
  readonly baseDelayMs?: number
  readonly maxDelayMs?: number
  readonly sleep?: (ms: number) => Promise<void>
  readonly random?: () => number
  /** Called with every `Sforce-Limit-Info` seen. */
  readonly onApiUsage?: (usage: ApiUsage) => void
}

export const HTTP_DEFAULTS = {
  maxRetries: 4,
  timeoutMs: 120_000,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
} as const

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504])
/** Answers that mean the request was not processed, so even a POST may be sent again. */
const NOT_PROCESSED_STATUS = new Set([429, 503])
const NETWORK_RETRY_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
])

function networkCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string } }).cause
  return (
    cause?.code ??
    (err as { code?: string }).code ??
    ((err as Error).name === 'TimeoutError' ? 'ETIMEDOUT' : undefined)
  )
}

/**
 * Sends requests with retries.
 * @example const http = new HttpTransport({ fetch, log }); const res = await http.send({ method: 'GET', url })
 */
export class HttpTransport {
  readonly #o: Required<Omit<HttpTransportOptions, 'onApiUsage'>> & Pick<HttpTransportOptions, 'onApiUsage'>
  /** The latest API usage seen on any response. */
  lastApiUsage: ApiUsage | undefined

  constructor(options: HttpTransportOptions) {
    this.#o = {
      ...HTTP_DEFAULTS,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      ...options,
    }
  }

  /** Sleeps with the transport's injected clock (for {@link sendStreaming}). */
  pause(ms: number): Promise<void> {
    return this.#o.sleep(ms)
  }

  /** Records the `Sforce-Limit-Info` of a response head (for {@link sendStreaming}). */
  observeHead(headers: Headers): void {
    const usage = parseLimitInfo(headers.get('sforce-limit-info'))
    if (usage) {
      this.lastApiUsage = usage
      this.#o.onApiUsage?.(usage)
    }
  }

  /** The fetch and settings of this transport, for {@link sendStreaming}. */
  get streamingOptions(): { fetch: typeof fetch; maxRetries: number; timeoutMs: number } {
    return { fetch: this.#o.fetch, maxRetries: this.#o.maxRetries, timeoutMs: this.#o.timeoutMs }
  }

  /** Backoff before retry `attempt` (1-based): full jitter over an exponential cap, or Retry-After. */
  delayFor(attempt: number, retryAfter: string | null): number {
    const seconds = retryAfter !== null ? Number(retryAfter) : NaN
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, this.#o.maxDelayMs)
    const cap = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** (attempt - 1))
    return Math.round(cap / 2 + (this.#o.random() * cap) / 2)
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const idempotent = request.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(request.method)
    const origin = new URL(request.url).origin
    const label = request.label ?? `${request.method} ${new URL(request.url).pathname}`
    for (let attempt = 0; ; attempt++) {
      let response: Response
      try {
        const signals = [AbortSignal.timeout(this.#o.timeoutMs)]
        if (request.signal) signals.push(request.signal)
        response = await this.#o.fetch(request.url, {
          method: request.method,
          headers: request.headers ?? {},
          ...(request.body !== undefined ? { body: request.body } : {}),
          redirect: 'manual',
          signal: AbortSignal.any(signals),
        })
      } catch (err) {
        if (request.signal?.aborted) throw err
        const code = networkCode(err)
        // A refused connection never reached the server; a reset might have, so only idempotent ones.
        const retryable =
          code !== undefined && NETWORK_RETRY_CODES.has(code) && (idempotent || code === 'ECONNREFUSED')
        if (!retryable || attempt >= this.#o.maxRetries) throw new OrgUnreachableError(origin, err)
        const delay = this.delayFor(attempt + 1, null)
        this.#o.log.warn(
          { request: label, attempt: attempt + 1, errorCode: code, delayMs: delay },
          'network error, retrying',
        )
        await this.#o.sleep(delay)
        continue
      }
      const usage = parseLimitInfo(response.headers.get('sforce-limit-info'))
      if (usage) {
        this.lastApiUsage = usage
        this.#o.onApiUsage?.(usage)
      }
      const retryable =
        RETRYABLE_STATUS.has(response.status) && (idempotent || NOT_PROCESSED_STATUS.has(response.status))
      if (retryable && attempt < this.#o.maxRetries) {
        await response.body?.cancel().catch(() => undefined)
        const delay = this.delayFor(attempt + 1, response.headers.get('retry-after'))
        this.#o.log.warn(
          { request: label, attempt: attempt + 1, status: response.status, delayMs: delay },
          'server busy or failing, retrying',
        )
        await this.#o.sleep(delay)
        continue
      }
      let text: string
      try {
        text = await response.text()
      } catch (err) {
        // The body broke off mid-way (reset): the same as a network error.
        if (idempotent && attempt < this.#o.maxRetries) {
          await this.#o.sleep(this.delayFor(attempt + 1, null))
          continue
        }
        throw new OrgUnreachableError(origin, err)
      }
      let json: unknown
      const type = response.headers.get('content-type') ?? ''
      if (text !== '' && (type.includes('json') || /^\s*[[{]/.test(text))) {
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
      }
      this.#o.log.debug({ request: label, status: response.status, attempt: attempt + 1 }, 'response')
      return { status: response.status, headers: response.headers, text, json }
    }
  }
}

/** A response whose body has not been read: the caller streams it (Bulk result pages). */
export interface StreamingHttpResponse {
  readonly status: number
  readonly headers: Headers
  /** The body as a byte stream; read it once, or cancel it. */
  readonly body: ReadableStream<Uint8Array> | null
}

/**
 * Like {@link HttpTransport.send}, but returns as soon as the response head arrives, with the body
 * unread. Retries (network errors before the head, 429/5xx) follow the same rules as `send`; an error
 * in the middle of the body is the caller's to handle (it knows how to resume, e.g. by locator).
 */
export async function sendStreaming(
  transport: HttpTransport,
  request: HttpRequest,
): Promise<StreamingHttpResponse> {
  const options = transport.streamingOptions
  const idempotent = request.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(request.method)
  const origin = new URL(request.url).origin
  const maxRetries = options.maxRetries
  for (let attempt = 0; ; attempt++) {
    let response: Response
    // The timeout covers the head only: a long body is read by the caller at its own pace.
    const head = new AbortController()
    const timer = setTimeout(() => head.abort(new DOMException('timeout', 'TimeoutError')), options.timeoutMs)
    try {
      const signals = [head.signal]
      if (request.signal) signals.push(request.signal)
      response = await options.fetch(request.url, {
        method: request.method,
        headers: request.headers ?? {},
        ...(request.body !== undefined ? { body: request.body } : {}),
        redirect: 'manual',
        signal: AbortSignal.any(signals),
      })
    } catch (err) {
      if (request.signal?.aborted) throw err
      const code = networkCode(err)
      const retryable =
        code !== undefined && NETWORK_RETRY_CODES.has(code) && (idempotent || code === 'ECONNREFUSED')
      if (!retryable || attempt >= maxRetries) throw new OrgUnreachableError(origin, err)
      await transport.pause(transport.delayFor(attempt + 1, null))
      continue
    } finally {
      clearTimeout(timer)
    }
    transport.observeHead(response.headers)
    const retryable =
      RETRYABLE_STATUS.has(response.status) && (idempotent || NOT_PROCESSED_STATUS.has(response.status))
    if (retryable && attempt < maxRetries) {
      await response.body?.cancel().catch(() => undefined)
      await transport.pause(transport.delayFor(attempt + 1, response.headers.get('retry-after')))
      continue
    }
    return { status: response.status, headers: response.headers, body: response.body }
  }
}
