/**
 * `npm run bench -- sync-incremental [--rows N] [--rounds R] [--changes C] [--advance-s S]
 * [--dest sqlite,postgres] [--requests]`: issue 5's target "an incremental run of 1,000 changes in the
 * 1M-row org in under 2 s and at most 5 API calls", measured.
 *
 * The emulator is a child process with N Account rows (default 1,000,000). sfsync's initial load of
 * Account goes into each destination (SQLite; PostgreSQL from DATABASE_URL, else embedded). Then, per
 * round (default 5): the emulator's activity makes exactly C changes to Account (default 1,000; 80%
 * updates, 10% inserts, 10% deletes; commit lag 0, so every change is visible when made and no wait is
 * needed), spread evenly over S seconds of the org's clock (default 300: runs every 5 minutes; the
 * clock is moved through the control API, not waited for), and each destination runs one incremental
 * sync: `runSync`, the call `sfsync sync` makes, default settings, in this process (the initial load
 * warmed it up, as a `--watch` process would be). With the engine's defaults (lookback 60 s,
 * visibility lag 120 s) a run also reads again the previous round's changes of its last minutes:
 * about half of them here.
 *
 * Measured per run: wall time of `runSync` and its phases (from the engine's events), API calls as the
 * org counted them (`DailyApiRequests` before/after, through the control API) and as the engine
 * reports them (result.apiCalls), the emulator's requests per route (`--requests`: and how long each
 * waited for the org's answer), rows written/deleted; then every changed record is read from the org
 * (REST queryAll by Id, after the counters were read) and compared field by field with the
 * destination's row. Making the changes and checking them are not timed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openDestination } from '../src/store/open-destination.ts'
import type { Destination } from '../src/store/destination.ts'
import type { SObjectDescribe } from '../src/salesforce/data/describe-client.ts'
import { planObject } from '../src/sync/sync-plan.ts'
import { runSync } from '../src/sync/sync-engine.ts'
import type { SyncEvent } from '../src/sync/sync-events.ts'
import { clientCredentialsToken, getJson, startEmulatorChild, type EmulatorLine } from './_emulator-child.ts'
import { openBenchPostgres, type BenchPostgres } from './_pg.ts'
import { connectBenchClient } from './_sfsync-client.ts'
import { controlClient } from '../test/support/salesforce/emulator-fixture.ts'
import { sameValue } from '../test/support/sync/convergence.ts'
import { fmt, median, printTable } from './_stats.ts'

const OBJECT = 'Account'
const API_VERSION = '62.0'
const DESTS = ['sqlite', 'postgres'] as const
type DestKind = (typeof DESTS)[number]
const TARGET_MS = 2_000
const TARGET_CALLS = 5
/** The activity mix of a round: updates mostly, some inserts and deletes. */
const MIX = { update: 80, insert: 10, delete: 10 }
/** Steps a round's changes are spread over (the interval between two runs). */
const SPREAD = 10

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

