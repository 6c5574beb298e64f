/**
 * The journal test: after thousands of random activities with commit lag on, what jsforce's
 * queryAll returns for every object equals the state computed from the journal alone.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { replayJournal, startActivityTestOrg, type ActivityTestOrg } from './activity-test-support.ts'
import type { ActivityStatus } from './org-activity.ts'

let t: ActivityTestOrg
before(async () => {
  t = await startActivityTestOrg({
    seed: 'journal-test',
    records: { Account: 40, Contact: 80, Opportunity: 40, Case: 30, Lead: 30, Task: 40, Invoice__c: 30 },
    commitLagMs: 1500,
  })
})
after(async () => {
  await t?.close()
})

async function queryAllState(sobjects: readonly string[]) {
  const state = new Map<string, Record<string, unknown>>()
  for (const sobject of sobjects) {
    const describe = await t.conn.sobject(sobject).describe()
    const fields = describe.fields.map((f) => f.name)
    const result = await t.conn
      .query<Record<string, unknown>>(`SELECT ${fields.join(', ')} FROM ${sobject}`)
      .run({ scanAll: true, autoFetch: true, maxFetch: 100_000 })
    for (const r of result.records) {
      const { attributes: _attributes, ...record } = r
      state.set(String(record.Id), record)
    }
  }
  return state
}

test('thousands of lagged activities: queryAll through jsforce equals the state replayed from the journal', async () => {
  const initial = await t.journal()
  assert.ok(
    initial.length > 0 && initial.every((e) => e.op === 'baseline'),
    'the journal starts with a baseline',
  )
  // 1.5 s of lag plus up to 1 s of jitter: commits land out of timestamp order, as on a busy org.
  await t.control('PATCH', '/activity', { commitLagJitterMs: 1000 })
  let pendingSeen = 0
  for (let round = 0; round < 40; round++) {
    const step = await t.control<{ applied: number; status: ActivityStatus }>('POST', '/activity/step', {
      count: 60,
    })
    pendingSeen = Math.max(pendingSeen, step.status.pending)
    // Half the lag: each round's activities commit a round or two later, interleaved with new ones.
    await t.control('POST', '/clock/advance', { ms: 750 })
  }
  assert.ok(pendingSeen >= 60, 'with commit lag, stepped activities wait before they commit')
  await t.control('POST', '/clock/advance', { ms: 2500 })
  const status = await t.control<ActivityStatus>('GET', '/activity')
  assert.equal(status.pending, 0)
  assert.equal(status.planned, 2400)
  assert.ok(status.applied > 2200, `most activities apply (${status.applied} of 2400)`)
  for (const kind of ['insert', 'update', 'delete', 'undelete', 'purge', 'burst', 'formula'] as const)
    assert.ok(status.byKind[kind] > 0, `some ${kind} happened`)

  const entries = await t.journal()
  const changes = entries.filter((e) => e.op !== 'baseline')
  assert.ok(changes.length > 2400, `every change is journaled (${changes.length})`)
  const replayed = replayJournal(entries)
  const sobjects = [...new Set(entries.map((e) => e.sobject))].sort()
  const actual = await queryAllState(sobjects)

  assert.equal(actual.size, replayed.size, 'as many records as the journal says')
  let deleted = 0
  for (const [id, expected] of replayed) {
    const record = actual.get(id)
    assert.ok(record, `${expected.sobject} ${id} is in queryAll`)
    assert.deepEqual(record, expected.record, `${expected.sobject} ${id} equals its journal image`)
    assert.equal(record.IsDeleted ?? false, expected.isDeleted)
    if (expected.isDeleted) deleted++
  }
  assert.ok(deleted > 0, 'the recycle bin holds some records')
  const purged = changes.filter((e) => e.op === 'purge')
  assert.ok(purged.length > 0, 'some records were purged')
  for (const e of purged)
    assert.equal(actual.has(e.id), false, `purged ${e.sobject} ${e.id} is gone for queryAll`)
})

test('REST, Bulk ingest and control API writes are journaled too, visible at once', async () => {
  const latest = (await t.journal()).at(-1)?.seq ?? 0
  const created = await t.conn.sobject('Account').create({ Name: 'Journaled through REST' })
  assert.ok(created.success)
  await t.conn.sobject('Account').update({ Id: created.id, Name: 'Renamed through REST' })
  await t.control('DELETE', `/records/Account/${created.id}`)
  const results = await t.conn.bulk2.loadAndWaitForResults({
    object: 'Contact',
    operation: 'insert',
    input: 'LastName\nBulk One\nBulk Two\n',
  })
  assert.equal(results.successfulResults.length, 2)
  const entries = await t.journal(latest)
  const rest = entries.filter((e) => e.id === created.id)
  assert.deepEqual(
    rest.map((e) => [e.op, e.record?.Name, e.isDeleted]),
    [
      ['insert', 'Journaled through REST', false],
      ['update', 'Renamed through REST', false],
      ['delete', 'Renamed through REST', true],
    ],
  )
  const ms = (s: string | null) => Date.parse(String(s).replace('+0000', 'Z'))
  // The org's activity lags 1,500 ms; a client's own write is committed when its call answers.
  for (const e of rest)
    assert.ok(ms(e.visibleAt) - ms(e.systemModstamp) < 1500, 'a client write is not lagged')
  const bulkIds = new Set(results.successfulResults.map((r) => String(r.sf__Id)))
  const bulk = entries.filter((e) => bulkIds.has(e.id))
  assert.deepEqual(bulk.map((e) => [e.op, e.sobject]).sort(), [
    ['insert', 'Contact'],
    ['insert', 'Contact'],
  ])
})
