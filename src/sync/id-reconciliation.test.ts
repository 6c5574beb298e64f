/**
 * The Id reconciliation (issue 5 "Deletes"), on SQLite and PostgreSQL against the emulator over real
 * HTTP: it repairs both directions (rows the destination lacks are fetched back with every field;
 * rows the org no longer has are deleted locally, soft or hard), through a Bulk or a REST Id scan;
 * its stage table never outlives it, not even after an error or a crashed run; and at 200k Ids every
 * batch that crosses the engine stays bounded (the Ids go to the database, never into one collection).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DatabaseSync } from 'node:sqlite'
import pg from 'pg'
import { runSync } from './sync-engine.ts'
import type { SyncEvent, SyncRunResult } from './sync-events.ts'
import type { SyncSettings } from './sync-options.ts'
import {
  STORE_KINDS,
  openTestDestination,
  startSyncOrg,
  type StoreKind,
  type SyncTestOrg,
} from '../../test/support/sync/sync-fixture.ts'
import { databaseUrl } from '../../test/support/isolation.ts'
import { assertConverged } from '../../test/support/sync/convergence.ts'
import type { Destination, IdStage } from '../store/destination.ts'

/** Ids the org never had (a record purged long before the `/deleted` window). */
const GHOSTS = ['001000000000GHOAAA', '001000000000GHPAAA']

function ok(result: SyncRunResult): void {
  assert.deepEqual(
    result.objects.filter((o) => o.status !== 'synced').map((o) => `${o.object}: ${o.error?.message}`),
    [],
  )
  assert.equal(result.error, undefined)
}

async function sync(
  org: SyncTestOrg,
  dest: Destination,
  object: string,
  settings: Partial<SyncSettings>,
  extra: { fields?: readonly string[]; notices?: string[] } = {},
): Promise<SyncRunResult> {
  return runSync({
    client: org.client,
    dest,
    selection: { objects: [object], ...(extra.fields ? { fields: { [object]: extra.fields } } : {}) },
    settings: { bulkPoll: { initialIntervalMs: 20, maxIntervalMs: 200 }, ...settings },
    onEvent: (e: SyncEvent) => {
      if (e.type === 'notice') extra.notices?.push(e.message)
    },
  })
}

