/**
 * What a run reports while it works (progress display, JSON lines) and what it returns (STYLE.md §7).
 */
import type { SfsyncError } from '../config/sfsync-error.ts'

/** The outcome of one object in one run. */
export interface ObjectResult {
  readonly object: string
  readonly status: 'synced' | 'skipped' | 'failed'
  /** What the run did: a first (or resumed, or --full) load, or changes since the cursor. */
  readonly phase: 'load' | 'changes' | 'none'
  readonly strategy: 'bulk' | 'rest' | undefined
  readonly rowsWritten: number
  readonly rowsDeleted: number
  readonly apiCalls: number
  readonly durationMs: number
  /** The cursor after the run (ISO), when the object has one. */
  readonly cursor: string | null
  readonly bulkJobId?: string
  /** True when a Bulk job of an interrupted run was picked up again instead of a new one. */
  readonly reusedBulkJob?: boolean
  readonly schemaChanges?: number
  readonly reconciled?: boolean
  readonly formulasRefreshed?: boolean
  readonly error?: SfsyncError
}

export interface SyncRunResult {
  readonly runId: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly objects: readonly ObjectResult[]
  /** API calls of the run, objects and run-level calls (describeGlobal) together. */
  readonly apiCalls: number
  /** Set when the run as a whole could not proceed (no object was attempted, or all were stopped). */
  readonly error?: SfsyncError
}

export type SyncEvent =
  | { readonly type: 'run-start'; readonly runId: string; readonly objects: readonly string[] }
  | {
      readonly type: 'object-start'
      readonly object: string
      readonly phase: 'load' | 'changes'
      readonly strategy: 'bulk' | 'rest'
      readonly expectedRows?: number
    }
  | { readonly type: 'rows'; readonly object: string; readonly rows: number; readonly expectedRows?: number }
  | { readonly type: 'notice'; readonly object?: string; readonly message: string }
  | { readonly type: 'object-done'; readonly result: ObjectResult }
  | { readonly type: 'budget-pause'; readonly message: string }
  | { readonly type: 'budget-resume' }
  | { readonly type: 'run-done'; readonly result: SyncRunResult }
