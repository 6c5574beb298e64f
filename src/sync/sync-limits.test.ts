/**
 * The engine at the org's limits, against the emulator: the API budget pauses a run (and it resumes
 * when calls come back), wide objects are read in several REST queries under the URI limit, and a
 * stuck Bulk job gives a clear error after the configured wait, then is picked up again by the next run.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runSync } from './sync-engine.ts'
import type { SyncEvent } from './sync-events.ts'
import { openTestDestination, startSyncOrg } from '../../test/support/sync/sync-fixture.ts'
import { assertConverged } from '../../test/support/sync/convergence.ts'
import { randomActivity, rng } from '../../test/support/sync/org-activity.ts'

describe('sync at the limits', () => {
  test('at the org-wide API cap the run pauses with a message, then resumes and completes when calls come back', async (t) => {
    const org = await startSyncOrg(t, { Account: 300, Contact: 100 })
    const { dest } = await openTestDestination(t, 'sqlite')
    // 895 of 1,000 used: the 90% cap is reached after a few calls.
    await org.control('PATCH', '/api-usage', { max: 1000, used: 895 })
    const events: SyncEvent[] = []
    const result = await runSync({
      client: org.client,
      dest,
      selection: { objects: ['Account', 'Contact'] },
      settings: { reconcileEveryMs: 0 },
      budget: { pollMs: 50 },
      onEvent: (e) => {
        events.push(e)
        // The org's other clients go quiet: the rolling window gives calls back.
        if (e.type === 'budget-pause') void org.control('PATCH', '/api-usage', { used: 100 })
      },
    })
    const pause = events.find((e) => e.type === 'budget-pause')
    assert.ok(pause && pause.type === 'budget-pause')
    assert.match(pause.message, /90%.*Paused/)
    assert.ok(events.some((e) => e.type === 'budget-resume'))
    assert.deepEqual(
      result.objects.map((o) => o.status),
      ['synced', 'synced'],
    )
    await assertConverged(org, dest, 'Account')
    await assertConverged(org, dest, 'Contact')
  })

  test('a wide object is read in several REST queries under the URI budget, on load and on changes', async (t) => {
    const org = await startSyncOrg(t, { Account: 250 })
    const { dest } = await openTestDestination(t, 'sqlite')
    const settings = { uriBudgetBytes: 700, bulkThreshold: 1_000_000, reconcileEveryMs: 0 }
    await org.control('DELETE', '/counters')
    const first = await runSync({ client: org.client, dest, selection: { objects: ['Account'] }, settings })
    assert.equal(first.objects[0]?.status, 'synced', first.objects[0]?.error?.message)
    const counters = await org.counters()
    // Account's ~60 fields need several 700-byte queries.
    assert.ok((counters['GET /services/data/:version/queryAll'] ?? 0) >= 3, JSON.stringify(counters))
    await assertConverged(org, dest, 'Account')
    await randomActivity(org, 'Account', 80, rng(3))
    const second = await runSync({ client: org.client, dest, selection: { objects: ['Account'] }, settings })
    assert.equal(second.objects[0]?.status, 'synced', second.objects[0]?.error?.message)
    await assertConverged(org, dest, 'Account')
  })

  test('a stuck Bulk job: a clear error after the configured wait; the next run reuses the job', async (t) => {
    const org = await startSyncOrg(t, { Account: 400 })
    const { dest } = await openTestDestination(t, 'sqlite')
    const settings = {
      bulkThreshold: 100,
      bulkPoll: { timeoutMs: 800, initialIntervalMs: 50, maxIntervalMs: 100 },
    }
    // No job may run: the one created stays queued.
    await org.control('PATCH', '/bulk/settings', { maxConcurrentJobs: 0 })
    const stuck = await runSync({ client: org.client, dest, selection: { objects: ['Account'] }, settings })
    const account = stuck.objects[0]
    assert.equal(account?.status, 'failed')
    assert.match(account?.error?.message ?? '', /Bulk query job \w+ for Account is still \w+ after \d+ s/)
    assert.match(account?.error?.nextStep ?? '', /picks it up again/)
    await org.control('PATCH', '/bulk/settings', { maxConcurrentJobs: 2 })
    const resumed = await runSync({
      client: org.client,
      dest,
      selection: { objects: ['Account'] },
      settings: { ...settings, bulkPoll: { initialIntervalMs: 50 } },
    })
    assert.equal(resumed.objects[0]?.status, 'synced', resumed.objects[0]?.error?.message)
    assert.equal(resumed.objects[0]?.reusedBulkJob, true)
    assert.equal(resumed.objects[0]?.bulkJobId, account?.bulkJobId)
    await assertConverged(org, dest, 'Account')
  })
  test('a REST load whose saved query locator has expired is read again from the start', async (t) => {
    const org = await startSyncOrg(t, { Contact: 150 })
    const { dest } = await openTestDestination(t, 'sqlite')
    const first = await runSync({ client: org.client, dest, selection: { objects: ['Contact'] } })
    assert.equal(first.objects[0]?.status, 'synced')
    // As if a crash had left a load half-way, two days ago: its locator is gone from the org.
    const cp = (await dest.readCheckpoint('Contact')) as { fields: string[] }
    await dest.writeCheckpoint('Contact', {
      ...cp,
      cursor: null,
      load: {
        strategy: 'rest',
        mode: 'upsert',
        fields: cp.fields,
        startedAt: undefined,
        maxSeen: undefined,
        reconcileAfter: true,
        rest: {
          group: 0,
          position: {
            nextRecordsUrl: '/services/data/v62.0/query/01gXX0000000001AAA-2000',
            rows: 10,
            done: false,
          },
        },
      },
    })
    const events: string[] = []
    const again = await runSync({
      client: org.client,
      dest,
      selection: { objects: ['Contact'] },
      onEvent: (e) => {
        if (e.type === 'notice') events.push(e.message)
      },
    })
    assert.equal(again.objects[0]?.status, 'synced', again.objects[0]?.error?.message)
    assert.ok(
      events.some((m) => /locator expired/.test(m)),
      events.join('; '),
    )
    await assertConverged(org, dest, 'Contact')
  })
})
