/**
 * Live activity through the control API: determinism under a seed in step mode, commit lag (a change
 * invisible until the lag passes, then visible with its earlier SystemModstamp), bursts sharing one
 * timestamp, formula-only changes, background activity at a rate, and refused settings.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startActivityTestOrg, type ActivityTestOrg } from './activity-test-support.ts'
import type { JournalEntry } from './change-journal.ts'
import type { ActivityStatus } from './org-activity.ts'

const RECORDS = { Account: 20, Contact: 30, Opportunity: 20, Case: 10, Lead: 10, Task: 10, Invoice__c: 10 }
const DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/

/**
 * A journal entry without what depends on the wall clock: audit stamps and the values the record
 * layer derives from "now" (Case.ClosedDate, Task.CompletedDateTime) are datetimes of the last hour.
 */
function timeless(e: JournalEntry): unknown {
  const recent = Date.now() - 3_600_000
  const record = e.record
    ? Object.fromEntries(
        Object.entries(e.record).map(([k, v]) =>
          typeof v === 'string' && DATETIME.test(v) && Date.parse(v.replace('+0000', 'Z')) > recent
            ? [k, 'now']
            : [k, v],
        ),
      )
    : null
  return { seq: e.seq, op: e.op, sobject: e.sobject, id: e.id, isDeleted: e.isDeleted, record }
}

async function steppedJournal(seed: string, activitySeed: string): Promise<unknown[]> {
  const t = await startActivityTestOrg({ seed, records: RECORDS })
  try {
    await t.control('PATCH', '/activity', { seed: activitySeed })
    for (const count of [50, 1, 149]) await t.control('POST', '/activity/step', { count })
    return (await t.journal()).filter((e) => e.op !== 'baseline').map(timeless)
  } finally {
    await t.close()
  }
}

test('the same seed and the same steps make the same changes; another seed others', async () => {
  const a = await steppedJournal('determinism', 'one')
  const b = await steppedJournal('determinism', 'one')
  const c = await steppedJournal('determinism', 'two')
  assert.ok(a.length >= 200, `200 activities journal at least 200 changes (${a.length})`)
  assert.deepEqual(a, b)
  assert.notDeepEqual(a, c)
})

async function withOrg(fn: (t: ActivityTestOrg) => Promise<void>, options = {}): Promise<void> {
  const t = await startActivityTestOrg({ seed: 'activity-test', records: RECORDS, ...options })
  try {
    await fn(t)
  } finally {
    await t.close()
  }
}

test('commit lag: a change is invisible until the lag passes, then visible with its earlier SystemModstamp', () =>
  withOrg(async (t) => {
    await t.control('PATCH', '/activity', { commitLagMs: 2000, mix: { update: 1 }, objects: ['Account'] })
    const before = await t.journal()
    const latest = before.length
    const step = await t.control<{ applied: number; status: ActivityStatus }>('POST', '/activity/step', {
      count: 1,
    })
    assert.equal(step.applied, 0)
    assert.equal(step.status.pending, 1)
    const newest = 'SELECT Id, SystemModstamp FROM Account ORDER BY SystemModstamp DESC, Id LIMIT 1'
    const hidden = await t.conn.query<{ Id: string; SystemModstamp: string }>(newest)
    assert.equal((await t.journal(latest)).length, 0, 'nothing committed yet')

    // Real time runs too: half the lag later (in emulated time) is still well before it.
    await t.control('POST', '/clock/advance', { ms: 1000 })
    assert.deepEqual((await t.conn.query(newest)).records, hidden.records, 'still invisible before the lag')
    assert.equal((await t.journal(latest)).length, 0)

    await t.control('POST', '/clock/advance', { ms: 1000 })
    const [entry] = await t.journal(latest)
    assert.ok(entry && entry.op === 'update' && entry.systemModstamp)
    const stamp = Date.parse(entry.systemModstamp.replace('+0000', 'Z'))
    const visible = Date.parse(entry.visibleAt.replace('+0000', 'Z'))
    assert.ok(visible - stamp >= 2000, `visible ${visible - stamp} ms after its SystemModstamp`)
    const shown = await t.conn.query<{ Id: string; SystemModstamp: string }>(newest)
    assert.equal(shown.records[0]?.Id, entry.id)
    assert.equal(shown.records[0]?.SystemModstamp, entry.systemModstamp)

    // /updated covers only whole past minutes: a minute later it lists the record.
    await t.control('POST', '/clock/advance', { ms: 60_000 })
    const start = new Date(stamp - 60_000).toISOString()
    const end = new Date(visible + 120_000).toISOString()
    const updated = await t.conn.request<{ ids: string[] }>(
      `/services/data/v60.0/sobjects/Account/updated/?start=${start}&end=${end}`,
    )
    assert.ok(updated.ids.includes(entry.id))
  }))

test('a burst is one transaction: its changes share one SystemModstamp, on one object', () =>
  withOrg(async (t) => {
    await t.control('PATCH', '/activity', { mix: { burst: 1 }, burstSize: 15, objects: ['Contact'] })
    const latest = (await t.journal()).length
    const step = await t.control<{ applied: number }>('POST', '/activity/step', { count: 1 })
    assert.equal(step.applied, 1)
    const entries = await t.journal(latest)
    assert.ok(entries.length >= 10, `most of the 15 writes of the burst are journaled (${entries.length})`)
    assert.deepEqual([...new Set(entries.map((e) => e.sobject))], ['Contact'])
    assert.equal(new Set(entries.map((e) => e.systemModstamp)).size, 1)
    assert.ok(entries.every((e) => e.op === 'insert' || e.op === 'update'))
  }))

