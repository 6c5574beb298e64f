/**
 * `npm run bench -- sync-reconcile [--rows N | --quick] [--runs R] [--lost K] [--ghosts G] [--dests sqlite,postgres] [--retained]`:
 * the memory and time of an Id reconciliation of N Account rows (default 1,000,000; `--quick` 100,000)
 * against the emulator (issue 5: "peak RSS ≤ 300 MB and the same at 1M and 3M rows").
 * The emulator is a child process; every sync is a worker process of its own, so its peak RSS
 * (getrusage maxRSS) is its own:
 * 1. `load`: the initial load (Id, Name and the fields always read), not measured;
 * 2. the destination is damaged: K rows removed (the org still has them) and G ghost rows added (Ids
 *    the org never had);
 * 3. `incremental`: an incremental run whose reconciliation is not due (the baseline);
 * 4. `reconcile`: the same run with `reconcileEveryMs: 0` (a Bulk Id scan of N Ids, both differences).
 * Each reconcile is checked: N live rows, every ghost marked deleted, every removed row back.
 * Steps 2–4 repeat R times (default 2), with new rows removed and new ghosts each time.
 * `--retained`: the workers force a full GC before each heap sample (every 100 ms), so "peak heap" is
 * the largest heap still referenced, not garbage V8 has yet to collect (the RSS then is not the
 * production figure: run without it for that).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openDestination } from '../src/store/open-destination.ts'
import type { Destination } from '../src/store/destination.ts'
import { runSync } from '../src/sync/sync-engine.ts'
import { startEmulatorChild, type EmulatorChild } from './_emulator-child.ts'
import { openBenchPostgres } from './_pg.ts'
import { connectBenchClient } from './_sfsync-client.ts'
import { readTask, runWorker } from './_worker.ts'
import { API_VERSION } from './_load-contestants.ts'
import { fmt, mb, median, printTable } from './_stats.ts'

const OBJECT = 'Account'
const FIELDS = ['Name']
const DESTS = ['sqlite', 'postgres'] as const
type Mode = 'load' | 'incremental' | 'reconcile'

type Target = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema: string }

interface Task {
  readonly mode: Mode
  readonly target: Target
  readonly scratch: string
  readonly instanceUrl: string
  readonly consumerKey: string
  readonly consumerSecret: string
  /** Force a full GC before each heap sample (`--retained`). */
  readonly retained: boolean
}

interface WorkerResult {
  readonly ms: number
  readonly cpuMs: number
  readonly maxRss: number
  readonly maxHeap: number
  readonly rowsWritten: number
  readonly rowsDeleted: number
  readonly reconciled: boolean
  readonly apiCalls: number
  readonly notices: string[]
}

function openTarget(target: Target): Promise<Destination> {
  return target.kind === 'sqlite'
    ? openDestination(`sqlite:${target.path}`)
    : openDestination(target.url, { schema: target.schema })
}

// ---------------------------------------------------------------- worker

async function workerMain(): Promise<void> {
  const task = await readTask<Task>()
  // The client side as src/cli/cli-runtime.ts builds it, on a state store of the worker's own.
  const { client, close: closeStore } = await connectBenchClient({
    stateUrl: `sqlite:${task.scratch}/state-${task.mode}-${process.pid}.sqlite`,
    instanceUrl: task.instanceUrl,
    consumerKey: task.consumerKey,
    consumerSecret: task.consumerSecret,
    apiVersion: API_VERSION,
  })
  const dest = await openTarget(task.target)
  let heap = 0
  const gc = task.retained ? (globalThis as { gc?: () => void }).gc : undefined
  const sampler = setInterval(() => {
    gc?.()
    heap = Math.max(heap, process.memoryUsage().heapUsed)
  }, 100)
  const notices: string[] = []
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  const result = await runSync({
    client,
    dest,
    selection: { objects: [OBJECT], fields: { [OBJECT]: FIELDS } },
    settings: {
      reconcileEveryMs: task.mode === 'reconcile' ? 0 : 24 * 3_600_000,
      bulkPoll: { initialIntervalMs: 100, maxIntervalMs: 1_000 },
    },
    onEvent: (e) => {
      if (e.type === 'notice') notices.push(e.message)
    },
  }).finally(() => clearInterval(sampler))
  const ms = performance.now() - t0
  const used = process.cpuUsage(cpu)
  const o = result.objects[0]
  if (result.error || !o || o.status !== 'synced')
    throw new Error(`the ${task.mode} run failed: ${result.error?.message ?? o?.error?.message}`)
  await dest.close()
  await closeStore()
  const out: WorkerResult = {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    maxRss: process.resourceUsage().maxRSS * 1024,
    maxHeap: Math.max(heap, process.memoryUsage().heapUsed),
    rowsWritten: o.rowsWritten,
    rowsDeleted: o.rowsDeleted,
    reconciled: o.reconciled ?? false,
    apiCalls: o.apiCalls,
    notices,
  }
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`)
}

// ---------------------------------------------------------------- main

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

function positive(name: string, fallback: number): number {
  const n = Number(arg(name) ?? fallback)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} takes a positive integer`)
  return n
}

function runReconcileWorker(task: Task): Promise<WorkerResult> {
  return runWorker<WorkerResult>(fileURLToPath(import.meta.url), task, task.retained ? ['--expose-gc'] : [])
}

