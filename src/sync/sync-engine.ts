/**
 * A sync run (issue 5): plan from describeGlobal, then each selected object in turn through
 * {@link syncObject}, each with its own result; a summary per object is stored in the destination's
 * run history. The run lifecycle is the state machine of sync-lifecycle.ts.
 *
 * @example
 * const result = await runSync({ client, dest, selection: { objects: ['Account'] }, onEvent: console.log })
 */
import { randomUUID } from 'node:crypto'
import type { SalesforceClient } from '../salesforce/salesforce-client.ts'
import { AuthError } from '../salesforce/errors.ts'
import { SfsyncError } from '../config/sfsync-error.ts'
import { DescribeClient, type DescribeCache } from '../salesforce/data/describe-client.ts'
import { BulkQueryClient } from '../salesforce/data/bulk-query.ts'
import { readLimits } from '../salesforce/data/org-limits.ts'
import type { Destination } from '../store/destination.ts'
import { ApiBudget, type ApiBudgetOptions } from './api-budget.ts'
import { MeteredApi } from './metered-api.ts'
import { RUN_TRANSITIONS, StateMachine, type RunEvent, type RunState } from './sync-lifecycle.ts'
import { selectObjects, type ObjectSelection } from './sync-plan.ts'
import { SYNC_DEFAULTS, type SyncSettings } from './sync-options.ts'
import type { ObjectResult, SyncEvent, SyncRunResult } from './sync-events.ts'
import { syncObject } from './object-sync.ts'
import type { ObjectSyncContext } from './object-context.ts'

export interface SyncRunOptions {
  readonly client: SalesforceClient
  readonly dest: Destination
  readonly selection: ObjectSelection
  readonly settings?: Partial<SyncSettings>
  readonly budget?: Omit<ApiBudgetOptions, 'onPause' | 'onResume'>
  readonly onEvent?: (e: SyncEvent) => void
  readonly runId?: string
  /** Describes kept between runs of one process (`--watch`): revalidated with If-Modified-Since. */
  readonly describeCache?: DescribeCache
}

function skipped(object: string, reason: string): ObjectResult {
  return {
    object,
    status: 'skipped',
    phase: 'none',
    strategy: undefined,
    rowsWritten: 0,
    rowsDeleted: 0,
    apiCalls: 0,
    durationMs: 0,
    cursor: null,
    error: new SfsyncError('SYNC_FAILED', `${object} was skipped: ${reason}.`),
  }
}

/** Runs one sync; never throws for a failure of the org or the destination: see `result.error` and each object's. */
export async function runSync(o: SyncRunOptions): Promise<SyncRunResult> {
  const runId = o.runId ?? randomUUID()
  const startedAt = new Date()
  const emit = (e: SyncEvent) => o.onEvent?.(e)
  const run = new StateMachine<RunState, RunEvent>('run', RUN_TRANSITIONS, 'pending')
  const settings: SyncSettings = {
    ...SYNC_DEFAULTS,
    commitRows: o.dest.dialect === 'postgres' ? 50_000 : 10_000,
    ...o.settings,
  }
  const budget = new ApiBudget(
    async () => {
      // While paused: `/limits` through the bare client (the budget must not wait on itself).
      const l = await readLimits(o.client)
      const d = l.DailyApiRequests
      return { used: d ? d.Max - d.Remaining : 0, limit: d?.Max ?? 0 }
    },
    {
      ...o.budget,
      onPause: (message) => {
        run.send('limit-low')
        emit({ type: 'budget-pause', message })
      },
      onResume: () => {
        run.send('limit-ok')
        emit({ type: 'budget-resume' })
      },
    },
  )
  const api = new MeteredApi(o.client, budget)
  const ctx: ObjectSyncContext = {
    api,
    bulk: new BulkQueryClient(api),
    describe: new DescribeClient(api, o.describeCache ? { cache: o.describeCache } : {}),
    dest: o.dest,
    settings,
    emit,
  }
  const results: ObjectResult[] = []
  let error: SfsyncError | undefined
  run.send('start')
  let objects: string[] = []
  try {
    api.current = ''
    const global = await ctx.describe.describeGlobal()
    const sel = selectObjects(global, o.selection)
    objects = sel.objects
    for (const r of sel.refused) results.push(skipped(r.object, r.reason))
    run.send('planned')
  } catch (err) {
    error =
      err instanceof SfsyncError
        ? err
        : new SfsyncError('SYNC_FAILED', String((err as Error)?.message ?? err), { cause: err })
    run.send('fatal')
  }
  emit({ type: 'run-start', runId, objects })
  for (const object of objects) {
    if (run.state === 'failed') {
      results.push({ ...skipped(object, 'the run stopped'), status: 'failed', ...(error ? { error } : {}) })
      continue
    }
    const started = new Date()
    const result = await syncObject(ctx, object, o.selection.fields?.[object])
    results.push(result)
    // An authentication that failed after a renewal fails every object alike: stop asking.
    if (result.error instanceof AuthError) {
      error = result.error
      run.send('fatal')
    }
    try {
      await o.dest.recordRun({
        runId,
        object,
        status: result.status,
        startedAt: started,
        finishedAt: new Date(),
        rowsWritten: result.rowsWritten,
        rowsDeleted: result.rowsDeleted,
        apiCalls: result.apiCalls,
        ...(result.error ? { error: result.error.message } : {}),
        details: {
          phase: result.phase,
          strategy: result.strategy,
          cursor: result.cursor,
          durationMs: result.durationMs,
          ...(result.bulkJobId ? { bulkJobId: result.bulkJobId, reusedBulkJob: result.reusedBulkJob } : {}),
        },
      })
    } catch (err) {
      emit({
        type: 'notice',
        object,
        message: `the run summary could not be stored: ${(err as Error).message}`,
      })
    }
    emit({ type: 'object-done', result })
  }
  run.send('finished')
  const result: SyncRunResult = {
    runId,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    objects: results,
    apiCalls: api.totalCalls,
    ...(error ? { error } : {}),
  }
  emit({ type: 'run-done', result })
  return result
}