test('formula-only changes keep SystemModstamp; deletes, undeletes and purges are journaled as such', () =>
  withOrg(async (t) => {
    await t.control('PATCH', '/activity', { mix: { formula: 1 }, objects: ['Invoice__c'] })
    const latest = (await t.journal()).length
    await t.control('POST', '/activity/step', { count: 5 })
    const formulas = await t.journal(latest)
    assert.equal(formulas.length, 5)
    for (const e of formulas) {
      assert.equal(e.op, 'formula')
      assert.equal(e.systemModstamp, e.record?.SystemModstamp, 'the image carries the unchanged stamp')
    }
    await t.control('PATCH', '/activity', { mix: { delete: 1 }, objects: ['Lead'] })
    await t.control('POST', '/activity/step', { count: 3 })
    await t.control('PATCH', '/activity', { mix: { undelete: 1 } })
    await t.control('POST', '/activity/step', { count: 1 })
    await t.control('PATCH', '/activity', { mix: { purge: 1 } })
    await t.control('POST', '/activity/step', { count: 1 })
    const ops = (await t.journal(latest + 5)).map((e) => [e.op, e.isDeleted, e.record === null])
    assert.deepEqual(ops, [
      ['delete', true, false],
      ['delete', true, false],
      ['delete', true, false],
      ['undelete', false, false],
      ['purge', false, true],
    ])
  }))

test('background activity at a rate, started and stopped through the control API', () =>
  withOrg(async (t) => {
    const started = await t.control<ActivityStatus>('POST', '/activity/start', { rate: 200 })
    assert.equal(started.running, true)
    let status = started
    for (let i = 0; i < 100 && status.applied < 5; i++) {
      await new Promise((r) => setTimeout(r, 20))
      status = await t.control<ActivityStatus>('GET', '/activity')
    }
    assert.ok(status.applied >= 5, 'the timer applies activities')
    const stopped = await t.control<ActivityStatus>('POST', '/activity/stop')
    assert.equal(stopped.running, false)
    await new Promise((r) => setTimeout(r, 150))
    const later = await t.control<ActivityStatus>('GET', '/activity')
    assert.equal(later.planned, stopped.planned, 'nothing is planned once stopped')
  }))

test('--activity and --commit-lag options start the activity; bad settings are refused with a reason', () =>
  withOrg(
    async (t) => {
      const status = await t.control<ActivityStatus>('GET', '/activity')
      assert.equal(status.running, true)
      assert.equal(status.config.commitLagMs, 1000)
      await t.control('POST', '/activity/stop')
      const refusals: Array<[string, string, unknown, RegExp]> = [
        ['PATCH', '/activity', { rate: -1 }, /rate must be a number/],
        ['PATCH', '/activity', { mix: { teleport: 1 } }, /unknown kind 'teleport'/],
        ['PATCH', '/activity', { mix: { insert: 0 } }, /at least one kind/],
        ['PATCH', '/activity', { objects: ['Nope__c'] }, /no sObject 'Nope__c'/],
        ['PATCH', '/activity', { colour: 'red' }, /Unknown activity setting 'colour'/],
        ['POST', '/activity/step', { count: -2 }, /count must be a whole number/],
        ['GET', '/journal?after=x', undefined, /after must be a whole number/],
      ]
      for (const [method, path, body, message] of refusals) {
        const answer = await t.controlRaw(method, path, body)
        assert.equal(answer.status, 400, `${method} ${path}`)
        assert.match(JSON.stringify(answer.body), message)
      }
      await t.control('PATCH', '/activity', { rate: 0 })
      const start = await t.controlRaw('POST', '/activity/start')
      assert.equal(start.status, 400)
    },
    { activityRate: 5, commitLagMs: 1000 },
  ))

test('lag jitter: activities become visible out of SystemModstamp order', () =>
  withOrg(async (t) => {
    await t.control('PATCH', '/activity', {
      commitLagMs: 1000,
      commitLagJitterMs: 2000,
      mix: { update: 1 },
      objects: ['Account', 'Contact'],
    })
    const latest = (await t.journal()).at(-1)?.seq ?? 0
    await t.control('POST', '/activity/step', { count: 10 })
    await t.control('POST', '/clock/advance', { ms: 1000 })
    await t.control('POST', '/activity/step', { count: 10 })
    for (let i = 0; i < 8; i++) await t.control('POST', '/clock/advance', { ms: 500 })
    const entries = await t.journal(latest)
    assert.equal(entries.length, 20)
    const ms = (s: string | null) => Date.parse(String(s).replace('+0000', 'Z'))
    let inversions = 0
    for (let i = 1; i < entries.length; i++) {
      const [a, b] = [entries[i - 1], entries[i]]
      if (a && b && ms(b.systemModstamp) < ms(a.systemModstamp)) inversions++
      if (a && b) assert.ok(ms(b.visibleAt) >= ms(a.visibleAt), 'commits are journaled in visible order')
    }
    assert.ok(inversions > 0, 'a later change became visible before an earlier one')
  }))

test('commit lag holds for Bulk 2.0 queries too', () =>
  withOrg(async (t) => {
    await t.control('PATCH', '/activity', { commitLagMs: 2000, mix: { insert: 1 }, objects: ['Lead'] })
    t.conn.bulk2.pollInterval = 50
    const count = async () => {
      const rows: unknown[] = []
      const stream = await t.conn.bulk2.query('SELECT Id FROM Lead')
      for await (const row of stream) rows.push(row)
      return rows.length
    }
    const before = await count()
    await t.control('POST', '/activity/step', { count: 3 })
    assert.equal(await count(), before, 'three inserts planned, none visible')
    await t.control('POST', '/clock/advance', { ms: 2000 })
    assert.equal(await count(), before + 3)
  }))
