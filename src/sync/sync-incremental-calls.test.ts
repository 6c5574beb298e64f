/**
 * What an incremental run with a few changes costs in API calls (issue 5: "an incremental run of 1,000
 * changes ... at most 5 API calls"; bench/sync-incremental.ts measures it on 1M rows): describeGlobal,
 * describe, one changes page and `/deleted`, nothing more; and the `/deleted` step still deletes a
 * record purged inside the window. The org's clock is moved through the control API (the emulator's
 * Date header follows it), so every timestamp below is placed, not waited for.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runSync } from './sync-engine.ts'
import type { SyncSettings } from './sync-options.ts'
import { openTestDestination, startSyncOrg, type SyncTestOrg } from '../../test/support/sync/sync-fixture.ts'

const SETTINGS: Partial<SyncSettings> = { lookbackMs: 10_000 }

async function advanceTo(org: SyncTestOrg, at: number): Promise<void> {
  const { now } = (await org.control('GET', '/clock')) as { now: string }
  const ms = at - Date.parse(now)
  if (ms > 0) await org.control('POST', '/clock/advance', { ms })
}

async function orgNow(org: SyncTestOrg): Promise<number> {
  return Date.parse(((await org.control('GET', '/clock')) as { now: string }).now)
}

/** API routes of the emulator a run used (control routes left out). */
async function routes(org: SyncTestOrg): Promise<Record<string, number>> {
  const all = await org.counters()
  return Object.fromEntries(Object.entries(all).filter(([k]) => k.includes('/services/data/')))
}

test('an incremental run: 4 calls, a delete listed by /deleted from before the window costs no query by Id', async (t) => {
  const org = await startSyncOrg(t, { Account: 50 }, 'incremental-calls')
  const { dest } = await openTestDestination(t, 'sqlite')
  const sync = () =>
    runSync({ client: org.client, dest, selection: { objects: ['Account'] }, settings: SETTINGS })
  const first = await sync()
  assert.equal(first.objects[0]?.phase, 'load')
  const ids = (await dest.readRows('Account')).map((r) => String(r.id))
  const [deleted, updated, purged] = ids
  assert.ok(deleted && updated && purged)

  // A delete at mm:05 and an update at mm:45 of the same minute: after the next run the cursor is the
  // update's stamp, so the run after that reads changes from mm:35 (lookback 10 s); the org truncates
  // its /deleted window to mm:00 and lists the delete, which the previous run already applied.
  const minute = Math.ceil((await orgNow(org)) / 60_000) * 60_000
  await advanceTo(org, minute + 5_000)
  await org.control('DELETE', `/records/Account/${deleted}`)
  await advanceTo(org, minute + 45_000)
  await org.control('PATCH', `/records/Account/${updated}`, { Name: 'Renamed once' })
  await advanceTo(org, minute + 300_000)
  const second = await sync()
  assert.equal(second.objects[0]?.phase, 'changes')
  const cursor = Date.parse(second.objects[0]?.cursor ?? '')
  assert.ok(
    cursor >= minute + 45_000 && cursor < minute + 50_000,
    `the cursor is the update's stamp: ${cursor}`,
  )
  assert.equal((await dest.readRows('Account', { ids: [deleted] }))[0]?.isdeleted, true)

  await org.control('DELETE', '/counters')
  await advanceTo(org, minute + 600_000)
  const third = await sync()
  const used = await routes(org)
  assert.deepEqual(
    used,
    {
      'GET /services/data/:version/queryAll': 1,
      'GET /services/data/:version/sobjects': 1,
      'GET /services/data/:version/sobjects/:sobject/deleted/': 1,
      'GET /services/data/:version/sobjects/:sobject/describe': 1,
    },
    'describeGlobal, describe, the changes, /deleted',
  )
  assert.equal(third.apiCalls, 4)

  // A record purged inside the window is still found through /deleted (one query by Id) and deleted.
  await org.control('DELETE', `/records/Account/${purged}`)
  await org.control('DELETE', `/records/Account/${purged}/purge`)
  await advanceTo(org, minute + 900_000)
  await org.control('DELETE', '/counters')
  const fourth = await sync()
  assert.equal(fourth.objects[0]?.rowsDeleted, 1)
  assert.equal((await dest.readRows('Account', { ids: [purged] }))[0]?.isdeleted, true)
  assert.equal(
    (await routes(org))['GET /services/data/:version/queryAll'],
    2,
    'the changes, then the check by Id',
  )
})
