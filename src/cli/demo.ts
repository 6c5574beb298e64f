/**
 * `npm run demo`: the whole of sfsync in under two minutes, on a fresh clone. Starts the emulator with a
 * seeded org (about 200k rows over 8 objects, live activity with commit lag), connects to it with client
 * credentials through sfsync's own connection code (a throwaway SFSYNC_HOME and master key), runs the
 * initial sync into ./sfsync-demo.sqlite with `sfsync sync`'s progress view, prints the summary and a few
 * queries of the result, lets the org change for a few seconds, runs an incremental sync, shows what
 * changed, then stops the emulator and removes the temporary state. The database file stays.
 *
 * Flags: `--keep` leaves the emulator running until Ctrl-C; `--scale F` multiplies every record count
 * (tests use a small one); `--wait S` seconds of org activity between the two syncs (default 5).
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { openRuntime, type Runtime } from './cli-runtime.ts'
import { openDestination } from '../store/open-destination.ts'
import { runSync } from '../sync/sync-engine.ts'
import type { SyncRunResult } from '../sync/sync-events.ts'
import type { SyncSettings } from '../sync/sync-options.ts'
import { JsonLinesProgress, TtyProgress, summaryLines } from './sync-progress.ts'
import { startDemoEmulator, type DemoEmulator } from './demo-emulator.ts'
import { changedRowsReport, orgComparison, sampleQueriesReport } from './demo-queries.ts'

const DEMO_RECORDS: Readonly<Record<string, number>> = {
  Account: 30_000,
  Contact: 60_000,
  Opportunity: 30_000,
  Lead: 25_000,
  Case: 20_000,
  Task: 25_000,
  Invoice__c: 10_000,
}
/** User is the eighth object: the emulator seeds a handful of users whatever the counts. */
const DEMO_OBJECTS = [...Object.keys(DEMO_RECORDS), 'User']
const DB_FILE = 'sfsync-demo.sqlite'

function flagValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  if (i < 0) return fallback
  const n = Number(process.argv[i + 1])
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`)
  return n
}

const keep = process.argv.includes('--keep')
const scale = flagValue('--scale', 1)
const waitSeconds = flagValue('--wait', 5)
const out = (line = '') => process.stdout.write(`${line}\n`)
const tty = process.stderr.isTTY === true
const started = Date.now()
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`

const records = Object.fromEntries(
  Object.entries(DEMO_RECORDS).map(([k, v]) => [k, Math.max(10, Math.round(v * scale))]),
)
const total = Object.values(records).reduce((a, b) => a + b, 0)

async function sync(
  rt: Runtime,
  dbPath: string,
  title: string,
  settings: Partial<SyncSettings> = {},
): Promise<SyncRunResult> {
  out(title)
  const dest = await openDestination(`sqlite:${dbPath}`)
  try {
    const view = tty
      ? new TtyProgress((s) => process.stderr.write(s))
      : new JsonLinesProgress((s) => process.stdout.write(rt.secrets.scrub(s)))
    const result = await runSync({
      client: rt.client('demo'),
      dest,
      selection: { objects: DEMO_OBJECTS },
      settings,
      onEvent: (e) => view.handle(e),
    })
    out()
    for (const line of summaryLines(result)) out(`  ${line}`)
    if (result.error) throw new Error(`the sync failed: ${result.error.message}`)
    const failed = result.objects.filter((o) => o.status === 'failed')
    if (failed.length > 0) throw new Error(`the sync failed for ${failed.map((o) => o.object).join(', ')}`)
    return result
  } finally {
    await dest.close()
  }
}

