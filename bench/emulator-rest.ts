/**
 * `npm run bench -- emulator-rest [--rows N | --quick] [--runs R]`: how fast the emulator serves REST
 * query pages (issue 2). The emulator runs as a child process with N Account rows (default 1,000,000,
 * `--quick` 50,000); this process reads `SELECT <every Account field> FROM Account` in pages of 2,000
 * records (`Sforce-Query-Options: batchSize=2000`), following `nextRecordsUrl` to the end, R times
 * (default 3). It prints records/s and MB/s of a whole pass (median), the time of one page (median and
 * p95 over every page of every pass), and the emulator process's CPU per 1,000 records (from
 * /proc/PID/stat: less noisy than wall-clock time on a shared machine).
 * Bodies are counted, not parsed: the client's JSON.parse is not the emulator's cost. Each pass checks
 * that it saw exactly N records (counted per page) and that the first page parses with 2,000 records.
 */
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { request } from 'undici'
import { clientCredentialsToken, getJson, startEmulatorChild } from './_emulator-child.ts'
import { fmt, mb, median, printTable } from './_stats.ts'

const V = 'v62.0'
const PAGE = 2_000

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

/** User + system CPU ms of a process (Linux /proc; clock ticks assumed 100/s, the Linux default). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const ATTRIBUTES = Buffer.from('{"attributes":')

/** Records of a page body: each record starts with its `attributes` (no nested records in this query). */
function countRecords(body: Buffer): number {
  let n = 0
  for (let i = body.indexOf(ATTRIBUTES); i >= 0; i = body.indexOf(ATTRIBUTES, i + ATTRIBUTES.length)) n++
  return n
}

interface Pass {
  readonly ms: number
  readonly records: number
  readonly bytes: number
  readonly pageMs: number[]
  readonly emulatorCpuMs: number
}

async function pass(base: string, token: string, soql: string, pid: number): Promise<Pass> {
  const headers = {
    authorization: `Bearer ${token}`,
    'sforce-query-options': `batchSize=${PAGE}`,
    'accept-encoding': 'identity',
  }
  const cpu0 = cpuMsOf(pid)
  const t0 = performance.now()
  let path: string | undefined = `/services/data/${V}/query?q=${encodeURIComponent(soql)}`
  let records = 0
  let bytes = 0
  const pageMs: number[] = []
  while (path) {
    const p0 = performance.now()
    const res: Awaited<ReturnType<typeof request>> = await request(`${base}${path}`, { headers })
    const chunks: Buffer[] = []
    for await (const c of res.body) chunks.push(c as Buffer)
    pageMs.push(performance.now() - p0)
    const body = Buffer.concat(chunks)
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${body.toString().slice(0, 300)}`)
    bytes += body.length
    records += countRecords(body)
    // Salesforce writes nextRecordsUrl before the records: read it from the head of the body.
    const head = body.subarray(0, 512).toString()
    path = /"done"\s*:\s*true/.test(head) ? undefined : /"nextRecordsUrl"\s*:\s*"([^"]+)"/.exec(head)?.[1]
    if (!path && !/"done"\s*:\s*true/.test(head))
      throw new Error(`page without done nor nextRecordsUrl: ${head}`)
  }
  return { ms: performance.now() - t0, records, bytes, pageMs, emulatorCpuMs: cpuMsOf(pid) - cpu0 }
}

const quick = process.argv.includes('--quick')
const rows = Number(arg('--rows') ?? (quick ? 50_000 : 1_000_000))
const runs = Number(arg('--runs') ?? 3)
if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(runs) || runs < 1)
  throw new Error('--rows and --runs take positive integers')
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
process.stdout.write(
  `emulator-rest: ${fmt(rows)} Account rows, pages of ${fmt(PAGE)}, ${runs} passes; ` +
    `${cpus().length} CPUs, load average ${load()}\n`,
)
const emu = await startEmulatorChild({ Account: rows })
let failed = false
try {
  process.stdout.write(`emulator child (pid ${emu.pid}) ready in ${fmt(emu.startMs)} ms (not timed)\n`)
  const token = await clientCredentialsToken(emu.info)
  const describe = await getJson<{ fields: Array<{ name: string }> }>(
    emu.info,
    token,
    `/services/data/${V}/sobjects/Account/describe`,
  )
  const soql = `SELECT ${describe.fields.map((f) => f.name).join(', ')} FROM Account`
  const first = await getJson<{ totalSize: number; records: unknown[] }>(
    emu.info,
    token,
    `/services/data/${V}/query?q=${encodeURIComponent(soql)}`,
  )
  if (first.totalSize !== rows || first.records.length !== Math.min(PAGE, rows))
    throw new Error(`first page: totalSize ${first.totalSize}, ${first.records.length} records`)
  process.stdout.write(`query: all ${describe.fields.length} Account fields (compound ones included)\n`)
  const passes: Pass[] = []
  for (let i = 0; i < runs; i++) {
    const p = await pass(emu.info.instanceUrl, token, soql, emu.pid)
    if (p.records !== rows) throw new Error(`pass ${i + 1}: ${p.records} records, expected ${rows}`)
    passes.push(p)
    process.stdout.write(
      `pass ${i + 1}: ${fmt((p.records * 1000) / p.ms)} records/s, ${fmt(p.ms)} ms, ${p.pageMs.length} pages, ` +
        `${mb(p.bytes)}, emulator CPU ${fmt(p.emulatorCpuMs)} ms; load ${load()}\n`,
    )
  }
  const pages = passes.flatMap((p) => p.pageMs).sort((a, b) => a - b)
  const p95 = pages[Math.min(pages.length - 1, Math.ceil(pages.length * 0.95) - 1)] ?? NaN
  const rates = passes.map((p) => (p.records * 1000) / p.ms)
  process.stdout.write('\n')
  printTable([
    [
      'records/s (median)',
      'min – max',
      'MB/s (JSON)',
      'page ms median',
      'page ms p95',
      'emulator CPU ms / 1k records',
      'bytes / record',
    ],
    [
      fmt(median(rates)),
      `${fmt(Math.min(...rates))} – ${fmt(Math.max(...rates))}`,
      (median(passes.map((p) => p.bytes / p.ms)) / 1000).toFixed(1),
      median(pages).toFixed(1),
      p95.toFixed(1),
      median(passes.map((p) => (p.emulatorCpuMs * 1000) / p.records)).toFixed(1),
      fmt(median(passes.map((p) => p.bytes / p.records))),
    ],
  ])
  process.stdout.write(`load average at the end: ${load()}\n`)
} catch (err) {
  failed = true
  process.stdout.write(`FAILED: ${(err as Error).message}\n`)
} finally {
  await emu.stop()
}
if (failed) process.exitCode = 1
