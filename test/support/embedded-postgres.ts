/**
 * Starts a throwaway PostgreSQL (test/support/embedded-postgres-server.ts) in a child process and
 * returns its URL; `stop()` shuts it down and removes its data.
 * @example const pg = await startEmbeddedPostgres({ database: 'test' }); ...; await pg.stop()
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'

export interface EmbeddedPostgresHandle {
  readonly url: string
  stop(): Promise<void>
}

export async function startEmbeddedPostgres(
  options: { database?: string; settings?: Readonly<Record<string, string>> } = {},
): Promise<EmbeddedPostgresHandle> {
  const script = new URL('./embedded-postgres-server.ts', import.meta.url).pathname
  const flags = Object.entries(options.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`])
  const child = spawn(process.execPath, [script, options.database ?? 'test', ...flags], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const exited = once(child, 'exit')
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.once('line', resolve)
    child.once('exit', (code) =>
      reject(new Error(`embedded PostgreSQL exited with ${code} before it was ready`)),
    )
  })
  const { url } = JSON.parse(line) as { url: string }
  // The child stops the server when its stdin closes, so it also goes away if this process dies.
  child.unref()
  return {
    url,
    async stop() {
      // Keep this process alive until the server has stopped.
      child.ref()
      child.stdin.end()
      await exited
    },
  }
}
