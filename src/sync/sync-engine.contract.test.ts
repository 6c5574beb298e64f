/**
 * The sync contract (issue 5), run on SQLite and on PostgreSQL against the emulator over real HTTP,
 * with a connection made through the client code: after a full sync the destination equals the org;
 * after random activity, incremental syncs converge exactly; a run with faults converges or stops with
 * a clear error and the next run converges.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runSync } from './sync-engine.ts'
import type { SyncRunResult } from './sync-events.ts'
import type { SyncSettings } from './sync-options.ts'
import {
  STORE_KINDS,
  openTestDestination,
  startSyncOrg,
  type SyncTestOrg,
} from '../../test/support/sync/sync-fixture.ts'
import { assertConverged } from '../../test/support/sync/convergence.ts'
import { randomActivity, rng } from '../../test/support/sync/org-activity.ts'
import type { Destination } from '../store/destination.ts'

const OBJECTS = ['Account', 'Contact', 'Invoice__c']
/** Small data keeps the suite fast; Bulk is forced for Account by a low threshold. */
const RECORDS = { Account: 1200, Contact: 300, Invoice__c: 200 }
const SETTINGS: Partial<SyncSettings> = {
  bulkThreshold: 1000,
  bulkPageRecords: 500,
  commitRows: 200,
  reconcileEveryMs: 0,
}

function ok(result: SyncRunResult): void {
  const failed = result.objects.filter((o) => o.status !== 'synced')
  assert.deepEqual(
    failed.map((o) => `${o.object}: ${o.error?.message ?? o.status}`),
    [],
  )
  assert.equal(result.error, undefined)
}

async function sync(
  org: SyncTestOrg,
  dest: Destination,
  settings: Partial<SyncSettings> = {},
  objects = OBJECTS,
): Promise<SyncRunResult> {
  return runSync({ client: org.client, dest, selection: { objects }, settings: { ...SETTINGS, ...settings } })
}

