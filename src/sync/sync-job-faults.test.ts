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
import type { ObjectResult, SyncEvent } from './sync-events.ts'
import {
  STORE_KINDS,
  openTestDestination,
  startSyncOrg,
  type SyncTestOrg,
} from '../../test/support/sync/sync-fixture.ts'
import { assertConverged } from '../../test/support/sync/convergence.ts'
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

const JOB_CREATE = 'POST /services/data/:version/jobs/query'

function sync(
  org: SyncTestOrg,
  dest: Destination,
  settings: Partial<SyncSettings> = SETTINGS,
  onEvent?: (e: SyncEvent) => void,
) {
  return runSync({
    client: org.client,
    dest,
    selection: { objects: OBJECTS },
    settings,
    ...(onEvent ? { onEvent } : {}),
  })
}

async function jobsCreated(org: SyncTestOrg): Promise<number> {
  return (await org.counters())[JOB_CREATE] ?? 0
}

function summary(objects: readonly ObjectResult[]): string {
  return JSON.stringify(objects.map((o) => [o.object, o.status, o.strategy, o.bulkJobId, o.error?.message]))
}

/** Installs one job rule on the next query job; returns a function telling how often it fired. */
async function injectJobFault(
  org: SyncTestOrg,
  fault: Record<string, unknown>,
  times = 1,
): Promise<() => Promise<number>> {
  await org.control('DELETE', '/faults')
  await org.control('POST', '/faults', { rules: [{ id: 'job', job: 'query', fault, times }] })
  return async () => {
    const listed = (await org.control('GET', '/faults')) as { rules: { id: string; fired: number }[] }
    return listed.rules.find((r) => r.id === 'job')?.fired ?? 0
  }
}

/** The next run, without faults, succeeds for every object and the destination equals the org. */
async function assertNextRunConverges(org: SyncTestOrg, dest: Destination): Promise<readonly ObjectResult[]> {
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
 * A Bulk job that ends Failed has no results and nothing of it was written: the run reads with one new
 * job (a notice says so) and finishes. When the new job fails too, the object stops with an error naming
 * the job and Salesforce's reason. Either way the next run converges, never resuming a failed job.
 */
async function failedJobCase(
  org: SyncTestOrg,
  dest: Destination,
  fault: Record<string, unknown>,
  reason: RegExp,
  failures: 1 | 2,
): Promise<void> {
  const fired = await injectJobFault(org, fault, failures)
  const jobsBefore = await jobsCreated(org)
  const notices: string[] = []
  const faulted = await sync(org, dest, SETTINGS, (e) => {
    if (e.type === 'notice' && e.object === 'Account') notices.push(e.message)
  })
  assert.equal(await fired(), failures, `the fault fired: ${summary(faulted.objects)}`)
  assert.equal(await jobsCreated(org), jobsBefore + 2, 'one new job after the failed one, no more')
  const acc = account(faulted.objects)
  assert.equal(acc.strategy, 'bulk', summary(faulted.objects))
  assert.equal(notices.length, 1, notices.join('\n'))
  assert.match(notices[0] ?? '', reason)
  assert.match(notices[0] ?? '', /new job/)
  if (failures === 1) {
    assert.equal(acc.status, 'synced', summary(faulted.objects))
    assert.equal(acc.reusedBulkJob, false)
    assert.equal(await assertConverged(org, dest, 'Account'), ACCOUNTS)
    await assertNextRunConverges(org, dest)
    return
  }
  assert.equal(acc.status, 'failed', summary(faulted.objects))
  const message = acc.error?.message ?? ''
  assert.match(message, /Bulk query job \S+ for Account ended Failed/, message)
  assert.match(message, reason, message)
  assert.doesNotMatch(message, /\n\s+at /, 'no stack in the message')
  const next = account(await assertNextRunConverges(org, dest))
  // The failed job is never resumed: its results do not exist.
  assert.notEqual(next.bulkJobId, acc.bulkJobId, 'a new Bulk job after a failed one')
  assert.equal(next.reusedBulkJob, false)
}

for (const kind of STORE_KINDS) {
  describe(`Bulk job faults during an initial load on ${kind}`, () => {
    test('job-failed, job-query-timeout, job-stall beyond and within the Bulk timeout', async (t) => {
      const org = await startSyncOrg(t, { Account: ACCOUNTS, Contact: 150 }, `job-faults-${kind}`)

      for (const failures of [1, 2] as const) {
        const outcome = failures === 1 ? 'a new job finishes the run' : 'the object stops with a clear error'
        await t.test(`job-failed ${failures}×: ${outcome}; the next run converges`, async (st) => {
          const { dest } = await openTestDestination(st, kind)
          const fault = { kind: 'job-failed', message: 'injected: chunk 3 failed' }
          await failedJobCase(org, dest, fault, /injected: chunk 3 failed/, failures)
        })
        await t.test(`job-query-timeout ${failures}×: ${outcome}; the next run converges`, async (st) => {
          const { dest } = await openTestDestination(st, kind)
          await failedJobCase(org, dest, { kind: 'job-query-timeout' }, /QUERY_TIMEOUT/, failures)
        })
      }

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
