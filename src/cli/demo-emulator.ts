/**
 * The demo's emulator, run as a child process (`sfsync emulator`): the org then generates, serves and
 * changes its records on the machine's other core while the sync parses and writes in this one.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** What the emulator prints on startup (the fields the demo uses). */
export interface DemoOrgInfo {
  readonly instanceUrl: string
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly orgId: string
  readonly username: string
  readonly controlUrl: string
  readonly controlToken: string
}

export interface DemoEmulator {
  readonly info: DemoOrgInfo
  /** A control-API call (bearer controlToken); throws on an HTTP error. */
  control(method: string, path: string, body?: unknown): Promise<unknown>
  /** Stops the child and waits for it to exit. */
  stop(): Promise<void>
  /** Resolves when the child exits by itself (e.g. Ctrl-C reached it). */
  readonly exited: Promise<void>
}

export interface DemoEmulatorOptions {
  readonly seed: string
  readonly records: Readonly<Record<string, number>>
  readonly activityRate: number
  readonly commitLagMs: number
}

/** Starts `sfsync emulator` and waits for its startup line. */
export async function startDemoEmulator(o: DemoEmulatorOptions): Promise<DemoEmulator> {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url))
  const records = Object.entries(o.records)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      'emulator',
      '--port',
      '0',
      '--seed',
      o.seed,
      '--records',
      records,
      '--activity',
      String(o.activityRate),
      '--commit-lag',
      String(o.commitLagMs),
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  // Its stderr is kept for an error message only: it would break the progress bars.
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const info = await new Promise<DemoOrgInfo>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as DemoOrgInfo)
      } catch {
        reject(new Error(`the emulator printed an unexpected line: ${line.slice(0, 200)}`))
      }
    })
    void exited.then(() => reject(new Error(`the emulator stopped before it started:\n${stderr}`)))
  })
  return {
    info,
    exited,
    async control(method, path, body) {
      const res = await fetch(`${info.controlUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${info.controlToken}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`)
      return res.json()
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
