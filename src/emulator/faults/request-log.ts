/**
 * The emulator's request log: one entry per HTTP request (and per Bulk job fault), kept in a bounded
 * ring buffer and read through the control API with a cursor (`GET /__emulator/requests?since=SEQ`).
 * Entries hold no query strings, headers, tokens or bodies: only what a test needs to see which
 * request got which answer and which fault.
 */

/** One logged request. */
export interface RequestLogEntry {
  /** 1, 2, 3, ... in completion order (the order entries are logged); never reused while the emulator runs. */
  readonly seq: number
  /** Arrival time, ISO 8601, real time (not the emulated clock: latency is real). */
  readonly at: string
  readonly method: string
  /** The path without its query string. */
  readonly path: string
  /** Status sent (for a reset connection: the status whose body was cut). */
  readonly status: number
  readonly durationMs: number
  /** False when the connection closed before the response was complete (resets, client aborts). */
  readonly completed: boolean
  /** The faults injected into this request, if any (`latency`, `connection-reset`, `job-stall`, ...). */
  readonly faults?: readonly string[]
  /** Ids of the rules that injected them, in the same order. */
  readonly faultRules?: readonly string[]
}

/** What a reader gets: entries after `since`, and where to continue. */
export interface RequestLogPage {
  readonly requests: readonly RequestLogEntry[]
  /** Pass as `since` next time. */
  readonly lastSeq: number
  /** The newest entry's seq: `?limit=0` reads where the log is now without reading entries. */
  readonly latestSeq: number
  /** Entries after `since` that are no longer kept (overwritten by newer ones, or cleared). */
  readonly dropped: number
}

export const REQUEST_LOG_CAPACITY = 10_000

/**
 * A bounded ring buffer of request log entries. Sequence numbers are given when an entry is added,
 * that is when its response is done, so that a reader's cursor never skips a slow request.
 * @example const log = new RequestLog(100); log.add({ at, method: 'GET', path: '/', status: 200, durationMs: 1, completed: true }); log.since(0)
 */
export class RequestLog {
  readonly #capacity: number
  readonly #entries: RequestLogEntry[] = []
  /** Index in #entries of the oldest entry once the buffer is full. */
  #start = 0
  #lastSeq = 0

  constructor(capacity = REQUEST_LOG_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer')
    this.#capacity = capacity
  }

  /** Logs an entry under the next sequence number; overwrites the oldest once full. */
  add(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    this.#lastSeq += 1
    const logged: RequestLogEntry = { seq: this.#lastSeq, ...entry }
    if (this.#entries.length < this.#capacity) {
      this.#entries.push(logged)
    } else {
      this.#entries[this.#start] = logged
      this.#start = (this.#start + 1) % this.#capacity
    }
    return logged
  }

  /** The sequence number of the newest entry (0 when none). */
  get lastSeq(): number {
    return this.#lastSeq
  }

  /** Entries with seq > `since`, oldest first, at most `limit`. */
  since(since = 0, limit = this.#capacity): RequestLogPage {
    const ordered = [...this.#entries.slice(this.#start), ...this.#entries.slice(0, this.#start)]
    const oldestSeq = ordered[0]?.seq ?? this.#lastSeq + 1
    const dropped = Math.max(0, oldestSeq - Math.max(0, since) - 1)
    const requests = ordered.filter((e) => e.seq > since).slice(0, Math.max(0, limit))
    return {
      requests,
      lastSeq: requests.at(-1)?.seq ?? Math.max(since, oldestSeq - 1),
      latestSeq: this.#lastSeq,
      dropped,
    }
  }

  /** Forgets every entry (sequence numbers keep counting). */
  clear(): void {
    this.#entries.length = 0
    this.#start = 0
  }
}