function positive(name: string, fallback: number): number {
  const v = Number(arg(name) ?? fallback)
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} takes a positive integer`)
  return v
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

/** The control API, typed by the caller (the test fixtures' caller). */
function control(info: EmulatorLine) {
  const call = controlClient(info)
  return async <T>(method: string, path: string, body?: unknown): Promise<T> =>
    (await call(method, path, body)) as T
}

/** The client side as src/cli/cli-runtime.ts builds it, connected with client credentials. */
function connectClient(info: EmulatorLine, scratch: string, fetchFn: typeof fetch) {
  return connectBenchClient({
    stateUrl: `sqlite:${join(scratch, 'state.sqlite')}`,
    instanceUrl: info.instanceUrl,
    consumerKey: info.consumerKey,
    consumerSecret: info.consumerSecret,
    apiVersion: API_VERSION,
    fetch: fetchFn,
  })
}

/** The engine's requests of the current run: path and ms to the answer's headers (the org's work). */
const requestTimes: Array<{ path: string; ms: number }> = []

/** `fetch` that notes how long each request waited for the org's answer (`--requests` prints them). */
const timedFetch: typeof fetch = async (input, init) => {
  const t0 = performance.now()
  const res = await fetch(input, init)
  const url = new URL(input instanceof Request ? input.url : String(input))
  requestTimes.push({
    path: url.pathname.replace(/^\/services\/data\/v[\d.]+/, ''),
    ms: performance.now() - t0,
  })
  return res
}

interface JournalEntry {
  readonly seq: number
  readonly op: string
  readonly sobject: string
  readonly id: string
}

/** One incremental run's measurements. */
interface RunFigures {
  readonly round: number
  readonly dest: DestKind
  readonly ms: number
  readonly orgCalls: number
  readonly engineCalls: number
  readonly objectCalls: number
  readonly byRoute: Record<string, number>
  readonly rowsWritten: number
  readonly rowsDeleted: number
  readonly checked: number
  readonly differences: string[]
}

async function main(): Promise<void> {
  const rows = positive('--rows', 1_000_000)
  const rounds = positive('--rounds', 5)
  const changes = positive('--changes', 1_000)
  const advanceS = positive('--advance-s', 300)
  const showRequests = process.argv.includes('--requests')
  const dests = (arg('--dest') ?? DESTS.join(',')).split(',').map((d) => d.trim()) as DestKind[]
  const bad = dests.filter((d) => !(DESTS as readonly string[]).includes(d))
  if (bad.length > 0) throw new Error(`--dest takes ${DESTS.join(', ')}; not ${bad.join(', ')}`)
  process.stdout.write(
    `sync-incremental: ${fmt(rows)} ${OBJECT} rows, ${rounds} rounds of ${fmt(changes)} changes ` +
      `(${Object.entries(MIX)
        .map(([k, v]) => `${v}% ${k}s`)
        .join(', ')}), clock +${advanceS} s per round, destinations ${dests.join(', ')}; ` +
      `${cpus().length} CPUs, load average ${load()}, node ${process.version}\n`,
  )
  const scratch = mkdtempSync(join(tmpdir(), 'sfsync-bench-incr-'))
  const emu = await startEmulatorChild({ [OBJECT]: rows })
  let pgServer: BenchPostgres | undefined
  const opened: Array<{ kind: DestKind; dest: Destination; schema?: string }> = []
  const closers: Array<() => Promise<void>> = []
  const figures: RunFigures[] = []
  try {
    process.stdout.write(`emulator child (pid ${emu.pid}) ready in ${fmt(emu.startMs)} ms (not timed)\n`)
    const ctl = control(emu.info)
    const token = await clientCredentialsToken(emu.info)
    const { client, close } = await connectClient(emu.info, scratch, timedFetch)
    closers.push(close)
    const describe = await getJson<SObjectDescribe>(
      emu.info,
      token,
      `/services/data/v${API_VERSION}/sobjects/${OBJECT}/describe`,
    )
    const plan = planObject(describe)
    const types = new Map(plan.fieldSpecs.map((f) => [f.name, f.type]))

    // Initial loads (context; sync-load measures them properly).
    for (const kind of dests) {
      let dest: Destination
      let schema: string | undefined
      if (kind === 'sqlite') dest = await openDestination(`sqlite:${join(scratch, 'incr.sqlite')}`)
      else {
        pgServer = await openBenchPostgres()
        schema = `bench_incr_${process.pid}`
        dest = await openDestination(pgServer.url, { schema })
        process.stdout.write(`${pgServer.note}\n`)
      }
      opened.push({ kind, dest, ...(schema ? { schema } : {}) })
      const t0 = performance.now()
      const r = await runSync({ client, dest, selection: { objects: [OBJECT] } })
      const o = r.objects[0]
      if (r.error || o?.status !== 'synced' || o.phase !== 'load')
        throw new Error(`initial load into ${kind} failed: ${r.error?.message ?? o?.error?.message}`)
      const local = await dest.countRows(OBJECT, { includeDeleted: true })
      if (local !== rows) throw new Error(`${kind}: ${local} rows after the initial load, expected ${rows}`)
      process.stdout.write(
        `initial load → ${kind}: ${fmt(rows)} rows in ${fmt(performance.now() - t0)} ms ` +
          `(${o.strategy}, ${o.apiCalls} API calls of the object, ${r.apiCalls} in all)\n`,
      )
    }

    // The changes: the emulator's own activity, on Account only, committed without lag.
    const status = await ctl<{ config: { commitLagMs: number; commitLagJitterMs: number } }>(
      'PATCH',
      '/activity',
      { objects: [OBJECT], mix: MIX, commitLagMs: 0, commitLagJitterMs: 0, rate: 0 },
    )
    process.stdout.write(
      `activity: commit lag ${status.config.commitLagMs} ms (jitter ${status.config.commitLagJitterMs} ms): ` +
        `changes are visible when made, no wait needed; engine defaults (lookback 60 s, visibility lag 120 s)\n`,
    )

    for (let round = 1; round <= rounds; round++) {
      const made = performance.now()
      const before = await ctl<{ latestSeq: number }>('GET', '/journal?after=0&limit=1')
      // The changes are spread over the interval between two runs, in SPREAD steps.
      let applied = 0
      for (let i = 0; i < SPREAD; i++) {
        const count = Math.floor((changes * (i + 1)) / SPREAD) - Math.floor((changes * i) / SPREAD)
        await ctl('POST', '/clock/advance', { ms: (advanceS * 1000) / SPREAD })
        if (count > 0)
          applied += (await ctl<{ applied: number }>('POST', '/activity/step', { count })).applied
        await ctl('POST', '/activity/flush')
      }
      const stepped = { applied }
      const entries: JournalEntry[] = []
      for (let after = before.latestSeq; ;) {
        const page = await ctl<{ entries: JournalEntry[]; nextAfter: number; done: boolean }>(
          'GET',
          `/journal?after=${after}&limit=10000`,
        )
        entries.push(...page.entries)
        if (page.done || page.entries.length === 0) break
        after = page.nextAfter
      }
      const mine = entries.filter((e) => e.sobject === OBJECT)
      const ops: Record<string, number> = {}
      for (const e of mine) ops[e.op] = (ops[e.op] ?? 0) + 1
      const ids = [...new Set(mine.map((e) => e.id))]
      process.stdout.write(
        `round ${round}: ${stepped.applied} activities applied; journal: ${mine.length} ${OBJECT} changes ` +
          `(${Object.entries(ops)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')}) on ${ids.length} records` +
          (entries.length > mine.length ? `, ${entries.length - mine.length} on other objects` : '') +
          ` (made in ${fmt(performance.now() - made)} ms, not timed)\n`,
      )
      // Alternate which destination runs first.
      const order = round % 2 === 1 ? opened : [...opened].reverse()
      for (const { kind, dest } of order) {
        await ctl('DELETE', '/counters')
        const usedBefore = (await ctl<{ used: number }>('GET', '/api-usage')).used
        requestTimes.length = 0
        const t0 = performance.now()
        // Where the time goes, from the engine's events: describeGlobal | describe, table, checkpoint |
        // changes read and written | deletes, checkpoint, run summary.
        const at: Partial<Record<SyncEvent['type'], number>> = {}
        const r = await runSync({
          client,
          dest,
          selection: { objects: [OBJECT] },
          onEvent: (e) => {
            if (e.type === 'rows' || at[e.type] === undefined) at[e.type] = performance.now() - t0
          },
        })
        const ms = performance.now() - t0
        const phases = [at['run-start'], at['object-start'], at.rows ?? at['object-start'], at['object-done']]
          .map((v, i, all) => (v ?? NaN) - (i === 0 ? 0 : (all[i - 1] ?? NaN)))
          .map((v) => fmt(v))
          .join(' | ')
        const usedAfter = (await ctl<{ used: number }>('GET', '/api-usage')).used
        const counters = await ctl<Record<string, number>>('GET', '/counters')
        const byRoute = Object.fromEntries(
          Object.entries(counters).filter(([k]) => !k.includes('__emulator') && !k.startsWith('fault.')),
        )
        const o = r.objects[0]
        if (r.error || o?.status !== 'synced' || o.phase !== 'changes')
          throw new Error(`incremental run into ${kind} failed: ${r.error?.message ?? o?.error?.message}`)
        const verifyStart = performance.now()
        const differences = await verify(
          emu.info,
          token,
          dest,
          plan.fields.map((f) => f.name),
          types,
          ids,
        )
        const f: RunFigures = {
          round,
          dest: kind,
          ms,
          orgCalls: usedAfter - usedBefore,
          engineCalls: r.apiCalls,
          objectCalls: o.apiCalls,
          byRoute,
          rowsWritten: o.rowsWritten,
          rowsDeleted: o.rowsDeleted,
          checked: ids.length,
          differences,
        }
        figures.push(f)
        process.stdout.write(
          `  → ${kind}: ${fmt(ms)} ms, API calls: org ${f.orgCalls}, engine ${f.engineCalls} ` +
            `(${OBJECT} ${f.objectCalls}); written ${f.rowsWritten}, deleted ${f.rowsDeleted}; ` +
            `${f.checked - differences.length}/${f.checked} changed records equal the org ` +
            `(checked in ${fmt(performance.now() - verifyStart)} ms)` +
            `${o.reconciled ? '; reconciled Ids' : ''}; load ${load()}\n` +
            `     ms: describeGlobal ${phases.replace(' | ', ' | describe+table ').replace(/ \| (\S+) \| /, ' | changes $1 | deletes+checkpoint ')}\n` +
            `     requests: ${Object.entries(byRoute)
              .map(([k, v]) => `${k} ×${v}`)
              .join(', ')}\n`,
        )
        if (showRequests)
          process.stdout.write(
            `     waits for the org (ms to headers): ${requestTimes.map((q) => `${q.path} ${fmt(q.ms)}`).join(', ')}\n`,
          )
        for (const d of differences.slice(0, 5)) process.stdout.write(`     DIFF ${d}\n`)
      }
    }
    report(dests, figures, changes, rows)
  } finally {
    for (const o of opened) {
      await o.dest.close()
      if (o.schema && pgServer) {
        const c = new pg.Client({ connectionString: pgServer.url })
        await c.connect()
        await c.query(`DROP SCHEMA IF EXISTS "${o.schema}" CASCADE`)
        await c.end()
      }
    }
    for (const close of closers) await close()
    await pgServer?.stop()
    await emu.stop()
    rmSync(scratch, { recursive: true, force: true })
  }
  if (figures.some((f) => f.differences.length > 0)) {
    process.stdout.write('\nBENCH FAILED: the destination differs from the org for changed records\n')
    process.exitCode = 1
  }
}

