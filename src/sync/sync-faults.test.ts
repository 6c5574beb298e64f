/**
 * Faults of the emulator's catalogue during a run (issue 5): each run either converges despite the
 * fault (retries, renewal, page re-fetch) or stops the object with a clear error, and the next run,
 * without the fault, converges. Initial loads (Bulk for Account, REST for Contact) and incremental runs.
 */
import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { runSync } from './sync-engine.ts'
import type { SyncSettings } from './sync-options.ts'
import {
  openTestDestination,
  startSyncOrg,
  type StoreKind,
  type SyncTestOrg,
} from '../../test/support/sync/sync-fixture.ts'
import { assertConverged } from '../../test/support/sync/convergence.ts'
import { randomActivity, rng } from '../../test/support/sync/org-activity.ts'
import type { Destination } from '../store/destination.ts'

const OBJECTS = ['Account', 'Contact']
const SETTINGS: Partial<SyncSettings> = {
  bulkThreshold: 500,
  bulkPageRecords: 300,
  commitRows: 100,
  reconcileEveryMs: 0,
  bulkPoll: { initialIntervalMs: 20, maxIntervalMs: 200 },
}
const RESULTS = '/services/data/*/jobs/query/*/results'
const QUERY = '/services/data/*/query*'

interface FaultCase {
  readonly name: string
  readonly rule: Record<string, unknown>
  /** True when the run must succeed despite the fault (the client recovers by itself). */
  readonly recovers: boolean
}

/** The HTTP part of the emulator's fault catalogue, on the requests a sync makes. */
const CASES: readonly FaultCase[] = [
  {
    name: 'truncated-csv on Bulk result pages',
    rule: { path: RESULTS, fault: { kind: 'truncated-csv' }, times: 2 },
    recovers: true,
  },
  {
    name: 'connection-reset on Bulk result pages',
    rule: { path: RESULTS, fault: { kind: 'connection-reset' }, times: 2 },
    recovers: true,
  },
  {
    name: 'connection-reset on REST query pages',
    rule: { path: QUERY, fault: { kind: 'connection-reset' }, times: 2 },
    recovers: true,
  },
  {
    name: 'server-unavailable (503) on every data call, twice',
    rule: { path: '/services/data/**', fault: { kind: 'server-unavailable' }, times: 2 },
    recovers: true,
  },
  {
    name: 'too-many-requests (429)',
    rule: { path: '/services/data/**', fault: { kind: 'too-many-requests' }, times: 2 },
    recovers: true,
  },
  {
    name: 'server-error (500) on queries',
    rule: { path: QUERY, fault: { kind: 'server-error' }, times: 1 },
    recovers: true,
  },
  {
    name: 'invalid-session mid-run',
    rule: { path: RESULTS, fault: { kind: 'invalid-session' }, times: 1 },
    recovers: true,
  },
  {
    name: 'latency',
    rule: { path: '/services/data/**', fault: { kind: 'latency', ms: 150 }, times: 5 },
    recovers: true,
  },
  {
    name: 'request-limit-exceeded (403) on every query',
    rule: { path: QUERY, fault: { kind: 'request-limit-exceeded' }, rate: 1 },
    recovers: false,
  },
  {
    name: 'uri-too-long (414) on every query',
    rule: { path: QUERY, fault: { kind: 'uri-too-long' }, rate: 1 },
    recovers: false,
  },
  {
    name: 'server-error (500) on every Bulk result page',
    rule: { path: RESULTS, fault: { kind: 'server-error' }, rate: 1 },
    recovers: false,
  },
]

async function sync(org: SyncTestOrg, dest: Destination) {
  return runSync({ client: org.client, dest, selection: { objects: OBJECTS }, settings: SETTINGS })
}

async function withFault(org: SyncTestOrg, dest: Destination, c: FaultCase): Promise<void> {
  await org.control('DELETE', '/faults')
  await org.control('POST', '/faults', { rules: [{ id: 'f', ...c.rule }] })
  const faulted = await sync(org, dest)
  const listed = (await org.control('GET', '/faults')) as { rules: { fired: number }[] }
  await org.control('DELETE', '/faults')
  assert.ok(
    (listed.rules[0]?.fired ?? 0) > 0,
    `${c.name}: the fault fired (${JSON.stringify(faulted.objects.map((o) => [o.object, o.status, o.strategy, o.reconciled, o.error?.message]))})`,
  )
  if (c.recovers)
    assert.deepEqual(
      faulted.objects.filter((o) => o.status !== 'synced').map((o) => `${o.object}: ${o.error?.message}`),
      [],
      c.name,
    )
  else {
    const failed = faulted.objects.filter((o) => o.status === 'failed')
    assert.ok(failed.length > 0, `${c.name}: some object stops`)
    // A clear error: what failed, with Salesforce's code or the HTTP status, and never a stack.
    for (const f of failed)
      assert.match(f.error?.message ?? '', /\d{3}|REQUEST_LIMIT_EXCEEDED|URI|incomplete/, c.name)
  }
  const clean = await sync(org, dest)
  assert.deepEqual(
    clean.objects.filter((o) => o.status !== 'synced').map((o) => `${o.object}: ${o.error?.message}`),
    [],
    `${c.name}: the next run`,
  )
  for (const object of OBJECTS) await assertConverged(org, dest, object)
}

async function faultSuite(t: TestContext, kind: StoreKind, cases: readonly FaultCase[]): Promise<void> {
  const org = await startSyncOrg(t, { Account: 700, Contact: 150 }, `faults-${kind}`)
  const random = rng(kind === 'sqlite' ? 31 : 32)
  // Initial loads under each fault, each into a fresh destination.
  for (const c of cases) {
    await t.test(`initial load: ${c.name}`, async (st) => {
      const { dest } = await openTestDestination(st, kind)
      await withFault(org, dest, c)
    })
  }
  // Incremental runs under each fault, on one destination.
  const { dest } = await openTestDestination(t, kind)
  assert.equal((await sync(org, dest)).objects.filter((o) => o.status !== 'synced').length, 0)
  for (const c of cases) {
    await randomActivity(org, 'Account', 40, random)
    await randomActivity(org, 'Contact', 20, random)
    await t.test(`incremental: ${c.name}`, () => withFault(org, dest, c))
  }
}

describe('faults during a run', () => {
  test('on sqlite: every HTTP fault of the catalogue', async (t) => {
    await faultSuite(t, 'sqlite', CASES)
  })
  test('on postgres: broken Bulk pages and resets', async (t) => {
    await faultSuite(t, 'postgres', CASES.slice(0, 3))
  })
})
