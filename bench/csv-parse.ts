/**
 * `npm run bench -- csv-parse`: our Bulk CSV parser (src/sync/csv) against `csv-parse`, on the same
 * in-memory 30-column Account-like CSV, in the same process, alternating, median of RUNS runs.
 * Both get the bytes in HTTP-sized chunks and produce one array of fields per row; each run also
 * checks that both saw the same rows (count and total field length).
 * Env: ROWS (default 1,000,000), RUNS (default 3).
 */
import { Readable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { parse } from 'csv-parse'
import { parseCsvStream } from '../src/sync/csv/parse-csv-stream.ts'
import { chunked, generateAccountCsv } from './_account-data.ts'
import { fmt, mb, median, perSec, printTable } from './_stats.ts'

const ROWS = Number(process.env.ROWS ?? 1_000_000)
const RUNS = Number(process.env.RUNS ?? 3)

interface Outcome {
  rows: number
  chars: number
  ms: number
  /** CPU time of this process (user + system), less noisy than wall time on a shared machine. */
  cpuMs: number
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since)
  return (d.user + d.system) / 1000
}

async function ours(buffers: Buffer[]): Promise<Outcome> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  let rows = 0
  let chars = 0
  for await (const batch of parseCsvStream(chunked(buffers), {
    columnDelimiter: 'COMMA',
    lineEnding: 'LF',
  })) {
    rows += batch.rows.length
    for (const row of batch.rows) for (const f of row) if (f !== null) chars += f.length
  }
  return { rows, chars, ms: performance.now() - start, cpuMs: cpuMs(cpu) }
}

async function csvParse(buffers: Buffer[]): Promise<Outcome> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  let rows = -1 // the header comes out as a record too
  let chars = 0
  // 32 KiB chunks: csv-parse's best setting here (perf-limits.md, row 1).
  const parser = Readable.from(chunked(buffers, 32 * 1024)).pipe(parse({ record_delimiter: '\n' }))
  // 'data' events rather than for-await: an awaited promise per record would measure the iterator, not the parser.
  parser.on('data', (record: string[]) => {
    if (rows++ < 0) return
    for (const f of record) chars += f.length
  })
  await finished(parser)
  return { rows, chars, ms: performance.now() - start, cpuMs: cpuMs(cpu) }
}

const genStart = performance.now()
const buffers = generateAccountCsv(ROWS)
const bytes = buffers.reduce((n, b) => n + b.length, 0)
process.stdout.write(
  `data: ${fmt(ROWS)} rows × 30 columns, ${mb(bytes)} of CSV, generated in ${fmt(performance.now() - genStart)} ms; ${RUNS} runs, alternating\n`,
)

const results: Record<'ours' | 'csv-parse', number[]> = { ours: [], 'csv-parse': [] }
const cpuRates: Record<'ours' | 'csv-parse', number[]> = { ours: [], 'csv-parse': [] }
const ratios: number[] = []
for (let run = 0; run < RUNS; run++) {
  globalThis.gc?.()
  const a = await ours(buffers)
  globalThis.gc?.()
  const b = await csvParse(buffers)
  if (a.rows !== ROWS || b.rows !== ROWS || a.chars !== b.chars)
    throw new Error(`parsers disagree: ours ${a.rows} rows/${a.chars} chars, csv-parse ${b.rows}/${b.chars}`)
  const ra = perSec(a.rows, a.ms)
  const rb = perSec(b.rows, b.ms)
  results.ours.push(ra)
  results['csv-parse'].push(rb)
  ratios.push(ra / rb)
  cpuRates.ours.push(perSec(a.rows, a.cpuMs))
  cpuRates['csv-parse'].push(perSec(b.rows, b.cpuMs))
  process.stdout.write(`run ${run + 1}: ours ${fmt(ra)} rows/s, csv-parse ${fmt(rb)} rows/s\n`)
}

const mbs = (rowsPerSec: number): string => ((rowsPerSec * bytes) / ROWS / 1e6).toFixed(1)
printTable([
  ['parser', 'rows/s (median)', 'min – max', 'MB/s', 'rows per CPU-s'],
  ...(['ours', 'csv-parse'] as const).map((k) => [
    k,
    fmt(median(results[k])),
    `${fmt(Math.min(...results[k]))} – ${fmt(Math.max(...results[k]))}`,
    mbs(median(results[k])),
    fmt(median(cpuRates[k])),
  ]),
])
process.stdout.write(
  `ours / csv-parse, per run: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)}×\n`,
)