/** Reads the changed records from the org (queryAll by Id) and compares every synced field. */
async function verify(
  info: EmulatorLine,
  token: string,
  dest: Destination,
  fields: readonly string[],
  types: ReadonlyMap<string, string>,
  ids: readonly string[],
): Promise<string[]> {
  const differences: string[] = []
  const local = new Map((await dest.readRows(OBJECT, { ids })).map((r) => [String(r.id), r]))
  for (let i = 0; i < ids.length; i += 200) {
    const part = ids.slice(i, i + 200)
    const soql = `SELECT ${fields.join(', ')} FROM ${OBJECT} WHERE Id IN (${part.map((id) => `'${id}'`).join(', ')})`
    let url: string | undefined = `/services/data/v${API_VERSION}/queryAll?q=${encodeURIComponent(soql)}`
    const remote = new Map<string, Record<string, unknown>>()
    while (url) {
      const page: { records: Record<string, unknown>[]; nextRecordsUrl?: string; done: boolean } =
        await getJson(info, token, url)
      for (const r of page.records) remote.set(String(r.Id), r)
      url = page.done ? undefined : page.nextRecordsUrl
    }
    for (const id of part) {
      const rec = remote.get(id)
      const row = local.get(id)
      if (!rec) {
        // Purged (not in this mix): soft deletes keep the row, marked deleted.
        if (row && row.isdeleted !== true) differences.push(`${id}: gone from the org, not marked deleted`)
        continue
      }
      if (!row) {
        differences.push(`${id}: missing locally`)
        continue
      }
      for (const f of fields) {
        const lv = row[f.toLowerCase()]
        if (!sameValue(types.get(f) ?? 'string', lv, rec[f]))
          differences.push(`${id}.${f}: local ${JSON.stringify(lv)} ≠ org ${JSON.stringify(rec[f])}`)
      }
    }
  }
  return differences
}