/** Removes `lost` rows spread over the Id range and adds `ghosts` rows the org never had. */
async function damage(
  target: Target,
  rows: number,
  lost: number,
  ghosts: number,
  round: number,
): Promise<{ lostIds: string[]; ghostIds: string[] }> {
  const dest = await openTarget(target)
  try {
    const step = Math.max(1, Math.floor(rows / lost))
    const lostIds: string[] = []
    let i = 0
    for await (const page of dest.listIds(OBJECT, { pageSize: 50_000 }))
      for (const id of page)
        if (!id.startsWith('001GH') && i++ % step === round && lostIds.length < lost) lostIds.push(id)
    await dest.deleteRows(OBJECT, lostIds, { hard: true })
    const ghostIds = Array.from({ length: ghosts }, (_, g) => `001GH${round}${String(g).padStart(12, '0')}`)
    const w = await dest.openWriter(OBJECT, ['Id', 'Name', 'IsDeleted'])
    await w.write(ghostIds.map((id) => [id, 'ghost', false]))
    await w.commit()
    await w.close()
    return { lostIds, ghostIds }
  } finally {
    await dest.close()
  }
}

/** What the reconcile must have left: every org row live, every ghost deleted, every lost row back. */
async function verify(
  target: Target,
  rows: number,
  lostIds: readonly string[],
  ghostIds: readonly string[],
): Promise<string[]> {
  const dest = await openTarget(target)
  try {
    const problems: string[] = []
    const live = await dest.countRows(OBJECT)
    if (live !== rows) problems.push(`${fmt(live)} live rows, not ${fmt(rows)}`)
    const back = await dest.readRows(OBJECT, { ids: lostIds })
    if (back.length !== lostIds.length) problems.push(`${lostIds.length - back.length} removed rows not back`)
    const ghosts = await dest.readRows(OBJECT, { ids: ghostIds })
    const alive = ghosts.filter((r) => r.isdeleted !== true).length
    if (alive > 0) problems.push(`${alive} ghost rows not marked deleted`)
    return problems
  } finally {
    await dest.close()
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick')
  const rows = positive('--rows', quick ? 100_000 : 1_000_000)
  const runs = positive('--runs', 2)
  const lost = positive('--lost', 5_000)
  const ghosts = positive('--ghosts', 5_000)
  const dests = DESTS.filter((d) => (arg('--dests') ?? DESTS.join(',')).split(',').includes(d))
  if (dests.length === 0) throw new Error(`--dests takes ${DESTS.join(', ')}`)
  const retained = process.argv.includes('--retained')
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
  process.stdout.write(
    `sync-reconcile: ${fmt(rows)} ${OBJECT} rows, ${fmt(lost)} removed and ${fmt(ghosts)} ghost rows per run, ` +
      `${runs} runs per destination${retained ? ', heap sampled after a forced GC (--retained)' : ''}; ${cpus().length} CPUs, load average ${load}, node ${process.version}\n`,
  )
  const pgServer = dests.includes('postgres') ? await openBenchPostgres() : undefined
  let emu: EmulatorChild | undefined
  const scratch = mkdtempSync(join(tmpdir(), 'sfsync-bench-reconcile-'))
  const failures: string[] = []
  const table: string[][] = [
    ['destination', 'run', 'peak RSS', 'peak heap', 'wall ms', 'CPU ms', 'API calls', 'written', 'deleted'],
  ]
  const peaks = new Map<string, number[]>()
  try {
    emu = await startEmulatorChild({ [OBJECT]: rows })
    const info = emu.info
    process.stdout.write(
      `emulator child (pid ${emu.pid}) ready in ${fmt(emu.startMs)} ms (not timed)${pgServer ? `; ${pgServer.note}` : ''}\n`,
    )
    for (const kind of dests) {
      const target: Target =
        kind === 'sqlite'
          ? { kind, path: join(scratch, 'reconcile.sqlite') }
          : { kind, url: (pgServer as { url: string }).url, schema: `bench_reconcile_${process.pid}` }
      const task = (mode: Mode): Task => ({
        mode,
        target,
        scratch,
        instanceUrl: info.instanceUrl,
        consumerKey: info.consumerKey,
        consumerSecret: info.consumerSecret,
        retained,
      })
      const loaded = await runReconcileWorker(task('load'))
      process.stdout.write(`${kind}: loaded ${fmt(loaded.rowsWritten)} rows in ${fmt(loaded.ms)} ms\n`)
      for (let run = 0; run < runs; run++) {
        const { lostIds, ghostIds } = await damage(target, rows, lost, ghosts, run)
        for (const mode of ['incremental', 'reconcile'] as const) {
          const r = await runReconcileWorker(task(mode))
          table.push([
            kind,
            `${mode} ${run + 1}`,
            mb(r.maxRss),
            mb(r.maxHeap),
            fmt(r.ms),
            fmt(r.cpuMs),
            fmt(r.apiCalls),
            fmt(r.rowsWritten),
            fmt(r.rowsDeleted),
          ])
          const key = `${kind} ${mode}`
          peaks.set(key, [...(peaks.get(key) ?? []), r.maxRss])
          if (mode === 'reconcile') {
            if (!r.reconciled) failures.push(`${kind} run ${run + 1}: no reconciliation ran`)
            for (const p of await verify(target, rows, lostIds, ghostIds))
              failures.push(`${kind} run ${run + 1}: ${p}`)
          }
        }
      }
    }
  } finally {
    await emu?.stop()
    await pgServer?.stop()
    rmSync(scratch, { recursive: true, force: true })
  }
  printTable(table)
  for (const [key, values] of peaks)
    process.stdout.write(`${key}: median peak RSS ${mb(median(values))} over ${values.length} run(s)\n`)
  if (failures.length > 0) {
    process.stdout.write(`FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`)
    process.exitCode = 1
  }
}

if (process.argv.includes('--worker')) await workerMain()
else await main()
