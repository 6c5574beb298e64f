/**
 * Applies an injected Bulk job fault (faults/fault-injector.ts `bulkJobFault`) to a running job: a
 * stall keeps it InProgress for `ms` of emulated time (moving the clock forward through the control API
 * ends it early); `fail` and `query-timeout` make it fail with their message.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { BulkJobFault } from '../faults/fault-injector.ts'

/** How often a stalled job looks at the (emulated) clock again. */
const STALL_POLL_MS = 50

/**
 * Waits out a stall and returns the error message the job must fail with, if any. Returns early when
 * the job is cancelled.
 */
export async function applyJobFault(
  job: { readonly cancelled: boolean },
  fault: BulkJobFault | undefined,
  now: () => number,
): Promise<string | undefined> {
  if (!fault) return undefined
  if (fault.kind === 'stall') {
    const until = now() + fault.ms
    while (!job.cancelled && now() < until) await sleep(STALL_POLL_MS)
    return undefined
  }
  return fault.message
}