/** The Id stage tables present, read from the database's catalogue (a look behind the port). */
async function stageTables(kind: StoreKind, url: string, schema?: string): Promise<string[]> {
  if (kind === 'sqlite') {
    const db = new DatabaseSync(url.slice('sqlite:'.length))
    const rows = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%ids%'`).all()
    db.close()
    return rows.map((r) => String(r.name)).filter((n) => n.startsWith('_sfsync_ids_'))
  }
  const client = new pg.Client({ connectionString: databaseUrl() })
  await client.connect()
  const { rows } = await client.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE '\\_sfsync\\_ids\\_%'`,
    [schema],
  )
  await client.end()
  return rows.map((r) => r.tablename)
}

/** Makes the destination lose `n` rows (hard) and gain the ghost rows; returns the Ids lost. */
async function damage(dest: Destination, object: string, n: number): Promise<string[]> {
  const ids = (await dest.readRows(object)).filter((r) => r.isdeleted !== true).map((r) => String(r.id))
  // Spread over the Id range, so that several pages and positions are involved.
  const lost = Array.from({ length: n }, (_, i) => ids[Math.floor((i * ids.length) / n)] as string)
  assert.equal(await dest.deleteRows(object, lost, { hard: true }), n)
  const w = await dest.openWriter(object, ['Id', 'Name', 'IsDeleted'])
  await w.write(GHOSTS.map((id) => [id, 'ghost', false]))
  await w.commit()
  await w.close()
  return lost
}

for (const kind of STORE_KINDS) {
  describe(`Id reconciliation on ${kind}`, () => {
    for (const scan of ['bulk', 'rest'] as const)
      test(`${scan} Id scan: lost rows are fetched back whole, ghosts are marked deleted`, async (t) => {
        const org = await startSyncOrg(t, { Account: 300 }, `reconcile-${kind}-${scan}`)
        const { dest, url, schema } = await openTestDestination(t, kind)
        const settings = {
          bulkThreshold: scan === 'bulk' ? 100 : 1_000_000,
          reconcileEveryMs: 24 * 3_600_000,
        }
        ok(await sync(org, dest, 'Account', settings))
        const lost = await damage(dest, 'Account', 7)
        // A stage a crashed run left behind, listing a ghost: were it used, the ghost would survive.
        const stale = await dest.openIdStage('Account')
        await stale.add([GHOSTS[0] as string])
        // Not due yet: nothing is repaired.
        ok(await sync(org, dest, 'Account', settings))
        assert.equal((await dest.readRows('Account', { ids: lost })).length, 0)

        const notices: string[] = []
        const result = await sync(org, dest, 'Account', { ...settings, reconcileEveryMs: 0 }, { notices })
        ok(result)
        const account = result.objects[0]
        assert.equal(account?.reconciled, true)
        assert.ok((account?.rowsWritten ?? 0) >= lost.length)
        assert.equal(account?.rowsDeleted, GHOSTS.length)
        assert.ok(
          notices.includes(`Id reconciliation: ${lost.length} row(s) the destination lacked were fetched`),
        )
        // Every field of every org record, the lost ones included; the ghosts are soft-deleted.
        assert.equal(await assertConverged(org, dest, 'Account'), 300)
        const ghosts = await dest.readRows('Account', { ids: GHOSTS })
        assert.deepEqual(
          ghosts.map((r) => r.isdeleted),
          [true, true],
        )
        assert.deepEqual(await stageTables(kind, url, schema), [])
      })

    test('hard deletes: ghosts are removed, records in the recycle bin are not fetched back', async (t) => {
      const org = await startSyncOrg(t, { Account: 200 }, `reconcile-hard-${kind}`)
      const { dest } = await openTestDestination(t, kind)
      const settings = { bulkThreshold: 100, reconcileEveryMs: 24 * 3_600_000, hardDeletes: true }
      ok(await sync(org, dest, 'Account', settings))
      const lost = await damage(dest, 'Account', 4)
      // Deleted to the recycle bin: the changes query sees them and removes them locally.
      const live = (await dest.readRows('Account')).map((r) => String(r.id))
      const binned = live.filter((id) => !lost.includes(id) && !GHOSTS.includes(id)).slice(0, 5)
      for (const id of binned) await org.control('DELETE', `/records/Account/${id}`)
      const notices: string[] = []
      ok(await sync(org, dest, 'Account', { ...settings, reconcileEveryMs: 0 }, { notices }))
      // Only the lost rows are fetched: a binned record is gone for a hard-deleting destination.
      assert.ok(
        notices.includes(`Id reconciliation: ${lost.length} row(s) the destination lacked were fetched`),
      )
      assert.equal((await dest.readRows('Account', { ids: [...GHOSTS, ...binned] })).length, 0)
      await assertConverged(org, dest, 'Account', { hardDeletes: true })
    })

    test('broken Id scan pages are read again; a reconciliation that fails drops its stage; the next run reconciles', async (t) => {
      const org = await startSyncOrg(t, { Account: 150 }, `reconcile-fail-${kind}`)
      const { dest, url, schema } = await openTestDestination(t, kind)
      const settings = { bulkThreshold: 100, reconcileEveryMs: 0 }
      ok(await sync(org, dest, 'Account', settings))
      const lost = await damage(dest, 'Account', 3)
      // Broken Id scan pages are read again from the last commit: the run still repairs everything.
      await org.control('POST', '/faults', {
        rules: [
          { path: '/services/data/*/jobs/query/*/results', fault: { kind: 'truncated-csv' }, times: 2 },
        ],
      })
      ok(await sync(org, dest, 'Account', settings))
      const listed = (await org.control('GET', '/faults')) as { rules: { fired: number }[] }
      assert.equal(listed.rules[0]?.fired, 2)
      await org.control('DELETE', '/faults')
      assert.equal((await dest.readRows('Account', { ids: lost })).length, lost.length)
      await assertConverged(org, dest, 'Account')
      const lostAgain = await damage(dest, 'Account', 3)
      // Only the reconciliation reads through Bulk on an incremental run: its Id scan fails.
      await org.control('POST', '/faults', {
        rules: [{ path: '/services/data/*/jobs/query/*/results', fault: { kind: 'server-error' }, rate: 1 }],
      })
      const failed = await sync(org, dest, 'Account', settings)
      assert.equal(failed.objects[0]?.status, 'failed')
      assert.deepEqual(await stageTables(kind, url, schema), [])
      await org.control('DELETE', '/faults')
      ok(await sync(org, dest, 'Account', settings))
      assert.equal((await dest.readRows('Account', { ids: lostAgain })).length, lostAgain.length)
      await assertConverged(org, dest, 'Account')
    })
  })
}

/** Largest batches that crossed the destination port during a run. */
interface PortLog {
  staged: number
  stageCalls: number
  maxStaged: number
  maxDeleted: number
  listIdsCalls: number
}

/** The destination, with the Id batches crossing its port recorded. */
function recording(dest: Destination, log: PortLog): Destination {
  const stageOf = (s: IdStage): IdStage => ({
    add: async (ids) => {
      log.staged += ids.length
      log.stageCalls++
      log.maxStaged = Math.max(log.maxStaged, ids.length)
      await s.add(ids)
    },
    localOnly: (o) => s.localOnly(o),
    stagedOnly: (o) => s.stagedOnly(o),
    drop: () => s.drop(),
  })
  return new Proxy(dest, {
    get(target, prop) {
      if (prop === 'openIdStage') return async (object: string) => stageOf(await target.openIdStage(object))
      if (prop === 'deleteRows')
        return (object: string, ids: readonly string[], options?: { hard?: boolean }) => {
          log.maxDeleted = Math.max(log.maxDeleted, ids.length)
          return target.deleteRows(object, ids, options)
        }
      if (prop === 'listIds') log.listIdsCalls++
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
}

describe('Id reconciliation at scale', () => {
  test('200k Ids through Bulk: bounded batches both ways, both differences repaired', async (t) => {
    const N = 200_000
    const org = await startSyncOrg(t, { Invoice__c: N }, 'reconcile-scale')
    const { dest: raw } = await openTestDestination(t, 'sqlite')
    const settings = { reconcileEveryMs: 24 * 3_600_000, bulkPageRecords: 50_000 }
    // Narrow rows keep the load short: the reconciliation only compares Ids.
    const fields = ['Name']
    ok(await sync(org, raw, 'Invoice__c', settings, { fields }))
    assert.equal(await raw.countRows('Invoice__c'), N)
    const lost = await raw.readRows('Invoice__c', {
      ids: (await firstIds(raw, 'Invoice__c', 12_000)).filter((_, i) => i % 4 === 0),
    })
    const lostIds = lost.map((r) => String(r.id))
    assert.equal(await raw.deleteRows('Invoice__c', lostIds, { hard: true }), 3_000)
    const ghosts = Array.from({ length: 12_000 }, (_, i) => `a0G${String(i).padStart(12, '0')}AAA`)
    const w = await raw.openWriter('Invoice__c', ['Id', 'IsDeleted'])
    await w.write(ghosts.map((id) => [id, false]))
    await w.commit()
    await w.close()

    const log: PortLog = { staged: 0, stageCalls: 0, maxStaged: 0, maxDeleted: 0, listIdsCalls: 0 }
    const notices: string[] = []
    const result = await sync(
      org,
      recording(raw, log),
      'Invoice__c',
      { ...settings, reconcileEveryMs: 0 },
      {
        fields,
        notices,
      },
    )
    ok(result)
    assert.equal(result.objects[0]?.reconciled, true)
    // Every org Id went to the stage, in batches far smaller than the object.
    assert.equal(log.staged, N)
    assert.ok(log.maxStaged <= 12_000 && log.stageCalls >= N / 12_000, JSON.stringify(log))
    // The local side is read by the database's anti-join, page by page: never listed whole.
    assert.equal(log.listIdsCalls, 0)
    assert.ok(log.maxDeleted <= 10_000, JSON.stringify(log))
    assert.equal(result.objects[0]?.rowsDeleted, ghosts.length)
    assert.ok(notices.includes('Id reconciliation: 3000 row(s) the destination lacked were fetched'))
    assert.equal(await raw.countRows('Invoice__c'), N)
    assert.equal(await raw.countRows('Invoice__c', { includeDeleted: true }), N + ghosts.length)
    const back = await raw.readRows('Invoice__c', { ids: lostIds })
    assert.deepEqual(
      back.map((r) => [r.id, r.name]),
      lost.map((r) => [r.id, r.name]),
    )
  })
})

/** The first `n` local Ids, in the database's order. */
async function firstIds(dest: Destination, object: string, n: number): Promise<string[]> {
  for await (const page of dest.listIds(object, { pageSize: n })) return page
  return []
}
