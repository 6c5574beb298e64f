/**
 * `npm run bench -- store-load`: an initial load of ROWS 30-column Account-like rows, parsed from an
 * in-memory Bulk CSV with our parser (src/sync/csv), written through the Destination port
 * (src/store) into SQLite (one prepared INSERT, 10k-row transactions) and PostgreSQL (plain COPY,
 * 50k-row transactions), each commit with its checkpoint. Beside each, the same parse feeding a raw
 * writer with no store layer and no checkpoints (node:sqlite INSERT; COPY text), as the ceiling, in
 * the same process and run. Runs alternate; the table shows medians.
 * Peak RSS is sampled per phase; the in-memory CSV itself (reported first) is part of every figure.
 * Env: ROWS (default 1,000,000), RUNS (default 3), DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { finished } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { parseCsvStream } from '../src/sync/csv/parse-csv-stream.ts'
import { openDestination } from '../src/store/open-destination.ts'
import type { Destination } from '../src/store/destination.ts'
import { ACCOUNT_FIELDS, chunked, generateAccountCsv } from './_account-data.ts'
import { fmt, mb, median, PeakRss, perSec, printTable } from './_stats.ts'

const ROWS = Number(process.env.ROWS ?? 1_000_000)
const RUNS = Number(process.env.RUNS ?? 3)
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const FIELDS = ACCOUNT_FIELDS.map((f) => f.name)
const COMMIT_EVERY = { sqlite: 10_000, postgres: 50_000 } as const

interface Outcome {
  rowsPerSec: number
  /** Rows per second of this process's CPU time (user + system): less noisy on a shared machine. */
  rowsPerCpuSec: number
  peakRss: number
}

const batches = (buffers: Buffer[]): AsyncGenerator<{ rows: (string | null)[][] }> =>
  parseCsvStream(chunked(buffers), { columnDelimiter: 'COMMA', lineEnding: 'LF' })

async function measure(work: () => Promise<number>): Promise<Outcome> {
  globalThis.gc?.()
  const rss = new PeakRss()
  const cpu = process.cpuUsage()
  const start = performance.now()
  const rows = await work()
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  if (rows !== ROWS) throw new Error(`wrote ${rows} rows, expected ${ROWS}`)
  return {
    rowsPerSec: perSec(rows, ms),
    rowsPerCpuSec: perSec(rows, (used.user + used.system) / 1000),
    peakRss: rss.stop(),
  }
}

/** sfsync's path: parser → Destination writer (insert mode), checkpoint with every commit. */
async function viaStore(dest: Destination, buffers: Buffer[], every: number): Promise<number> {
  await dest.ensureTable('Account', ACCOUNT_FIELDS)
  const writer = await dest.openWriter('Account', FIELDS, { mode: 'insert' })
  let done = 0
  for await (const { rows } of batches(buffers)) {
    await writer.write(rows)
    done += rows.length
    if (writer.pendingRows >= every) await writer.commit({ rows: done })
  }
  await writer.commit({ rows: done })
  await writer.close()
  const count = await dest.countRows('Account', { includeDeleted: true })
  await dest.close()
  return count
}

/** Ceiling on SQLite: the same parse, one prepared INSERT of the strings as parsed, 10k-row transactions. */
async function rawSqlite(path: string, buffers: Buffer[]): Promise<number> {
  const setup = await openDestination(`sqlite:${path}`)
  await setup.ensureTable('Account', ACCOUNT_FIELDS)
  await setup.close()
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
  const cols = [...FIELDS.map((f) => `"${f.toLowerCase()}"`), '"_sfsync_synced_at"']
  const stmt = db.prepare(
    `INSERT INTO "account" (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
  )
  const now = new Date().toISOString()
  let pending = 0
  db.exec('BEGIN')
  for await (const { rows } of batches(buffers))
    for (const row of rows) {
      stmt.run(...row, now)
      if (++pending % COMMIT_EVERY.sqlite === 0) db.exec('COMMIT; BEGIN')
    }
  db.exec('COMMIT')
  const count = Number((db.prepare('SELECT COUNT(*) AS n FROM "account"').get() as { n: number }).n)
  db.close()
  return count
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** Ceiling on PostgreSQL: the same parse, COPY text built inline, one COPY per 50k rows, no checkpoint. */
async function rawPostgres(schema: string, buffers: Buffer[]): Promise<number> {
  const setup = await openDestination(PG_URL, { schema })
  await setup.ensureTable('Account', ACCOUNT_FIELDS)
  await setup.close()
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  const cols = [...FIELDS.map((f) => `"${f.toLowerCase()}"`), '"_sfsync_synced_at"'].join(', ')
  const sql = `COPY "${schema}"."account" (${cols}) FROM STDIN`
  const now = `\t${new Date().toISOString()}\n`
  await client.query('BEGIN') // before the COPY: pg queues queries, a BEGIN behind a COPY would wait forever
  let copy = client.query(copyFrom(sql))
  let pending = 0
  for await (const { rows } of batches(buffers)) {
    let text = ''
    for (const row of rows) {
      let line = ''
      for (let i = 0; i < row.length; i++) {
        const v = row[i]
        const cell =
          v === null || v === undefined
            ? '\\N'
            : /[\\\n\r\t]/.test(v)
              ? v.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c] ?? c)
              : v
        line += i === 0 ? cell : '\t' + cell
      }
      text += line + now
      if (++pending % COMMIT_EVERY.postgres === 0) {
        copy.write(text)
        text = ''
        copy.end()
        await finished(copy)
        await client.query('COMMIT')
        await client.query('BEGIN')
        copy = client.query(copyFrom(sql))
      }
    }
    if (text && !copy.write(text)) await new Promise((resolve) => copy.once('drain', resolve))
  }
  copy.end()
  await finished(copy)
  await client.query('COMMIT')
  const { rows } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}"."account"`)
  await client.end()
  return Number(rows[0]?.n)
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
}

