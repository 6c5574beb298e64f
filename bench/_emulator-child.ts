/**
 * The emulator as a child process (bench/_emulator-process.ts, the equivalent of `sfsync emulator
 * --port 0 --records ...`), so that its CPU and memory are not the benchmark's; plus a
 * client-credentials token and GET of JSON resources.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ENTRY = fileURLToPath(new URL('./_emulator-process.ts', import.meta.url))

/** The emulator's startup line (the fields the benchmarks use). */
export interface EmulatorLine {
  readonly instanceUrl: string
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly controlUrl: string
  readonly controlToken: string
}

export interface EmulatorChild {
  readonly info: EmulatorLine
  readonly pid: number
  /** Wall-clock ms from spawn to the startup line (data generation included). */
  readonly startMs: number
  stop(): Promise<void>
}

/** Starts the emulator process with the given record counts and waits for its JSON line. */
export async function startEmulatorChild(
  records: Record<string, number>,
  seed = 'bench',
): Promise<EmulatorChild> {
  const list = Object.entries(records)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
  const t0 = performance.now()
  const child: ChildProcess = spawn(process.execPath, [ENTRY, seed, list], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const info = await new Promise<EmulatorLine>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as EmulatorLine)
      } catch (err) {
        reject(new Error(`emulator startup line is not JSON: ${line.slice(0, 200)} (${String(err)})`))
      }
    })
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${code} before starting`)))
  })
  return {
    info,
    pid: child.pid ?? 0,
    startMs: performance.now() - t0,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** An access token through the client-credentials flow. */
export async function clientCredentialsToken(info: EmulatorLine): Promise<string> {
  const res = await fetch(`${info.instanceUrl}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: info.consumerKey,
      client_secret: info.consumerSecret,
    }),
  })
  const body = (await res.json()) as { access_token?: string; error?: string }
  if (!body.access_token) throw new Error(`token request failed: ${res.status} ${body.error ?? ''}`)
  return body.access_token
}

/** GET a JSON resource of the org; throws on an error status. */
export async function getJson<T>(info: EmulatorLine, token: string, path: string): Promise<T> {
  const res = await fetch(`${info.instanceUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
  const text = await res.text()
  if (res.status >= 400) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`)
  return JSON.parse(text) as T
}
