/**
 * `sfsync sync` and `sfsync status` as a user runs them (subprocesses, real emulator, a connection made
 * with `sfsync connect`), and the terminal progress view.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { isolatedDir, isolatedSqlitePath } from '../../test/support/isolation.ts'
import { runCli } from '../../test/support/salesforce/emulator-fixture.ts'
import { startSyncOrg } from '../../test/support/sync/sync-fixture.ts'
import { TtyProgress, JsonLinesProgress, summaryLines } from '../cli/sync-progress.ts'
import type { ObjectResult } from './sync-events.ts'

describe('sfsync sync / status', () => {
  test('JSON lines while it runs, a stored summary, status per object, and clear input errors', async (t) => {
    const org = await startSyncOrg(t, { Account: 400, Contact: 100 })
    const env = {
      SFSYNC_HOME: join(isolatedDir(t), 'home'),
      SFSYNC_MASTER_KEY: randomBytes(32).toString('base64'),
    }
    const { info } = org.emulator
    const connect = await runCli(
      ['connect', '--name', 'emu', '--instance-url', info.instanceUrl, '--client-id', info.consumerKey],
      {
        env: { ...env, SFSYNC_CLIENT_SECRET: info.consumerSecret },
      },
    )
    assert.equal(connect.code, 0, connect.stderr)
    const dest = `sqlite:${isolatedSqlitePath(t)}`
    const run = await runCli(
      [
        'sync',
        '--name',
        'emu',
        '--objects',
        'Account,Contact',
        '--dest',
        dest,
        '--json',
        '--bulk-threshold',
        '300',
      ],
      { env },
    )
    assert.equal(run.code, 0, run.stdout + run.stderr)
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; result?: { objects: Record<string, unknown>[] } })
    assert.equal(lines[0]?.type, 'run-start')
    assert.equal(lines.at(-1)?.type, 'run-done')
    assert.deepEqual(lines.filter((l) => l.type === 'object-done').length, 2)
    const summary = lines.at(-1)?.result?.objects ?? []
    assert.deepEqual(
      summary.map((o) => [o.object, o.status, o.rowsWritten, o.strategy]),
      [
        ['Account', 'synced', 400, 'bulk'],
        ['Contact', 'synced', 100, 'rest'],
      ],
    )
    assert.ok(
      summary.every(
        (o) => typeof o.apiCalls === 'number' && o.apiCalls > 0 && typeof o.durationMs === 'number',
      ),
    )

    const status = await runCli(['status', '--name', 'emu', '--dest', dest, '--json'], { env })
    assert.equal(status.code, 0, status.stderr)
    const body = JSON.parse(status.stdout) as {
      objects: {
        object: string
        localRows: number
        orgRows: number
        cursor: string | null
        lastRun: { status: string } | null
        lastError: unknown
      }[]
    }
    assert.deepEqual(
      body.objects.map((o) => [o.object, o.localRows, o.orgRows, o.lastRun?.status, o.lastError]),
      [
        ['Account', 400, 400, 'synced', null],
        ['Contact', 100, 100, 'synced', null],
      ],
    )
    assert.ok(body.objects.every((o) => o.cursor !== null && !Number.isNaN(Date.parse(o.cursor))))
    const human = await runCli(['status', '--name', 'emu', '--dest', dest], { env })
    assert.match(human.stdout, /Account: 400 local rows, 400 in the org/)

    const unknown = await runCli(['sync', '--name', 'emu', '--objects', 'Nope__c', '--dest', dest], { env })
    assert.equal(unknown.code, 2)
    assert.match(unknown.stdout, /no object named \\?"Nope__c\\?"/)
    const neither = await runCli(['sync', '--name', 'emu', '--dest', dest], { env })
    assert.equal(neither.code, 2)
    assert.match(neither.stderr, /--objects Account,Contact\) or pass --all/)
  })
})

describe('progress views', () => {
  const result = (over: Partial<ObjectResult> = {}): ObjectResult => ({
    object: 'Account',
    status: 'synced',
    phase: 'load',
    strategy: 'bulk',
    rowsWritten: 1000,
    rowsDeleted: 2,
    apiCalls: 7,
    durationMs: 4000,
    cursor: null,
    ...over,
  })

  test('the terminal view redraws in place with rows, rows/s and ETA, then the summary', () => {
    let now = 0
    let out = ''
    const view = new TtyProgress(
      (s) => (out += s),
      () => now,
    )
    view.handle({ type: 'run-start', runId: 'r', objects: ['Account', 'Contact'] })
    view.handle({
      type: 'object-start',
      object: 'Account',
      phase: 'load',
      strategy: 'bulk',
      expectedRows: 1000,
    })
    now = 2000
    view.handle({ type: 'rows', object: 'Account', rows: 500, expectedRows: 1000 })
    assert.match(out, /Account\s+loading\s+\[#{10}\.{10}\] 500\/1,000 rows\s+250 rows\/s ETA 0:02/)
    assert.match(out, /Contact\s+waiting/)
    // The block moves the cursor up to redraw in place (ESC [ n A).
    assert.match(out, new RegExp(`${String.fromCharCode(27)}\\[\\d+A`))
    view.handle({ type: 'object-done', result: result() })
    assert.match(out, /Account\s+done\s+1,000 rows, 2 deleted, 7 calls/)
    const lines = summaryLines({
      runId: 'r',
      startedAt: '',
      finishedAt: '',
      apiCalls: 9,
      objects: [
        result(),
        result({ object: 'Contact', status: 'failed', error: new (class extends Error {})('boom') as never }),
      ],
    })
    assert.match(lines.join('\n'), /Contact\s+failed/)
  })

  test('JSON lines: progress at most once a second per object, every other event', () => {
    let now = 0
    const out: string[] = []
    const view = new JsonLinesProgress(
      (s) => out.push(s),
      () => now,
    )
    for (let i = 1; i <= 5; i++) view.handle({ type: 'rows', object: 'Account', rows: i * 100 })
    now = 1500
    view.handle({ type: 'rows', object: 'Account', rows: 600 })
    view.handle({ type: 'notice', object: 'Account', message: 'schema: add_column x' })
    assert.deepEqual(
      out.map(
        (l) =>
          (JSON.parse(l) as { type: string; rows?: number }).rows ?? (JSON.parse(l) as { type: string }).type,
      ),
      [100, 600, 'notice'],
    )
  })
})