const home = await mkdtemp(join(tmpdir(), 'sfsync-demo-'))
const dbPath = resolve(DB_FILE)
let emulator: DemoEmulator | undefined
let rt: Runtime | undefined
let exitCode = 0
try {
  out(`starting the emulator: a seeded org of ${total.toLocaleString('en-US')} records over 8 objects`)
  out(
    `  ${Object.entries(records)
      .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
      .join(', ')}, User`,
  )
  emulator = await startDemoEmulator({ seed: 'demo', records, activityRate: 20, commitLagMs: 1000 })
  const { info } = emulator
  out(`  My Domain ${info.instanceUrl}, org ${info.orgId}, ready after ${elapsed()}`)
  out(`  live activity: 20 changes/s, each visible to queries 1 s after its SystemModstamp`)
  out()

  // A throwaway home and master key: the demo never touches ~/.sfsync.
  process.env.SFSYNC_MASTER_KEY = randomBytes(32).toString('base64')
  rt = await openRuntime({ home, stateUrl: `sqlite:${join(home, 'state.sqlite')}`, logLevel: 'error' })
  rt.secrets.add(info.consumerSecret)
  const summary = await rt.connections.connect({
    name: 'demo',
    instanceUrl: info.instanceUrl,
    clientId: info.consumerKey,
    clientSecret: info.consumerSecret,
    flow: 'client_credentials',
    callbackUrl: rt.config.callbackUrl,
    replace: true,
  })
  out(`sfsync connect: connected "demo" to org ${summary.orgId} as ${summary.username}`)
  out(`  client credentials; secret and tokens encrypted in a temporary SFSYNC_HOME (not shown)`)
  out()

  await rm(dbPath, { force: true })
  await rm(`${dbPath}-wal`, { force: true })
  await rm(`${dbPath}-shm`, { force: true })
  const first = await sync(rt, dbPath, `sfsync sync: initial load into ./${DB_FILE}`)
  const loaded = first.objects.reduce((n, o) => n + o.rowsWritten, 0)
  out(`  ${loaded.toLocaleString('en-US')} rows loaded; ${elapsed()} since start`)
  out()

  for (const line of sampleQueriesReport(dbPath)) out(line)
  out()

  out(`letting the org change for ${waitSeconds} s…`)
  await new Promise((r) => setTimeout(r, waitSeconds * 1000))
  // The org then stops changing, and every change still in its commit lag becomes visible, so that
  // after the incremental run the database can be compared with the org exactly.
  await emulator.control('POST', '/activity/stop')
  await emulator.control('POST', '/activity/flush')
  const activity = (await emulator.control('GET', '/activity')) as {
    applied: number
    byKind: Record<string, number>
  }
  const kinds = Object.entries(activity.byKind)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')
  out(`  the org has committed ${activity.applied} changes since it started (${kinds}); activity now stopped`)
  out()

  const since = new Date().toISOString()
  // Purged records leave no trace a change query can see: only the Id reconciliation (normally at most
  // daily) finds them, so the demo asks for it now to end equal to the org.
  const second = await sync(rt, dbPath, 'sfsync sync: incremental, with an Id reconciliation', {
    reconcileEveryMs: 0,
  })
  out()
  for (const line of changedRowsReport(dbPath, second, since)) out(line)
  out()
  const check = await orgComparison(rt.client('demo'), dbPath, DEMO_OBJECTS)
  for (const line of check.lines) out(line)
  out()
  if (!check.equal)
    throw new Error('the database differs from the org (see the table above): a bug of sfsync')
  out(`done in ${elapsed()}. The database stays: ./${DB_FILE} (open it with any SQLite tool).`)

  if (keep) {
    out()
    await emulator.control('POST', '/activity/start', { rate: 20 })
    out(`the emulator keeps running at ${info.instanceUrl} (activity on again) until Ctrl-C`)
    await new Promise<void>((done) => {
      process.once('SIGINT', done)
      process.once('SIGTERM', done)
      void emulator?.exited.then(done)
    })
  }
} catch (err) {
  exitCode = 1
  process.stderr.write(`\nsfsync demo: ${err instanceof Error ? err.message : String(err)}\n`)
} finally {
  await emulator?.stop()
  await rt?.close()
  await rm(home, { recursive: true, force: true })
}
process.exitCode = exitCode