const genStart = performance.now()
const buffers = generateAccountCsv(ROWS)
const bytes = buffers.reduce((n, b) => n + b.length, 0)
globalThis.gc?.()
process.stdout.write(
  `data: ${fmt(ROWS)} rows × 30 columns, ${mb(bytes)} of CSV in memory, generated in ${fmt(performance.now() - genStart)} ms; ` +
    `RSS with the data ${mb(process.memoryUsage.rss())}; ${RUNS} runs, alternating\n`,
)
const probe = new pg.Client({ connectionString: PG_URL })
await probe.connect()
const wal = (await probe.query<{ max_wal_size: string }>('SHOW max_wal_size')).rows[0]?.max_wal_size
await probe.end()
process.stdout.write(
  `PostgreSQL max_wal_size = ${wal} (perf-limits.md: raise it for big loads; left as is here)\n`,
)

const variants = [
  'sqlite: sfsync store',
  'sqlite: raw insert',
  'postgres: sfsync store (COPY)',
  'postgres: raw COPY',
] as const
const results = new Map<string, Outcome[]>(variants.map((v) => [v, []]))
const dir = mkdtempSync(join(tmpdir(), 'sfsync-bench-store-'))
try {
  for (let run = 0; run < RUNS; run++) {
    const tag = `${process.pid}_${run}`
    const runDir = mkdtempSync(join(dir, 'run-'))
    const outcomes: [string, Outcome][] = [
      [
        'sqlite: sfsync store',
        await measure(async () =>
          viaStore(await openDestination(`sqlite:${join(runDir, 's.db')}`), buffers, COMMIT_EVERY.sqlite),
        ),
      ],
      ['sqlite: raw insert', await measure(() => rawSqlite(join(runDir, 'r.db'), buffers))],
      [
        'postgres: sfsync store (COPY)',
        await measure(async () =>
          viaStore(
            await openDestination(PG_URL, { schema: `bench_s${tag}` }),
            buffers,
            COMMIT_EVERY.postgres,
          ),
        ),
      ],
      ['postgres: raw COPY', await measure(() => rawPostgres(`bench_r${tag}`, buffers))],
    ]
    await dropSchema(`bench_s${tag}`)
    await dropSchema(`bench_r${tag}`)
    rmSync(runDir, { recursive: true, force: true })
    for (const [name, o] of outcomes) {
      results.get(name)?.push(o)
      process.stdout.write(
        `run ${run + 1}: ${name}: ${fmt(o.rowsPerSec)} rows/s, ${fmt(o.rowsPerCpuSec)} rows per node CPU-s, peak RSS ${mb(o.peakRss)}\n`,
      )
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const rate = (name: string): number => median((results.get(name) ?? []).map((o) => o.rowsPerSec))
printTable([
  ['path', 'rows/s (median)', 'min – max', 'rows per node CPU-s', 'peak RSS (median)', 'vs raw'],
  ...variants.map((name) => {
    const list = results.get(name) ?? []
    const rates = list.map((o) => o.rowsPerSec)
    const raw = name.startsWith('sqlite') ? rate('sqlite: raw insert') : rate('postgres: raw COPY')
    return [
      name,
      fmt(median(rates)),
      `${fmt(Math.min(...rates))} – ${fmt(Math.max(...rates))}`,
      fmt(median(list.map((o) => o.rowsPerCpuSec))),
      mb(median(list.map((o) => o.peakRss))),
      `${(median(rates) / raw).toFixed(2)}×`,
    ]
  }),
])
