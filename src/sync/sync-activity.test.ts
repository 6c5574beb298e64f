/**
 * Incremental syncs against the emulator's live org activity with commit lag on (changes become
 * visible after their SystemModstamp, as in real orgs), and a schema change in the org between runs.
 * Run on SQLite and PostgreSQL; the org's truth is REST queryAll (testing/convergence.ts).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
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
import { rng } from '../../test/support/sync/org-activity.ts'
import type { Destination } from '../store/destination.ts'

const COMMIT_LAG_MS = 1500
const SETTINGS: Partial<SyncSettings> = {
  bulkThreshold: 400,
  bulkPageRecords: 250,
  commitRows: 100,
  reconcileEveryMs: 0,
  formulaRefreshEveryMs: 0,
  // Longer than the org's commit lag: the cursor never passes what may still appear.
  visibilityLagMs: 2 * COMMIT_LAG_MS,
  lookbackMs: 500,
  bulkPoll: { initialIntervalMs: 20, maxIntervalMs: 200 },
}

function ok(result: SyncRunResult): void {
  assert.deepEqual(
    result.objects.filter((o) => o.status !== 'synced').map((o) => `${o.object}: ${o.error?.message}`),
    [],
  )
}

async function sync(
  org: SyncTestOrg,
  dest: Destination,
  objects: string[],
  settings: Partial<SyncSettings> = {},
) {
  return runSync({ client: org.client, dest, selection: { objects }, settings: { ...SETTINGS, ...settings } })
}

for (const kind of STORE_KINDS) {
  describe(`live activity on ${kind}`, () => {
    test('thousands of lagged activities (inserts, updates, deletes, undeletes, purges, formula changes): incremental runs converge', async (t) => {
      const objects = ['Account', 'Contact', 'Invoice__c']
      const org = await startSyncOrg(t, { Account: 600, Contact: 300, Invoice__c: 200 }, `activity-${kind}`)
      const { dest } = await openTestDestination(t, kind)
      await org.control('PATCH', '/activity', { objects, commitLagMs: COMMIT_LAG_MS })
      ok(await sync(org, dest, objects))
      const random = rng(kind === 'sqlite' ? 41 : 42)
      let planned = 0
      for (let round = 0; round < 5; round++) {
        // Activities planned now become visible COMMIT_LAG_MS later: some runs start before they do.
        await org.control('POST', '/activity/step', { count: 400 })
        planned += 400
        await sleep(Math.floor(random() * COMMIT_LAG_MS))
        ok(await sync(org, dest, objects))
      }
      await sleep(COMMIT_LAG_MS + 100)
      ok(await sync(org, dest, objects))
      const status = (await org.control('GET', '/activity')) as {
        applied: number
        pending: number
        byKind: Record<string, number>
      }
      assert.equal(status.pending, 0)
      assert.ok(status.applied >= planned * 0.9, JSON.stringify(status))
      for (const object of objects) await assertConverged(org, dest, object)
    })

    test('a schema change in the org between runs: new field added and back-filled, deleted field kept, widened field', async (t) => {
      const org = await startSyncOrg(t, { Account: 300 }, `schema-${kind}`)
      const { dest } = await openTestDestination(t, kind)
      // Two custom fields with values, synced once.
      await org.control('POST', '/schema/Account/fields', {
        name: 'Legacy__c',
        type: 'string',
        length: 40,
        label: 'Legacy',
      })
      await org.control('POST', '/schema/Account/fields', {
        name: 'Code__c',
        type: 'string',
        length: 10,
        label: 'Code',
      })
      const accounts = [...(await org.orgRows('Account', ['Id'])).keys()].slice(0, 20)
      for (const [i, id] of accounts.entries())
        await org.control('PATCH', `/records/Account/${id}`, { Legacy__c: `old ${i}`, Code__c: `C${i}` })
      ok(await sync(org, dest, ['Account']))
      await assertConverged(org, dest, 'Account')
      // Then: a new field with values, one field deleted, one widened (with a value that needs the room).
      await org.control('POST', '/schema/Account/fields', {
        name: 'Score__c',
        type: 'double',
        precision: 10,
        scale: 2,
        label: 'Score',
      })
      for (const [i, id] of accounts.entries())
        await org.control('PATCH', `/records/Account/${id}`, { Score__c: i + 0.5 })
      await org.control('DELETE', '/schema/Account/fields/Legacy__c')
      await org.control('PATCH', '/schema/Account/fields/Code__c', { length: 200 })
      await org.control('PATCH', `/records/Account/${accounts[0] ?? ''}`, { Code__c: 'x'.repeat(150) })
      const result = await sync(org, dest, ['Account'])
      ok(result)
      assert.ok((result.objects[0]?.schemaChanges ?? 0) >= 3, JSON.stringify(result.objects[0]))
      await assertConverged(org, dest, 'Account')
      const kinds = (await dest.schemaHistory('Account')).map((h) => `${h.change}:${h.column ?? ''}`)
      for (const expected of ['add_column:score__c', 'field_removed:legacy__c', 'widen_column:code__c'])
        assert.ok(kinds.includes(expected), `${expected} in ${kinds.join(' ')}`)
      // The removed field's column and values stay; it is no longer read, and that is no error.
      const [row] = await dest.readRows('Account', { ids: [accounts[1] ?? ''] })
      assert.equal(row?.legacy__c, 'old 1')
      ok(await sync(org, dest, ['Account']))
      await assertConverged(org, dest, 'Account')
    })
  })
}
