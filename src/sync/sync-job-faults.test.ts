/**
 * Bulk job faults of the emulator's catalogue during an initial Bulk load (issue 5), on SQLite and
 * PostgreSQL: a job that ends Failed (`job-failed`, `job-query-timeout`) or stays InProgress
 * (`job-stall`) either lets the run finish or stops the object with an error naming the failure, and
 * the next run, without the fault, converges exactly.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runSync } from './sync-engine.ts'
import type { SyncSettings } from './sync-options.ts'
import type { ObjectResult } from './sync-events.ts'
import { STORE_KINDS, openTestDestination, startSyncOrg, type SyncTestOrg } from './testing/sync-fixture.ts'
import { assertConverged } from './testing/convergence.ts'
import type { Destination } from '../store/destination.ts'

const OBJECTS = ['Account', 'Contact']
const ACCOUNTS = 700
const SETTINGS: Partial<SyncSettings> = {
  bulkThreshold: 500,
  bulkPageRecords: 300,
  commitRows: 100,
  reconcileEveryMs: 0,
  bulkPoll: { initialIntervalMs: 20, maxIntervalMs: 100 },
}

function sync(org: SyncTestOrg, dest: Destination, settings: Partial<SyncSettings> = SETTINGS) {
  return runSync({ client: org.client, dest, selection: { objects: OBJECTS }, settings })
}

function summary(objects: readonly ObjectResult[]): string {
  return JSON.stringify(objects.map((o) => [o.object, o.status, o.strategy, o.bulkJobId, o.error?.message]))
}

/** Installs one job rule on the next query job; returns a function telling how often it fired. */
async function injectJobFault(
  org: SyncTestOrg,
  fault: Record<string, unknown>,
): Promise<() => Promise<number>> {
  await org.control('DELETE', '/faults')
  await org.control('POST', '/faults', { rules: [{ id: 'job', job: 'query', fault, times: 1 }] })
  return async () => {
    const listed = (await org.control('GET', '/faults')) as { rules: { id: string; fired: number }[] }
    return listed.rules.find((r) => r.id === 'job')?.fired ?? 0
  }
}

/** The next run, without faults, succeeds for every object and the destination equals the org. */
async function assertNextRunConverges(org: SyncTestOrg, dest: Destination): Promise<ObjectResult[]> {
  await org.control('DELETE', '/faults')
  const clean = await sync(org, dest)
  assert.deepEqual(
    clean.objects.filter((o) => o.status !== 'synced').map((o) => `${o.object}: ${o.error?.message}`),
    [],
    'the next run',
  )
  assert.equal(await assertConverged(org, dest, 'Account'), ACCOUNTS)
  await assertConverged(org, dest, 'Contact')
  return clean.objects
}

/** The Account result of a run; Contact (REST) is never touched by a Bulk job fault. */
function account(objects: readonly ObjectResult[]): ObjectResult {
  const found = objects.find((o) => o.object === 'Account')
  assert.ok(found, summary(objects))
  assert.equal(objects.find((o) => o.object === 'Contact')?.status, 'synced', summary(objects))
  return found
}

/**
 * A Bulk job that ends Failed: the run either recovered (the object is synced) or stopped the object
 * with an error naming the job and Salesforce's reason; the next run reads with a new job.
 */
async function failedJobCase(
  org: SyncTestOrg,
  dest: Destination,
  fault: Record<string, unknown>,
  reason: RegExp,
): Promise<void> {
  const fired = await injectJobFault(org, fault)
  const faulted = await sync(org, dest)
  assert.equal(await fired(), 1, `the fault fired: ${summary(faulted.objects)}`)
  const acc = account(faulted.objects)
  assert.equal(acc.strategy, 'bulk', summary(faulted.objects))
  if (acc.status === 'failed') {
    const message = acc.error?.message ?? ''
    assert.match(message, /Bulk query job \S+ for Account ended Failed/, message)
    assert.match(message, reason, message)
    assert.doesNotMatch(message, /\n\s+at /, 'no stack in the message')
  }
  const next = account(await assertNextRunConverges(org, dest))
  // The failed job is never resumed: its results do not exist.
  assert.notEqual(next.bulkJobId, acc.bulkJobId, 'a new Bulk job after a failed one')
}

for (const kind of STORE_KINDS) {
  describe(`Bulk job faults during an initial load on ${kind}`, () => {
    test('job-failed, job-query-timeout, job-stall beyond and within the Bulk timeout', async (t) => {
      const org = await startSyncOrg(t, { Account: ACCOUNTS, Contact: 150 }, `job-faults-${kind}`)

      await t.test('job-failed: the error names the failure; the next run converges', async (st) => {
        const { dest } = await openTestDestination(st, kind)
        await failedJobCase(
          org,
          dest,
          { kind: 'job-failed', message: 'injected: chunk 3 failed' },
          /injected: chunk 3 failed/,
        )
      })

      await t.test('job-query-timeout: the error names QUERY_TIMEOUT; the next run converges', async (st) => {
        const { dest } = await openTestDestination(st, kind)
        await failedJobCase(org, dest, { kind: 'job-query-timeout' }, /QUERY_TIMEOUT/)
      })

      await t.test(
        'job-stall longer than the Bulk timeout: a clear error; the next run picks the job up and converges',
        async (st) => {
          const { dest } = await openTestDestination(st, kind)
          const fired = await injectJobFault(org, { kind: 'job-stall', ms: 4_000 })
          const faulted = await sync(org, dest, {
            ...SETTINGS,
            bulkPoll: { ...SETTINGS.bulkPoll, timeoutMs: 400 },
          })
          assert.equal(await fired(), 1, `the fault fired: ${summary(faulted.objects)}`)
          const acc = account(faulted.objects)
          assert.equal(acc.status, 'failed', summary(faulted.objects))
          assert.match(acc.error?.message ?? '', /Bulk query job \S+ for Account is still InProgress after/)
          assert.equal(acc.rowsWritten, 0)
          // The next run (default timeout) resumes the same job, waits out the rest of the stall, converges.
          const next = account(await assertNextRunConverges(org, dest))
          assert.equal(next.bulkJobId, acc.bulkJobId, 'the stalled job is picked up again')
          assert.equal(next.reusedBulkJob, true)
        },
      )

      await t.test('job-stall shorter than the Bulk timeout: the run waits and converges', async (st) => {
        const { dest } = await openTestDestination(st, kind)
        const fired = await injectJobFault(org, { kind: 'job-stall', ms: 800 })
        const polls: string[] = []
        const stalled = await sync(org, dest, {
          ...SETTINGS,
          bulkPoll: { ...SETTINGS.bulkPoll, timeoutMs: 30_000, onPoll: (job) => polls.push(job.state) },
        })
        assert.equal(await fired(), 1)
        assert.deepEqual(
          stalled.objects.filter((o) => o.status !== 'synced').map((o) => `${o.object}: ${o.error?.message}`),
          [],
        )
        assert.ok(polls.filter((s) => s === 'InProgress').length >= 2, `the run waited: ${polls.join(',')}`)
        assert.equal(await assertConverged(org, dest, 'Account'), ACCOUNTS)
        await assertConverged(org, dest, 'Contact')
      })
    })
  })
}
