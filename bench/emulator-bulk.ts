/**
 * `npm run bench -- emulator-bulk`: how fast the emulator serves Bulk API 2.0 query results.
 *
 * A child process starts the emulator with BENCH_BULK_ROWS Account rows (default 1,000,000), runs one
 * Bulk query job over every non-compound Account field, then reads the results twice (one page, and
 * pages of 50,000 through `Sforce-Locator`) and serves exactly those bytes from memory with a plain
 * `node:http` server: the ceiling. This process downloads each variant with undici (identity encoding,
 * body bytes counted, not parsed) in rounds that alternate the order, and prints medians and the
 * emulator/plain ratio measured within each round.
 *
 * `node bench/emulator-bulk.ts --jsforce` also checks correctness at that size: every row of a Bulk
 * queryAll comes exactly once (pages of 50,000 through Sforce-Locator) and equals a REST queryAll of the
 * rows; and it reports how far jsforce's own `bulk2.query()` record events get on the whole result.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import jsforce from 'jsforce'
import { parse } from 'csv-parse'
import { startEmulator } from '../src/emulator/emulator.ts'
import { fmt, median, printTable } from './_stats.ts'

const ROWS = Number(process.env.BENCH_BULK_ROWS ?? 1_000_000)
const ROUNDS = Number(process.env.BENCH_BULK_ROUNDS ?? 5)
const PAGE = 50_000
const V = 'v60.0'

interface Ready {
  readonly emulatorUrl: string
  readonly plainUrl: string
  readonly token: string
  readonly jobId: string
  readonly rows: number
  readonly bytes: number
  readonly pages: number
  readonly jobMs: number
  readonly columns: number
  readonly soql: string
}

// ---------------------------------------------------------------- server side (child process)

async function readAll(
  url: string,
  token: string,
): Promise<{ body: Buffer; headers: Record<string, string> }> {
  const res = await request(url, { headers: { authorization: `Bearer ${token}` } })
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${await res.body.text()}`)
  const chunks: Buffer[] = []
  for await (const chunk of res.body) chunks.push(chunk as Buffer)
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v
  return { body: Buffer.concat(chunks), headers }
}

async function serverMain(): Promise<void> {
  const started = performance.now()
  const emu = await startEmulator({ records: { Account: ROWS }, seed: 'bench' })
  process.stderr.write(
    `emulator with ${fmt(ROWS)} Accounts ready in ${fmt(performance.now() - started)} ms\n`,
  )
  const url = emu.info.instanceUrl
  const tokenRes = await request(`${url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.info.consumerKey,
      client_secret: emu.info.consumerSecret,
    }).toString(),
  })
  const token = ((await tokenRes.body.json()) as { access_token: string }).access_token
  const auth = { authorization: `Bearer ${token}` }
  const describe = (await (
    await request(`${url}/services/data/${V}/sobjects/Account/describe`, { headers: auth })
  ).body.json()) as { fields: Array<{ name: string; type: string }> }
  const fields = describe.fields
    .filter((f) => f.type !== 'address' && f.type !== 'location')
    .map((f) => f.name)
  const soql = `SELECT ${fields.join(', ')} FROM Account`

  const jobStart = performance.now()
  const created = await request(`${url}/services/data/${V}/jobs/query`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'queryAll', query: soql }),
  })
  const jobId = ((await created.body.json()) as { id: string }).id
  for (;;) {
    const info = (await (
      await request(`${url}/services/data/${V}/jobs/query/${jobId}`, { headers: auth })
    ).body.json()) as { state: string }
    if (info.state === 'JobComplete') break
    if (info.state !== 'UploadComplete' && info.state !== 'InProgress') throw new Error(`job ${info.state}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  const jobMs = performance.now() - jobStart

  const results = `${url}/services/data/${V}/jobs/query/${jobId}/results`
  const whole = await readAll(results, token)
  const pages: Array<{ body: Buffer; headers: Record<string, string> }> = []
  let locator = ''
  do {
    const page = await readAll(`${results}?maxRecords=${PAGE}${locator ? `&locator=${locator}` : ''}`, token)
    pages.push(page)
    locator = page.headers['sforce-locator'] ?? 'null'
  } while (locator !== 'null')

  // The ceiling: the same bytes and headers, written from memory by a plain node:http server.
  const plain: Server = createServer((req, res) => {
    const match = /^\/page\/(\d+)$/.exec(req.url ?? '')
    const served = match ? pages[Number(match[1])] : whole
    if (!served) {
      res.writeHead(404).end()
      return
    }
    const next = match ? Number(match[1]) + 1 : pages.length
    res.writeHead(200, {
      'content-type': 'text/csv',
      'content-length': served.body.length,
      'sforce-numberofrecords': served.headers['sforce-numberofrecords'] ?? '0',
      'sforce-locator': next < pages.length ? String(next) : 'null',
    })
    res.end(served.body)
  })
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r))
  const address = plain.address()
  const plainUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const ready: Ready = {
    emulatorUrl: url,
    plainUrl,
    token,
    jobId,
    rows: Number(whole.headers['sforce-numberofrecords']),
    bytes: whole.body.length,
    pages: pages.length,
    jobMs,
    columns: fields.length,
    soql,
  }
  process.send?.(ready)
  process.once('message', () => {
    plain.close()
    void emu.close().then(() => process.exit(0))
  })
}

// ---------------------------------------------------------------- client side (this process)

/** Downloads a URL, counting body bytes; follows Sforce-Locator when `paged`. Returns ms and bytes. */
async function download(
  first: string,
  next: (locator: string) => string,
  token: string,
): Promise<{ ms: number; bytes: number; rows: number }> {
  const t0 = performance.now()
  let bytes = 0
  let rows = 0
  let url: string | undefined = first
  while (url) {
    const res = await request(url, {
      headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'identity' },
    })
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`)
    for await (const chunk of res.body) bytes += (chunk as Buffer).length
    rows += Number(res.headers['sforce-numberofrecords'])
    const locator: unknown = res.headers['sforce-locator']
    url = typeof locator === 'string' && locator !== 'null' ? next(locator) : undefined
  }
  return { ms: performance.now() - t0, bytes, rows }
}

/** Every row of a Bulk query through `maxRecords` pages (csv-parse), keyed by Id; counts duplicates. */
async function bulkRowsByPages(
  ready: Ready,
  soql: string,
): Promise<{ rows: Map<string, Record<string, string>>; duplicates: number }> {
  const auth = { authorization: `Bearer ${ready.token}` }
  const created = await request(`${ready.emulatorUrl}/services/data/${V}/jobs/query`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'queryAll', query: soql }),
  })
  const id = ((await created.body.json()) as { id: string }).id
  for (;;) {
    const info = await request(`${ready.emulatorUrl}/services/data/${V}/jobs/query/${id}`, { headers: auth })
    const state = ((await info.body.json()) as { state: string }).state
    if (state === 'JobComplete') break
    await new Promise((r) => setTimeout(r, 200))
  }
  const rows = new Map<string, Record<string, string>>()
  let duplicates = 0
  let locator = ''
  do {
    const base = `${ready.emulatorUrl}/services/data/${V}/jobs/query/${id}/results?maxRecords=${PAGE}`
    const res = await request(locator ? `${base}&locator=${locator}` : base, { headers: auth })
    const parser = res.body.pipe(parse({ columns: true }))
    for await (const row of parser as AsyncIterable<Record<string, string>>) {
      if (rows.has(row.Id ?? '')) duplicates++
      rows.set(row.Id ?? '', row)
    }
    const next = res.headers['sforce-locator']
    locator = typeof next === 'string' ? next : 'null'
  } while (locator !== 'null')
  return { rows, duplicates }
}

/**
 * jsforce's own `bulk2.query()` read through its `'record'` events (one page: the default page holds
 * every row), reported as far as it gets: those events stop at 999,999 records because jsforce pipes
 * them into an internal stream nobody reads (no server involved; see
 * src/emulator/bulk/bulk-jsforce-million.test.ts, which reads jsforce's CSV data stream instead and gets
 * every row), and jsforce cannot follow a second page (jsforce issues #1546, #1693).
 */
async function jsforceStream(ready: Ready, soql: string): Promise<string> {
  const conn = new jsforce.Connection({
    instanceUrl: ready.emulatorUrl,
    accessToken: ready.token,
    version: '60.0',
  })
  const t0 = performance.now()
  const stream = await conn.bulk2.query(soql, { scanAll: true, pollTimeout: 900_000 })
  const ids = new Set<string>()
  let duplicates = 0
  const ended = await new Promise<boolean>((resolve, reject) => {
    let timer = setTimeout(() => resolve(false), 60_000)
    stream
      .on('record', (r: Record<string, string>) => {
        if (ids.has(r.Id ?? '')) duplicates++
        ids.add(r.Id ?? '')
        clearTimeout(timer)
        timer = setTimeout(() => resolve(false), 60_000)
      })
      .on('end', () => {
        clearTimeout(timer)
        resolve(true)
      })
      .on('error', reject)
  })
  const ms = performance.now() - t0
  return `${fmt(ids.size)} rows, ${duplicates} duplicates, ${ended ? 'stream ended' : 'STREAM NEVER ENDED (60 s idle)'} after ${fmt(ms)} ms`
}

async function verifyWithJsforce(ready: Ready): Promise<void> {
  const soql = 'SELECT Id, Name, IsDeleted, SystemModstamp FROM Account'
  process.stdout.write(`\njsforce bulk2.query (queryAll, streamed): ${await jsforceStream(ready, soql)}\n`)
  const { rows: bulk, duplicates } = await bulkRowsByPages(ready, soql)
  let restRows = 0
  let mismatches = 0
  let path: string | undefined = `/services/data/${V}/queryAll?q=${encodeURIComponent(soql)}`
  while (path) {
    const res: Awaited<ReturnType<typeof request>> = await request(`${ready.emulatorUrl}${path}`, {
      headers: { authorization: `Bearer ${ready.token}` },
    })
    const page = (await res.body.json()) as {
      records: Array<Record<string, unknown>>
      nextRecordsUrl?: string
    }
    for (const rec of page.records) {
      restRows++
      const row = bulk.get(String(rec.Id))
      const same =
        row &&
        row.Name === (rec.Name ?? '') &&
        row.IsDeleted === String(rec.IsDeleted) &&
        row.SystemModstamp === String(rec.SystemModstamp).replace('+0000', 'Z')
      if (!same) mismatches++
    }
    path = page.nextRecordsUrl
  }
  process.stdout.write(
    `Bulk pages of ${fmt(PAGE)} (csv-parse): ${fmt(bulk.size)} rows, duplicates ${duplicates}; ` +
      `REST queryAll ${fmt(restRows)} rows; rows differing or missing ${mismatches}\n`,
  )
  if (duplicates > 0 || mismatches > 0 || restRows !== bulk.size) {
    process.stdout.write('FAILED: Bulk and REST disagree\n')
    process.exitCode = 1
  }
}

async function clientMain(): Promise<void> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--server'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ready))
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
  try {
    const results = `${ready.emulatorUrl}/services/data/${V}/jobs/query/${ready.jobId}/results`
    const variants = {
      'emulator, 1 page': () => download(results, () => '', ready.token),
      'plain node:http, 1 page': () => download(ready.plainUrl, () => '', ready.token),
      'emulator, 50k-row pages': () =>
        download(
          `${results}?maxRecords=${PAGE}`,
          (l) => `${results}?maxRecords=${PAGE}&locator=${l}`,
          ready.token,
        ),
      'plain node:http, 50k-row pages': () =>
        download(`${ready.plainUrl}/page/0`, (l) => `${ready.plainUrl}/page/${l}`, ready.token),
    }
    const names = Object.keys(variants) as Array<keyof typeof variants>
    const ms = new Map<string, number[]>(names.map((n) => [n, []]))
    const ratioWhole: number[] = []
    const ratioPaged: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse()
      const got = new Map<string, number>()
      for (const name of order) {
        const r = await variants[name]()
        if (r.bytes !== ready.bytes + (name.includes('pages') ? (ready.pages - 1) * headerBytes(ready) : 0))
          throw new Error(`${name}: ${r.bytes} bytes, expected ${ready.bytes}`)
        if (r.rows !== ready.rows) throw new Error(`${name}: ${r.rows} rows, expected ${ready.rows}`)
        ms.get(name)?.push(r.ms)
        got.set(name, r.ms)
      }
      ratioWhole.push((got.get('plain node:http, 1 page') ?? 0) / (got.get('emulator, 1 page') ?? 1))
      ratioPaged.push(
        (got.get('plain node:http, 50k-row pages') ?? 0) / (got.get('emulator, 50k-row pages') ?? 1),
      )
    }
    process.stdout.write(
      `${fmt(ready.rows)} Account rows, ${ready.columns} columns, ${(ready.bytes / 1e6).toFixed(1)} MB of CSV ` +
        `(${Math.round(ready.bytes / ready.rows)} B/row); query job written in ${fmt(ready.jobMs)} ms ` +
        `(${fmt((ready.rows * 1000) / ready.jobMs)} rows/s); ${ROUNDS} rounds, medians\n\n`,
    )
    const table: string[][] = [['variant', 'rows/s', 'MB/s', 'ms (min–max)']]
    for (const name of names) {
      const runs = ms.get(name) ?? []
      const m = median(runs)
      table.push([
        name,
        fmt((ready.rows * 1000) / m),
        (((ready.bytes / 1e6) * 1000) / m).toFixed(0),
        `${fmt(m)} (${fmt(Math.min(...runs))}–${fmt(Math.max(...runs))})`,
      ])
    }
    printTable(table)
    process.stdout.write(
      `\nemulator / plain (same round, median): 1 page ${median(ratioWhole).toFixed(2)}×, ` +
        `50k-row pages ${median(ratioPaged).toFixed(2)}× (goal ≥ 0.5×)\n`,
    )
    if (process.argv.includes('--jsforce')) await verifyWithJsforce(ready)
  } finally {
    child.send('stop')
    await new Promise((r) => child.once('exit', r))
  }
}

/** Bytes of the header line that every page repeats. */
function headerBytes(ready: Ready): number {
  return Buffer.byteLength(
    ready.soql
      .replace(/^SELECT /, '')
      .replace(/ FROM Account$/, '')
      .split(', ')
      .map((f) => `"${f}"`)
      .join(',') + '\n',
  )
}

if (process.argv.includes('--server')) await serverMain()
else await clientMain()