function report(
  dests: readonly DestKind[],
  figures: readonly RunFigures[],
  changes: number,
  rows: number,
): void {
  const table: string[][] = [
    [
      'destination',
      'wall time (median)',
      'min – max',
      'API calls org / engine (median)',
      'max',
      'rows written / deleted (median)',
      'changed records equal',
      `target < ${TARGET_MS / 1000} s`,
      `target ≤ ${TARGET_CALLS} calls`,
    ],
  ]
  for (const kind of dests) {
    const list = figures.filter((f) => f.dest === kind)
    if (list.length === 0) continue
    const times = list.map((f) => f.ms)
    const calls = list.map((f) => f.orgCalls)
    const med = median(times)
    const worstCalls = Math.max(...calls, ...list.map((f) => f.engineCalls))
    const agree = list.every((f) => f.orgCalls === f.engineCalls)
    const checked = list.reduce((s, f) => s + f.checked, 0)
    const bad = list.reduce((s, f) => s + f.differences.length, 0)
    table.push([
      kind,
      `${fmt(med)} ms`,
      `${fmt(Math.min(...times))} – ${fmt(Math.max(...times))} ms`,
      `${median(calls)} / ${median(list.map((f) => f.engineCalls))}${agree ? '' : ' (DISAGREE)'}`,
      String(worstCalls),
      `${median(list.map((f) => f.rowsWritten))} / ${median(list.map((f) => f.rowsDeleted))}`,
      bad === 0 ? `yes (${fmt(checked)} checked)` : `NO: ${bad} differences`,
      med < TARGET_MS ? 'PASS' : `MISS (${(med / TARGET_MS).toFixed(2)}×)`,
      worstCalls <= TARGET_CALLS ? 'PASS' : `MISS (${worstCalls})`,
    ])
  }
  process.stdout.write(
    `\n${fmt(changes)} changes per round in a ${fmt(rows)}-row org; ${figures.length / Math.max(1, dests.length)} rounds; ` +
      `wall time of runSync (plan, describe, changes, deletes, checkpoint, run summary); API calls: the org's ` +
      `DailyApiRequests delta / the engine's result.apiCalls.\n\n`,
  )
  printTable(table)
  const routes = new Map<string, number[]>()
  for (const f of figures)
    for (const [k, v] of Object.entries(f.byRoute)) routes.set(k, [...(routes.get(k) ?? []), v])
  process.stdout.write('\nrequests per run by route (median over all runs):\n')
  for (const [k, v] of [...routes.entries()].sort())
    process.stdout.write(`  ${k}: ${median([...v, ...Array<number>(figures.length - v.length).fill(0)])}\n`)
}

await main()
