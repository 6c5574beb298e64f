/**
 * Deletes (issue 5 "Deletes"): rows the org deleted are found three ways.
 * 1. The changes query runs on queryAll, so records in the recycle bin come back with IsDeleted = true
 *    and the upsert marks them (or, with hard deletes, they are removed afterwards).
 * 2. `/deleted` over the same window lists purged and hard-deleted records too; those not already seen
 *    are checked with a queryAll by Id (a record deleted then undeleted must not be deleted here) and
 *    the ones that are gone or in the recycle bin are deleted locally.
 * 3. An Id reconciliation (id-reconciliation.ts) compares every local Id with an Id-only scan of the
 *    org, periodically and whenever `/deleted` says the window was outrun (`earliestDateAvailable`
 *    after our start).
 */
import { SalesforceApiError } from '../salesforce/errors.ts'
import { getDeleted } from '../salesforce/data/org-limits.ts'
import { fetchQueryPage } from '../salesforce/data/rest-query.ts'
import type { ObjectPlan } from './sync-plan.ts'
import type { ObjectSyncContext } from './object-context.ts'
import { orgNow } from './object-context.ts'
import { IDS_PER_QUERY, idInWhere, selectSoql } from './soql.ts'
import { datetimeMs } from './object-checkpoint.ts'

/** Deletes rows locally (soft by default); returns how many changed. */
export async function deleteLocal(
  ctx: ObjectSyncContext,
  object: string,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0
  return ctx.dest.deleteRows(object, ids, { hard: ctx.settings.hardDeletes })
}

/** Result of the `/deleted` step. */
export interface DeletedWindowResult {
  readonly deleted: number
  /** The window began before the org's earliest available delete: only a reconciliation is complete. */
  readonly outrun: boolean
}

/**
 * Applies `/deleted` for [startMs, now]. `seen` holds the Ids the changes query already returned
 * (their state is already right). Undeleted records are checked, never deleted.
 */
export async function applyDeletedWindow(
  ctx: ObjectSyncContext,
  plan: ObjectPlan,
  startMs: number,
  seen: ReadonlySet<string>,
): Promise<DeletedWindowResult> {
  const end = orgNow(ctx)
  // Seconds are truncated by the org; a window under a minute may be empty or refused.
  const start = Math.min(startMs, end - 60_000)
  let answer
  try {
    answer = await getDeleted(ctx.api, plan.object, new Date(start), new Date(end))
  } catch (err) {
    // Too old a start (INVALID_REPLICATION_DATE) or too many ids (EXCEEDED_ID_LIMIT): reconcile instead.
    if (err instanceof SalesforceApiError && /INVALID_REPLICATION_DATE|EXCEEDED_ID_LIMIT/.test(err.errorCode))
      return { deleted: 0, outrun: true }
    throw err
  }
  const earliest = datetimeMs(answer.earliestDateAvailable)
  const outrun = Number.isFinite(earliest) && earliest > start
  // The org truncates the window to the minute, so it lists deletes up to a minute before `startMs`:
  // those belong to the previous run's window (which reached past `startMs`: the cursor stays behind
  // the org's clock) and checking them would cost a query by Id on most runs. `startMs` is taken down
  // to its second, in case the org gives deletedDate in whole seconds.
  const from = Math.floor(startMs / 1000) * 1000
  const candidates = [
    ...new Set(answer.deletedRecords.filter((r) => !(datetimeMs(r.deletedDate) < from)).map((r) => r.id)),
  ].filter((id) => !seen.has(id))
  const gone: string[] = []
  for (let i = 0; i < candidates.length; i += IDS_PER_QUERY) {
    const part = candidates.slice(i, i + IDS_PER_QUERY)
    const soql = selectSoql(
      plan.object,
      ['Id', ...(plan.hasIsDeleted ? ['IsDeleted'] : [])],
      idInWhere(plan.object, part),
    )
    const alive = new Set<string>()
    let page = await fetchQueryPage(ctx.api, { soql, all: true })
    for (;;) {
      for (const r of page.records) if (r.IsDeleted !== true) alive.add(String(r.Id))
      if (!page.nextRecordsUrl) break
      page = await fetchQueryPage(ctx.api, { nextRecordsUrl: page.nextRecordsUrl })
    }
    for (const id of part) if (!alive.has(id)) gone.push(id)
  }
  const deleted = await deleteLocal(ctx, plan.object, gone)
  return { deleted, outrun }
}
