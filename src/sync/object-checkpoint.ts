/**
 * The checkpoint of one object, committed with its rows (DESIGN.md data flow). It says where the
 * initial load stands (Bulk job and page, or REST page) and, once loaded, the incremental cursor.
 */
import type { BulkPosition, RestPosition } from './query-readers.ts'

/** Where an initial (or full) load stands. */
export interface LoadState {
  readonly strategy: 'bulk' | 'rest'
  /** Write mode chosen when the load began: `insert` only into a table that was empty. */
  readonly mode: 'insert' | 'upsert'
  /** The fields the load reads, in order. */
  readonly fields: readonly string[]
  /** The org's time the load's snapshot was taken (Bulk job creation, or first REST page), ms. */
  readonly startedAt: number | undefined
  /** Largest cursor value read so far, ms. */
  readonly maxSeen: number | undefined
  /** The table held rows before the load: deletes must be reconciled after it. */
  readonly reconcileAfter: boolean
  readonly bulk?: BulkPosition
  /** REST: the field group being read (wide objects) and its position. */
  readonly rest?: { readonly group: number; readonly position: RestPosition }
}

export interface ObjectCheckpoint {
  readonly v: 1
  readonly cursorField: string | null
  /** ISO datetime: changes with a cursor value >= this minus the lookback are read next; null before a completed load. */
  readonly cursor: string | null
  /** The fields synced by the last completed step. */
  readonly fields: readonly string[]
  readonly load?: LoadState
  /** When the last Id reconciliation ran (org time, ms). */
  readonly reconciledAt?: number
  /** When formula columns were last refreshed (org time, ms). */
  readonly formulasAt?: number
}

/** Reads a stored checkpoint; anything unrecognised counts as none (the object is loaded again). */
export function parseCheckpoint(raw: unknown): ObjectCheckpoint | undefined {
  if (!raw || typeof raw !== 'object') return undefined
  const c = raw as Partial<ObjectCheckpoint>
  if (c.v !== 1 || !Array.isArray(c.fields)) return undefined
  return c as ObjectCheckpoint
}

/** Milliseconds of a Salesforce datetime (`…Z` from Bulk CSV, `…+0000` from REST). */
export function datetimeMs(value: string): number {
  const iso = /[+-]\d{4}$/.test(value) ? `${value.slice(0, -2)}:${value.slice(-2)}` : value
  return Date.parse(iso)
}
