/**
 * Open query cursors behind `nextRecordsUrl` (`/services/data/vXX.X/query/01g...-2000`). A locator is
 * an 18-character id with the `01g` key prefix (reference §2.5's example `01gRO0000016PIAYA2-500`),
 * owned by the user who ran the query, and expires after 15 minutes without use on the emulated clock.
 * UNCONFIRMED: since v56.0 Salesforce keeps cursors for 2 days; the 15-minute idle expiry of earlier
 * versions is what this emulator enforces, since it is the stricter behaviour clients must survive.
 */
import type { QueryCursor } from '../data/org-data.ts'
import type { EmulatorOrg } from '../org.ts'
import { makeId } from '../ids.ts'

export const LOCATOR_IDLE_MS = 15 * 60 * 1000
/** Open cursors kept at most (least recently used dropped first): they hold result sets. */
export const MAX_OPEN_LOCATORS = 1000

export interface OpenCursor {
  readonly cursor: QueryCursor
  readonly userId: string
  /** The page size the query was run with (a query-more without `Sforce-Query-Options` keeps it). */
  readonly batchSize: number
}

interface Entry extends OpenCursor {
  lastUsedMs: number
}

const LOCATOR = /^(01g[0-9A-Za-z]{15})-(\d{1,10})$/

export class QueryLocators {
  readonly #org: EmulatorOrg
  readonly #entries = new Map<string, Entry>()
  readonly #maxOpen: number
  #seq = 0

  constructor(org: EmulatorOrg, maxOpen = MAX_OPEN_LOCATORS) {
    this.#org = org
    this.#maxOpen = maxOpen
  }

  /** Keeps `cursor` open and returns its locator id (without the `-offset`). */
  open(cursor: QueryCursor, userId: string, batchSize: number): string {
    this.#sweep()
    while (this.#entries.size >= this.#maxOpen) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    const id = makeId('01g', this.#org.pod, ++this.#seq)
    this.#entries.set(id, { cursor, userId, batchSize, lastUsedMs: this.#org.clock.now() })
    return id
  }

  /**
   * The open cursor and offset of a locator (`01g...-2000`) for `userId`, or undefined when the locator
   * is malformed, unknown, expired, another user's, or points past the end of its results.
   */
  resume(locator: string, userId: string): (OpenCursor & { id: string; offset: number }) | undefined {
    const match = LOCATOR.exec(locator)
    if (!match) return undefined
    const id = match[1] ?? ''
    const offset = Number(match[2])
    const entry = this.#entries.get(id)
    if (!entry) return undefined
    const now = this.#org.clock.now()
    if (now - entry.lastUsedMs > LOCATOR_IDLE_MS) {
      this.#entries.delete(id)
      return undefined
    }
    if (entry.userId !== userId || offset >= entry.cursor.totalSize) return undefined
    entry.lastUsedMs = now
    // Re-insert so that Map order stays least-recently-used first.
    this.#entries.delete(id)
    this.#entries.set(id, entry)
    return { cursor: entry.cursor, userId: entry.userId, batchSize: entry.batchSize, id, offset }
  }

  /** Number of open (not yet expired) cursors. */
  get size(): number {
    this.#sweep()
    return this.#entries.size
  }

  #sweep(): void {
    const now = this.#org.clock.now()
    for (const [id, entry] of this.#entries) {
      if (now - entry.lastUsedMs > LOCATOR_IDLE_MS) this.#entries.delete(id)
    }
  }
}