for (const kind of STORE_KINDS) {
  describe(`sync contract on ${kind}`, () => {
    test('a full sync makes the destination equal to the org, every field of every row', async (t) => {
      const org = await startSyncOrg(t, RECORDS)
      const { dest } = await openTestDestination(t, kind)
      const result = await sync(org, dest)
      ok(result)
      const account = result.objects.find((o) => o.object === 'Account')
      assert.equal(account?.strategy, 'bulk')
      assert.equal(result.objects.find((o) => o.object === 'Contact')?.strategy, 'rest')
      for (const object of OBJECTS) assert.ok((await assertConverged(org, dest, object)) > 0)
      // The summary is stored with the rows.
      const runs = await dest.runs('Account')
      assert.equal(runs.length, 1)
      assert.equal(runs[0]?.rowsWritten, RECORDS.Account)
      assert.equal(runs[0]?.status, 'synced')
    })

    test('random activity: incremental syncs converge exactly (soft deletes, formula refresh)', async (t) => {
      const org = await startSyncOrg(t, RECORDS)
      const { dest } = await openTestDestination(t, kind)
      ok(await sync(org, dest))
      const random = rng(kind === 'sqlite' ? 11 : 12)
      for (let round = 0; round < 3; round++) {
        await randomActivity(org, 'Account', 120, random)
        await randomActivity(org, 'Contact', 60, random)
        const done = await randomActivity(org, 'Invoice__c', 60, random, {
          formulaField: 'Total_With_Tax__c',
        })
        assert.ok(done.formula > 0 && done.purge > 0 && done.undelete > 0, JSON.stringify(done))
        const result = await sync(org, dest, { formulaRefreshEveryMs: 0 })
        ok(result)
        assert.ok(result.objects.every((o) => o.phase === 'changes'))
        for (const object of OBJECTS) await assertConverged(org, dest, object)
      }
      // A second run with nothing new changes nothing and stays equal.
      ok(await sync(org, dest, { formulaRefreshEveryMs: 0 }))
      for (const object of OBJECTS) await assertConverged(org, dest, object)
    })

    test('hard deletes remove rows; undeleted rows come back', async (t) => {
      const org = await startSyncOrg(t, { Account: 300 })
      const { dest } = await openTestDestination(t, kind)
      ok(await sync(org, dest, { hardDeletes: true }, ['Account']))
      const random = rng(kind === 'sqlite' ? 21 : 22)
      for (let round = 0; round < 2; round++) {
        await randomActivity(org, 'Account', 150, random)
        ok(await sync(org, dest, { hardDeletes: true }, ['Account']))
        await assertConverged(org, dest, 'Account', { hardDeletes: true })
      }
    })

    test('without the formula refresh, a formula-only change is not seen; with it, it is', async (t) => {
      const org = await startSyncOrg(t, { Invoice__c: 50 })
      const { dest } = await openTestDestination(t, kind)
      ok(await sync(org, dest, {}, ['Invoice__c']))
      const [first] = await dest.readRows('Invoice__c')
      assert.ok(first)
      await org.control('PATCH', `/records/Invoice__c/${String(first.id)}/formula`, {
        Total_With_Tax__c: 4242.42,
      })
      ok(await sync(org, dest, { formulaRefreshEveryMs: 3_600_000 }, ['Invoice__c']))
      // The refresh ran at the load: not due yet, so the stale value stays (the pain point itself).
      const [stale] = await dest.readRows('Invoice__c', { ids: [String(first.id)] })
      assert.notEqual(Number(stale?.total_with_tax__c), 4242.42)
      // …and the equality check sees the difference (it can fail).
      await assert.rejects(assertConverged(org, dest, 'Invoice__c'), /Total_With_Tax__c/)
      const result = await sync(org, dest, { formulaRefreshEveryMs: 0 }, ['Invoice__c'])
      ok(result)
      assert.equal(result.objects[0]?.formulasRefreshed, true)
      await assertConverged(org, dest, 'Invoice__c')
    })

    test('a mass update since the last run is read by one Bulk job; a few changes by REST', async (t) => {
      const org = await startSyncOrg(t, { Account: 1500 })
      const { dest } = await openTestDestination(t, kind)
      ok(await sync(org, dest, {}, ['Account']))
      const jobs = async (): Promise<number> =>
        (await org.counters())['POST /services/data/:version/jobs/query'] ?? 0
      const noReconcile = { reconcileEveryMs: 3_600_000 }
      const ids = [...(await org.orgRows('Account', ['Id'])).keys()]
      // A few changes: REST, no job.
      for (const id of ids.slice(0, 5))
        await org.control('PATCH', `/records/Account/${id}`, { Description: `few ${id}` })
      let before = await jobs()
      let result = await sync(org, dest, noReconcile, ['Account'])
      ok(result)
      assert.equal(result.objects[0]?.strategy, 'rest')
      assert.equal((await jobs()) - before, 0)
      await assertConverged(org, dest, 'Account')
      // 1,200 changes (past the threshold of 1,000): one Bulk job reads them, and a delete among them.
      for (const id of ids.slice(0, 1200))
        await org.control('PATCH', `/records/Account/${id}`, { Description: `mass ${id}` })
      await org.control('DELETE', `/records/Account/${ids[1300] ?? ''}`)
      before = await jobs()
      result = await sync(org, dest, noReconcile, ['Account'])
      ok(result)
      assert.equal(result.objects[0]?.strategy, 'bulk')
      assert.equal((await jobs()) - before, 1)
      assert.ok((result.objects[0]?.rowsWritten ?? 0) >= 1200, JSON.stringify(result.objects[0]))
      await assertConverged(org, dest, 'Account')
    })

    test('on an object past the Bulk threshold, the formula refresh reads through one Bulk job', async (t) => {
      const org = await startSyncOrg(t, { Invoice__c: 1100 })
      const { dest } = await openTestDestination(t, kind)
      ok(await sync(org, dest, {}, ['Invoice__c']))
      const rows = await dest.readRows('Invoice__c')
      for (const [i, row] of rows.slice(0, 30).entries())
        await org.control('PATCH', `/records/Invoice__c/${String(row.id)}/formula`, {
          Total_With_Tax__c: 1000 + i,
        })
      await assert.rejects(assertConverged(org, dest, 'Invoice__c'), /Total_With_Tax__c/)
      const jobs = async (): Promise<number> =>
        (await org.counters())['POST /services/data/:version/jobs/query'] ?? 0
      const before = await jobs()
      // The Id reconciliation (a Bulk job of its own here) is not due within the hour.
      const result = await sync(org, dest, { formulaRefreshEveryMs: 0, reconcileEveryMs: 3_600_000 }, [
        'Invoice__c',
      ])
      ok(result)
      assert.equal(result.objects[0]?.formulasRefreshed, true)
      assert.equal(result.objects[0]?.reconciled, false)
      assert.equal((await jobs()) - before, 1, 'one Bulk job, no REST pages over the whole object')
      await assertConverged(org, dest, 'Invoice__c')
    })
  })
}

describe('sync plan against the org', () => {
  test('an unknown object is an input error of the run; one failing object does not fail the others', async (t) => {
    const org = await startSyncOrg(t, { Account: 20, Contact: 20 })
    const { dest } = await openTestDestination(t, 'sqlite')
    const bad = await runSync({
      client: org.client,
      dest,
      selection: { objects: ['Account', 'NoSuchThing__c'] },
    })
    assert.equal(bad.error?.code, 'INPUT_INVALID')
    assert.match(bad.error?.message ?? '', /NoSuchThing__c/)
    // Contact's describe fails for good (every retry answers 500): Account still syncs.
    await org.control('POST', '/faults', {
      rules: [
        { path: '/services/data/*/sobjects/Contact/describe', fault: { kind: 'server-error' }, rate: 1 },
      ],
    })
    const result = await runSync({ client: org.client, dest, selection: { objects: ['Account', 'Contact'] } })
    assert.equal(result.objects.find((o) => o.object === 'Account')?.status, 'synced')
    const contact = result.objects.find((o) => o.object === 'Contact')
    assert.equal(contact?.status, 'failed')
    assert.match(contact?.error?.message ?? '', /500/)
    await assertConverged(org, dest, 'Account')
    const runs = await dest.runs('Contact')
    assert.equal(runs[0]?.status, 'failed')
    assert.match(runs[0]?.error ?? '', /500/)
  })
})
